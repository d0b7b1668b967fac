"""Data-quality checks: summary forms, frame forms (which must agree), guards, verdicts, settings."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from monitor.jobs.results import Check, CheckResult, Status
from monitor.quality import (
    QualitySettings,
    ValueRange,
    evaluate_quality,
    freshness,
    missing_from_counts,
    missing_values,
    out_of_range,
    out_of_range_from_counts,
    reference_range,
    unseen_categories,
    unseen_from_counts,
    volume_from_counts,
)
from monitor.quality.summaries import MAX_NAMED_CATEGORIES

SMALL = QualitySettings(min_rows=10)  # hand-made frames are small
HOUR_MS = 3_600_000


def _reason(result: CheckResult) -> str:
    return str(result.details["reason"])


# --- missing values ---------------------------------------------------------------------------------


def test_missing_share_against_reference_plus_increase() -> None:
    ok = missing_from_counts("age", 14, 100, 10, 100, SMALL)
    assert (ok.check, ok.metric, ok.feature, ok.status) == (
        Check.MISSING_VALUES,
        "missing_share",
        "age",
        Status.OK,
    )
    assert ok.value == 0.14 and ok.threshold == pytest.approx(0.15) and ok.details["reference_share"] == 0.1
    assert missing_from_counts("age", 16, 100, 10, 100, SMALL).status is Status.BREACH
    at_limit = missing_from_counts(
        "age", 15, 100, 10, 100, SMALL.model_copy(update={"missing_increase_max": 0.05})
    )
    assert at_limit.status is Status.OK


def test_missing_share_hard_ceiling_applies_when_lower() -> None:
    capped = SMALL.model_copy(update={"missing_share_max": 0.3})
    result = missing_from_counts("x", 35, 100, 40, 100, capped)  # reference already 40% missing
    assert result.threshold == 0.3 and result.status is Status.BREACH
    assert missing_from_counts("x", 35, 100, 40, 100, SMALL).status is Status.OK  # 0.35 <= 0.45


@pytest.mark.parametrize(
    ("n", "reference_n", "reason"),
    [
        (0, 100, "the current window has no rows"),
        (5, 100, "the current window has 5 rows, fewer than the minimum 10"),
        (100, 0, "the reference has no rows"),
    ],
)
def test_missing_guards(n: int, reference_n: int, reason: str) -> None:
    result = missing_from_counts("x", 0, n, 0, reference_n, SMALL)
    assert result.status is Status.INSUFFICIENT_DATA and _reason(result) == reason
    assert math.isnan(result.value) and math.isnan(result.threshold)


def test_missing_values_from_frames_counts_nan_and_none() -> None:
    reference = pd.Series([1.0] * 18 + [np.nan] * 2)
    numeric = missing_values("n", pd.Series([1.0] * 14 + [np.nan] * 6), reference, SMALL)
    assert numeric.value == pytest.approx(0.3) and numeric.status is Status.BREACH  # 0.3 > 0.1 + 0.05
    categorical = pd.Series(["a"] * 19 + [None], dtype=object)
    assert missing_values("c", categorical, categorical, SMALL).value == pytest.approx(0.05)
    all_null = missing_values("n", pd.Series([np.nan] * 20), reference, SMALL)
    assert all_null.value == 1.0 and all_null.status is Status.BREACH  # all-null is the finding itself


# --- unseen categories ------------------------------------------------------------------------------


def test_unseen_categories_named_with_shares() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 49 + ["rare"], dtype=object)
    current = pd.Series(["a"] * 90 + ["new"] * 4 + ["newer"] * 6 + [None] * 20, dtype=object)
    result = unseen_categories("plan", current, reference, SMALL)
    assert (result.check, result.feature, result.status) == (Check.UNSEEN_CATEGORIES, "plan", Status.BREACH)
    assert result.value == pytest.approx(0.1) and result.threshold == 0.01
    assert list(result.details["unseen_categories"].items()) == [("newer", 0.06), ("new", 0.04)]  # type: ignore[attr-defined]
    assert result.details["n_values"] == 100  # nulls are the missing-value check's business
    assert result.details["expected_unseen_share"] == pytest.approx(0.01)  # "rare" once in 100


def test_unseen_categories_none_and_limit() -> None:
    reference = pd.Series(list("abc") * 10, dtype=object)
    assert unseen_categories("c", reference, reference, SMALL).value == 0.0
    one_in_hundred = {"a": 99, "z": 1}
    result = unseen_from_counts("c", one_in_hundred, {"a"}, 100, SMALL)
    assert result.value == 0.01 and result.status is Status.OK  # at the limit is fine


def test_unseen_category_of_an_unused_pandas_category_is_still_unseen() -> None:
    reference = pd.Series(pd.Categorical(["a"] * 20, categories=["a", "b"]))  # "b" declared, never seen
    current = pd.Series(pd.Categorical(["a"] * 15 + ["b"] * 5, categories=["a", "b"]))
    result = unseen_categories("c", current, reference, SMALL)
    assert result.details["unseen_categories"] == {"b": 0.25}


def test_unseen_names_are_capped_but_all_counted() -> None:
    counts = {f"new{i:02d}": 1 for i in range(30)} | {"a": 70}
    result = unseen_from_counts("c", counts, ["a"], 500, SMALL)
    assert len(result.details["unseen_categories"]) == MAX_NAMED_CATEGORIES  # type: ignore[arg-type]
    assert result.details["n_unseen_categories"] == 30 and result.value == pytest.approx(0.3)


def test_unseen_guards() -> None:
    empty_reference = pd.Series([None] * 50, dtype=object)
    current = pd.Series(["a"] * 50, dtype=object)
    result = unseen_categories("c", current, empty_reference, SMALL)
    assert result.status is Status.INSUFFICIENT_DATA and _reason(result) == "the reference has no rows"
    all_null = unseen_categories("c", empty_reference, current, SMALL)
    assert _reason(all_null) == "the current window has no rows"


# --- out of range ------------------------------------------------------------------------------------


def test_reference_range_is_the_configured_quantiles() -> None:
    values = pd.Series(np.r_[np.random.default_rng(1).normal(size=5000), [np.nan] * 10])
    expected = np.quantile(values.dropna(), [0.001, 0.999])
    low, high, n = reference_range(values, QualitySettings())
    assert low == pytest.approx(expected[0]) and high == pytest.approx(expected[1]) and n == 5000
    min_max = QualitySettings(range_low_quantile=0.0, range_high_quantile=1.0)
    assert reference_range(values, min_max)[:2] == (values.min(), values.max())
    assert reference_range(pd.Series([np.nan]), min_max).n == 0


def test_out_of_range_shares_and_inclusive_ends() -> None:
    settings = SMALL.model_copy(update={"range_low_quantile": 0.0, "range_high_quantile": 1.0})
    reference = pd.Series(np.arange(0.0, 11.0))  # range [0, 10]
    current = pd.Series([0.0, 10.0] + [5.0] * 95 + [-1.0, 11.0, 12.0, np.nan])
    result = out_of_range("income", current, reference, settings)
    assert (result.check, result.metric, result.status) == (
        Check.OUT_OF_RANGE,
        "out_of_range_share",
        Status.BREACH,
    )
    assert result.value == pytest.approx(0.03) and result.details["n_values"] == 100
    assert result.details["below_share"] == pytest.approx(0.01) and result.details[
        "above_share"
    ] == pytest.approx(0.02)
    assert (result.details["low"], result.details["high"]) == (0.0, 10.0)
    # a cached range gives the same verdict as the reference column
    assert out_of_range("income", current, ValueRange(0.0, 10.0, 11), settings) == result


def test_out_of_range_quiet_under_no_change_at_defaults() -> None:
    rng = np.random.default_rng(7)
    reference, current = pd.Series(rng.normal(size=20_000)), pd.Series(rng.normal(size=5000))
    result = out_of_range("x", current, reference, QualitySettings())
    assert result.status is Status.OK and result.value < 0.005


def test_out_of_range_guards() -> None:
    result = out_of_range_from_counts("x", 0, 0, 100, ValueRange(math.nan, math.nan, 0), SMALL)
    assert result.status is Status.INSUFFICIENT_DATA and _reason(result) == "the reference has no rows"
    tiny = out_of_range("x", pd.Series([1.0, np.nan]), pd.Series(np.arange(50.0)), SMALL)
    assert _reason(tiny) == "the current window has 1 rows, fewer than the minimum 10"


# --- volume and freshness ----------------------------------------------------------------------------


def test_volume_ratio_against_reference_rate() -> None:
    ok = volume_from_counts(900, 1.0, 168_000, 168.0, QualitySettings())  # 1000 rows/hour expected
    assert (ok.check, ok.metric, ok.status, ok.feature) == (Check.VOLUME, "volume_ratio", Status.OK, "")
    assert ok.value == pytest.approx(0.9) and ok.threshold == 0.25 and ok.details["expected_rows"] == 1000
    drop = volume_from_counts(200, 1.0, 168_000, 168.0, QualitySettings())
    assert drop.status is Status.BREACH and drop.details["direction"] == "drop"
    spike = volume_from_counts(4500, 1.0, 168_000, 168.0, QualitySettings())
    assert (spike.status, spike.threshold, spike.details["direction"]) == (Status.BREACH, 4.0, "spike")
    assert volume_from_counts(0, 2.0, 168_000, 168.0, QualitySettings()).value == 0.0


def test_volume_guards() -> None:
    few = volume_from_counts(0, 1.0, 1000, 168.0, QualitySettings())  # ~6 rows expected per hour
    assert (
        few.status is Status.INSUFFICIENT_DATA
        and _reason(few) == "6.0 rows expected, fewer than the minimum 20"
    )
    assert volume_from_counts(10, 1.0, 0, 168.0, QualitySettings()).status is Status.INSUFFICIENT_DATA
    with pytest.raises(ValueError, match="positive"):
        volume_from_counts(10, 0.0, 100, 168.0, QualitySettings())


def test_freshness() -> None:
    now = 1_700_000_000_000
    ok = freshness(now - 600_000, now, QualitySettings())
    assert (ok.check, ok.metric, ok.value, ok.threshold, ok.status) == (
        Check.FRESHNESS,
        "age_seconds",
        600.0,
        3600.0,
        Status.OK,
    )
    assert freshness(now - 2 * HOUR_MS, now, QualitySettings()).status is Status.BREACH
    assert freshness(now - HOUR_MS, now, QualitySettings()).status is Status.OK  # exactly at the limit
    never = freshness(None, now, QualitySettings())
    assert never.status is Status.BREACH and never.value == math.inf
    future = freshness(now + 5000, now, QualitySettings())
    assert future.value == 0.0 and future.details["future_by_seconds"] == 5.0 and future.status is Status.OK


# --- all checks together -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Features:
    numerical: tuple[str, ...] = ("income",)
    categorical: tuple[str, ...] = ("plan",)


def test_evaluate_quality_runs_every_check_in_order() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame(
        {"income": rng.normal(size=400), "plan": rng.choice(["a", "b"], 400).astype(object)}
    )
    current = pd.DataFrame(
        {"income": rng.normal(size=50), "plan": np.array(["a"] * 45 + ["c"] * 5, dtype=object)}
    )
    current.loc[:9, "income"] = np.nan
    now = 1_700_000_000_000
    results = evaluate_quality(
        current,
        reference,
        Features(),
        SMALL,
        current_hours=1.0,
        reference_hours=8.0,
        newest_timestamp_ms=now - 60_000,
        now_ms=now,
    )
    assert [(r.check, r.feature) for r in results] == [
        (Check.MISSING_VALUES, "income"),
        (Check.MISSING_VALUES, "plan"),
        (Check.UNSEEN_CATEGORIES, "plan"),
        (Check.OUT_OF_RANGE, "income"),
        (Check.VOLUME, ""),
        (Check.FRESHNESS, ""),
    ]
    statuses = [r.status for r in results]
    assert statuses == [Status.BREACH, Status.OK, Status.BREACH, Status.OK, Status.OK, Status.OK]


def test_settings_strict_and_documented() -> None:
    with pytest.raises(ValidationError, match="range_low_quantile must be below"):
        QualitySettings(range_low_quantile=0.9, range_high_quantile=0.1)
    with pytest.raises(ValidationError):
        QualitySettings.model_validate({"missing_limit": 0.1})
    with pytest.raises(ValidationError):
        QualitySettings(volume_spike_factor=0.5)
    assert all(field.description for field in QualitySettings.model_fields.values())


def test_importing_the_package_imports_neither_sklearn_nor_evidently() -> None:
    code = "import sys, monitor.quality; sys.exit(any(m in sys.modules for m in ('sklearn', 'evidently')))"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
