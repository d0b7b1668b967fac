"""``psi_quantile``: PSI over outlier-robust reference-quantile bins. NOT equal to Evidently.

Why it exists: Evidently's PSI bins reference + current with Sturges equal-width bins between their
joint min and max. One extreme value stretches that range so that nearly all rows share one or two
bins, and a real shift of the bulk becomes invisible. Here the inner edges are reference quantiles
between ``tail`` and ``1 - tail`` (1st to 99th percentile by default), so a few outliers move no edge,
and two open-ended outer bins catch everything beyond them (outliers land there and are counted, not
allowed to rescale the rest). The PSI formula and zero filling are Evidently's, so the usual PSI
thresholds (0.1 moderate, 0.25 large) keep their meaning.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.stats.binning import IntArray, count_pair, require_numeric
from monitor.stats.distances import psi_score
from monitor.stats.result import ColumnType, DriftResult, FloatArray, MethodInfo, Rule

PSI_QUANTILE = MethodInfo(
    "psi_quantile",
    (ColumnType.NUMERICAL,),
    0.1,
    Rule.SCORE_AT_LEAST,
    evidently_equal=False,
    description="PSI over reference 1st-99th percentile bins with open outer bins (outlier-robust)",
)
DEFAULT_BINS = 10
DEFAULT_TAIL = 0.01


def quantile_probabilities(n_bins: int = DEFAULT_BINS, tail: float = DEFAULT_TAIL) -> FloatArray:
    """The probabilities whose reference quantiles are the inner edges (``n_bins + 1`` of them)."""
    if n_bins < 1 or not 0 <= tail < 0.5:
        raise ValueError(f"need n_bins >= 1 and 0 <= tail < 0.5, got {n_bins}, {tail}")
    return np.linspace(tail, 1.0 - tail, n_bins + 1)


def robust_edges(
    reference: npt.ArrayLike, n_bins: int = DEFAULT_BINS, tail: float = DEFAULT_TAIL
) -> FloatArray:
    """Inner edges: reference quantiles (numpy's linear interpolation), duplicates removed.

    Duplicates appear with heavily tied data; removing them only merges empty bins. In the store the
    same edges can come from ``quantiles(p...)(x)`` over the reference window (close, not identical).
    """
    ref = require_numeric(reference, "reference").astype(np.float64)
    return np.unique(np.quantile(ref, quantile_probabilities(n_bins, tail)))


def open_bin_counts(values: npt.ArrayLike, edges: FloatArray) -> IntArray:
    """Counts over ``len(edges) + 1`` bins: (-inf, e0), [e0, e1), ..., [e_last, +inf).

    In SQL: ``countIf(x < e0)``, ``countIf(x >= e[i] AND x < e[i+1])``, ``countIf(x >= e_last)``.
    """
    index = np.searchsorted(edges, np.asarray(values, np.float64), side="right")
    return np.bincount(index, minlength=len(edges) + 1).astype(np.int64)


def psi_quantile_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """PSI of counts over ``open_bin_counts`` bins of ``robust_edges``.

    Summary needed: the reference's inner edges (``robust_edges`` or store quantiles), then per window
    the counts in the open-ended bins (see ``open_bin_counts`` for the SQL).
    """
    ref, cur = count_pair(reference_counts, current_counts)
    details = {"n_reference": int(ref.sum()), "n_current": int(cur.sum()), "n_bins": int(ref.size)}
    return PSI_QUANTILE.result(psi_score(ref, cur), threshold, {**details, "binning": "reference_quantiles"})


def psi_quantile(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    threshold: float | None = None,
    n_bins: int = DEFAULT_BINS,
    tail: float = DEFAULT_TAIL,
) -> DriftResult:
    """PSI over reference-quantile bins; outliers in either window cannot hide a shift of the bulk.

    Also reports the share of current rows in the outer (beyond 1st/99th percentile) bins, which is
    about ``2 * tail`` when nothing changed.
    """
    ref, cur = require_numeric(reference, "reference"), require_numeric(current, "current")
    edges = robust_edges(ref, n_bins, tail)
    ref_counts, cur_counts = open_bin_counts(ref, edges), open_bin_counts(cur, edges)
    result = psi_quantile_from_counts(ref_counts, cur_counts, threshold=threshold)
    outer = float(cur_counts[0] + cur_counts[-1]) / cur.size
    details = {**result.details, "edges": edges.tolist(), "current_outer_share": outer}
    return PSI_QUANTILE.result(result.score, threshold, details)
