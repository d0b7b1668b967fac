"""The ``rules`` part of the alerting config: consecutive evaluations that fire and resolve alerts."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator

from alerts.matchers import MIN_ONE, MatcherText, matches_all, non_empty, parse_matchers
from alerts.rules import RulePolicy
from alerts.strict import Strict


class RuleOverride(Strict):
    """Different evaluation counts for the alerts these matchers select."""

    matchers: tuple[MatcherText, ...] = Field(
        ..., description="Alerts this override applies to.", json_schema_extra=MIN_ONE
    )
    pending_evaluations: int | None = Field(None, ge=1, le=1000, description="Overrides the default.")
    keep_firing_evaluations: int | None = Field(None, ge=1, le=1000, description="Overrides the default.")

    _non_empty = field_validator("matchers")(non_empty)


class RulesConfig(Strict):
    """How many consecutive evaluations fire and resolve an alert. Count them in runs of the model's
    jobs: with an hourly drift job the defaults fire after two hours of drift and resolve after two
    hours without, so one odd window neither fires nor resolves an alert."""

    pending_evaluations: int = Field(
        2,
        ge=1,
        le=1000,
        description="Consecutive breaching evaluations before an alert fires (1: at once). At the default "
        "drift, performance and quality thresholds no quiet 5,000-row window breached at all "
        "(bench/detection), so 2 is a margin against one-off glitches (a partial or replayed hour, a "
        "threshold tuned tighter) and costs one window: injected changes fired in their second window.",
    )
    keep_firing_evaluations: int = Field(
        2, ge=1, le=1000, description="Consecutive recovered evaluations before a firing alert resolves."
    )
    overrides: tuple[RuleOverride, ...] = Field(
        (), description="Per-alert exceptions, e.g. for check=job_failing. The first matching one applies."
    )

    def policy_for(self, labels: Mapping[str, str]) -> RulePolicy:
        """The counts for an alert with these labels."""
        default = RulePolicy(self.pending_evaluations, self.keep_firing_evaluations)
        for o in self.overrides:
            if matches_all(parse_matchers(o.matchers), labels):
                return RulePolicy(
                    o.pending_evaluations or default.pending_evaluations,
                    o.keep_firing_evaluations or default.keep_firing_evaluations,
                )
        return default
