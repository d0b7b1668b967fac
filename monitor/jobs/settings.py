"""Per-model monitoring settings: reference, windows, schedule, drift methods and thresholds.

The defaults are chosen not to cry wolf on 25 features and windows of thousands of rows (measured by
``bench/detection.py``, figures in ``bench/README.md``): distance measures with calibrated thresholds
instead of p-values (which flag negligible shifts once n is large), a pending period of two windows
before an alert fires, and a dataset-level drift share. On the churn simulator (5,000-row windows
against a 7-day reference) they raised no alert in 200 quiet windows and fired on a 0.25 sd mean
shift, a 10-point category move and a 5-point accuracy fall in the second changed window, each time;
KS / chi-square p-values at 0.05 without a pending period fired 117 alerts in the same 200 windows.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from monitor.config_base import Strict, parse_duration
from monitor.performance.settings import PerformanceSettings
from monitor.quality.settings import QualitySettings
from monitor.stats.registry import REGISTRY, get_method
from monitor.stats.result import ColumnType

Duration = Annotated[float, BeforeValidator(parse_duration)]


class MethodChoice(Strict):
    """A drift method by Evidently's stattest name (or ``psi_quantile``) and its threshold."""

    method: str = Field(..., description=f"One of: {', '.join(REGISTRY)}.")
    threshold: float | None = Field(
        None,
        ge=0,
        description="Distance above which (or p-value below which) it is drift; "
        "default: the method's own default.",
    )

    @model_validator(mode="after")
    def _known(self) -> MethodChoice:
        get_method(self.method)  # raises with the list of valid names
        return self


class DriftSettings(Strict):
    numerical: MethodChoice = Field(
        MethodChoice(method="wasserstein", threshold=0.1),
        description="Method for numerical features. Wasserstein distance normed by the reference's "
        "standard deviation, 0.1 (Evidently's default for large data): a 0.1 sd shift of the whole "
        "distribution. Unlike KS p-values it does not fire on negligible shifts when windows are large. "
        "Noise at 5,000 rows against a 7-day reference (bench/detection, 20 features x 200 windows): "
        "median 0.015, 99th percentile 0.04, max 0.05; a mean shift of d sd scores d (0.25 sd: 0.26), "
        "so the threshold sits 2x above the noisiest quiet window and 2.5x below that shift.",
    )
    categorical: MethodChoice = Field(
        MethodChoice(method="jensenshannon", threshold=0.05),
        description="Method for categorical features. Jensen-Shannon distance 0.05: a category share "
        "moving by 10 points scores 0.07-0.19 (0.07 for a 50% category, 0.09 for 15% -> 25%), while "
        "sampling noise at 5,000 rows has median 0.008 and max 0.02 (bench/detection, 5 features x 200 "
        "windows): 0.05 is 2.4x the noisiest quiet window and still below the smallest 10-point move.",
    )
    prediction: MethodChoice = Field(
        MethodChoice(method="wasserstein", threshold=0.1),
        description="Method for prediction drift on the model's score (or, without scores, the "
        "predicted class with the categorical method). Same scale as the numerical default: the "
        "churn score's quiet noise at 5,000 rows reached 0.047 in 200 windows.",
    )
    features: dict[str, MethodChoice] = Field(
        default_factory=dict, description="Per-feature overrides of the method and threshold, by name."
    )
    dataset_drift_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Dataset drift when at least this share of the features with a "
        "verdict drifted (Evidently's default).",
    )
    min_rows: int = Field(
        500,
        ge=10,
        description="Fewer non-null values than this in either window gives "
        "insufficient_data for that feature, never a drift verdict (small windows look drifted).",
    )
    sample_size: int = Field(
        100_000,
        ge=1000,
        description="Most rows per window read for methods that need raw values "
        "(ks, wasserstein, ...): a hash sample, so memory stays bounded whatever the window size. "
        "Histogram methods (psi, jensenshannon, ...) and categorical counts are computed exactly in "
        "the store.",
    )
    outlier_fence_iqr: float | None = Field(
        10.0,
        gt=0,
        description="Values further than this many interquartile ranges outside the "
        "reference's quartiles are left out of numerical drift scores (and counted in the details), so "
        "a few extreme outliers can neither hide nor fake a shift; the out_of_range check reports them. "
        "For a mostly-zero count (interquartile range 0) the 10-90% and then 1-99% ranges stand in for the "
        "quartiles, and a constant reference gets no fence. null turns it off (scores then equal "
        "Evidently's on the raw data).",
    )


class ReferenceSettings(Strict):
    kind: Literal["rolling", "fixed", "file"] = Field(
        "rolling",
        description="rolling: a window ending `lag` before each run; fixed: `start`..`end`; "
        "file: a set loaded with `monitor reference load MODEL FILE`.",
    )
    length: Duration = Field(7 * 86400, description="Length of a rolling reference (e.g. 7d).")
    lag: Duration = Field(7 * 86400, description="How long before the run a rolling reference ends.")
    start: str | None = Field(None, description="Start of a fixed reference (ISO-8601).")
    end: str | None = Field(None, description="End of a fixed reference (ISO-8601, exclusive).")
    reference_id: str = Field("training", description="Id of the loaded set when kind is file.")

    @model_validator(mode="after")
    def _fixed_has_range(self) -> ReferenceSettings:
        if self.kind == "fixed" and not (self.start and self.end):
            raise ValueError("a fixed reference needs start and end")
        return self


class ScheduleSettings(Strict):
    every: Duration | None = Field(3600, description="Run every this long (e.g. 1h), or use `cron`.")
    cron: str | None = Field(None, description="Crontab expression (UTC), instead of `every`.")
    jitter: Duration | None = Field(30, description="Random delay so many models do not start at once.")
    timeout: Duration = Field(600, description="A run taking longer is recorded as failing.")

    @model_validator(mode="before")
    @classmethod
    def _cron_replaces_every(cls, data: object) -> object:
        # `every` has a default; a schedule that names a cron means "not every".
        if isinstance(data, dict) and data.get("cron") is not None and "every" not in data:
            return {**data, "every": None}
        return data

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleSettings:
        if (self.cron is None) == (self.every is None):
            raise ValueError("a schedule needs exactly one of `every` and `cron`")
        return self


class MonitoringSettings(Strict):
    window: Duration = Field(3600, description="Length of the current window each run checks (e.g. 1h).")
    reference: ReferenceSettings = Field(
        default_factory=ReferenceSettings,  # type: ignore[arg-type]
        description="What the current window is compared with.",
    )
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings,  # type: ignore[arg-type]
        description="When the checks run.",
    )
    drift: DriftSettings = Field(
        default_factory=DriftSettings,  # type: ignore[arg-type]
        description="Feature, prediction and dataset drift: methods and thresholds.",
    )
    performance: PerformanceSettings = Field(
        default_factory=PerformanceSettings,
        description="Performance decay on matured outcomes: metrics and allowed drops.",
    )
    quality: QualitySettings = Field(
        default_factory=QualitySettings,
        description="Data-quality limits: missing values, unseen categories, range, volume, freshness.",
    )
    label_delay: Duration = Field(
        86400,
        description="Outcomes are mature this long after the prediction; performance uses only "
        "predictions at least this old, over a window of the same length ending there.",
    )


def column_type_of(method: MethodChoice) -> tuple[ColumnType, ...]:
    """Column types the chosen method accepts (for cross-checks against declared features)."""
    return get_method(method.method).column_types
