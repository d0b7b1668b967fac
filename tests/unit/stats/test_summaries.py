"""The summary-statistics forms: bin edges from (min, max, n), counts counted "as SQL would", methods on
counts. Each is checked against the sample form (and so against Evidently) on the same data.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from monitor.stats import ColumnType, get_method
from monitor.stats import binning as b
from monitor.stats.categorical import chisquare_from_counts, z_from_counts
from monitor.stats.distances import (
    hellinger_from_counts,
    jensenshannon_from_counts,
    kl_div_from_counts,
    psi_from_counts,
)
from monitor.stats.numeric import ks_from_value_counts, wasserstein_from_counts
from monitor.stats.registry import CountsFunc
from monitor.stats.robust import open_bin_counts, psi_quantile, psi_quantile_from_counts, robust_edges
from tests.unit.stats.conftest import EvidentlyRunner

NUM, CAT = ColumnType.NUMERICAL, ColumnType.CATEGORICAL
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _sql_counts(values: npt.NDArray[np.generic], edges: FloatArray) -> npt.NDArray[np.int64]:
    """countIf(x >= e[i] AND x < e[i+1]) per bin, the last bin also taking x = e[-1] (the documented SQL)."""
    counts = [int(np.sum((values >= lo) & (values < hi))) for lo, hi in itertools.pairwise(edges)]
    counts[-1] += int(np.sum(values == edges[-1]))
    return np.array(counts, dtype=np.int64)


def _by_value(reference: FloatArray, current: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """GROUP BY value for both windows, aligned on the union of values."""
    values = np.union1d(reference, current)
    ref = np.array([np.sum(reference == v) for v in values], dtype=np.int64)
    cur = np.array([np.sum(current == v) for v in values], dtype=np.int64)
    return values, ref, cur


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(0).normal(0, 1, 1000),
        np.random.default_rng(1).lognormal(0, 2, 37),
        np.random.default_rng(2).uniform(-5, 5, 2),
        np.full(10, 3.5),  # zero range: numpy widens to [3, 4]
        np.random.default_rng(3).integers(0, 10, 5000),  # integer data: bins at least 1 wide
        np.random.default_rng(4).integers(-1000, 1000, 300),
        np.array([1e-300, 2e-300, 3e-300]),
    ],
)
def test_sturges_edges_from_min_max_n_equal_numpy(data: npt.NDArray[np.generic]) -> None:
    integer = bool(np.issubdtype(data.dtype, np.integer))
    edges = b.sturges_edges(data.min(), data.max(), data.size, integer=integer)
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(data, bins="sturges"))


def test_integer_rule_changes_the_bin_count() -> None:
    assert len(b.sturges_edges(0, 10, 5000, integer=True)) - 1 == 10
    assert len(b.sturges_edges(0, 10, 5000)) - 1 == 14  # ceil(log2(5000) + 1)


def test_sql_counting_convention_equals_numpy_histogram_even_on_edges() -> None:
    values = np.random.default_rng(5).integers(0, 40, 2000)  # many values land exactly on edges
    edges = b.sturges_edges(values.min(), values.max(), values.size, integer=True)
    np.testing.assert_array_equal(_sql_counts(values, edges), b.histogram_counts(values, edges))


def test_fill_zeroes_as_evidently() -> None:
    np.testing.assert_array_equal(b.fill_zeroes(np.array([0.5, 0.5, 0.0])), [0.5, 0.5, 0.0001])
    tiny = b.fill_zeroes(np.array([0.99995, 0.00005, 0.0]))
    assert tiny[2] == pytest.approx(0.00005 / 10**6)


@pytest.mark.parametrize("distinct", [20, 21])
def test_value_bins_up_to_20_distinct_reference_values(evidently: EvidentlyRunner, distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    reference, current = rng.integers(0, distinct, 800), rng.integers(0, distinct + 3, 700)
    ours = get_method("psi")(reference, current, column_type=NUM)
    assert ours.details["binning"] == ("values" if distinct <= 20 else "sturges")
    assert ours.score == pytest.approx(float(evidently("psi", reference, current, NUM).drift_score))


@pytest.mark.parametrize(
    ("name", "from_counts"),
    [("psi", psi_from_counts), ("kl_div", kl_div_from_counts), ("jensenshannon", jensenshannon_from_counts)],
)
def test_binned_distances_from_store_counts_equal_evidently(
    evidently: EvidentlyRunner, name: str, from_counts: CountsFunc
) -> None:
    rng = np.random.default_rng(6)
    reference, current = rng.normal(0, 1, 3000), rng.normal(0.2, 1.1, 2500)
    # what the job asks the store: min, max and count over both windows, then countIf per bin
    both = np.concatenate([reference, current])
    edges = b.sturges_edges(both.min(), both.max(), both.size)
    result = from_counts(_sql_counts(reference, edges), _sql_counts(current, edges))
    assert result.score == pytest.approx(
        float(evidently(name, reference, current, NUM).drift_score), rel=1e-12
    )


def test_hellinger_from_store_counts_uses_distinct_values(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(7)
    reference, current = rng.normal(0, 1, 3000).round(2), rng.normal(0.2, 1, 2500).round(2)
    distinct = np.union1d(reference, current)  # uniqExact over both windows
    edges = b.sturges_edges(distinct.min(), distinct.max(), distinct.size)
    result = hellinger_from_counts(_sql_counts(reference, edges), _sql_counts(current, edges))
    theirs = evidently("hellinger", reference, current, NUM)
    assert result.score == pytest.approx(float(theirs.drift_score), rel=1e-9)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Evidently's chi-square on an unseen category
def test_categorical_from_group_by_counts_equal_evidently(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(8)
    reference = rng.choice(["x", "y", "z"], 900, p=[0.5, 0.3, 0.2])
    current = rng.choice(["x", "y", "z", "w"], 700, p=[0.45, 0.3, 0.2, 0.05])
    counts = b.category_counts(reference, current)
    for name, from_counts in [("chisquare", chisquare_from_counts), ("psi", psi_from_counts)]:
        theirs = float(evidently(name, reference, current, CAT).drift_score)
        assert from_counts(counts.reference, counts.current).score == pytest.approx(theirs)


def test_z_from_counts_equals_evidently(evidently: EvidentlyRunner) -> None:
    rng = np.random.default_rng(12)
    reference = rng.choice(["no", "yes"], 900, p=[0.7, 0.3])
    current = rng.choice(["no", "yes"], 700, p=[0.62, 0.38])
    z = z_from_counts(int(np.sum(reference == "yes")), 900, int(np.sum(current == "yes")), 700)
    assert z.score == pytest.approx(float(evidently("z", reference, current, CAT).drift_score), rel=1e-12)
    assert z_from_counts(0, 50, 0, 40).score == 1.0  # one value on both sides: nothing to compare


def test_chisquare_from_counts_ignores_categories_absent_from_both() -> None:
    with_empty = chisquare_from_counts([30, 0, 70], [40, 0, 60])
    assert with_empty.score == pytest.approx(chisquare_from_counts([30, 70], [40, 60]).score)


@pytest.mark.parametrize("sizes", [(900, 700), (15_000, 12_000)])  # exact and asymptotic p-values
def test_ks_from_value_counts_equals_ks(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(sizes[0])
    reference = rng.normal(0, 1, sizes[0]).round(1)  # ties: counts per value are few rows
    current = rng.normal(0.05, 1, sizes[1]).round(1)
    values, ref_counts, cur_counts = _by_value(reference, current)
    ours = ks_from_value_counts(values, ref_counts, cur_counts)
    plain = get_method("ks")(reference, current, column_type=NUM)
    assert ours.score == pytest.approx(plain.score, rel=1e-12)
    assert ours.details["statistic"] == pytest.approx(plain.details["statistic"])


def test_ks_from_binned_counts_is_a_lower_bound() -> None:
    rng = np.random.default_rng(9)
    reference, current = rng.normal(0, 1, 20_000), rng.normal(0.1, 1, 20_000)
    edges = np.linspace(-5, 5, 41)
    binned = ks_from_value_counts(edges[1:], _sql_counts(reference, edges), _sql_counts(current, edges))
    plain = get_method("ks")(reference, current, column_type=NUM)
    assert binned.details["statistic"] <= plain.details["statistic"]  # type: ignore[operator]
    assert binned.details["statistic"] == pytest.approx(plain.details["statistic"], abs=0.01)


def test_wasserstein_from_counts() -> None:
    rng = np.random.default_rng(10)
    reference, current = rng.normal(0, 1, 2000).round(2), rng.normal(0.3, 1.2, 1500).round(2)
    values, ref_counts, cur_counts = _by_value(reference, current)
    std = float(np.std(reference))  # stddevPop in the store
    exact = wasserstein_from_counts(values, ref_counts, cur_counts, reference_std=std)
    plain = get_method("wasserstein")(reference, current, column_type=NUM)
    assert exact.score == pytest.approx(plain.score, rel=1e-9)
    edges = np.linspace(-6, 6, 121)  # bins 0.1 wide, counted at their centres
    centres = (edges[:-1] + edges[1:]) / 2
    binned = wasserstein_from_counts(
        centres, _sql_counts(reference, edges), _sql_counts(current, edges), reference_std=std
    )
    assert binned.score == pytest.approx(plain.score, abs=0.1 / std)


def test_psi_quantile_from_store_counts() -> None:
    rng = np.random.default_rng(11)
    reference, current = rng.normal(0, 1, 3000), rng.normal(0.3, 1, 2000)
    edges = robust_edges(reference)
    assert len(edges) == 11  # 1st, 10th, ... 99th percentile: 12 bins with the open outer ones
    lower, upper = np.sum(current < edges[0]), np.sum(current >= edges[-1])
    counts = open_bin_counts(current, edges)
    assert (counts[0], counts[-1]) == (lower, upper)
    from_counts = psi_quantile_from_counts(open_bin_counts(reference, edges), counts)
    assert from_counts.score == pytest.approx(psi_quantile(reference, current).score)


@pytest.mark.parametrize(
    ("reference", "current", "message"),
    [
        ([1, 2], [1, 2, 3], "aligned"),
        ([1, -2], [1, 2], "non-negative whole"),
        ([1.5, 2], [1, 2], "non-negative whole"),
        ([[1, 2]], [[1, 2]], "1-D"),
    ],
)
def test_count_vectors_are_validated(reference: npt.ArrayLike, current: npt.ArrayLike, message: str) -> None:
    for from_counts in (psi_from_counts, chisquare_from_counts, psi_quantile_from_counts):
        with pytest.raises(ValueError, match=message):
            from_counts(reference, current)


def test_value_counts_need_ascending_values_one_per_count() -> None:
    with pytest.raises(ValueError, match="strictly ascending"):
        ks_from_value_counts([2.0, 1.0], [5, 5], [5, 5])
    with pytest.raises(ValueError, match="one per count"):
        wasserstein_from_counts([1.0, 2.0, 3.0], [5, 5], [5, 5], reference_std=1.0)
