"""Always-valid confidence sequences: the boundary's derivation, the tuning, and coverage under peeking.

The simulations are seeded and small (a few hundred campaigns of 2000 customers), so they run in about
a second; their miscoverage estimates carry a Monte-Carlo standard error of about 0.01.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from scipy import integrate, optimize
from scipy.stats import norm

from monitor.campaign.sequential import (
    MIN_EVENTS,
    MIN_PER_ARM,
    aipw_pseudo_outcomes,
    always_valid_difference,
    always_valid_relative_lift,
    boundary,
    difference_path,
    optimal_rho,
)
from monitor.campaign.stats import ArmStats, newcombe_difference

ALPHA = 0.05
TOLERANCE = 0.02  # about two Monte-Carlo standard errors at 500 replications


def test_boundary_is_where_robbins_normal_mixture_reaches_one_over_alpha() -> None:
    # Mixing exp(l S - l^2 t / 2) over l ~ N(0, rho^2) gives a nonnegative martingale; Ville's inequality
    # bounds the chance it ever exceeds 1/alpha, and it does exactly when |S| / t > boundary(t).
    rho, alpha = 0.05, 0.05
    for t in (10, 100, 1000, 10_000):
        s = t * float(boundary(t, alpha, rho))
        mixture, _ = integrate.quad(
            lambda lam, s=s, t=t: math.exp(lam * s - lam * lam * t / 2) * norm.pdf(lam, scale=rho),
            -1,
            1,
            points=[s / t],
        )
        assert mixture == pytest.approx(1 / alpha, rel=1e-6)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
@pytest.mark.parametrize("tuning_n", [200, 1000, 50_000])
def test_optimal_rho_minimizes_the_radius_at_the_tuning_size(alpha: float, tuning_n: int) -> None:
    rho = optimal_rho(tuning_n, alpha)
    best = optimize.minimize_scalar(
        lambda r: float(boundary(tuning_n, alpha, r)), bounds=(rho / 10, rho * 10), method="bounded"
    )
    assert rho == pytest.approx(best.x, rel=1e-3)
    # The paper's closed-form approximation is close.
    a = -2 * math.log(alpha)
    assert rho**2 * tuning_n == pytest.approx(a + math.log(a + 1), rel=0.05)


def test_boundary_always_wider_than_the_fixed_horizon_z() -> None:
    t = np.arange(1, 100_001)
    ratio = boundary(t, ALPHA, optimal_rho(1000, ALPHA)) * np.sqrt(t) / norm.ppf(1 - ALPHA / 2)
    assert ratio.min() > 1.5  # the price of peeking: at best about 3.03 / 1.96 = 1.55 (at t = 1000)
    assert ratio[999] == pytest.approx(ratio.min(), rel=1e-3)


def test_aipw_pseudo_outcomes_by_hand() -> None:
    # pi = 0.5; running means start at (0 + 0.5) / (0 + 1) = 0.5.
    # 1: treated, success:  m_T = m_C = 0.5       -> 0 + (1 - 0.5) / 0.5         = 1.0
    # 2: control, success:  m_T = 1.5/2, m_C = 0.5 -> 0.25 - (1 - 0.5) / 0.5     = -0.75
    # 3: treated, failure:  m_T = m_C = 0.75       -> 0 + (0 - 0.75) / 0.5        = -1.5
    phi = aipw_pseudo_outcomes([True, False, True], [1, 1, 0], 0.5)
    assert phi.tolist() == pytest.approx([1.0, -0.75, -1.5])


def test_aipw_pseudo_outcomes_are_unbiased_for_the_lift() -> None:
    rng = np.random.default_rng(7)
    treated = rng.random(200_000) < 0.8
    success = rng.random(200_000) < np.where(treated, 0.83, 0.78)
    phi = aipw_pseudo_outcomes(treated, success, 0.8)
    assert phi.mean() == pytest.approx(0.05, abs=0.006)  # standard error about 0.0025
    # and about as precise as the plain difference of means, unlike plain IPW (five times the variance)
    assert phi.var() < 1.1 * (0.83 * 0.17 / 0.8 + 0.78 * 0.22 / 0.2)


def _campaign(
    rng: np.random.Generator, n: int, p_t: float, p_c: float, share: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    treated = rng.random(n) < share
    return treated, rng.random(n) < np.where(treated, p_t, p_c)


def test_wider_than_the_fixed_horizon_interval_at_the_same_n() -> None:
    rng = np.random.default_rng(3)
    for n in (500, 2000, 20_000):
        treated, success = _campaign(rng, n, 0.82, 0.8, 0.8)
        cs = always_valid_difference(treated, success, 0.8)
        t = ArmStats("treatment", int(treated.sum()), int(success[treated].sum()))
        c = ArmStats("control", int((~treated).sum()), int(success[~treated].sum()))
        fixed = newcombe_difference(t, c)
        assert cs.estimate == pytest.approx(fixed.estimate)
        assert cs.upper - cs.lower > 1.3 * (fixed.upper - fixed.lower)
        assert cs.lower < fixed.lower and cs.upper > fixed.upper


Counts = dict[str, npt.NDArray[np.int64]]


def _running_counts(treated: npt.NDArray[np.bool_], success: npt.NDArray[np.bool_]) -> Counts:
    n_t = np.cumsum(treated, dtype=np.int64)
    s_t = np.cumsum(success & treated, dtype=np.int64)
    n_c = np.arange(1, treated.size + 1, dtype=np.int64) - n_t
    s_c = np.cumsum(success & ~treated, dtype=np.int64)
    return {"n_t": n_t, "s_t": s_t, "n_c": n_c, "s_c": s_c}


def _ready(k: Counts) -> npt.NDArray[np.bool_]:
    """Where the library gives an interval (see ``too_few``); the naive intervals are read there too."""
    fewest = np.min([k["s_t"], k["n_t"] - k["s_t"], k["s_c"], k["n_c"] - k["s_c"]], axis=0)
    ready: npt.NDArray[np.bool_] = (np.minimum(k["n_t"], k["n_c"]) >= MIN_PER_ARM) & (fewest >= MIN_EVENTS)
    return ready


def _wilson(
    x: npt.NDArray[np.int64], n: npt.NDArray[np.int64], z: float
) -> tuple[npt.NDArray[np.float64], ...]:
    p = x / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def _newcombe_path(k: Counts, alpha: float) -> tuple[npt.NDArray[np.float64], ...]:
    """Newcombe's interval recomputed after every customer (vectorized ``newcombe_difference``)."""
    z = float(norm.ppf(1 - alpha / 2))
    p_t, p_c = k["s_t"] / k["n_t"], k["s_c"] / k["n_c"]
    l_t, u_t = _wilson(k["s_t"], k["n_t"], z)
    l_c, u_c = _wilson(k["s_c"], k["n_c"], z)
    d = p_t - p_c
    return d - np.hypot(p_t - l_t, u_c - p_c), d + np.hypot(u_t - p_t, p_c - l_c)


