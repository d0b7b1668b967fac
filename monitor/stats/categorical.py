"""Tests for categorical columns, equal to Evidently 0.7.23: chi-square and the two-proportion z-test.

Both compare the current window's category counts with the reference's; both also run from counts
(``SELECT x, count() ... GROUP BY x`` per window), which is all they need.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

from monitor.stats.binning import category_counts, count_pair, require_categorical
from monitor.stats.result import ColumnType, DriftResult, MethodInfo, Rule

_CAT = (ColumnType.CATEGORICAL,)
CHISQUARE = MethodInfo("chisquare", _CAT, 0.05, Rule.P_BELOW, description="Chi-square p-value")
Z = MethodInfo("z", _CAT, 0.05, Rule.P_BELOW, description="Two-proportion z-test p-value (binary columns)")


def chisquare_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """Chi-square of the current counts against the reference counts scaled to the current size.

    Summary needed: counts per category for both windows, aligned. Categories absent from both windows
    are dropped (Evidently never sees them). As in Evidently, a category seen only in current gives an
    infinite statistic and p = 0, and a single category gives p = NaN (no degrees of freedom: no drift).
    """
    ref, cur = (counts.astype(np.float64) for counts in count_pair(reference_counts, current_counts))
    seen = (ref > 0) | (cur > 0)
    ref, cur = ref[seen], cur[seen]
    if ref.sum() == 0 or cur.sum() == 0:
        raise ValueError("chisquare_from_counts: a side has no rows")
    expected = ref * (cur.sum() / ref.sum())
    with np.errstate(divide="ignore", invalid="ignore"):  # unseen categories divide by zero on purpose
        statistic, p_value = stats.chisquare(cur, expected)
    details = {
        "n_reference": int(ref.sum()),
        "n_current": int(cur.sum()),
        "n_categories": int(ref.size),
        "statistic": float(statistic),
    }
    return CHISQUARE.result(float(p_value), threshold, details)


def chisquare(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """Evidently's ``chisquare`` (drift when p < 0.05). Inputs must be clean (``guards.drop_missing``)."""
    ref, cur = require_categorical(reference, "reference"), require_categorical(current, "current")
    counts = category_counts(ref, cur)
    return chisquare_from_counts(counts.reference, counts.current, threshold=threshold)


def z_from_counts(
    reference_hits: int,
    reference_n: int,
    current_hits: int,
    current_n: int,
    *,
    threshold: float | None = None,
) -> DriftResult:
    """Two-sided pooled two-proportion z-test, ``p = 2 * (1 - Phi(|z|))`` exactly as Evidently computes it.

    Summary needed: per window, the row count and the count of one chosen category ("hits"). When no row
    or every row is a hit on both sides there is nothing to compare and p = 1 (Evidently's special case).
    """
    if reference_n <= 0 or current_n <= 0:
        raise ValueError("z_from_counts: a side has no rows")
    p1, p2 = float(reference_hits) / reference_n, float(current_hits) / current_n
    pooled = float(p1 * reference_n + p2 * current_n) / (reference_n + current_n)
    details: dict[str, object] = {"n_reference": reference_n, "n_current": current_n, "p_reference": p1}
    details["p_current"] = p2
    if pooled in (0.0, 1.0):
        return Z.result(1.0, threshold, {**details, "statistic": 0.0})
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / reference_n + 1.0 / current_n))
    # 1 - cdf (not sf) to match Evidently: it saturates to p = 0 beyond |z| of about 8.3
    p_value = 2 * (1 - float(stats.norm.cdf(abs(z))))
    return Z.result(p_value, threshold, {**details, "statistic": z})


def z(reference: npt.ArrayLike, current: npt.ArrayLike, *, threshold: float | None = None) -> DriftResult:
    """Evidently's ``z``: share of rows *not* equal to the smallest category, reference vs current.

    Meant for binary columns; with three or more categories Evidently lumps all but the smallest
    together, and so does this (``details["n_categories"]`` shows when that happened).
    """
    ref, cur = require_categorical(reference, "reference"), require_categorical(current, "current")
    counts = category_counts(ref, cur)
    ref_hits = int(counts.reference[1:].sum())  # keys are sorted: index 0 is Evidently's keys[0]
    cur_hits = int(counts.current[1:].sum())
    result = z_from_counts(ref_hits, ref.size, cur_hits, cur.size, threshold=threshold)
    details = {**result.details, "n_categories": len(counts.bins), "baseline_category": str(counts.bins[0])}
    return Z.result(result.score, threshold, details)
