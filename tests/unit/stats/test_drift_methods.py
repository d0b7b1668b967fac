"""Every drift method pinned against Evidently 0.7.23's own stattests, scipy, and hand-computed values.

Also the sharp edges Evidently has (PLATFORM.md): empty and all-NaN windows, tiny windows, a single
category, unseen categories, one outlier hiding a shift, oversensitive tests at large n.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance

from monitor.stats import REGISTRY, ColumnType, DriftResult, get_method, run_guarded
from monitor.stats.guards import bounded_sample
from monitor.stats.numeric import wasserstein_1
from tests.unit.stats.conftest import EvidentlyRunner

NUM, CAT = ColumnType.NUMERICAL, ColumnType.CATEGORICAL
Pair = tuple[npt.NDArray[np.generic], npt.NDArray[np.generic]]


def _numerical(name: str) -> Pair:
    rng = np.random.default_rng(sum(map(ord, name)))  # a fixed seed per case
    normal = rng.normal
    cases: dict[str, Pair] = {
        "same": (normal(0, 1, 1000), normal(0, 1, 800)),
        "shift": (normal(0, 1, 1000), normal(0.3, 1, 800)),
        "scale": (normal(0, 1, 1000), normal(0, 2, 800)),
        "skewed": (rng.lognormal(0, 1, 1000), rng.lognormal(0.1, 1, 900)),
        "integers_many": (rng.poisson(30, 1000), rng.poisson(32, 700)),  # numpy's integer bin rule
        "integers_few": (rng.integers(0, 8, 1000), rng.integers(0, 10, 700)),  # <= 20 values: by value
        "out_of_range": (rng.uniform(0, 1, 500), rng.uniform(0.5, 1.5, 500)),
        "tiny": (normal(0, 1, 8), normal(0, 1, 6)),
        "large_asymptotic_ks": (normal(0, 1, 12_000), normal(0.05, 1, 11_000)),
    }
    return cases[name]


def _categorical(name: str) -> Pair:
    rng = np.random.default_rng(sum(map(ord, name)))
    abcd = np.array(list("abcd"))
    cases: dict[str, Pair] = {
        "same": (
            rng.choice(abcd, 600, p=[0.4, 0.3, 0.2, 0.1]),
            rng.choice(abcd, 500, p=[0.4, 0.3, 0.2, 0.1]),
        ),
        "shift": (
            rng.choice(abcd, 600, p=[0.4, 0.3, 0.2, 0.1]),
            rng.choice(abcd, 500, p=[0.3, 0.3, 0.2, 0.2]),
        ),
        "unseen": (rng.choice(abcd[:3], 600), rng.choice(abcd, 500, p=[0.3, 0.3, 0.3, 0.1])),
        "vanished": (rng.choice(abcd, 600), rng.choice(abcd[:3], 500)),
        "binary": (
            rng.choice(["no", "yes"], 600, p=[0.7, 0.3]),
            rng.choice(["no", "yes"], 500, p=[0.6, 0.4]),
        ),
        "single_same": (np.array(["a"] * 50), np.array(["a"] * 40)),
        "single_different": (np.array(["a"] * 50), np.array(["b"] * 40)),
        "int_codes": (rng.integers(0, 6, 600), rng.integers(0, 6, 500)),
        "tiny": (rng.choice(abcd, 7), rng.choice(abcd, 5)),
    }
    return cases[name]


NUMERICAL_CASES = [
    "same",
    "shift",
    "scale",
    "skewed",
    "integers_many",
    "integers_few",
    "out_of_range",
    "tiny",
    "large_asymptotic_ks",
]
CATEGORICAL_CASES = [
    "same",
    "shift",
    "unseen",
    "vanished",
    "binary",
    "single_same",
    "single_different",
    "int_codes",
    "tiny",
]
NUMERICAL_METHODS = [
    "psi",
    "kl_div",
    "jensenshannon",
    "hellinger",
    "ks",
    "wasserstein",
    "ed",
    "t_test",
    "mannw",
]
CATEGORICAL_METHODS = ["psi", "kl_div", "jensenshannon", "hellinger", "chisquare", "z"]


def _assert_same(ours: DriftResult, theirs: Any) -> None:
    assert ours.score == pytest.approx(float(theirs.drift_score), rel=1e-9, abs=1e-12, nan_ok=True)
    assert ours.drifted == bool(theirs.drifted)
    assert ours.threshold == theirs.actual_threshold


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Evidently's chi-square divides by zero
@pytest.mark.parametrize("case", NUMERICAL_CASES)
@pytest.mark.parametrize("name", NUMERICAL_METHODS)
def test_numerical_equals_evidently(evidently: EvidentlyRunner, name: str, case: str) -> None:
    reference, current = _numerical(case)
    ours = get_method(name)(reference, current, column_type=NUM)
    _assert_same(ours, evidently(name, reference, current, NUM))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CATEGORICAL_CASES)
@pytest.mark.parametrize("name", CATEGORICAL_METHODS)
def test_categorical_equals_evidently(evidently: EvidentlyRunner, name: str, case: str) -> None:
    reference, current = _categorical(case)
    ours = get_method(name)(reference, current, column_type=CAT)
    _assert_same(ours, evidently(name, reference, current, CAT))


@pytest.mark.parametrize("name", [*NUMERICAL_METHODS, "chisquare", "z"])
def test_rule_and_default_threshold_match_evidently(evidently: EvidentlyRunner, name: str) -> None:
    """At threshold == score, Evidently's verdict shows whether it compares with >=, >, < or <=."""
    column_type = NUM if name in NUMERICAL_METHODS else CAT
    reference, current = _numerical("shift") if column_type is NUM else _categorical("shift")
    theirs = evidently(name, reference, current, column_type)
    at_boundary = evidently(name, reference, current, column_type, threshold=float(theirs.drift_score))
    method = REGISTRY[name]
    assert method.default_threshold == theirs.actual_threshold
    assert method.rule.drifted(float(theirs.drift_score), float(theirs.drift_score)) == bool(
        at_boundary.drifted
    )


