"""Guards: missing values counted, small windows refused, unseen categories named, bounded samples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from monitor.stats import ColumnType, get_method, run_guarded
from monitor.stats.guards import bounded_sample, check_sizes, drop_missing, unseen_categories
from monitor.stats.registry import ColumnTypeNotAllowedError, UnknownMethodError
from monitor.stats.result import Rule, insufficient_data

NUM, CAT = ColumnType.NUMERICAL, ColumnType.CATEGORICAL


def test_drop_missing_numerical() -> None:
    cleaned = drop_missing([1.0, np.nan, 2.0, np.inf, -np.inf, 3.0], NUM)
    np.testing.assert_array_equal(cleaned.values, [1.0, 2.0, 3.0])
    assert cleaned.n_dropped == 3
    with_none = drop_missing([1, None, 2.5], NUM)
    assert with_none.values.dtype == np.float64 and with_none.n_dropped == 1
    assert drop_missing(np.arange(5), NUM).n_dropped == 0


def test_drop_missing_categorical() -> None:
    cleaned = drop_missing(["a", None, "b", float("nan"), "a"], CAT)
    assert cleaned.values.tolist() == ["a", "b", "a"] and cleaned.n_dropped == 2
    assert drop_missing(np.array(["a", "nan"]), CAT).n_dropped == 0  # the string "nan" is a category


def test_check_sizes() -> None:
    assert check_sizes(100, 100) is None
    assert check_sizes(0, 500) == "reference window has no usable values"
    assert check_sizes(500, 99) == "current window has 99 usable values, fewer than the minimum 100"
    assert check_sizes(5, 5, min_size=5) is None


def test_unseen_categories_largest_share_first() -> None:
    current = ["a"] * 90 + ["new"] * 4 + ["newer"] * 6
    assert unseen_categories(["a", "b"], current) == {"newer": 0.06, "new": 0.04}
    assert unseen_categories(["a"], ["a", "a"]) == {}
    assert unseen_categories([1, 2], [2, 3, 3]) == {"3": pytest.approx(2 / 3)}


def test_bounded_sample_is_reproducible_and_without_replacement() -> None:
    values = np.arange(10_000)
    sample = bounded_sample(values, 500, seed=7)
    assert sample.size == 500 and np.unique(sample).size == 500
    np.testing.assert_array_equal(sample, bounded_sample(values, 500, seed=7))
    assert bounded_sample(values[:10], 500).size == 10


def test_run_guarded_reports_drops_and_unseen_categories() -> None:
    rng = np.random.default_rng(0)
    reference = list(rng.choice(["a", "b"], 400))
    current = list(rng.choice(["a", "b", "c"], 300, p=[0.45, 0.45, 0.1])) + [None] * 7
    result = run_guarded("jensenshannon", reference, current, column_type=CAT)
    assert result.status == "ok"
    assert result.details["n_dropped_current"] == 7 and result.details["n_dropped_reference"] == 0
    unseen = result.details["unseen_categories"]
    assert isinstance(unseen, dict) and list(unseen) == ["c"]
    plain = get_method("jensenshannon")(reference, [v for v in current if v is not None], column_type=CAT)
    assert result.score == plain.score  # guards never change the number


def test_run_guarded_insufficient_keeps_threshold_and_sizes() -> None:
    result = run_guarded("ks", np.arange(500.0), [1.0, np.nan], column_type=NUM, threshold=0.01)
    assert result.status == "insufficient_data" and not result.drifted and math.isnan(result.score)
    assert result.threshold == 0.01 and result.rule is Rule.P_AT_MOST
    assert result.details["n_current"] == 1 and result.details["n_dropped_current"] == 1
    default = run_guarded("psi", [], np.arange(500.0), column_type=NUM)
    assert default.threshold == 0.1 and default.details["reason"] == "reference window has no usable values"


def test_run_guarded_min_size_is_configurable() -> None:
    result = run_guarded("psi", np.arange(30.0), np.arange(30.0), column_type=NUM, min_size=30)
    assert result.status == "ok" and result.score == 0.0


def test_run_guarded_checks_the_method_before_the_data() -> None:
    with pytest.raises(UnknownMethodError):
        run_guarded("nope", [], [], column_type=NUM)
    with pytest.raises(ColumnTypeNotAllowedError):
        run_guarded("chisquare", [1.0], [1.0], column_type=NUM)


def test_insufficient_data_result_never_drifts() -> None:
    result = insufficient_data("psi", 0.1, Rule.SCORE_AT_LEAST, "too small", {"n_current": 3})
    assert (result.drifted, result.status, result.details) == (
        False,
        "insufficient_data",
        {"n_current": 3, "reason": "too small"},
    )


def test_plain_methods_refuse_missing_values_with_a_pointer_to_the_guard() -> None:
    with pytest.raises(ValueError, match=r"drop_missing"):
        get_method("chisquare")(np.array(["a", None]), ["a"], column_type=CAT)
    with pytest.raises(ValueError, match="real numbers"):
        get_method("ks")(["a", "b"], ["a"], column_type=NUM)


def test_mann_whitney_is_one_sided_as_in_evidently() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 1, 500)
    assert get_method("mannw")(reference, reference + 0.5, column_type=NUM).drifted
    assert not get_method("mannw")(reference, reference - 0.5, column_type=NUM).drifted  # a drop is missed
