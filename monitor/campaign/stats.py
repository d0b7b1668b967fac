"""Per-arm counts and fixed-horizon intervals for the lift of treatment over control.

Notation: arm a in {T, C} has ``n_a`` matured outcomes of which ``x_a`` are successes, ``p_a = x_a / n_a``,
and ``z = Phi^-1(1 - alpha / 2)``. Absolute lift is ``p_T - p_C``; relative lift is ``p_T / p_C - 1``.

These intervals are valid when the data are looked at once, at a sample size fixed in advance. Read
daily, they exclude the truth far more often than ``alpha`` (see ``monitor.campaign.sequential``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from scipy.stats import norm

IntervalStatus = Literal["ok", "insufficient_data"]


@dataclass(frozen=True, slots=True)
class ArmStats:
    """Matured outcomes of one arm. ``rate`` is derived, and NaN when the arm is empty."""

    arm: str
    n: int
    successes: int
    rate: float = field(init=False)

    def __post_init__(self) -> None:
        if not 0 <= self.successes <= self.n:
            raise ValueError(f"{self.arm}: need 0 <= successes <= n, got {self.successes} of {self.n}")
        object.__setattr__(self, "rate", self.successes / self.n if self.n else math.nan)


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with its interval at ``1 - alpha``; ``method`` names the formula used.

    With ``status == "insufficient_data"`` the bounds (and possibly the estimate) are NaN and ``reason``
    says why; callers show that instead of a number.
    """

    estimate: float
    lower: float
    upper: float
    method: str
    alpha: float
    status: IntervalStatus = "ok"
    reason: str = ""

    def contains(self, value: float) -> bool:
        return self.status == "ok" and self.lower <= value <= self.upper


def unavailable(method: str, alpha: float, reason: str, estimate: float = math.nan) -> Interval:
    """The explicit "no interval" result: never a crash, never a made-up number."""
    return Interval(estimate, math.nan, math.nan, method, alpha, "insufficient_data", reason)


def z_value(alpha: float) -> float:
    """Two-sided normal quantile ``Phi^-1(1 - alpha / 2)``."""
    return float(norm.ppf(1 - alpha / 2))


def _empty_arm(treatment: ArmStats, control: ArmStats) -> str | None:
    empty = [a.arm for a in (treatment, control) if a.n == 0]
    return f"no matured outcomes in {' and '.join(empty)}" if empty else None


def wilson_interval(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson (1927) score interval for one proportion.

    ``(p + z^2/(2n) -/+ z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``; stays within [0, 1] and is
    not degenerate at 0 or n successes. Needs ``n >= 1``.
    """
    if n < 1:
        raise ValueError("the Wilson interval needs at least one observation")
    z = z_value(alpha)
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)


def wald_difference(treatment: ArmStats, control: ArmStats, alpha: float = 0.05) -> Interval:
    """Wald interval for ``p_T - p_C``: ``d -/+ z sqrt(p_T(1-p_T)/n_T + p_C(1-p_C)/n_C)``.

    Newcombe (1998) method 1. Shown for comparison only: it has zero width at 0 or n successes and
    undercovers in small samples; ``newcombe_difference`` is the one reported.
    """
    method = "wald"
    if reason := _empty_arm(treatment, control):
        return unavailable(method, alpha, reason)
    d = treatment.rate - control.rate
    se = math.sqrt(_bernoulli_var(treatment) + _bernoulli_var(control))
    half = z_value(alpha) * se
    return Interval(d, d - half, d + half, method, alpha)


def _bernoulli_var(arm: ArmStats) -> float:
    return arm.rate * (1 - arm.rate) / arm.n


def newcombe_difference(treatment: ArmStats, control: ArmStats, alpha: float = 0.05) -> Interval:
    """Newcombe's hybrid score interval for ``d = p_T - p_C`` (Newcombe 1998, method 10).

    With ``(l_a, u_a)`` the Wilson interval of arm a:
    ``L = d - sqrt((p_T - l_T)^2 + (u_C - p_C)^2)`` and ``U = d + sqrt((u_T - p_T)^2 + (p_C - l_C)^2)``.

    Newcombe RG (1998). Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Statistics in Medicine 17:873-890. Table II, e.g. 56/70 vs 48/80:
    0.0524 to 0.3339; 5/56 vs 0/29: -0.0381 to 0.1926 (checked in the tests).
    """
    method = "newcombe"
    if reason := _empty_arm(treatment, control):
        return unavailable(method, alpha, reason)
    p_t, p_c = treatment.rate, control.rate
    l_t, u_t = wilson_interval(treatment.successes, treatment.n, alpha)
    l_c, u_c = wilson_interval(control.successes, control.n, alpha)
    d = p_t - p_c
    lower = d - math.hypot(p_t - l_t, u_c - p_c)
    upper = d + math.hypot(u_t - p_t, p_c - l_c)
    return Interval(d, lower, upper, method, alpha)


def katz_relative_lift(treatment: ArmStats, control: ArmStats, alpha: float = 0.05) -> Interval:
    """Relative lift ``p_T / p_C - 1`` with the Katz log-ratio interval.

    ``log(p_T/p_C) -/+ z sqrt(1/x_T - 1/n_T + 1/x_C - 1/n_C)``, exponentiated, minus 1.
    Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the risk ratio in
    cohort studies. Biometrics 34:469-474. Undefined with zero successes in an arm: then the result is
    ``insufficient_data`` (the point estimate is still given when ``p_C > 0``).
    """
    method = "katz_log_ratio"
    if reason := _empty_arm(treatment, control):
        return unavailable(method, alpha, reason)
    estimate = treatment.rate / control.rate - 1 if control.successes else math.nan
    if treatment.successes == 0 or control.successes == 0:
        return unavailable(method, alpha, "the log-ratio interval needs a success in each arm", estimate)
    log_ratio = math.log(treatment.rate / control.rate)
    se = math.sqrt(1 / treatment.successes - 1 / treatment.n + 1 / control.successes - 1 / control.n)
    half = z_value(alpha) * se
    return Interval(estimate, math.exp(log_ratio - half) - 1, math.exp(log_ratio + half) - 1, method, alpha)
