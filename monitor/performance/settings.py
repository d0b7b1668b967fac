"""Settings of the performance-decay check: which metrics, how much worse than the reference is allowed.

The defaults are calibrated on the churn simulator (labeled windows of 5,000 rows against a 100k-row
reference, 60 windows): the window-to-window standard deviation of the difference to the reference was
0.0066 for accuracy (the binomial standard error sqrt(0.8 * 0.2 / 5000) = 0.0057 plus the
reference's own error), 0.0144 for F1, 0.0076 for ROC AUC and 0.011 for log loss (mean 0.42). Each
default limit sits 3.5-4.5 of those deviations away, so 200 quiet windows are expected to raise well
under one false alert across all metrics, while an accuracy fall of 5 points (which moved F1 by -0.11
and ROC AUC by -0.11 in the same runs) crosses every limit in nearly every window. These figures hold
for windows of at least ``min_rows`` rows; below that the standard errors grow as 1/sqrt(n).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monitor.config_base import Strict

ClassificationMetric = Literal["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"]
RegressionMetric = Literal["mae", "rmse", "mape", "r2"]
Metric = ClassificationMetric | RegressionMetric
Mode = Literal["absolute", "relative"]

# Direction of each metric: a drop in these is a decay; for the others a rise is.
HIGHER_IS_BETTER: frozenset[str] = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "r2"})


class MetricLimit(Strict):
    """How far a metric may move in the bad direction from its reference value before it is a breach."""

    allowed_drop: float = Field(
        ...,
        gt=0,
        description="How much worse than the reference the metric may get: in the metric's units "
        "(absolute) or as a fraction of the reference value (relative; 0.1 = 10% worse).",
    )
    mode: Mode = Field(
        default="absolute",
        description="absolute: the limit is reference -/+ allowed_drop; relative: reference -/+ "
        "allowed_drop * |reference|. Use relative for unbounded error metrics (mae, rmse).",
    )


def _limit(allowed_drop: float, mode: Mode = "absolute") -> MetricLimit:
    return MetricLimit(allowed_drop=allowed_drop, mode=mode)


def _default_classification() -> dict[ClassificationMetric, MetricLimit]:
    # 0.03 accuracy = 4.5 standard deviations at 5k rows, and 0.02 inside a 5-point fall;
    # 0.05 F1 = 3.5 sd; 0.03 ROC AUC = 3.9 sd (see the module docstring).
    return {"accuracy": _limit(0.03), "f1": _limit(0.05), "roc_auc": _limit(0.03)}


def _default_regression() -> dict[RegressionMetric, MetricLimit]:
    # The relative standard error of MAE and RMSE at 5k rows is about 1% for normal errors: 10% worse
    # is far outside noise and still a change a model owner wants to hear about.
    return {"mae": _limit(0.10, "relative"), "rmse": _limit(0.10, "relative")}


class PerformanceSettings(Strict):
    """The performance-decay check of one model: metrics, allowed drops, minimum rows, positive class."""

    classification_metrics: dict[ClassificationMetric, MetricLimit] = Field(
        default_factory=_default_classification,
        description="Metrics of classification models with their allowed drop. Default: accuracy 0.03, "
        "f1 0.05 and roc_auc 0.03 absolute, each 3.5-4.5 window-to-window standard deviations at 5k "
        "labeled rows (calibrated on the simulator), so quiet traffic stays quiet and a 5-point accuracy "
        "fall is caught in the first or second window. precision, recall (about 0.017 sd at 5k rows: "
        "use >= 0.06) and log_loss (use relative 0.1) may be added.",
    )
    regression_metrics: dict[RegressionMetric, MetricLimit] = Field(
        default_factory=_default_regression,
        description="Metrics of regression models with their allowed drop. Default: mae and rmse 10% "
        "worse than the reference (relative); their relative noise at 5k rows is about 1%. mape skips "
        "rows whose target is 0 and suits targets far from 0; r2 suits an absolute drop such as 0.05.",
    )
    min_rows: int = Field(
        default=1000,
        ge=1,
        description="Fewer labeled rows than this in either window gives insufficient_data instead of a "
        "verdict. At 1,000 rows the standard error of accuracy is at most 0.016, so the default 0.03 "
        "limit is still about 2 standard errors; below that quiet windows would alert.",
    )
    positive_label: str | None = Field(
        default=None,
        min_length=1,
        description="The positive class (as text, e.g. 'churn', '1', 'true'). When set, precision, recall "
        "and f1 are binary for this class (one-vs-rest) and score is its probability. When unset, labels "
        "'0'/'1' use '1' and 'false'/'true' use 'true'; other label sets get macro averages and no "
        "roc_auc/log_loss.",
    )
