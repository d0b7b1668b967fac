"""Robustness guards around the methods, for the job layer. They never change a method's numbers.

Evidently drops NaN/inf silently, fails on an empty column, calls a tiny window drifted, and gives
p = 0 for a category it never saw without naming it. These helpers make each of those visible:
``drop_missing`` counts what it drops, ``check_sizes`` turns a too-small side into an
``insufficient_data`` result, ``unseen_categories`` names new categories with their share, and
``bounded_sample`` caps the size a test sees. ``run_guarded`` chains them around a registered method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from monitor.stats.binning import AnyArray, is_missing
from monitor.stats.registry import get_method
from monitor.stats.result import ColumnType, DriftResult, insufficient_data

# Below this many rows a side, binned distances are inflated by noise (under no drift, PSI is about
# (bins - 1) * (1/n_ref + 1/n_cur): 12 bins and 100 rows already give ~0.11) and tests have little power.
DEFAULT_MIN_SIZE = 100

# Raw window values as the job reads them: may hold None next to numbers or strings.
RawValues = npt.ArrayLike | Sequence[object]


class Cleaned(NamedTuple):
    """Values with missing ones removed, and how many were removed."""

    values: AnyArray
    n_dropped: int


def drop_missing(values: RawValues, column_type: ColumnType) -> Cleaned:
    """Drop NaN, +-inf and None (what Evidently drops silently) and say how many were dropped."""
    array = np.asarray(values)
    if array.dtype.kind in "fc":
        keep = np.isfinite(array)
    elif array.dtype.kind == "O":
        keep = np.fromiter((not is_missing(v) for v in array.tolist()), dtype=bool, count=array.size)
    else:  # strings, integers: nothing can be missing
        keep = np.ones(array.size, dtype=bool)
    kept = array[keep]
    if column_type is ColumnType.NUMERICAL and kept.dtype.kind == "O":
        kept = kept.astype(np.float64)  # e.g. [1.0, None]: numbers once the Nones are gone
    return Cleaned(kept, int(array.size - kept.size))


def check_sizes(n_reference: int, n_current: int, min_size: int = DEFAULT_MIN_SIZE) -> str | None:
    """Why the windows are too small to judge, or None when both have at least ``min_size`` rows."""
    for side, n in (("reference", n_reference), ("current", n_current)):
        if n == 0:
            return f"{side} window has no usable values"
        if n < min_size:
            return f"{side} window has {n} usable values, fewer than the minimum {min_size}"
    return None


def unseen_categories(reference: RawValues, current: RawValues) -> dict[str, float]:
    """Categories present in current but never in reference, with their share of current rows.

    Largest share first. Chi-square gives p = 0 for any of them, however rare; this says which.
    """
    cur = np.asarray(current)
    if cur.size == 0:
        return {}
    keys, counts = np.unique(cur, return_counts=True)
    new = ~np.isin(keys, np.asarray(reference))
    order = np.argsort(-counts[new], kind="stable")
    return {str(k): float(c) / cur.size for k, c in zip(keys[new][order], counts[new][order], strict=True)}


def bounded_sample(values: npt.ArrayLike, max_size: int, seed: int = 0) -> AnyArray:
    """At most ``max_size`` values drawn without replacement, reproducibly (same seed, same sample).

    For p-value tests (KS, chi-square) whose power grows with n until any negligible difference is
    "significant": a fixed sample size keeps the verdict about the size of the change.
    """
    array = np.asarray(values)
    if array.size <= max_size:
        return array
    return np.random.default_rng(seed).choice(array, size=max_size, replace=False)


def run_guarded(
    method: str,
    reference: RawValues,
    current: RawValues,
    *,
    column_type: ColumnType,
    threshold: float | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
) -> DriftResult:
    """Drop missing values, refuse too-small windows, run ``method``, and report what was done.

    ``details`` gains ``n_dropped_reference``/``n_dropped_current`` and, for categorical columns,
    ``unseen_categories``. The score itself is the plain method's on the cleaned values.
    """
    drift_method = get_method(method, column_type)
    ref, cur = drop_missing(reference, column_type), drop_missing(current, column_type)
    extra: dict[str, object] = {"n_dropped_reference": ref.n_dropped, "n_dropped_current": cur.n_dropped}
    reason = check_sizes(ref.values.size, cur.values.size, min_size)
    if reason is not None:
        sizes = {"n_reference": int(ref.values.size), "n_current": int(cur.values.size)}
        actual = drift_method.default_threshold if threshold is None else threshold
        return insufficient_data(method, actual, drift_method.rule, reason, {**sizes, **extra})
    if column_type is ColumnType.CATEGORICAL:
        extra["unseen_categories"] = unseen_categories(ref.values, cur.values)
    result = drift_method(ref.values, cur.values, column_type=column_type, threshold=threshold)
    return replace(result, details={**result.details, **extra})
