"""Fixed-horizon power, minimum detectable effect and sample size, pinned to statsmodels."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from monitor.campaign.power import (
    cohens_h,
    minimum_detectable_effect,
    plan,
    power,
    required_sample_size,
)

CASES = [(0.8, 0.02, 0.8), (0.5, 0.05, 0.5), (0.1, 0.03, 0.8), (0.6, 0.1, 0.9)]


def test_cohens_h_is_statsmodels_proportion_effectsize() -> None:
    assert cohens_h(0.65, 0.45) == pytest.approx(proportion_effectsize(0.65, 0.45))
    # by hand: 2 asin(sqrt(.65)) - 2 asin(sqrt(.45)) = 1.87549 - 1.47063
    assert cohens_h(0.65, 0.45) == pytest.approx(0.40486, abs=1e-5)


@pytest.mark.parametrize(("baseline", "effect", "share"), CASES)
@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_power_pinned(baseline: float, effect: float, share: float, alpha: float) -> None:
    n_t, n_c = 4000 * share, 4000 * (1 - share)
    expected = NormalIndPower().power(
        proportion_effectsize(baseline + effect, baseline), nobs1=n_t, alpha=alpha, ratio=n_c / n_t
    )
    assert power(baseline, effect, n_t, n_c, alpha) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("baseline", "effect", "share"), CASES)
def test_required_sample_size_pinned(baseline: float, effect: float, share: float) -> None:
    n_treatment = NormalIndPower().solve_power(
        proportion_effectsize(baseline + effect, baseline),
        nobs1=None,
        alpha=0.05,
        power=0.8,
        ratio=(1 - share) / share,
    )
    total = required_sample_size(baseline, effect, share)
    assert total == pytest.approx(n_treatment / share, abs=1.5)
    assert power(baseline, effect, total * share, total * (1 - share)) >= 0.8


def test_required_sample_size_classic_example() -> None:
    # 80% -> 82% retention, 50/50 split: h = 2 asin(sqrt(.82)) - 2 asin(sqrt(.8)) = 0.050997,
    # N = 4 (1.959964 + 0.841621)^2 / h^2 = 12,071.9 -> 12,072 (6,036 per arm).
    assert required_sample_size(0.8, 0.02, 0.5) == 12_072
    # The classic pooled-variance formula (Fleiss, no continuity correction) agrees within 0.1%:
    # n per arm = (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2 / d^2 = 6,038.5.
    p1, p2, pbar = 0.8, 0.82, 0.81
    classic = 1.959964 * math.sqrt(2 * pbar * (1 - pbar)) + 0.841621 * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    assert 2 * classic**2 / 0.02**2 == pytest.approx(12_072, rel=1e-3)
    # The 80/20 split the campaigns use costs 1 / (4 * 0.8 * 0.2) = 1.5625 times as many customers.
    assert required_sample_size(0.8, 0.02, 0.8) == 18_863


@pytest.mark.parametrize(("baseline", "share"), [(0.8, 0.8), (0.3, 0.5), (0.05, 0.8)])
def test_minimum_detectable_effect_pinned(baseline: float, share: float) -> None:
    n_t, n_c = 10_000 * share, 10_000 * (1 - share)
    h = NormalIndPower().solve_power(None, nobs1=n_t, alpha=0.05, power=0.8, ratio=n_c / n_t)
    mde = minimum_detectable_effect(baseline, n_t, n_c)
    assert proportion_effectsize(baseline + mde, baseline) == pytest.approx(h, rel=1e-4)
    assert power(baseline, mde, n_t, n_c) == pytest.approx(0.8, abs=1e-4)


def test_mde_not_reachable_is_nan() -> None:
    assert math.isnan(minimum_detectable_effect(0.99, 5, 5))


def test_invalid_effect_rejected() -> None:
    with pytest.raises(ValueError, match="baseline"):
        required_sample_size(0.95, 0.1, 0.5)


def test_plan_from_effect_and_from_size() -> None:
    from_effect = plan(0.8, "config", 0.8, 5000, 0.05, None, 0.02)
    assert from_effect is not None
    assert from_effect.horizon == from_effect.required_sample_size == required_sample_size(0.8, 0.02, 0.8)
    assert not from_effect.reached_horizon
    assert from_effect.mde_at_horizon == pytest.approx(0.02, abs=1e-5)
    from_size = plan(0.8, "observed_control", 0.8, 25_000, 0.05, 20_000, None)
    assert from_size is not None
    assert from_size.reached_horizon and from_size.required_sample_size is None
    assert from_size.mde_at_horizon == pytest.approx(minimum_detectable_effect(0.8, 16_000, 4_000))


def test_plan_without_a_usable_baseline_is_none() -> None:
    assert plan(math.nan, "observed_control", 0.8, 0, 0.05, 1000, None) is None
    assert plan(0.0, "observed_control", 0.8, 50, 0.05, 1000, None) is None
    assert plan(0.99, "observed_control", 0.8, 50, 0.05, None, 0.02) is None  # 1.01 is no rate
