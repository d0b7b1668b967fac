"""Fixed-horizon intervals: Newcombe (1998)'s published examples, statsmodels pins and edge cases."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from monitor.campaign.stats import (
    ArmStats,
    katz_relative_lift,
    newcombe_difference,
    wald_difference,
    wilson_interval,
)

# Newcombe RG (1998), Statistics in Medicine 17:873-890, Table II: the eight worked examples
# (x_T/n_T vs x_C/n_C) with the limits of method 1 (Wald, "simple asymptotic") and method 10
# (hybrid score), to four decimals.
NEWCOMBE_TABLE_II = [
    # (x_t, n_t, x_c, n_c), method 10 limits, method 1 limits
    ((56, 70, 48, 80), (0.0524, 0.3339), (0.0575, 0.3425)),
    ((9, 10, 3, 10), (0.1705, 0.8090), (0.2605, 0.9395)),
    ((6, 7, 2, 7), (0.0582, 0.8062), (0.1481, 0.9947)),
    ((5, 56, 0, 29), (-0.0381, 0.1926), (0.0146, 0.1640)),
    ((0, 10, 0, 20), (-0.1611, 0.2775), (0.0, 0.0)),
    ((0, 10, 0, 10), (-0.2775, 0.2775), (0.0, 0.0)),
    ((10, 10, 0, 20), (0.6791, 1.0000), (1.0, 1.0)),
    ((10, 10, 0, 10), (0.6075, 1.0000), (1.0, 1.0)),
]


def arms(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[ArmStats, ArmStats]:
    return ArmStats("treatment", n_t, x_t), ArmStats("control", n_c, x_c)


@pytest.mark.parametrize(("counts", "hybrid", "wald"), NEWCOMBE_TABLE_II)
def test_newcombe_1998_table_ii(
    counts: tuple[int, int, int, int], hybrid: tuple[float, float], wald: tuple[float, float]
) -> None:
    t, c = arms(*counts)
    interval = newcombe_difference(t, c)
    assert (interval.lower, interval.upper) == pytest.approx(hybrid, abs=5e-5)
    assert interval.estimate == pytest.approx(t.rate - c.rate)
    w = wald_difference(t, c)
    assert (w.lower, w.upper) == pytest.approx(wald, abs=5e-5)


@pytest.mark.parametrize("counts", [(1189, 1978, 278, 522), (3, 40, 9, 41), (120, 130, 20, 60)])
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_difference_pinned_to_statsmodels(counts: tuple[int, int, int, int], alpha: float) -> None:
    t, c = arms(*counts)
    for ours, method in (
        (newcombe_difference(t, c, alpha), "newcomb"),
        (wald_difference(t, c, alpha), "wald"),
    ):
        expected = confint_proportions_2indep(*counts, method=method, compare="diff", alpha=alpha)
        assert (ours.lower, ours.upper) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "counts", [(1189, 1978, 278, 522), (56, 70, 48, 80), (3, 40, 9, 41), (40, 40, 9, 41)]
)
def test_katz_pinned_to_statsmodels_log_ratio(counts: tuple[int, int, int, int]) -> None:
    interval = katz_relative_lift(*arms(*counts))
    low, high = confint_proportions_2indep(*counts, method="log", compare="ratio")
    assert (interval.lower, interval.upper) == pytest.approx((low - 1, high - 1), rel=1e-9)
    assert interval.estimate == pytest.approx((counts[0] / counts[1]) / (counts[2] / counts[3]) - 1)


def test_katz_by_hand() -> None:
    # 56/70 vs 48/80: ratio 0.8 / 0.6 = 4/3; se = sqrt(1/56 - 1/70 + 1/48 - 1/80) = sqrt(0.0119048)
    # = 0.109109; limits (4/3) exp(-/+ 1.959964 * 0.109109) = 1.07663 and 1.65125.
    interval = katz_relative_lift(*arms(56, 70, 48, 80))
    assert interval.estimate == pytest.approx(1 / 3)
    assert interval.lower == pytest.approx(0.07663, abs=1e-5)
    assert interval.upper == pytest.approx(0.65125, abs=1e-5)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (10, 10), (278, 522), (1, 1)])
def test_wilson_pinned_to_statsmodels(x: int, n: int) -> None:
    assert wilson_interval(x, n) == pytest.approx(proportion_confint(x, n, method="wilson"), abs=1e-12)


@pytest.mark.parametrize("interval_of", [newcombe_difference, wald_difference, katz_relative_lift])
def test_empty_arm_is_insufficient_data_not_a_crash(interval_of: object) -> None:
    assert callable(interval_of)
    for t, c in (arms(0, 0, 5, 10), arms(5, 10, 0, 0), arms(0, 0, 0, 0)):
        interval = interval_of(t, c)
        assert interval.status == "insufficient_data"
        assert "no matured outcomes" in interval.reason
        assert math.isnan(interval.lower) and math.isnan(interval.upper)
        assert not interval.contains(0.0)


def test_zero_successes_in_an_arm() -> None:
    # Newcombe's interval copes (Table II (d)); the log ratio cannot, and says so.
    t, c = arms(5, 56, 0, 29)
    assert newcombe_difference(t, c).status == "ok"
    katz = katz_relative_lift(t, c)
    assert katz.status == "insufficient_data"
    assert math.isnan(katz.estimate)  # p_C = 0: no finite relative lift
    katz = katz_relative_lift(*arms(0, 56, 5, 29))
    assert katz.status == "insufficient_data"
    assert katz.estimate == -1.0
    assert "success in each arm" in katz.reason


def test_arm_stats_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes <= n"):
        ArmStats("treatment", 3, 4)
    assert math.isnan(ArmStats("control", 0, 0).rate)