def test_vectorized_newcombe_helper_matches_the_library() -> None:
    treated, success = _campaign(np.random.default_rng(5), 400, 0.8, 0.8, 0.8)
    k = _running_counts(treated, success)
    with np.errstate(divide="ignore", invalid="ignore"):  # before both arms have a customer
        lower, upper = _newcombe_path(k, ALPHA)
    for i in (99, 250, 399):
        t = ArmStats("treatment", int(k["n_t"][i]), int(k["s_t"][i]))
        c = ArmStats("control", int(k["n_c"][i]), int(k["s_c"][i]))
        expected = newcombe_difference(t, c)
        assert (lower[i], upper[i]) == pytest.approx((expected.lower, expected.upper))


def null_miscoverage(
    p: float, share: float, reps: int = 500, n: int = 2000, seed: int = 1
) -> tuple[float, float]:
    """Share of null campaigns (no effect) whose interval, read after every customer, ever excludes 0:
    (confidence sequence, naive repeated Newcombe interval)."""
    rng = np.random.default_rng(seed)
    cs_misses = naive_misses = 0
    for _ in range(reps):
        treated, success = _campaign(rng, n, p, p, share)
        k, path = _running_counts(treated, success), difference_path(treated, success, share, ALPHA)
        looks = _ready(k)
        cs_misses += bool(((path.lower > 0) | (path.upper < 0))[looks].any())
        with np.errstate(divide="ignore", invalid="ignore"):
            lower, upper = _newcombe_path(k, ALPHA)
        naive_misses += bool(((lower > 0) | (upper < 0))[looks].any())
    return cs_misses / reps, naive_misses / reps


