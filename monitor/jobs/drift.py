"""Feature, prediction and dataset drift from window summaries: pure, no I/O.

What each method needs, and where it comes from (so no window is ever loaded whole):
- categorical features: exact category counts, computed in the store (``WindowStats.categories``);
- histogram methods on numerical features (psi, kl_div, jensenshannon, hellinger): exact counts in
  Evidently's bins, computed in the store from the edges ``bin_edges`` plans;
- methods on raw values (ks, wasserstein, ...): the bounded hash sample of each window.
The scores equal Evidently's for the same method on the same rows (exactly when the window fits in the
sample); the outlier fence, when on, leaves extreme values out and says how many in the details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from connectors.store.base import PREDICTION, SCORE, WindowStats
from monitor.jobs.results import Check, CheckResult, Status
from monitor.jobs.settings import DriftSettings, MethodChoice
from monitor.stats.binning import VALUE_BINS_MAX_DISTINCT, sturges_edges
from monitor.stats.guards import run_guarded
from monitor.stats.registry import get_method
from monitor.stats.result import ColumnType, DriftResult, insufficient_data

FloatArray = npt.NDArray[np.float64]
HISTOGRAM_METHODS = frozenset({"psi", "kl_div", "jensenshannon", "hellinger"})
COUNT_METHODS = HISTOGRAM_METHODS | {"chisquare"}
# The reference's quartiles for the outlier fence, then wider ranges for columns whose IQR is 0.
FENCE_QUANTILES = ((0.25, 0.75), (0.1, 0.9), (0.01, 0.99))


@dataclass(frozen=True)
class WindowData:
    """What the store gave for one window: exact summaries and a bounded sample of rows."""

    stats: WindowStats
    sample: pd.DataFrame


@dataclass(frozen=True)
class Column:
    """A column to check: a declared feature, or the score/predicted class for prediction drift."""

    name: str  # the store's name (``SCORE``/``PREDICTION`` for the pseudo-features)
    sample_column: str  # its column in the sample frame
    column_type: ColumnType
    choice: MethodChoice


def feature_columns(
    settings: DriftSettings, numerical: Sequence[str], categorical: Sequence[str]
) -> list[Column]:
    """The declared features with the method each one uses (overrides first)."""
    columns = [
        Column(n, n, ColumnType.NUMERICAL, settings.features.get(n, settings.numerical)) for n in numerical
    ]
    columns += [
        Column(n, n, ColumnType.CATEGORICAL, settings.features.get(n, settings.categorical))
        for n in categorical
    ]
    return columns


def prediction_column(settings: DriftSettings, current: WindowData) -> Column:
    """Prediction drift is measured on the score when the model sends one, else on the predicted class."""
    has_score = current.stats.rows - current.stats.nulls.get(SCORE, current.stats.rows) > 0
    if has_score:
        return Column(SCORE, "score", ColumnType.NUMERICAL, settings.prediction)
    choice = settings.prediction
    if ColumnType.CATEGORICAL not in get_method(choice.method).column_types:
        choice = settings.categorical
    return Column(PREDICTION, "prediction", ColumnType.CATEGORICAL, choice)


def non_null(stats: WindowStats, name: str) -> int:
    return stats.rows - stats.nulls.get(name, 0)


def bin_edges(columns: Sequence[Column], reference: WindowData, current: WindowData) -> dict[str, FloatArray]:
    """Evidently's bins for each numerical column whose method counts in bins.

    Sturges bins over reference and current together; by distinct value when the reference has at most
    20 distinct values (seen in its sample). The store then counts both windows into these edges.
    """
    edges: dict[str, FloatArray] = {}
    for column in columns:
        if column.column_type is not ColumnType.NUMERICAL or column.choice.method not in HISTOGRAM_METHODS:
            continue
        ref_values = _values(reference.sample, column.sample_column)
        cur_values = _values(current.sample, column.sample_column)
        if column.name not in reference.stats.minimum or column.name not in current.stats.minimum:
            continue  # all null on one side: the check reports insufficient data
        distinct = np.unique(ref_values)
        if distinct.size <= VALUE_BINS_MAX_DISTINCT:
            values = np.unique(np.concatenate([distinct, np.unique(cur_values)]))
            edges[column.name] = np.append(values, values[-1] + 1.0)
            continue
        low = min(reference.stats.minimum[column.name], current.stats.minimum[column.name])
        high = max(reference.stats.maximum[column.name], current.stats.maximum[column.name])
        if column.choice.method == "hellinger":
            n = int(np.unique(np.concatenate([ref_values, cur_values])).size)
        else:
            n = non_null(reference.stats, column.name) + non_null(current.stats, column.name)
        integer = bool(np.all(np.mod(ref_values, 1) == 0) and np.all(np.mod(cur_values, 1) == 0))
        edges[column.name] = sturges_edges(low, high, n, integer=integer)
    return edges


def drift_checks(
    settings: DriftSettings,
    columns: Sequence[Column],
    reference: WindowData,
    current: WindowData,
    histograms: Mapping[str, tuple[Sequence[int], Sequence[int]]],
    check: Check = Check.FEATURE_DRIFT,
) -> list[CheckResult]:
    """One result per column; insufficient data where a window has too few non-null values."""
    results = []
    for column in columns:
        result = _drift(settings, column, reference, current, histograms.get(column.name))
        results.append(_as_check(result, column, check))
    return results


def dataset_drift(settings: DriftSettings, feature_results: Sequence[CheckResult]) -> CheckResult:
    """Dataset drift when the share of drifted features (among those with a verdict) reaches the limit."""
    judged = [r for r in feature_results if r.status in (Status.OK, Status.BREACH)]
    drifted = sorted(r.feature for r in judged if r.status is Status.BREACH)
    if not judged:
        return CheckResult(
            Check.DATASET_DRIFT,
            "drift_share",
            float("nan"),
            settings.dataset_drift_share,
            Status.INSUFFICIENT_DATA,
            details={"reason": "no feature had enough data"},
        )
    share = len(drifted) / len(judged)
    status = Status.BREACH if share >= settings.dataset_drift_share else Status.OK
    details = {"drifted_features": drifted, "features_judged": len(judged)}
    return CheckResult(
        Check.DATASET_DRIFT, "drift_share", share, settings.dataset_drift_share, status, details=details
    )


def _drift(
    settings: DriftSettings,
    column: Column,
    reference: WindowData,
    current: WindowData,
    histogram: tuple[Sequence[int], Sequence[int]] | None,
) -> DriftResult:
    method = get_method(column.choice.method, column.column_type)
    threshold = column.choice.threshold
    n_ref, n_cur = non_null(reference.stats, column.name), non_null(current.stats, column.name)
    if min(n_ref, n_cur) < settings.min_rows:
        reason = f"{n_ref} reference and {n_cur} current non-null values; at least {settings.min_rows} needed"
        actual = method.default_threshold if threshold is None else threshold
        return insufficient_data(
            method.name, actual, method.rule, reason, {"n_reference": n_ref, "n_current": n_cur}
        )
    if column.column_type is ColumnType.CATEGORICAL and method.name in COUNT_METHODS and method.from_counts:
        ref_counts, cur_counts, unseen = _aligned(
            reference.stats.categories.get(column.name, {}), current.stats.categories.get(column.name, {})
        )
        result = method.from_counts(ref_counts, cur_counts, threshold=threshold)
        return _with(result, {"unseen_categories": unseen, "n_reference": n_ref, "n_current": n_cur})
    if histogram is not None and method.from_counts is not None:
        result = method.from_counts(histogram[0], histogram[1], threshold=threshold)
        return _with(result, {"n_reference": n_ref, "n_current": n_cur, "binning": "store histogram"})
    return _from_samples(settings, column, reference, current)


def _from_samples(
    settings: DriftSettings, column: Column, reference: WindowData, current: WindowData
) -> DriftResult:
    ref = reference.sample[column.sample_column].to_numpy() if len(reference.sample) else np.array([])
    cur = current.sample[column.sample_column].to_numpy() if len(current.sample) else np.array([])
    extra: dict[str, object] = {"n_reference_sampled": int(ref.size), "n_current_sampled": int(cur.size)}
    if column.column_type is ColumnType.NUMERICAL and settings.outlier_fence_iqr is not None:
        ref, cur, fenced = _fence(ref.astype(np.float64), cur.astype(np.float64), settings.outlier_fence_iqr)
        extra |= fenced
    result = run_guarded(
        column.choice.method,
        ref,
        cur,
        column_type=column.column_type,
        threshold=column.choice.threshold,
        min_size=settings.min_rows,
    )
    return _with(result, extra)


def _fence(
    ref: FloatArray, cur: FloatArray, iqr_factor: float
) -> tuple[FloatArray, FloatArray, dict[str, object]]:
    """Leave out values beyond quartiles +- ``iqr_factor`` x IQR of the reference (robust to the outliers).

    When the IQR is 0 (a count that is 0 for most rows, e.g. complaints), a fence on it would leave out
    every other value, and with them any drift: the next wider range of ``FENCE_QUANTILES`` with a width
    is used instead, and no fence at all when the reference is (almost) constant.
    """
    finite = ref[np.isfinite(ref)]
    if finite.size == 0:
        return ref, cur, {}
    for lower, upper in FENCE_QUANTILES:
        q1, q3 = np.quantile(finite, [lower, upper])
        if q3 - q1 > 1e-12 * max(abs(q1), abs(q3), 1.0):
            break
    else:
        return ref, cur, {}
    spread = q3 - q1
    low, high = q1 - iqr_factor * spread, q3 + iqr_factor * spread
    keep_ref = ~((ref < low) | (ref > high))
    keep_cur = ~((cur < low) | (cur > high))
    details: dict[str, object] = {}
    if not (keep_ref.all() and keep_cur.all()):
        details = {
            "outliers_left_out_reference": int((~keep_ref).sum()),
            "outliers_left_out_current": int((~keep_cur).sum()),
            "outlier_fence": [float(low), float(high)],
        }
    return ref[keep_ref], cur[keep_cur], details


def _aligned(
    reference: Mapping[str, int], current: Mapping[str, int]
) -> tuple[list[int], list[int], dict[str, float]]:
    categories = sorted(set(reference) | set(current))
    total = sum(current.values()) or 1
    unseen = {c: current[c] / total for c in categories if c not in reference and current.get(c, 0)}
    return [reference.get(c, 0) for c in categories], [current.get(c, 0) for c in categories], unseen


def _values(sample: pd.DataFrame, column: str) -> FloatArray:
    if column not in sample or sample.empty:
        return np.array([], dtype=np.float64)
    values = pd.to_numeric(sample[column], errors="coerce").to_numpy(dtype=np.float64)
    finite: FloatArray = values[np.isfinite(values)]
    return finite


def _with(result: DriftResult, extra: Mapping[str, object]) -> DriftResult:
    return replace(result, details={**result.details, **extra})


def _as_check(result: DriftResult, column: Column, check: Check) -> CheckResult:
    if result.status == "insufficient_data":
        status = Status.INSUFFICIENT_DATA
    else:
        status = Status.BREACH if result.drifted else Status.OK
    feature = "" if column.name in (SCORE, PREDICTION) else column.name
    details = {"rule": result.rule.value, **result.details}
    if column.name in (SCORE, PREDICTION):
        details["column"] = column.sample_column
    return CheckResult(
        check, result.method, float(result.score), float(result.threshold), status, feature, details
    )
