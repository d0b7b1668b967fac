"""Block Kit rendering of a campaign digest: the lift with its interval and whether it is conclusive,
both arms, the maturity cut-off, a sample-ratio-mismatch warning and a link to the campaign page.

Pure: a ``CampaignSummary`` in, a ``Rendered`` message out (the type alert messages use), which either
receiver's ``post_digest`` sends. A digest is a handful of blocks, far below Slack's limits; texts are
still clipped to them, as in ``blocks``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from connectors.slack.blocks import MAX_SECTION_CHARS, Block, Rendered, clip
from connectors.slack.wording import escape, slack_date, utc_text
from monitor.campaign.feed import BETTER, INCONCLUSIVE, VERDICT_TEXT, WORSE, points, verdict
from monitor.campaign.stats import ArmStats, Interval
from monitor.campaign.summary import CampaignSummary

VERDICT_EMOJI = {BETTER: ":white_check_mark:", WORSE: ":x:", INCONCLUSIVE: ":hourglass_flowing_sand:"}
METHOD_TEXT = {
    "always_valid": "always-valid confidence sequence (valid however often it is read)",
    "fixed_horizon": "fixed-horizon interval (valid at the planned sample size)",
}


def digest_title(summary: CampaignSummary) -> str:
    """The digest's header, also the name it is logged under."""
    return f"Campaign {summary.campaign}: digest"


def render_digest(summary: CampaignSummary, page_url: str | None = None) -> Rendered:
    """The digest message of ``summary``; ``page_url`` (http or https) adds a button to the page."""
    found = verdict(summary)
    mark = VERDICT_EMOJI.get(found, ":hourglass:")
    verdict_line = f"{mark} {VERDICT_TEXT[found]}"
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": f":bar_chart: {digest_title(summary)}"}},
        _section(f"{lift_line(summary, rich=True)}\n*{verdict_line}*"),
        {
            "type": "section",
            "fields": [_field(arm_text(summary.treatment)), _field(arm_text(summary.control))],
        },
        _context(cutoff_line(summary, rich=True)),
    ]
    if summary.srm.warning:
        blocks.append(_section(f":warning: *{escape(srm_line(summary))}*"))
    others = [w for w in summary.warnings if not w.startswith("sample ratio")]
    blocks += [_context(f":information_source: {escape(w)}") for w in others]
    if page_url and page_url.startswith(("http://", "https://")):
        button = {"type": "button", "text": {"type": "plain_text", "text": "Campaign page"}, "url": page_url}
        blocks.append({"type": "actions", "elements": [{**button, "action_id": "campaign_page"}]})
    lines = [digest_title(summary), lift_line(summary, rich=False), verdict_line]
    lines += [arm_text(summary.treatment), arm_text(summary.control), cutoff_line(summary, rich=False)]
    lines += [f"WARNING: {srm_line(summary)}"] if summary.srm.warning else []
    lines += [*others, *([page_url] if page_url else [])]
    return Rendered(blocks, "\n".join(lines))


def lift_line(summary: CampaignSummary, rich: bool) -> str:
    """Absolute lift with its interval, then the relative lift: ``Lift +3.1 pp [+1.0 pp, +5.2 pp]``."""
    absolute, relative = summary.absolute_lift, summary.relative_lift
    bold = "*" if rich else ""
    text = f"{bold}Lift {points(absolute.estimate)}{bold}{_bounds(absolute, points)}"
    text += f" · relative {_percent(relative.estimate)}{_bounds(relative, _percent)}"
    method = METHOD_TEXT.get(summary.inference, summary.inference)
    return text + f"\n{1 - summary.alpha:.0%} {method}"


def arm_text(arm: ArmStats) -> str:
    """``Treatment: 1,234 matured, 812 successes (65.8%)``."""
    rate = f" ({arm.rate:.1%})" if arm.n else ""
    return f"{arm.arm.capitalize()}: {arm.n:,} matured, {arm.successes:,} successes{rate}"


def cutoff_line(summary: CampaignSummary, rich: bool) -> str:
    """Which outcomes are counted: the maturity cut-off, assigned and matured customers."""
    when = slack_date(summary.maturity_cutoff) if rich else utc_text(summary.maturity_cutoff)
    return (
        f"Matured outcomes only: customers assigned before {when} · {summary.n_assigned:,} assigned, "
        f"{summary.n_matured:,} matured"
    )


def srm_line(summary: CampaignSummary) -> str:
    srm = summary.srm
    return (
        f"Sample ratio mismatch: {srm.observed_treatment_share:.1%} treated, planned "
        f"{srm.planned_treatment_share:.1%} (p = {srm.p_value:.2g}); the assignment may be broken and "
        "the lift is not trustworthy"
    )


def _bounds(interval: Interval, show: Callable[[float], str]) -> str:
    if interval.status != "ok" or not math.isfinite(interval.lower) or not math.isfinite(interval.upper):
        return ""
    return f" [{show(interval.lower)}, {show(interval.upper)}]"


def _percent(value: float) -> str:
    return f"{value:+.1%}" if math.isfinite(value) else "n/a"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_CHARS)}}


def _field(text: str) -> Block:
    return {"type": "mrkdwn", "text": escape(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_CHARS)}]}
