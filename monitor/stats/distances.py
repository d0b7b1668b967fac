"""Binned distances, equal to Evidently 0.7.23: PSI, Kullback-Leibler, Jensen-Shannon, Hellinger.

Each method comes in two forms: from samples (bins them as Evidently does, see ``binning``) and
``*_from_counts``, from two count vectors over the same bins, for when the counting is done elsewhere
(e.g. ``countIf`` over ``binning.sturges_edges`` in ClickHouse, or ``GROUP BY value``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy.spatial import distance
from scipy.stats import entropy

from monitor.stats import binning
from monitor.stats.binning import Counts
from monitor.stats.result import ColumnType, DriftResult, MethodInfo, Rule

_BOTH = (ColumnType.NUMERICAL, ColumnType.CATEGORICAL)
PSI = MethodInfo("psi", _BOTH, 0.1, Rule.SCORE_AT_LEAST, description="Population Stability Index")
KL_DIV = MethodInfo("kl_div", _BOTH, 0.1, Rule.SCORE_AT_LEAST, description="Kullback-Leibler divergence")
JENSENSHANNON = MethodInfo(
    "jensenshannon", _BOTH, 0.1, Rule.SCORE_AT_LEAST, description="Jensen-Shannon distance"
)
HELLINGER = MethodInfo("hellinger", _BOTH, 0.1, Rule.SCORE_AT_LEAST, description="Hellinger distance")


def _counts(reference: npt.ArrayLike, current: npt.ArrayLike, column_type: ColumnType) -> Counts:
    check = binning.require_numeric if column_type is ColumnType.NUMERICAL else binning.require_categorical
    ref, cur = check(reference, "reference"), check(current, "current")
    return binning.evidently_counts(ref, cur, column_type)


def _details(counts: Counts) -> dict[str, object]:
    return {
        "n_reference": int(counts.reference.sum()),
        "n_current": int(counts.current.sum()),
        "binning": counts.binning,
        "n_bins": len(counts.reference),
    }


def _pair(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> tuple[Counts, dict[str, object]]:
    counts = Counts(*binning.count_pair(reference_counts, current_counts), "given", [])
    return counts, _details(counts)


def psi_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """PSI = sum((r - c) * ln(r / c)) over shares, zero shares filled as Evidently does (no renormalising).

    Summary needed: counts per bin for both windows over the same bins (Evidently's bins, or any).
    """
    counts, details = _pair(reference_counts, current_counts)
    return PSI.result(psi_score(counts.reference, counts.current), threshold, details)


def psi_score(reference_counts: binning.IntArray, current_counts: binning.IntArray) -> float:
    """PSI of counts over shared bins, with Evidently's zero filling (also used by ``psi_quantile``)."""
    ref = binning.fill_zeroes(binning.shares(reference_counts))
    cur = binning.fill_zeroes(binning.shares(current_counts))
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def kl_div_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """KL(reference || current) via ``scipy.stats.entropy``, which renormalises the zero-filled shares.

    Summary needed: counts per bin for both windows over the same bins.
    """
    counts, details = _pair(reference_counts, current_counts)
    ref = binning.fill_zeroes(binning.shares(counts.reference))
    cur = binning.fill_zeroes(binning.shares(counts.current))
    return KL_DIV.result(float(entropy(ref, cur)), threshold, details)


def jensenshannon_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """Jensen-Shannon *distance* (square root of the divergence, natural log), no zero filling.

    Summary needed: counts per bin for both windows over the same bins.
    """
    counts, details = _pair(reference_counts, current_counts)
    ref, cur = binning.shares(counts.reference), binning.shares(counts.current)
    return JENSENSHANNON.result(float(distance.jensenshannon(ref, cur)), threshold, details)


def hellinger_from_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike, *, threshold: float | None = None
) -> DriftResult:
    """Hellinger distance sqrt(1 - sum(sqrt(r * c))) over shares.

    Summary needed: counts per bin for both windows over the same bins. For Evidently's numerical
    Hellinger those bins are ``sturges_edges(min, max, n)`` where n is the number of *distinct* values
    of reference union current (not the number of rows), always a histogram even for few values.
    """
    counts, details = _pair(reference_counts, current_counts)
    ref, cur = binning.shares(counts.reference), binning.shares(counts.current)
    overlap = min(max(float(np.sum(np.sqrt(ref * cur))), 0.0), 1.0)
    return HELLINGER.result(math.sqrt(1.0 - overlap), threshold, details)


def psi(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    column_type: ColumnType = ColumnType.NUMERICAL,
    threshold: float | None = None,
) -> DriftResult:
    """Evidently's ``psi`` (default threshold 0.1, drift when PSI >= threshold). Inputs must be clean."""
    counts = _counts(reference, current, column_type)
    result = psi_from_counts(counts.reference, counts.current, threshold=threshold)
    return _with(result, counts)


def kl_div(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    column_type: ColumnType = ColumnType.NUMERICAL,
    threshold: float | None = None,
) -> DriftResult:
    """Evidently's ``kl_div`` (default threshold 0.1, drift when KL >= threshold). Inputs must be clean."""
    counts = _counts(reference, current, column_type)
    return _with(kl_div_from_counts(counts.reference, counts.current, threshold=threshold), counts)


def jensenshannon(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    column_type: ColumnType = ColumnType.NUMERICAL,
    threshold: float | None = None,
) -> DriftResult:
    """Evidently's ``jensenshannon`` (default 0.1, drift when distance >= threshold). Inputs must be clean."""
    counts = _counts(reference, current, column_type)
    return _with(jensenshannon_from_counts(counts.reference, counts.current, threshold=threshold), counts)


def hellinger(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    column_type: ColumnType = ColumnType.NUMERICAL,
    threshold: float | None = None,
) -> DriftResult:
    """Evidently's ``hellinger`` (default 0.1, drift when distance >= threshold). Inputs must be clean.

    Unlike PSI/KL/JS, Evidently bins a numerical column with Sturges edges over the *distinct* values of
    both samples, whatever their number; a categorical column is compared value by value.
    """
    if column_type is ColumnType.CATEGORICAL:
        counts = _counts(reference, current, column_type)
    else:
        ref = binning.require_numeric(reference, "reference")
        counts = binning.distinct_sturges_counts(ref, binning.require_numeric(current, "current"))
    return _with(hellinger_from_counts(counts.reference, counts.current, threshold=threshold), counts)


def _with(result: DriftResult, counts: Counts) -> DriftResult:
    """Replace the generic details of a from-counts result with the binning actually used."""
    details = _details(counts)
    if counts.binning != "values":  # edges are few; category keys may be many and are the caller's own
        details["edges"] = counts.bins
    return replace(result, details=details)
