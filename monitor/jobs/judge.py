"""Every verdict of a run from what was read for it: pure, so benchmarks and tests run it without a store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from monitor.config_model import ModelSpec
from monitor.jobs import quality_checks
from monitor.jobs.drift import (
    Column,
    WindowData,
    dataset_drift,
    drift_checks,
    feature_columns,
    prediction_column,
)
from monitor.jobs.results import Check, CheckResult
from monitor.jobs.windows import RunWindows
from monitor.performance import evaluate_performance

Histograms = Mapping[str, tuple[Sequence[int], Sequence[int]]]


def drift_columns(spec: ModelSpec, current: WindowData) -> list[Column]:
    """The declared features, then the prediction column (score, or predicted class)."""
    drift = spec.monitoring.drift
    columns = feature_columns(drift, spec.features.numerical, spec.features.categorical)
    return [*columns, prediction_column(drift, current)]


def judge(
    spec: ModelSpec,
    windows: RunWindows,
    reference: WindowData,
    current: WindowData,
    histograms: Histograms,
    labeled_reference: pd.DataFrame,
    labeled_current: pd.DataFrame,
) -> list[CheckResult]:
    """Feature, dataset and prediction drift; data quality; performance on matured outcomes."""
    drift = spec.monitoring.drift
    *features, prediction = drift_columns(spec, current)
    results = drift_checks(drift, features, reference, current, histograms)
    results.append(dataset_drift(drift, results))
    results += drift_checks(drift, [prediction], reference, current, histograms, check=Check.PREDICTION_DRIFT)
    results += quality_checks.evaluate(spec, windows, reference, current)
    results += evaluate_performance(
        spec.task, labeled_current, labeled_reference, spec.monitoring.performance
    )
    return results
