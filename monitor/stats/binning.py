"""Evidently 0.7.23's binning, split so the counting can happen elsewhere (e.g. in ClickHouse).

Evidently (``legacy/calculations/stattests/utils.py::get_binned_data``) bins a column for PSI, KL and
Jensen-Shannon like this:

* numerical column whose *reference* has more than 20 distinct values: Sturges equal-width bins over
  reference + current together (``np.histogram_bin_edges(combined, "sturges")``);
* otherwise (categorical, or numerical with <= 20 distinct reference values): one bin per distinct value
  of reference union current.

Shares are counts divided by the side's size. PSI and KL then replace zero shares (``fill_zeroes``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from monitor.stats.result import ColumnType, FloatArray

IntArray = npt.NDArray[np.int64]
AnyArray = npt.NDArray[np.generic]
NumArray = npt.NDArray[np.number[Any]]

# Evidently bins a numerical column by value when its reference has at most this many distinct values.
VALUE_BINS_MAX_DISTINCT = 20


class Counts(NamedTuple):
    """Counts of reference and current over the same bins; ``bins`` are edges or category keys."""

    reference: IntArray
    current: IntArray
    binning: str  # "sturges", "sturges_distinct" (Hellinger) or "values"
    bins: list[float] | list[object]


def sturges_edges(minimum: float, maximum: float, n: int, *, integer: bool = False) -> FloatArray:
    """The edges ``np.histogram_bin_edges(x, bins="sturges")`` returns for data with this min, max, size.

    Summary needed: ``min``, ``max`` and ``count`` of the values being binned (for PSI/KL/JS: reference
    and current together; for Hellinger: the *distinct* values of both). ``integer`` mirrors numpy's rule
    for integer dtypes: a bin is never narrower than 1. Count rows into the bins with
    ``x >= e[i] AND x < e[i+1]``, the last bin also including ``x = e[-1]`` (numpy's convention).
    """
    if n < 1:
        raise ValueError("sturges_edges needs at least one value")
    first, last = float(minimum), float(maximum)
    if first == last:  # numpy widens an empty range so there is one bin of width 1
        first, last = first - 0.5, last + 0.5
        return np.linspace(first, last, 2)
    width = (last - first) / (np.log2(n) + 1.0)
    if integer and width < 1:
        width = 1.0
    n_bins = int(np.ceil((last - first) / width))
    return np.linspace(first, last, n_bins + 1)


def uses_value_bins(column_type: ColumnType, reference_distinct: int) -> bool:
    """Whether Evidently bins by distinct value (True) or by Sturges histogram (False)."""
    return column_type is ColumnType.CATEGORICAL or reference_distinct <= VALUE_BINS_MAX_DISTINCT


def histogram_counts(values: AnyArray, edges: FloatArray) -> IntArray:
    """Counts per bin with numpy's edge convention (last bin closed on the right)."""
    return np.histogram(values, edges)[0].astype(np.int64)


def category_counts(reference: AnyArray, current: AnyArray) -> Counts:
    """Counts per distinct value of reference union current, keys in sorted order."""
    ref_keys, ref_counts = np.unique(reference, return_counts=True)
    cur_keys, cur_counts = np.unique(current, return_counts=True)
    keys = np.union1d(ref_keys, cur_keys)
    ref = np.zeros(len(keys), dtype=np.int64)
    cur = np.zeros(len(keys), dtype=np.int64)
    ref[np.searchsorted(keys, ref_keys)] = ref_counts
    cur[np.searchsorted(keys, cur_keys)] = cur_counts
    return Counts(ref, cur, "values", keys.tolist())


def evidently_counts(reference: AnyArray, current: AnyArray, column_type: ColumnType) -> Counts:
    """Bin both samples exactly as Evidently's ``get_binned_data`` does (see the module docstring)."""
    if not uses_value_bins(column_type, len(np.unique(reference))):
        combined = np.concatenate([reference, current])
        integer = bool(np.issubdtype(combined.dtype, np.integer))
        edges = sturges_edges(combined.min(), combined.max(), combined.size, integer=integer)
        counts = (histogram_counts(reference, edges), histogram_counts(current, edges))
        return Counts(*counts, "sturges", edges.tolist())
    return category_counts(reference, current)


def distinct_sturges_counts(reference: NumArray, current: NumArray) -> Counts:
    """Evidently's numerical Hellinger binning: Sturges edges over the *distinct* values of both samples."""
    distinct = np.union1d(reference, current)
    integer = bool(np.issubdtype(distinct.dtype, np.integer))
    edges = sturges_edges(distinct.min(), distinct.max(), distinct.size, integer=integer)
    counts = (histogram_counts(reference, edges), histogram_counts(current, edges))
    return Counts(*counts, "sturges_distinct", edges.tolist())


def count_pair(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """Two aligned 1-D vectors of non-negative whole counts, as int64; ``ValueError`` otherwise."""
    pair = np.asarray(reference_counts), np.asarray(current_counts)
    if pair[0].shape != pair[1].shape or pair[0].ndim != 1:
        raise ValueError(f"count vectors must be 1-D and aligned, got {pair[0].shape} and {pair[1].shape}")
    for counts in pair:
        if counts.size and (not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts % 1)):
            raise ValueError(f"counts must be non-negative whole numbers, got {counts.tolist()[:10]}")
    return pair[0].astype(np.int64), pair[1].astype(np.int64)


def shares(counts: IntArray) -> FloatArray:
    """Counts as fractions of their total (Evidently divides by the sample size, which is the total)."""
    total = int(counts.sum())
    if total == 0:
        raise ValueError("cannot compute shares of an empty sample")
    return counts / total


def fill_zeroes(share: FloatArray) -> FloatArray:
    """Evidently's replacement of zero shares, so PSI and KL stay finite.

    A zero becomes 0.0001, or (smallest non-zero share) / 1e6 when that smallest share is <= 0.0001.
    Applied to each side separately; the result no longer sums to exactly 1 (PSI does not renormalise).
    """
    nonzero = share[share != 0]
    smallest = float(nonzero.min())
    fill = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return np.where(share == 0, fill, share)


def require_numeric(values: npt.ArrayLike, side: str) -> NumArray:
    """A 1-D, non-empty, all-finite numeric array; raises ``ValueError`` naming the side otherwise.

    Evidently drops NaN/inf silently before its tests; here the caller does it explicitly with
    ``monitor.stats.guards.drop_missing`` so the count of dropped values can be reported.
    """
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{side}: need a non-empty 1-D array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{side}: need real numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{side}: contains NaN or inf; drop them first (guards.drop_missing)")
    return array


def require_categorical(values: npt.ArrayLike, side: str) -> AnyArray:
    """A 1-D, non-empty array without None/NaN; raises ``ValueError`` naming the side otherwise."""
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{side}: need a non-empty 1-D array, got shape {array.shape}")
    if has_missing(array):
        raise ValueError(f"{side}: contains None or NaN; drop them first (guards.drop_missing)")
    return array


def has_missing(array: AnyArray) -> bool:
    """Whether a categorical array holds None, NaN or inf (only float and object arrays can)."""
    if array.dtype.kind == "f":
        return not bool(np.isfinite(array).all())
    if array.dtype.kind == "O":
        return any(is_missing(v) for v in array.tolist())
    return False


def is_missing(value: object) -> bool:
    """None, NaN or inf: what Evidently's pipeline drops (it maps inf to NaN before ``dropna``)."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))