def test_scipy_wrapped_methods_equal_scipy() -> None:
    reference, current = _numerical("shift")
    std = float(np.std(np.asarray(reference, np.float64)))
    expected = {
        "ks": stats.ks_2samp(reference, current).pvalue,
        "wasserstein": stats.wasserstein_distance(reference, current) / std,
        "ed": stats.energy_distance(reference, current),
        "t_test": stats.ttest_ind(reference, current).pvalue,
        "mannw": stats.mannwhitneyu(reference, current, alternative="less").pvalue,
    }
    for name, value in expected.items():
        assert get_method(name)(reference, current, column_type=NUM).score == pytest.approx(value, rel=1e-12)


def test_categorical_methods_equal_scipy_on_shares() -> None:
    reference, current = _categorical("vanished")  # d is missing from current
    ref_counts = np.array([np.sum(reference == k) for k in "abcd"])
    cur_counts = np.array([np.sum(current == k) for k in "abcd"])
    js = distance.jensenshannon(ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum())
    chi = stats.chisquare(cur_counts, ref_counts * cur_counts.sum() / ref_counts.sum()).pvalue
    assert get_method("jensenshannon")(reference, current, column_type=CAT).score == pytest.approx(js)
    assert get_method("chisquare")(reference, current, column_type=CAT).score == pytest.approx(chi)


# Tiny cases by hand: reference shares (a, b) = (1/2, 1/2), current (3/4, 1/4).
REF_AB, CUR_AB = np.array(list("aabb")), np.array(list("aaab"))


def test_hand_computed_binned_distances() -> None:
    assert get_method("psi")(REF_AB, CUR_AB, column_type=CAT).score == pytest.approx(0.25 * math.log(3))
    overlap = math.sqrt(0.5 * 0.75) + math.sqrt(0.5 * 0.25)
    hellinger = get_method("hellinger")(REF_AB, CUR_AB, column_type=CAT)
    assert hellinger.score == pytest.approx(math.sqrt(1 - overlap))
    kl = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    assert get_method("kl_div")(REF_AB, CUR_AB, column_type=CAT).score == pytest.approx(kl)
    m = (0.625, 0.375)
    jsd = 0.5 * (0.5 * math.log(0.5 / m[0]) + 0.5 * math.log(0.5 / m[1]))
    jsd += 0.5 * (0.75 * math.log(0.75 / m[0]) + 0.25 * math.log(0.25 / m[1]))
    assert get_method("jensenshannon")(REF_AB, CUR_AB, column_type=CAT).score == pytest.approx(math.sqrt(jsd))


