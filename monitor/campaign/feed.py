"""A ``CampaignSummary`` as a feed row of the history table, what its interval concludes, and one line
of text for logs and the demo. Pure: the period and the write time are passed in.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from connectors.store.base import CampaignFeedRow
from monitor.campaign.export import to_dict
from monitor.campaign.summary import CampaignSummary

# What the absolute-lift interval says, for the feed, the digest and the page.
BETTER = "treatment_better"  # the whole interval is above 0
WORSE = "treatment_worse"  # the whole interval is below 0
INCONCLUSIVE = "inconclusive"  # the interval still holds 0
NO_INTERVAL = "no_interval"  # too few matured outcomes for any interval
INTERIM = "interim"  # fixed horizon not reached: the interval may not be used to decide yet
CONCLUSIVE = frozenset({BETTER, WORSE})

VERDICT_TEXT = {
    BETTER: "conclusive: the treatment works",
    WORSE: "conclusive: the treatment does harm",
    INCONCLUSIVE: "not conclusive yet: the interval includes no effect",
    NO_INTERVAL: "no interval yet: too few matured outcomes",
    INTERIM: "interim look: a fixed-horizon interval is read only at the planned sample size",
}


def verdict(summary: CampaignSummary) -> str:
    """What the absolute-lift interval concludes (one of the constants above).

    An always-valid interval may be read at any time; a fixed-horizon one only once the planned
    sample size is reached, so before that the verdict is ``INTERIM`` whatever the bounds say."""
    lift = summary.absolute_lift
    if lift.status != "ok" or not (math.isfinite(lift.lower) and math.isfinite(lift.upper)):
        return NO_INTERVAL
    if summary.inference == "fixed_horizon" and (summary.power is None or not summary.power.reached_horizon):
        return INTERIM
    if lift.lower > 0:
        return BETTER
    if lift.upper < 0:
        return WORSE
    return INCONCLUSIVE


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def feed_row(
    summary: CampaignSummary, period_start: datetime, period_end: datetime, created_ms: int
) -> CampaignFeedRow:
    """The history row of ``summary`` for the period ``[period_start, period_end)``."""
    s, absolute, relative = summary, summary.absolute_lift, summary.relative_lift
    found = verdict(s)
    return CampaignFeedRow(
        campaign=s.campaign,
        period_start_ms=_ms(period_start),
        period_end_ms=_ms(period_end),
        maturity_cutoff_ms=_ms(s.maturity_cutoff),
        model=s.model,
        inference=s.inference,
        alpha=s.alpha,
        n_assigned=s.n_assigned,
        n_matured=s.n_matured,
        n_treatment=s.treatment.n,
        n_control=s.control.n,
        successes_treatment=s.treatment.successes,
        successes_control=s.control.successes,
        rate_treatment=float(s.treatment.rate),
        rate_control=float(s.control.rate),
        absolute_lift=float(absolute.estimate),
        absolute_lift_lower=float(absolute.lower),
        absolute_lift_upper=float(absolute.upper),
        relative_lift=float(relative.estimate),
        relative_lift_lower=float(relative.lower),
        relative_lift_upper=float(relative.upper),
        verdict=found,
        conclusive=found in CONCLUSIVE,
        srm_p_value=float(s.srm.p_value),
        srm_warning=bool(s.srm.warning),
        warnings="; ".join(s.warnings),
        summary_json=json.dumps(to_dict(s), allow_nan=False, sort_keys=True),
        created_ms=int(created_ms),
    )


def points(value: float) -> str:
    """A difference of rates in percentage points, signed ("+3.1 pp"); "n/a" without a value."""
    return f"{value * 100:+.1f} pp" if math.isfinite(value) else "n/a"


def feed_line(row: CampaignFeedRow) -> str:
    """The row at a glance: matured outcomes per arm, lift with interval, verdict."""
    cutoff = datetime.fromtimestamp(row.maturity_cutoff_ms / 1000, UTC)
    interval = (
        f" [{points(row.absolute_lift_lower)}, {points(row.absolute_lift_upper)}]"
        if math.isfinite(row.absolute_lift_lower)
        else ""
    )
    srm = " · SAMPLE RATIO MISMATCH" if row.srm_warning else ""
    return (
        f"campaign {row.campaign}: matured treatment {row.n_treatment:,} / control {row.n_control:,}"
        f" (assigned before {cutoff:%b %d %H:%M} UTC) · lift {points(row.absolute_lift)}{interval}"
        f" · {VERDICT_TEXT.get(row.verdict, row.verdict)}{srm}"
    )
