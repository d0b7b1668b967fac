"""Settings of the data-quality checks, with defaults chosen to stay quiet on healthy traffic.

The noise figures below are binomial standard errors at the default minimum of 1,000 rows; windows
of 5,000 rows or more (the benchmark's) are about 2.2 times quieter still.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from monitor.config_base import Strict


class QualitySettings(Strict):
    """Limits of the missing-value, unseen-category, out-of-range, volume and freshness checks."""

    min_rows: int = Field(
        default=1000,
        ge=1,
        description="Fewer rows (non-null values for the category and range checks) than this in the "
        "current window or the reference gives insufficient_data for the per-feature checks. At 1,000 "
        "rows a missing share near 0.5 has a standard error of 0.016, so the default 0.05 increase is "
        "over 3 standard errors; at 200 rows it would be 1.5 and quiet windows would alert.",
    )
    missing_increase_max: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Breach when a feature's missing share exceeds its reference share plus this. "
        "Relative to the reference because some features are legitimately often missing; 0.05 is far "
        "outside sampling noise (see min_rows) and a broken upstream join usually moves it to ~1.",
    )
    missing_share_max: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Optional hard ceiling on the missing share, whatever the reference had (the limit "
        "is then the lower of the two). Off by default: a feature missing in 40% of the reference rows "
        "would otherwise alert forever.",
    )
    unseen_share_max: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="Breach when categories absent from the reference make up more than this share of "
        "a categorical feature's non-null current values. A category with a true share of 0.5% is "
        "absent from a 1,000-row reference only 0.7% of the time, so healthy traffic stays well under "
        "1%; a renamed or newly introduced category usually takes several percent at once. Raise it for "
        "long-tailed features (details give the reference's singleton share, the expected unseen mass).",
    )
    range_low_quantile: float = Field(
        default=0.001,
        ge=0,
        lt=1,
        description="Lower end of a numerical feature's expected range: this quantile of the reference "
        "(0 = its minimum). A quantile, not the minimum, so a few reference outliers do not widen the "
        "range until nothing is ever out of it.",
    )
    range_high_quantile: float = Field(
        default=0.999,
        gt=0,
        le=1,
        description="Upper end of the expected range: this quantile of the reference (1 = its maximum).",
    )
    out_of_range_share_max: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="Breach when more than this share of a numerical feature's non-null current values "
        "falls outside the reference range. With the default quantiles 0.2% fall outside when nothing "
        "changed; 1% is five times that and above the error of the quantiles of a 1,000-row reference.",
    )
    volume_drop_factor: float = Field(
        default=0.25,
        gt=0,
        lt=1,
        description="Breach when the current window has fewer rows than this times the rows expected "
        "from the reference's average rate. Daily cycles often swing traffic 2-4x around the average, "
        "so 0.25 catches outages without firing every night.",
    )
    volume_spike_factor: float = Field(
        default=4.0,
        gt=1,
        description="Breach when the current window has more rows than this times the expected rows "
        "(a replay, a duplicate producer, a retry storm). 4 leaves room for daily peaks.",
    )
    volume_min_expected_rows: float = Field(
        default=20.0,
        gt=0,
        description="Below this many expected rows the volume check gives insufficient_data: counts "
        "that small are mostly chance. At 20 expected rows, fewer than 5 (below the drop limit) happen "
        "by chance with probability 2e-5 for Poisson traffic.",
    )
    freshness_max_age_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Breach when the newest prediction is older than this (seconds): a model that "
        "stopped sending. One hour suits models with steady traffic; raise it for batch models.",
    )

    @model_validator(mode="after")
    def _range_quantiles_ordered(self) -> QualitySettings:
        if self.range_low_quantile >= self.range_high_quantile:
            raise ValueError("range_low_quantile must be below range_high_quantile")
        return self
