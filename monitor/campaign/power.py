"""Fixed-horizon planning for two proportions: power, minimum detectable effect, required sample size.

Uses the arcsine (Cohen's h) normal approximation, the form of statsmodels' ``NormalIndPower`` with
``proportion_effectsize``: ``h = 2 asin(sqrt(p_T)) - 2 asin(sqrt(p_C))`` is approximately normal with
variance ``1/n_T + 1/n_C`` whatever the rates (Cohen J, 1988, Statistical Power Analysis for the
Behavioral Sciences, 2nd ed., ch. 6). With ``z = Phi^-1(1 - alpha/2)``, a two-sided test has power
``Phi(|h| / se - z) + Phi(-|h| / se - z)``, ``se = sqrt(1/n_T + 1/n_C)``.

Effects are absolute gains in success rate of treatment over control (0.02 = two percentage points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

DEFAULT_POWER = 0.8


def cohens_h(p_treatment: float, p_control: float) -> float:
    """``2 asin(sqrt(p_T)) - 2 asin(sqrt(p_C))`` (statsmodels ``proportion_effectsize(p_T, p_C)``)."""
    return 2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control))


def power(baseline: float, effect: float, n_treatment: float, n_control: float, alpha: float = 0.05) -> float:
    """Probability that a two-sided level-``alpha`` test detects ``p_T = baseline + effect``."""
    h = abs(cohens_h(baseline + effect, baseline))
    se = math.sqrt(1 / n_treatment + 1 / n_control)
    z = norm.ppf(1 - alpha / 2)
    return float(norm.cdf(h / se - z) + norm.cdf(-h / se - z))


def required_sample_size(
    baseline: float,
    effect: float,
    treatment_share: float,
    alpha: float = 0.05,
    target_power: float = DEFAULT_POWER,
) -> int:
    """Total outcomes (both arms) to reach ``target_power`` for ``effect``, split by ``treatment_share``.

    ``N = (z_{1-alpha/2} + z_{power})^2 / (h^2 pi (1 - pi))``, rounded up; the far rejection tail is
    ignored (it adds far less than one customer at any useful power).
    """
    if not 0 < baseline < baseline + effect < 1:
        raise ValueError("need 0 < baseline < baseline + effect < 1")
    h = cohens_h(baseline + effect, baseline)
    z = norm.ppf(1 - alpha / 2) + norm.ppf(target_power)
    return math.ceil(float(z * z / (h * h * treatment_share * (1 - treatment_share))))


def minimum_detectable_effect(
    baseline: float,
    n_treatment: float,
    n_control: float,
    alpha: float = 0.05,
    target_power: float = DEFAULT_POWER,
) -> float:
    """Smallest gain over ``baseline`` detected with ``target_power`` at these arm sizes.

    Inverts ``h = (z_{1-alpha/2} + z_{power}) sqrt(1/n_T + 1/n_C)``:
    ``p_T = sin^2(asin(sqrt(baseline)) + h / 2)``. NaN when even ``p_T = 1`` would not be detected.
    """
    h = (norm.ppf(1 - alpha / 2) + norm.ppf(target_power)) * math.sqrt(1 / n_treatment + 1 / n_control)
    angle = math.asin(math.sqrt(baseline)) + h / 2
    if angle > math.pi / 2:
        return math.nan
    return math.sin(angle) ** 2 - baseline


@dataclass(frozen=True, slots=True)
class PowerSummary:
    """The fixed-horizon plan next to where the campaign stands.

    ``horizon`` is the planned total sample size (from the config, or computed from the minimum
    detectable effect); the fixed-horizon interval is meant to be read once ``reached_horizon``.
    ``mde_at_horizon`` is the gain detectable at the horizon with ``target_power``.
    """

    baseline: float
    baseline_source: str  # "config" or "observed_control"
    horizon: int
    n_matured: int
    reached_horizon: bool
    mde_at_horizon: float
    target_power: float
    minimum_detectable_effect: float | None
    required_sample_size: int | None


def plan(
    baseline: float,
    baseline_source: str,
    treatment_share: float,
    n_matured: int,
    alpha: float,
    planned_sample_size: int | None,
    planned_effect: float | None,
) -> PowerSummary | None:
    """Power summary, or None when there is nothing to plan with.

    None when ``baseline`` is not strictly between 0 and 1 (e.g. no control outcomes yet and none
    configured), or when there is no horizon: no ``planned_sample_size`` and no ``planned_effect``
    reachable from ``baseline``.
    """
    if not 0 < baseline < 1:
        return None
    required = None
    if planned_effect is not None and baseline + planned_effect < 1:
        required = required_sample_size(baseline, planned_effect, treatment_share, alpha)
    horizon = planned_sample_size if planned_sample_size is not None else required
    if horizon is None:
        return None
    n_t, n_c = horizon * treatment_share, horizon * (1 - treatment_share)
    return PowerSummary(
        baseline=baseline,
        baseline_source=baseline_source,
        horizon=horizon,
        n_matured=n_matured,
        reached_horizon=n_matured >= horizon,
        mde_at_horizon=minimum_detectable_effect(baseline, n_t, n_c, alpha),
        target_power=DEFAULT_POWER,
        minimum_detectable_effect=planned_effect,
        required_sample_size=required,
    )
