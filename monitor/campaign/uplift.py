"""Does targeting by model score help? Uplift by score decile, uplift@k and the Qini curve.

Customers of both arms are ranked together by the audience model's score, highest first (for a churn
model: most likely to churn first). Within each slice the uplift is ``rate_T - rate_C``. If the campaign
works best on high-score customers, uplift falls from the first decile to the last and the Qini curve
bows above the random-targeting line.

Qini curve (Radcliffe 2007; in the notation of Gutierrez and Gerardy 2017, "Causal inference and uplift
modelling: a review of the literature", PMLR 67): after targeting the top t customers,
``g(t) = Y_T(t) - Y_C(t) * N_T(t) / N_C(t)``, the treated successes minus the control successes scaled to
the treated count (``Y_C(t) N_T(t)/N_C(t)`` is taken as 0 while ``N_C(t) = 0``). ``g`` is evaluated only
where the score changes, so tied customers enter together, and linearly between.

Qini coefficient (Radcliffe 2007's Q): the area between the Qini curve and the random-targeting line (from
``(0, 0)`` to ``(1, g(N))``), divided by the same area for the optimum ranking that puts treated successes
first and control successes last, i.e. the optimum that allows negative effects (Radcliffe's q0 would use
the optimum without them). The x axis is the share of customers targeted; ``qini_area`` is the
unnormalized area, in incremental successes x share. This is the normalization of scikit-uplift's
``qini_auc_score(negative_effect=True)``; its 0.5.1 value is pinned in the tests. Q is near 0 for a
useless ranking, 1 for the optimum, negative for a ranking worse than random. The optimum ranks by the
realized outcomes, which no model can, so real values are small (ranking perfectly by the true uplift
reaches about 0.06 in the tests' simulation): compare Q with 0 and between models, not with 1.

Radcliffe NJ (2007). Using control groups to target on predicted lift: building and assessing uplift
models. Direct Marketing Analytics Journal, 14-21.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

DEFAULT_KS = (0.1, 0.2, 0.3, 0.5)
CURVE_GRID = tuple(i / 20 for i in range(21))


@dataclass(frozen=True, slots=True)
class SliceUplift:
    """One slice of the ranking (a decile, or the top k%). Rates are NaN for an empty arm, and then so
    is ``uplift``."""

    n_treatment: int
    n_control: int
    successes_treatment: int
    successes_control: int
    rate_treatment: float = field(init=False)
    rate_control: float = field(init=False)
    uplift: float = field(init=False)

    def __post_init__(self) -> None:
        rate_t = self.successes_treatment / self.n_treatment if self.n_treatment else math.nan
        rate_c = self.successes_control / self.n_control if self.n_control else math.nan
        object.__setattr__(self, "rate_treatment", rate_t)
        object.__setattr__(self, "rate_control", rate_c)
        object.__setattr__(self, "uplift", rate_t - rate_c)


@dataclass(frozen=True, slots=True)
class Decile:
    """Slice ``rank`` (1 = highest scores) with the score range it covers."""

    rank: int
    score_min: float
    score_max: float
    counts: SliceUplift


@dataclass(frozen=True, slots=True)
class UpliftAtK:
    """Uplift among the top ``ceil(k N)`` customers by score (scikit-uplift's ``uplift_at_k`` with
    ``strategy="overall"``; customers tied at the cut are taken in input order)."""

    k: float
    n_targeted: int
    counts: SliceUplift


@dataclass(frozen=True, slots=True)
class QiniCurve:
    """Full-resolution curve: ``targeted`` customers (0..N, at score changes) and ``incremental`` g."""

    targeted: npt.NDArray[np.int64]
    incremental: FloatArray

    @property
    def share(self) -> FloatArray:
        return np.asarray(self.targeted / self.targeted[-1], dtype=np.float64)

    def at(self, shares: Sequence[float]) -> list[float]:
        """``g`` at these shares of the population targeted, interpolated linearly."""
        return [float(v) for v in np.interp(shares, self.share, self.incremental)]

    def area(self) -> float:
        """Area between the curve and the random-targeting line, x in shares of the population."""
        x, g = self.share, self.incremental
        trapezoids = float(np.sum((g[1:] + g[:-1]) * np.diff(x)) / 2)
        return trapezoids - float(g[-1]) / 2


def _slice(treated: BoolArray, success: BoolArray) -> SliceUplift:
    return SliceUplift(
        n_treatment=int(treated.sum()),
        n_control=int((~treated).sum()),
        successes_treatment=int((success & treated).sum()),
        successes_control=int((success & ~treated).sum()),
    )


def rank_by_score(score: FloatArray) -> npt.NDArray[np.intp]:
    """Indices from highest to lowest score; ties keep input order (stable)."""
    return np.argsort(-score, kind="stable")


def deciles(score: FloatArray, treated: BoolArray, success: BoolArray, n_bins: int = 10) -> list[Decile]:
    """Uplift per score slice; slices are equal-sized up to one customer, ties split by input order."""
    order = rank_by_score(score)
    return [
        Decile(i + 1, float(score[idx].min()), float(score[idx].max()), _slice(treated[idx], success[idx]))
        for i, idx in enumerate(np.array_split(order, n_bins))
        if idx.size
    ]


def uplift_at_k(score: FloatArray, treated: BoolArray, success: BoolArray, k: float) -> UpliftAtK:
    """``rate_T - rate_C`` among the top ``ceil(k N)`` customers by score, ``0 < k <= 1``."""
    if not 0 < k <= 1:
        raise ValueError("k is a share of customers in (0, 1]")
    top = rank_by_score(score)[: math.ceil(k * score.size)]
    return UpliftAtK(k, int(top.size), _slice(treated[top], success[top]))


def qini_curve(score: FloatArray, treated: BoolArray, success: BoolArray) -> QiniCurve:
    """The Qini curve (definition in the module docstring); needs at least one customer."""
    order = rank_by_score(score)
    s, t, y = score[order], treated[order], success[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last index of each run of equal scores
    n_t = np.cumsum(t)[ends]
    n_c = ends + 1 - n_t
    y_t = np.cumsum(y & t)[ends]
    y_c = np.cumsum(y & ~t)[ends]
    scale = np.divide(n_t, n_c, out=np.zeros(n_t.size), where=n_c > 0)
    g = y_t - y_c * scale
    return QiniCurve(np.r_[0, ends + 1].astype(np.int64), np.r_[0.0, g].astype(np.float64))


def qini_coefficient(score: FloatArray, treated: BoolArray, success: BoolArray) -> tuple[float, float]:
    """``(Q, area)``: the normalized and the raw area above the random line. Q is NaN when the optimum
    has no area (e.g. no successes at all)."""
    area = qini_curve(score, treated, success).area()
    best = success.astype(np.float64) * np.where(treated, 1.0, -1.0)
    best_area = qini_curve(best, treated, success).area()
    return (area / best_area if best_area > 0 else math.nan), area


@dataclass(frozen=True, slots=True)
class UpliftSummary:
    """Everything marketing needs to judge targeting by score. With ``status == "insufficient_data"``
    the lists are empty, the numbers NaN and ``reason`` says why."""

    n_scored: int
    n_missing_score: int
    deciles: tuple[Decile, ...]
    at_k: tuple[UpliftAtK, ...]
    qini_shares: tuple[float, ...]
    qini_incremental: tuple[float, ...]
    qini_coefficient: float
    qini_area: float
    status: str = "ok"
    reason: str = ""


def summarize_uplift(
    score: npt.ArrayLike,
    treated: npt.ArrayLike,
    success: npt.ArrayLike,
    ks: Sequence[float] = DEFAULT_KS,
    n_bins: int = 10,
) -> UpliftSummary:
    """Deciles, uplift@k and Qini over customers with a finite score (the others are counted)."""
    s = np.asarray(score, dtype=np.float64)
    keep = np.isfinite(s)
    s, t, y = s[keep], np.asarray(treated, dtype=bool)[keep], np.asarray(success, dtype=bool)[keep]
    missing = int(keep.size - keep.sum())
    if reason := _too_little(s.size, t, n_bins):
        return UpliftSummary(s.size, missing, (), (), (), (), math.nan, math.nan, "insufficient_data", reason)
    q, area = qini_coefficient(s, t, y)
    return UpliftSummary(
        n_scored=int(s.size),
        n_missing_score=missing,
        deciles=tuple(deciles(s, t, y, n_bins)),
        at_k=tuple(uplift_at_k(s, t, y, k) for k in ks),
        qini_shares=CURVE_GRID,
        qini_incremental=tuple(qini_curve(s, t, y).at(CURVE_GRID)),
        qini_coefficient=q,
        qini_area=area,
    )


def _too_little(n: int, treated: BoolArray, n_bins: int) -> str | None:
    if n < n_bins:
        return f"{n} scored outcomes, fewer than the {n_bins} slices"
    if treated.all() or not treated.any():
        return "uplift needs scored outcomes in both arms"
    return None
