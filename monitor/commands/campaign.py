"""``monitor campaign report ID``: a campaign's summary computed now and printed; ``--digest`` also posts
the digest to the owning team (Slack with ``SLACK_BOT_TOKEN``, else printed and appended to the
alerts file). Read-only on the store: the feed history is written by the scheduled job of ``monitor run``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connectors.store.factory import open_store
from monitor.campaign.feed import VERDICT_TEXT, points
from monitor.campaign.job import FeedUpdate
from monitor.campaign.stats import Interval
from monitor.commands.output import configure_logging, load_or_report
from monitor.jobs.windows import iso_ms

VERDICT_STYLE = {"treatment_better": "bold green", "treatment_worse": "bold red"}


def run_report(config_path: Path, campaign_id: str, digest: bool, days: float, at: str | None = None) -> int:
    """Print the campaign's summary over the ``days`` before ``at`` (default now); exit 0, 1 on errors,
    2 when the digest could not be delivered."""
    from monitor.commands.alerting import build_campaign_jobs, build_notifier

    configure_logging(Console(stderr=True))
    config = load_or_report(config_path)
    if config is None:
        return 1
    if campaign_id not in config.campaigns:
        known = ", ".join(config.campaigns) or "none"
        print(f"error: campaign {campaign_id!r} is not in the config (campaigns: {known})", file=sys.stderr)
        return 1
    try:
        end = datetime.fromtimestamp(iso_ms(at) / 1000, UTC) if at else datetime.now(UTC)
    except ValueError as exc:
        print(f"error: --at: {exc}", file=sys.stderr)
        return 1
    store = open_store(config.store.url.get_secret_value())
    try:
        store.ensure_schema()
        notifier = build_notifier(config, Path(config.web.alerts_file)) if digest else None
        jobs = build_campaign_jobs(config, store, notifier)
        jobs.days = days
        update = jobs.compute(campaign_id, end)
        Console().print(summary_table(update, days))
        if digest:
            result = jobs.post_digest(update)
            if result is None or not result.ok:
                return 2
    finally:
        store.close()
    return 0


def _interval(interval: Interval, relative: bool = False) -> str:
    def fmt(value: float) -> str:
        return f"{value:+.1%}" if relative else points(value)

    text = fmt(interval.estimate)
    if interval.status != "ok":
        return escape(f"{text} (no interval: {interval.reason})")
    bounds = f"[{fmt(interval.lower)}, {fmt(interval.upper)}]"
    return escape(f"{text} {bounds} ({1 - interval.alpha:.0%}, {interval.method})")


def summary_table(update: FeedUpdate, days: float) -> Table:
    """The summary as the campaign page's headline: arms, lifts, verdict, cut-off, SRM, warnings."""
    s, row = update.summary, update.row
    table = Table(title=f"campaign {s.campaign} (model {s.model}, last {days:g} days)", show_header=False)
    for arm in (s.treatment, s.control):
        rate = f" ({arm.rate:.1%})" if arm.n else ""
        table.add_row(arm.arm, f"{arm.n:,} matured outcomes, {arm.successes:,} successes{rate}")
    table.add_row("absolute lift", _interval(s.absolute_lift))
    table.add_row("relative lift", _interval(s.relative_lift, relative=True))
    style = VERDICT_STYLE.get(row.verdict, "yellow")
    table.add_row("verdict", f"[{style}]{VERDICT_TEXT.get(row.verdict, row.verdict)}[/]")
    table.add_row("inference", s.inference.replace("_", " "))
    cutoff = f"{s.maturity_cutoff:%Y-%m-%d %H:%M} UTC (customers assigned before it are counted)"
    table.add_row("maturity cut-off", cutoff)
    table.add_row("assigned / matured", f"{s.n_assigned:,} / {s.n_matured:,}")
    srm = s.srm
    srm_text = f"{srm.observed_treatment_share:.1%} treated, planned {srm.planned_treatment_share:.1%}"
    srm_text += f" (p = {srm.p_value:.3g})" + (" [bold red]MISMATCH[/]" if srm.warning else "")
    table.add_row("sample ratio", srm_text)
    for warning in s.warnings:
        table.add_row("[yellow]warning[/]", escape(warning))
    if update.sampled:
        table.add_row("note", "large period: computed on a fixed random sample of the customers")
    return table
