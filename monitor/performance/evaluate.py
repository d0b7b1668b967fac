"""The performance check of one run: each configured metric on current and reference, then a verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from monitor.jobs.results import CheckResult
from monitor.performance.decay import compare_to_reference, insufficient
from monitor.performance.settings import HIGHER_IS_BETTER, MetricLimit, PerformanceSettings
from monitor.performance.window import Measured, classification_metrics, regression_metrics

Task = Literal["classification", "regression"]

# Label sets whose positive class is obvious: the parser writes booleans as "false"/"true".
_IMPLIED_POSITIVE = (("1", frozenset({"0", "1"})), ("true", frozenset({"false", "true"})))


def evaluate_performance(
    task: Task, current: pd.DataFrame, reference: pd.DataFrame, settings: PerformanceSettings
) -> list[CheckResult]:
    """One PERFORMANCE result per configured metric of ``task``, in the configured order.

    Frames have the shape of ``Store.read_labeled`` (matured, labeled predictions). A metric that is
    undefined in either window gives INSUFFICIENT_DATA with the reason (prefixed by the window); else
    ``compare_to_reference`` decides. ``details`` carry both windows' row counts as ``current_*`` and
    ``reference_*`` and, for classification, the positive class used (None: macro averages).
    """
    extra: dict[str, object] = {}
    limits: Mapping[str, MetricLimit]
    if task == "classification":
        limits = {str(k): v for k, v in settings.classification_metrics.items()}
        positive = resolve_positive_label(settings.positive_label, current, reference)
        extra["positive_label"] = positive
        measured = [
            classification_metrics(f, limits, positive, settings.min_rows) for f in (current, reference)
        ]
    else:
        limits = {str(k): v for k, v in settings.regression_metrics.items()}
        measured = [regression_metrics(f, limits, settings.min_rows) for f in (current, reference)]
    return [
        _verdict(name, limit, measured[0][name], measured[1][name], extra) for name, limit in limits.items()
    ]


def resolve_positive_label(configured: str | None, *frames: pd.DataFrame) -> str | None:
    """The configured positive class, else "1" for 0/1 labels or "true" for booleans, else None."""
    if configured is not None:
        return configured
    seen: set[str] = set()
    for frame in frames:
        for column in ("label", "prediction"):
            seen.update(str(v) for v in pd.unique(frame[column].dropna()))
    for positive, label_set in _IMPLIED_POSITIVE:
        if seen and seen <= label_set:
            return positive
    return None


def _verdict(
    name: str, limit: MetricLimit, current: Measured, reference: Measured, extra: Mapping[str, object]
) -> CheckResult:
    details = {
        **extra,
        **{f"current_{k}": v for k, v in current.details.items()},
        **{f"reference_{k}": v for k, v in reference.details.items()},
    }
    if current.reason is not None:
        return insufficient(name, f"current window: {current.reason}", details)
    if reference.reason is not None:
        return insufficient(name, f"reference: {reference.reason}", details)
    return compare_to_reference(
        name,
        current.value,
        reference.value,
        limit.allowed_drop,
        limit.mode,
        name in HIGHER_IS_BETTER,
        details=details,
    )