@pytest.mark.parametrize(
    ("p", "share", "n"),
    [(0.8, 0.8, 2000), (0.5, 0.5, 2000), (0.05, 0.8, 5000)],
    ids=["retention-80pct-split-80-20", "balanced", "rare-outcome-small-control"],
)
def test_time_uniform_coverage_under_continuous_peeking(p: float, share: float, n: int) -> None:
    cs, naive = null_miscoverage(p, share, n=n)
    print(f"null miscoverage p={p} share={share}: confidence sequence {cs:.3f}, naive Newcombe {naive:.3f}")
    assert cs <= ALPHA + TOLERANCE
    assert naive > 3 * ALPHA  # peeking at a fixed-horizon interval every day breaks it


def test_relative_lift_sequence_coverage_under_peeking() -> None:
    # Checked at every 25th customer (the arm sequences are computed from counts alone).
    rng, misses, reps = np.random.default_rng(11), 0, 300
    for _ in range(reps):
        treated, success = _campaign(rng, 2000, 0.8, 0.8, 0.8)
        k = _running_counts(treated, success)
        for i in np.flatnonzero(_ready(k))[::25]:
            t = ArmStats("treatment", int(k["n_t"][i]), int(k["s_t"][i]))
            c = ArmStats("control", int(k["n_c"][i]), int(k["s_c"][i]))
            if not always_valid_relative_lift(t, c, 0.8).contains(0.0):
                misses += 1
                break
    print(f"null miscoverage of the relative-lift sequence: {misses / reps:.3f}")
    assert misses / reps <= ALPHA + TOLERANCE


def test_detects_a_real_effect_eventually() -> None:
    treated, success = _campaign(np.random.default_rng(2), 20_000, 0.85, 0.8, 0.8)
    cs = always_valid_difference(treated, success, 0.8)
    assert cs.lower > 0
    assert cs.contains(0.05)


def test_too_few_outcomes_is_insufficient_data() -> None:
    treated, success = _campaign(np.random.default_rng(4), 100, 0.8, 0.8, 0.8)  # ~20 in control
    cs = always_valid_difference(treated, success, 0.8)
    assert cs.status == "insufficient_data"
    assert "control has" in cs.reason and f"need {MIN_PER_ARM} outcomes" in cs.reason
    assert not math.isnan(cs.estimate)  # the point estimate is still shown
    empty = always_valid_difference(np.zeros(0, bool), np.zeros(0, bool), 0.8)
    assert empty.status == "insufficient_data"


def test_no_successes_is_insufficient_data() -> None:
    treated = np.arange(400) % 5 != 0
    cs = always_valid_difference(treated, np.zeros(400, bool), 0.8)
    assert cs.status == "insufficient_data"
    assert "0 successes" in cs.reason
    rel = always_valid_relative_lift(ArmStats("treatment", 320, 0), ArmStats("control", 80, 0), 0.8)
    assert rel.status == "insufficient_data"
    assert math.isnan(rel.estimate)


def test_path_is_clipped_to_possible_lifts_and_ends_at_the_latest_interval() -> None:
    treated, success = _campaign(np.random.default_rng(6), 3000, 0.9, 0.6, 0.5)
    path = difference_path(treated, success, 0.5)
    assert (path.lower >= -1).all() and (path.upper <= 1).all()
    assert path.n.tolist() == list(range(1, 3001))
    latest = always_valid_difference(treated, success, 0.5)
    assert (latest.lower, latest.upper) == (path.lower[-1], path.upper[-1])