def test_hand_computed_tests() -> None:
    # chi-square: expected (2, 2), observed (3, 1): statistic 1 with 1 degree of freedom
    chi = get_method("chisquare")(REF_AB, CUR_AB, column_type=CAT)
    assert chi.details["statistic"] == pytest.approx(1.0)
    assert chi.score == pytest.approx(math.erfc(math.sqrt(0.5)))
    # z: share of "b" 1/2 vs 1/4, pooled 3/8
    z = 0.25 / math.sqrt(3 / 8 * 5 / 8 * (1 / 4 + 1 / 4))
    z_result = get_method("z")(REF_AB, CUR_AB, column_type=CAT)
    assert z_result.score == pytest.approx(math.erfc(z / math.sqrt(2)))
    # KS: fully separated samples of 4: exact p = 2 / C(8, 4)
    ks = get_method("ks")([1, 2, 3, 4], [5, 6, 7, 8], column_type=NUM)
    assert ks.score == pytest.approx(2 / 70)
    # Wasserstein: shift by 1, reference population std sqrt(1.25)
    wd = get_method("wasserstein")([0, 1, 2, 3], [1, 2, 3, 4], column_type=NUM)
    assert wd.score == pytest.approx(1 / math.sqrt(1.25))


# --- sharp edges ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*NUMERICAL_METHODS, "psi_quantile"])
def test_empty_side_raises_in_plain_methods_and_is_insufficient_when_guarded(name: str) -> None:
    reference = np.random.default_rng(0).normal(0, 1, 200)
    with pytest.raises(ValueError, match="current: need a non-empty"):
        get_method(name)(reference, np.array([]), column_type=NUM)
    result = run_guarded(name, reference, np.array([]), column_type=NUM)
    assert (result.status, result.drifted) == ("insufficient_data", False)
    assert math.isnan(result.score)
    assert result.details["reason"] == "current window has no usable values"


