"""Uplift by score decile, uplift@k and Qini: a hand-computed example and the properties that matter."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from monitor.campaign.uplift import (
    CURVE_GRID,
    deciles,
    qini_coefficient,
    qini_curve,
    summarize_uplift,
    uplift_at_k,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Eight customers, already in score order.
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
TREATED = np.array([1, 0, 1, 1, 0, 1, 0, 0], dtype=bool)
SUCCESS = np.array([1, 0, 1, 0, 1, 0, 0, 1], dtype=bool)


def test_qini_curve_by_hand() -> None:
    # g(t) = Y_T(t) - Y_C(t) N_T(t) / N_C(t), the control term 0 while N_C(t) = 0:
    # t=1: 1 - 0            t=2: 1 - 0 * 1/1    t=3: 2 - 0 * 2/1    t=4: 2 - 0 * 3/1
    # t=5: 2 - 1 * 3/2      t=6: 2 - 1 * 4/2    t=7: 2 - 1 * 4/3    t=8: 2 - 2 * 4/4
    curve = qini_curve(SCORE, TREATED, SUCCESS)
    assert curve.targeted.tolist() == list(range(9))
    assert curve.incremental.tolist() == pytest.approx([0, 1, 1, 2, 2, 0.5, 0, 2 / 3, 0])
    # Trapezoids with dx = 1/8: (1 + 1 + 2 + 2 + 0.5 + 0 + 2/3) / 8 = 0.895833; the random line ends
    # at g(8) = 0, so it adds no area.
    assert curve.area() == pytest.approx(0.895833, abs=1e-6)


def test_qini_coefficient_by_hand() -> None:
    # The optimum ranks treated successes (customers 1, 3) first, control successes (5, 8) last, the
    # rest tied in between: g = 0 at 0, 2 at 2/8, 2 at 6/8, 0 at 1 -> area 0.25 + 1.0 + 0.25 = 1.5.
    q, area = qini_coefficient(SCORE, TREATED, SUCCESS)
    assert area == pytest.approx(0.895833, abs=1e-6)
    assert q == pytest.approx(0.895833 / 1.5, abs=1e-6)


def test_deciles_by_hand() -> None:
    rows = deciles(SCORE, TREATED, SUCCESS, n_bins=4)
    assert [d.rank for d in rows] == [1, 2, 3, 4]
    assert [(d.score_min, d.score_max) for d in rows] == [(0.8, 0.9), (0.6, 0.7), (0.4, 0.5), (0.2, 0.3)]
    first, second, third, fourth = (d.counts for d in rows)
    assert (first.rate_treatment, first.rate_control, first.uplift) == (1.0, 0.0, 1.0)
    assert second.n_control == 0 and math.isnan(second.uplift)  # an empty arm: no uplift, no crash
    assert (third.rate_treatment, third.rate_control, third.uplift) == (0.0, 1.0, -1.0)
    assert fourth.n_treatment == 0 and fourth.successes_control == 1


def test_uplift_at_k_by_hand() -> None:
    top_half = uplift_at_k(SCORE, TREATED, SUCCESS, 0.5)  # customers 1-4: T 2/3, C 0/1
    assert top_half.n_targeted == 4
    assert top_half.counts.uplift == pytest.approx(2 / 3)
    assert uplift_at_k(SCORE, TREATED, SUCCESS, 0.3).n_targeted == 3  # ceil(2.4), as scikit-uplift
    assert uplift_at_k(SCORE, TREATED, SUCCESS, 1.0).counts.uplift == pytest.approx(2 / 4 - 2 / 4)
    with pytest.raises(ValueError, match="share"):
        uplift_at_k(SCORE, TREATED, SUCCESS, 0.0)


def test_tied_scores_enter_together() -> None:
    score = np.array([1.0, 1.0, 0.0, 0.0])
    treated = np.array([False, True, True, False])
    success = np.array([True, True, False, False])
    curve = qini_curve(score, treated, success)
    assert curve.targeted.tolist() == [0, 2, 4]  # no point inside a tie
    assert curve.incremental.tolist() == pytest.approx([0, 0, 0])
    swapped = qini_curve(score, treated[[1, 0, 3, 2]], success[[1, 0, 3, 2]])
    assert swapped.incremental.tolist() == curve.incremental.tolist()


def simulated(seed: int, n: int = 20_000) -> tuple[FloatArray, BoolArray, BoolArray, FloatArray]:
    """Control retention 30%; the email adds 0.2 * x, so x is the true uplift ranking."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    treated = rng.random(n) < 0.5
    success = rng.random(n) < 0.3 + treated * 0.2 * x
    return x, treated, success, rng.random(n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_qini_properties(seed: int) -> None:
    x, treated, success, noise = simulated(seed)
    true_ranking, _ = qini_coefficient(x, treated, success)
    random_ranking, _ = qini_coefficient(noise, treated, success)
    reversed_ranking, _ = qini_coefficient(-x, treated, success)
    assert true_ranking > 0.04
    assert abs(random_ranking) < 0.015
    assert reversed_ranking < -0.04


def test_deciles_show_the_gradient() -> None:
    x, treated, success, _ = simulated(0)
    uplifts = [d.counts.uplift for d in deciles(x, treated, success)]
    assert uplifts[0] > 0.15 and uplifts[-1] < 0.05  # true values 0.19 and 0.01
    assert uplifts[0] > uplifts[4] > uplifts[-1]


def test_summary_counts_missing_scores_and_samples_the_curve() -> None:
    x, treated, success, _ = simulated(1, n=1000)
    x[:10] = np.nan
    summary = summarize_uplift(x, treated, success)
    assert summary.status == "ok"
    assert (summary.n_scored, summary.n_missing_score) == (990, 10)
    assert (
        len(summary.deciles) == 10
        and sum(d.counts.n_treatment + d.counts.n_control for d in summary.deciles) == 990
    )
    assert summary.qini_shares == CURVE_GRID and summary.qini_incremental[0] == 0
    assert [a.k for a in summary.at_k] == [0.1, 0.2, 0.3, 0.5]


@pytest.mark.parametrize(
    ("treated", "reason"),
    [(np.ones(50, bool), "both arms"), (np.zeros(5, bool), "fewer than")],
)
def test_insufficient_data(treated: npt.NDArray[np.bool_], reason: str) -> None:
    summary = summarize_uplift(np.linspace(0, 1, treated.size), treated, np.ones(treated.size, bool))
    assert summary.status == "insufficient_data" and reason in summary.reason
    assert summary.deciles == () and math.isnan(summary.qini_coefficient)


def test_no_successes_gives_nan_coefficient_not_a_crash() -> None:
    n = 100
    summary = summarize_uplift(np.linspace(0, 1, n), np.arange(n) % 2 == 0, np.zeros(n, bool))
    assert summary.status == "ok" and math.isnan(summary.qini_coefficient) and summary.qini_area == 0


def test_pinned_to_scikit_uplift() -> None:
    # A deterministic 40-customer set; the expected numbers come from scikit-uplift 0.5.1
    # (``qini_auc_score(y, score, treatment)`` with its default negative_effect=True, and
    # ``uplift_at_k(..., strategy="overall")``), computed once; it is not a test dependency.
    i = np.arange(40)
    score = ((i * 7) % 40) / 40.0
    treated = (i * 3) % 5 != 0
    success = ((i * 11) % 7 < 3) | ((i % 4 == 0) & treated)
    q, _ = qini_coefficient(score, treated, success)
    assert q == pytest.approx(0.36703899666862627, rel=1e-12)
    assert uplift_at_k(score, treated, success, 0.3).counts.uplift == pytest.approx(0.5)
    assert uplift_at_k(score, treated, success, 0.5).counts.uplift == pytest.approx(0.5)
    assert math.isnan(uplift_at_k(score, treated, success, 0.1).counts.uplift)  # no control in the top 4
