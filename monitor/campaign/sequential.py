"""Always-valid inference: asymptotic confidence sequences for the lift, safe under daily peeking.

Method (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas 2023, "Time-uniform central limit theory and
asymptotic confidence sequences", Annals of Statistics, arXiv:2103.06476: Robbins' normal-mixture
asymptotic confidence sequence, applied as in their section on randomized experiments). For a stream
with running mean ``mu_t`` and running standard deviation ``sigma_t`` of t observations,

    mu_t -/+ sigma_t * sqrt( 2 (t rho^2 + 1) / (t^2 rho^2) * log( sqrt(t rho^2 + 1) / alpha ) )

covers the true mean at every t simultaneously with probability about 1 - alpha (two-sided). ``rho``
is fixed in advance; ``optimal_rho`` makes the sequence tightest at a chosen sample size. The same
boundary with ``sigma = 1`` is the two-sided normal-mixture boundary of Howard, Ramdas, McAuliffe and
Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2).

For the absolute lift the stream is of augmented inverse-propensity-weighted (AIPW) pseudo-outcomes
``phi_i = m_T - m_C + A_i (Y_i - m_T) / pi - (1 - A_i)(Y_i - m_C) / (1 - pi)``, with ``pi`` the planned
treatment share and ``m_a`` the arm's success rate over the customers *before* i (predictable, so
``E[phi_i | past] = p_T - p_C`` exactly). Plain IPW (``m_a = 0``) would be unbiased too but about five
times noisier at an 80% success rate.

Assumptions (``ASSUMPTIONS``, reported with every summary): each customer is treated independently with
the known probability ``pi`` (a sample-ratio mismatch breaks this); outcomes of different customers are
independent (if the audience changes during the campaign, read the result as the average lift over the
customers so far); rows are in assignment order, so matured outcomes are a prefix of the stream; ``rho``
is fixed before the data are seen; and the guarantee is asymptotic, so no interval is given before each
arm has ``MIN_PER_ARM`` outcomes with ``MIN_EVENTS`` successes and failures (``too_few``). The tests
check the time-uniform coverage by simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import lambertw

from monitor.campaign.stats import ArmStats, Interval, unavailable

FloatArray = npt.NDArray[np.float64]

# Where the sequence is tightest when the config names no planned sample size.
DEFAULT_TUNING_N = 1000
# The boundary is asymptotic: with a handful of outcomes the variance estimate is too noisy to trust.
MIN_PER_ARM = 30
MIN_EVENTS = 10

ASSUMPTIONS = (
    "each customer is treated independently with the planned probability (see the SRM check)",
    "outcomes of different customers are independent",
    "rows are counted in assignment order; only matured outcomes are used",
    f"asymptotic: no interval before each arm has {MIN_PER_ARM} matured outcomes, "
    f"{MIN_EVENTS} of them successes and {MIN_EVENTS} failures",
)


def optimal_rho(tuning_n: float, alpha: float) -> float:
    """The ``rho`` that minimizes the radius at ``t = tuning_n``.

    Setting the derivative of the radius in ``rho^2`` to zero gives
    ``rho^2 = (-W_{-1}(-alpha^2 exp(alpha^2 - 1)) - 1) / tuning_n`` with ``W_{-1}`` the lower branch of
    Lambert's W; Waudby-Smith et al. (2023) give the approximation
    ``(-2 log alpha + log(-2 log alpha + 1)) / tuning_n``. The tests check both against a numerical
    minimum. ``rho`` must not depend on the data, or the guarantee is lost.
    """
    w = lambertw(-alpha * alpha * math.exp(alpha * alpha - 1), k=-1).real
    return math.sqrt((-w - 1) / tuning_n)


def boundary(t: npt.ArrayLike, alpha: float, rho: float) -> FloatArray:
    """Radius per unit standard deviation after ``t`` observations (formula in the module docstring)."""
    t = np.asarray(t, dtype=np.float64)
    x = t * rho * rho
    return np.asarray(np.sqrt(2 * (x + 1) / (t * t * rho * rho) * np.log(np.sqrt(x + 1) / alpha)))


def aipw_pseudo_outcomes(treated: npt.ArrayLike, success: npt.ArrayLike, share: float) -> FloatArray:
    """AIPW pseudo-outcomes with predictable arm means (see the module docstring).

    The running means are smoothed as ``(successes before i + 0.5) / (n before i + 1)`` so the first
    customers of an arm get a finite, uninformative prior guess of 0.5; predictability is what matters
    for validity, not accuracy.
    """
    a = np.asarray(treated, dtype=np.float64)
    y = np.asarray(success, dtype=np.float64)
    m_t = _predictable_mean(y * a, a)
    m_c = _predictable_mean(y * (1 - a), 1 - a)
    return np.asarray(m_t - m_c + a * (y - m_t) / share - (1 - a) * (y - m_c) / (1 - share))


def _predictable_mean(successes: FloatArray, members: FloatArray) -> FloatArray:
    before_s = np.cumsum(successes) - successes
    before_n = np.cumsum(members) - members
    return np.asarray((before_s + 0.5) / (before_n + 1.0))


@dataclass(frozen=True, slots=True)
class SequencePath:
    """The confidence sequence after each of the first ``len(n)`` customers (for lift-over-time charts)."""

    n: npt.NDArray[np.int64]
    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray


def difference_path(
    treated: npt.ArrayLike,
    success: npt.ArrayLike,
    share: float,
    alpha: float = 0.05,
    tuning_n: float = DEFAULT_TUNING_N,
) -> SequencePath:
    """Confidence sequence for ``p_T - p_C`` after every prefix of the stream (rows in assignment order)."""
    phi = aipw_pseudo_outcomes(treated, success, share)
    t = np.arange(1, phi.size + 1)
    mean = np.cumsum(phi) / t
    variance = np.maximum(np.cumsum(phi * phi) / t - mean * mean, 0.0)
    radius = np.sqrt(variance) * boundary(t, alpha, optimal_rho(tuning_n, alpha))
    # The lift of two rates lies in [-1, 1]: clipping keeps the guarantee and drops impossible values.
    return SequencePath(t, mean, np.maximum(mean - radius, -1.0), np.minimum(mean + radius, 1.0))


def always_valid_difference(
    treated: npt.ArrayLike,
    success: npt.ArrayLike,
    share: float,
    alpha: float = 0.05,
    tuning_n: float = DEFAULT_TUNING_N,
) -> Interval:
    """The confidence sequence for the absolute lift at the latest customer, as an ``Interval``.

    The bounds are the sequence's, centred on the AIPW mean; ``estimate`` is the plain ``p_T - p_C``
    that matches the arm rates shown next to it (the two differ by a small fraction of the radius once
    the minimum counts are met).
    """
    method = "aipw_normal_mixture_cs"
    a = np.asarray(treated, dtype=bool)
    y = np.asarray(success, dtype=bool)
    t_arm = ArmStats("treatment", int(a.sum()), int(y[a].sum()))
    c_arm = ArmStats("control", int((~a).sum()), int(y[~a].sum()))
    estimate = t_arm.rate - c_arm.rate
    if reason := too_few(t_arm, c_arm):
        return unavailable(method, alpha, reason, estimate)
    path = difference_path(a, y, share, alpha, tuning_n)
    return Interval(estimate, float(path.lower[-1]), float(path.upper[-1]), method, alpha)


def too_few(*arms: ArmStats) -> str | None:
    """Why the asymptotic sequence is not given yet, or None.

    Each arm needs ``MIN_PER_ARM`` outcomes, and ``MIN_EVENTS`` successes and as many failures (the
    usual rule for a normal approximation of a proportion). In simulations (see the tests) rare
    outcomes in a small control arm otherwise push the time-uniform error to 7-8% at alpha = 5%.
    """
    problems = []
    for arm in arms:
        failures = arm.n - arm.successes
        if arm.n < MIN_PER_ARM:
            problems.append(f"{arm.arm} has {arm.n} outcomes")
        elif min(arm.successes, failures) < MIN_EVENTS:
            problems.append(f"{arm.arm} has {arm.successes} successes and {failures} failures")
    if not problems:
        return None
    need = f"{MIN_PER_ARM} outcomes with {MIN_EVENTS} successes and {MIN_EVENTS} failures per arm"
    return f"{'; '.join(problems)}: always-valid intervals need {need}"


def arm_rate_sequence(arm: ArmStats, alpha: float, tuning_n: float) -> tuple[float, float]:
    """Confidence sequence for one arm's success rate, indexed by that arm's own count.

    ``p -/+ sqrt(p(1-p)) * boundary(n)``, clipped to [0, 1]. Degenerate (zero width) at 0 or n
    successes; ``too_few`` keeps callers well away from that.
    """
    p = arm.rate
    radius = math.sqrt(p * (1 - p)) * float(boundary(arm.n, alpha, optimal_rho(tuning_n, alpha)))
    return max(0.0, p - radius), min(1.0, p + radius)


def always_valid_relative_lift(
    treatment: ArmStats,
    control: ArmStats,
    share: float,
    alpha: float = 0.05,
    tuning_n: float = DEFAULT_TUNING_N,
) -> Interval:
    """Relative lift ``p_T / p_C - 1`` from one sequence per arm at ``alpha / 2`` each (union bound).

    Both arm sequences hold at all times with probability about ``1 - alpha``, and then
    ``l_T / u_C - 1 <= p_T / p_C - 1 <= u_T / l_C - 1`` (upper bound infinite when ``l_C = 0``).
    Conservative, but valid under peeking with no approximation beyond the arms' own sequences.
    """
    method = "arm_cs_ratio_union_bound"
    estimate = treatment.rate / control.rate - 1 if control.successes else math.nan
    if reason := too_few(treatment, control):
        return unavailable(method, alpha, reason, estimate)
    l_t, u_t = arm_rate_sequence(treatment, alpha / 2, tuning_n * share)
    l_c, u_c = arm_rate_sequence(control, alpha / 2, tuning_n * (1 - share))
    upper = u_t / l_c - 1 if l_c > 0 else math.inf
    return Interval(estimate, l_t / u_c - 1, upper, method, alpha)