def test_nan_is_refused_by_plain_methods_and_counted_by_guards(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(1)
    reference, current = rng.normal(0, 1, 500), rng.normal(0.2, 1, 400)
    dirty = np.concatenate([current, [np.nan, np.inf, -np.inf]])
    with pytest.raises(ValueError, match="NaN or inf"):
        get_method("psi")(reference, dirty, column_type=NUM)
    guarded = run_guarded("psi", reference, dirty, column_type=NUM)
    assert guarded.details["n_dropped_current"] == 3
    # the score is Evidently's on the cleaned data, as its pipeline drops NaN/inf before the test
    assert guarded.score == pytest.approx(float(evidently("psi", reference, current, NUM).drift_score))


def test_all_nan_window_is_insufficient() -> None:
    reference = np.random.default_rng(2).normal(0, 1, 300)
    result = run_guarded("wasserstein", reference, np.full(50, np.nan), column_type=NUM)
    assert result.status == "insufficient_data"
    assert result.details["n_dropped_current"] == 50
    categorical = run_guarded("chisquare", ["a", "b"] * 100, [None, float("nan")] * 10, column_type=CAT)
    assert categorical.status == "insufficient_data"
    assert categorical.details["n_dropped_current"] == 20


def test_tiny_window_evidently_calls_drift_guard_says_insufficient(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(0, 1, 2000), rng.normal(0, 1, 12)  # same distribution
    theirs = evidently("psi", reference, current, NUM)
    assert bool(theirs.drifted)  # noise in a dozen rows over ~12 bins looks like drift
    assert get_method("psi")(reference, current, column_type=NUM).drifted
    guarded = run_guarded("psi", reference, current, column_type=NUM)
    assert guarded.status == "insufficient_data"
    assert "12 usable values" in str(guarded.details["reason"])


def test_single_category() -> None:
    reference, current = _categorical("single_same")
    chi = get_method("chisquare")(reference, current, column_type=CAT)
    assert math.isnan(chi.score) and not chi.drifted  # no degrees of freedom, as in Evidently
    assert get_method("z")(reference, current, column_type=CAT).score == 1.0
    assert get_method("psi")(reference, current, column_type=CAT).score == 0.0
    reference, current = _categorical("single_different")
    assert get_method("chisquare")(reference, current, column_type=CAT).score == 0.0
    assert get_method("z")(reference, current, column_type=CAT).drifted


@pytest.mark.filterwarnings("error")  # chisquare must not leak scipy's divide-by-zero warning
def test_unseen_categories_make_chisquare_zero_and_are_named() -> None:
    reference = np.array(["a"] * 300 + ["b"] * 300)
    current = np.array(["a"] * 295 + ["b"] * 300 + ["new"] * 5)  # under 1% unseen
    assert get_method("chisquare")(reference, current, column_type=CAT).score == 0.0
    guarded = run_guarded("chisquare", reference, current, column_type=CAT)
    assert guarded.drifted
    assert guarded.details["unseen_categories"] == {"new": pytest.approx(5 / 600)}


def test_one_outlier_hides_a_shift_from_psi_but_not_from_psi_quantile(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(4)
    reference = rng.normal(0, 1, 2000)
    shifted = rng.normal(0.5, 1, 2000)
    assert get_method("psi")(reference, shifted, column_type=NUM).drifted  # visible without the outlier
    with_outlier = np.append(shifted, 1e6)
    psi = get_method("psi")(reference, with_outlier, column_type=NUM)
    assert psi.score == pytest.approx(float(evidently("psi", reference, with_outlier, NUM).drift_score))
    assert not psi.drifted and psi.score < 0.01  # the outlier stretched the bins over the shift
    robust = get_method("psi_quantile")(reference, with_outlier, column_type=NUM)
    assert robust.drifted and robust.score > 0.2
    assert not REGISTRY["psi_quantile"].info.evidently_equal


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_identical_windows_never_drift(name: str) -> None:
    column_type = NUM if NUM in REGISTRY[name].column_types else CAT
    rng = np.random.default_rng(5)
    values = rng.normal(0, 1, 1000) if column_type is NUM else rng.choice(list("abc"), 1000)
    result = get_method(name)(values, values.copy(), column_type=column_type)
    assert not result.drifted
    if name == "mannw":  # one-sided: identical samples sit at its median, p = 0.5
        assert result.score == pytest.approx(0.5, abs=1e-4)
    elif REGISTRY[name].rule.is_p_value:
        assert result.score == pytest.approx(1.0)
    else:
        assert result.score == pytest.approx(0.0, abs=1e-12)


def test_large_n_ks_flags_a_negligible_shift_that_a_bounded_sample_does_not() -> None:
    rng = np.random.default_rng(6)
    reference, current = rng.normal(0, 1, 100_000), rng.normal(0.03, 1, 100_000)  # 0.03 sd
    assert get_method("ks")(reference, current, column_type=NUM).drifted
    assert not get_method("wasserstein")(reference, current, column_type=NUM).drifted
    sampled = get_method("ks")(
        bounded_sample(reference, 5000), bounded_sample(current, 5000, seed=1), column_type=NUM
    )
    assert not sampled.drifted


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.booleans(),
)
def test_wasserstein_1_equals_scipy_to_the_bit(u: list[float], v: list[float], round_values: bool) -> None:
    # Rounded values make ties, the case where the merge of two sorted runs must keep scipy's order.
    first, second = (np.round(np.asarray(x), 0 if round_values else 12) for x in (u, v))
    assert wasserstein_1(first, second) == stats.wasserstein_distance(first, second)


def test_wasserstein_1_equals_scipy_on_large_tied_samples() -> None:
    rng = np.random.default_rng(5)
    u, v = rng.normal(size=100_000).round(2), rng.normal(0.2, size=80_000).round(1)
    assert wasserstein_1(u, v) == stats.wasserstein_distance(u, v)
    u, v = rng.lognormal(size=100_000), rng.normal(0.2, size=80_000)  # no ties at all
    assert wasserstein_1(u, v) == stats.wasserstein_distance(u, v)
