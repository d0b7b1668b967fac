"""The campaign config node: one churn-prevention (or similar) campaign, as SREs write it under ``campaigns``.

Strict and frozen like every node of ``monitor.config_model``. Cross-references (the model and the team
exist) are checked where ``campaigns: {id: CampaignSpec}`` is wired into the whole file; this node checks
only itself: the inference settings must agree (a fixed horizon needs a horizon) and the digest schedule
must be a cron line the scheduler accepts.
"""

from __future__ import annotations

from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, field_validator, model_validator

from monitor.config_base import NAME_PATTERN, Name, Strict

Inference = Literal["always_valid", "fixed_horizon"]


class CampaignSpec(Strict):
    """One campaign: who is targeted, what counts as success, and how its lift is judged.

    Strict like every config node: unknown keys are errors and the result is immutable.
    """

    id: str = Field(..., pattern=NAME_PATTERN, description="Campaign id, as sent in `campaign.id` of events.")
    model: Name = Field(
        ...,
        description="The model whose predictions select the audience (a key of `models`). Its prediction "
        "events carry `campaign: {id, arm}`; their outcome events decide success.",
    )
    success_label: str = Field(
        ...,
        min_length=1,
        description="The outcome `label` that counts as a success, compared as text. For churn "
        'prevention it is the "retained" class, e.g. "0" when the model predicts churn as "1": the '
        "campaign works if treated customers are retained more often than the control group.",
    )
    maturity_days: float = Field(
        ...,
        gt=0,
        le=365,
        description="Days after the prediction when its outcome is final (e.g. 30 for retained after 30 "
        "days). Only outcomes older than this are counted; the cut-off is shown with every result.",
    )
    team: Name = Field(..., description="Owning team (a key of `teams`); its channel gets the digest.")
    planned_treatment_share: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="Planned probability that a targeted customer is treated (the rest is the control "
        "group). Used for the sample-ratio-mismatch check and as the known assignment probability of "
        "the always-valid interval.",
    )
    alpha: float = Field(
        0.05,
        gt=0,
        lt=0.5,
        description="Error rate of the intervals: 0.05 gives 95% confidence intervals (or sequences).",
    )
    inference: Inference = Field(
        "always_valid",
        description="always_valid: confidence sequences that stay valid however often the page is "
        "looked at. fixed_horizon: classical intervals, valid only when read once at "
        "`planned_sample_size`; needs `planned_sample_size` or `minimum_detectable_effect` with "
        "`baseline_success_rate`.",
    )
    planned_sample_size: int | None = Field(
        None,
        ge=20,
        description="Total matured outcomes (both arms) the campaign plans to collect. fixed_horizon: the "
        "horizon at which the result is read. always_valid: where the confidence sequence is "
        "tightest (chosen in advance; default 1000).",
    )
    minimum_detectable_effect: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="fixed_horizon only: the smallest absolute gain in success rate worth detecting "
        "(0.02 = two percentage points), at 80% power, two-sided at `alpha`.",
    )
    baseline_success_rate: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="fixed_horizon only: the expected success rate of the control group, for the power "
        "calculation. Without it, the observed control rate is used.",
    )
    digest_schedule: str = Field(
        "0 9 * * MON",
        min_length=9,
        description="When the Slack digest goes to the team: a five-field cron line (minute hour "
        "day month weekday). Prefer weekday names (MON): the scheduler numbers weekdays from Monday = 0.",
    )
    description: str = Field("", description="Free text shown on the campaign page and digest.")

    @field_validator("digest_schedule")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        # The scheduler's own parser, so a line accepted here is a line the scheduler runs.
        CronTrigger.from_crontab(value, timezone="UTC")
        return value

    @model_validator(mode="after")
    def _inference_settings_agree(self) -> CampaignSpec:
        if self.inference == "always_valid":
            extra = [
                name
                for name in ("minimum_detectable_effect", "baseline_success_rate")
                if getattr(self, name) is not None
            ]
            if extra:
                raise ValueError(f"{', '.join(extra)}: only used with inference: fixed_horizon")
            return self
        if self.planned_sample_size is None and (
            self.minimum_detectable_effect is None or self.baseline_success_rate is None
        ):
            raise ValueError(
                "inference: fixed_horizon needs planned_sample_size, or minimum_detectable_effect "
                "with baseline_success_rate (to compute the sample size)"
            )
        baseline, effect = self.baseline_success_rate, self.minimum_detectable_effect
        if baseline is not None and effect is not None and baseline + effect >= 1:
            raise ValueError("baseline_success_rate + minimum_detectable_effect must be below 1")
        return self
