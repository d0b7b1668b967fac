"""What every check returns: one row per (check, feature), kept as history and turned into alerts.

Computations return ``CheckResult`` values; the job layer adds the run's identity (model, window, run id)
when it writes them to the store, and the alert rules read their ``status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """The verdict of one check. Only BREACH can become a drift/decay/quality alert."""

    OK = "ok"
    BREACH = "breach"
    INSUFFICIENT_DATA = "insufficient_data"  # too few rows, all null, single class...: no verdict
    ERROR = "error"  # the job failed; becomes a "job failing" alert, never a drift alert


class Check(StrEnum):
    """Kinds of checks, used as the ``check`` label of alerts and in the history table."""

    FEATURE_DRIFT = "feature_drift"
    DATASET_DRIFT = "dataset_drift"
    PREDICTION_DRIFT = "prediction_drift"
    PERFORMANCE = "performance"
    MISSING_VALUES = "missing_values"
    UNSEEN_CATEGORIES = "unseen_categories"
    OUT_OF_RANGE = "out_of_range"
    VOLUME = "volume"
    FRESHNESS = "freshness"
    JOB = "job"


@dataclass(frozen=True)
class CheckResult:
    """One verdict. ``feature`` is empty for model-level checks; ``metric`` names the measured
    quantity (e.g. ``psi``, ``accuracy``, ``missing_share``); ``details`` holds evidence for people
    (e.g. unseen category names, reference value)."""

    check: Check
    metric: str
    value: float
    threshold: float
    status: Status
    feature: str = ""
    details: Mapping[str, object] = field(default_factory=dict)
