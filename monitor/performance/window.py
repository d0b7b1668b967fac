"""One window's metrics from a labeled frame, with the guards that make a metric undefined.

Frames have the shape of ``Store.read_labeled``: ``prediction`` and ``label`` as text, ``score``
(positive-class score), ``prediction_value`` and ``label_value`` as floats with NaN. Rows missing what
a metric needs are dropped and counted. A metric is undefined (NaN with a reason) when its rows are
fewer than ``min_rows``, when the labels hold a single class (precision, recall and ROC AUC are
undefined, and accuracy or log loss would only measure one class: Evidently raises a KeyError there),
when there is no positive class for the score-based metrics, or when scores are not probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from monitor.performance import classification as cls
from monitor.performance import regression as reg

MAX_NAMED_CLASSES = 10  # unknown predicted classes named in details; the rest are only counted


@dataclass(frozen=True)
class Measured:
    """A metric's value in one window, or NaN and the reason it is undefined."""

    value: float
    reason: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)


def _undefined(reason: str, details: Mapping[str, object]) -> Measured:
    return Measured(math.nan, reason, details)


def _too_few(n: int, min_rows: int, what: str) -> str | None:
    if n >= min_rows:
        return None
    return f"no {what}" if n == 0 else f"{n} {what}, fewer than the minimum {min_rows}"


def _text(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    values = frame[column].to_numpy(dtype=object)
    return values, ~pd.isna(values)


def classification_metrics(
    frame: pd.DataFrame, metrics: Collection[str], positive: str | None, min_rows: int
) -> dict[str, Measured]:
    """Each of ``metrics`` in this window; binary for ``positive`` when given, else macro-averaged."""
    labels, has_label = _text(frame, "label")
    predictions, has_prediction = _text(frame, "prediction")
    keep = has_label & has_prediction
    y, p = labels[keep].astype(str), predictions[keep].astype(str)
    base: dict[str, object] = {"n_rows": int(y.size), "n_dropped": int(keep.size - y.size)}
    reason = _too_few(y.size, min_rows, "labeled rows")
    classes = [str(c) for c in np.unique(y)]
    if reason is None:
        reason = _single_class(classes, positive)
    if reason is not None:
        return {metric: _undefined(reason, base) for metric in metrics}
    unknown = _unknown_predictions(p, classes)
    if unknown:
        base["unknown_predicted_classes"] = unknown
    scores = frame["score"].to_numpy(dtype=np.float64)[keep]
    wants_prf = bool({"precision", "recall", "f1"} & set(metrics))
    prf = _prf(y, p, classes, positive) if wants_prf else cls.PRF(math.nan, math.nan, math.nan)
    plain = {"accuracy": cls.accuracy(y, p), "precision": prf[0], "recall": prf[1], "f1": prf[2]}
    return {
        metric: Measured(plain[metric], None, base)
        if metric in plain
        else _scored(metric, y, scores, positive, min_rows, base)
        for metric in metrics
    }


def _prf(y: np.ndarray, p: np.ndarray, classes: list[str], positive: str | None) -> cls.PRF:
    if positive is None:
        return cls.macro_prf(y, p, classes)
    return cls.prf_from_counts(cls.confusion(y == positive, p == positive))


def _single_class(classes: list[str], positive: str | None) -> str | None:
    """Why the labels cannot support class metrics: one class only, or no positive/negative row."""
    if len(classes) < 2:
        return f"the labels hold a single class ({classes[0]!r}): class metrics are undefined"
    if positive is not None and positive not in classes:
        return f"no label is the positive class {positive!r}: class metrics are undefined"
    return None


def _unknown_predictions(predictions: np.ndarray, classes: list[str]) -> dict[str, int]:
    """Predicted classes that no label holds, with their row counts (they only count as misses)."""
    keys, counts = np.unique(predictions[~np.isin(predictions, classes)], return_counts=True)
    order = np.argsort(-counts, kind="stable")[:MAX_NAMED_CLASSES]
    return {str(keys[i]): int(counts[i]) for i in order}


def _scored(
    metric: str,
    y: np.ndarray,
    scores: np.ndarray,
    positive: str | None,
    min_rows: int,
    base: Mapping[str, object],
) -> Measured:
    """ROC AUC or log loss on the rows that carry a score."""
    if positive is None:
        return _undefined(f"{metric} needs a positive class: set positive_label", base)
    scored = np.isfinite(scores)
    details = {**base, "n_scored": int(np.count_nonzero(scored))}
    reason = _too_few(int(np.count_nonzero(scored)), min_rows, "rows with a score")
    is_positive, s = y[scored] == positive, scores[scored]
    if reason is None and (is_positive.all() or not is_positive.any()):
        reason = "the rows with a score hold a single class: ROC AUC and log loss are undefined"
    if reason is None and metric == "log_loss" and (s.min() < 0.0 or s.max() > 1.0):
        reason = "scores outside [0, 1] are not probabilities: log loss is undefined"
    if reason is not None:
        return _undefined(reason, details)
    func = cls.roc_auc if metric == "roc_auc" else cls.log_loss
    return Measured(func(is_positive, s), None, details)


RegressionFunc = Callable[[np.ndarray, np.ndarray], float]
_REGRESSION: dict[str, RegressionFunc] = {"mae": reg.mae, "rmse": reg.rmse, "r2": reg.r2}


def regression_metrics(frame: pd.DataFrame, metrics: Collection[str], min_rows: int) -> dict[str, Measured]:
    """Each of ``metrics`` on the rows with a finite ``label_value`` and ``prediction_value``."""
    y_all = frame["label_value"].to_numpy(dtype=np.float64)
    p_all = frame["prediction_value"].to_numpy(dtype=np.float64)
    keep = np.isfinite(y_all) & np.isfinite(p_all)
    y, p = y_all[keep], p_all[keep]
    base: dict[str, object] = {"n_rows": int(y.size), "n_dropped": int(keep.size - y.size)}
    reason = _too_few(y.size, min_rows, "labeled rows")
    if reason is not None:
        return {metric: _undefined(reason, base) for metric in metrics}
    return {metric: _regression_one(metric, y, p, min_rows, base) for metric in metrics}


def _regression_one(
    metric: str, y: np.ndarray, p: np.ndarray, min_rows: int, base: Mapping[str, object]
) -> Measured:
    if metric == "mape":
        result = reg.mape(y, p)
        details = {**base, "n_zero_targets": result.n_zero_targets}
        reason = _too_few(result.n_used, min_rows, "rows with a non-zero target")
        return Measured(result.value, None, details) if reason is None else _undefined(reason, details)
    value = _REGRESSION[metric](y, p)
    if math.isnan(value):  # only r2 does this
        return _undefined("the targets are constant: r2 is undefined", base)
    return Measured(value, None, base)
