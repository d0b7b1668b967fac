"""Block Kit rendering of a notification: which model, what happened, how much, since when, evidence.

Pure: a Notification in, blocks and fallback text out. Slack rejects a message over its limits (50 blocks,
3000 characters per section, 150 per header) with ``invalid_blocks`` / ``msg_too_long``, which no retry
fixes, so the renderer truncates instead and says so in ``Rendered`` for the caller to log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alerts.model import Alert
from alerts.notify_log import Notification
from connectors.slack.wording import (
    SEVERITY_ORDER,
    escape,
    headline,
    label_text,
    mention_text,
    severity_emoji,
    slack_date,
    utc_text,
    worst_severity,
)

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_TEXT_CHARS = 40_000
ELLIPSIS = "…"

Block = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    """A message ready for ``chat.postMessage`` / ``chat.update``. ``omitted``: alerts left out for the
    block limit; ``truncated``: anything was cut (alerts omitted or a text shortened)."""

    blocks: list[Block]
    text: str
    omitted: int = 0
    truncated: bool = False


def render(notification: Notification, mention: str | None = None) -> Rendered:
    """The message of ``notification``; ``mention`` is pinged when a firing alert is critical."""
    alerts = (*ordered(notification.firing), *ordered(notification.resolved))
    reports = {report_of(a) for a in alerts} - {""}
    common_report = next(iter(reports)) if len(reports) == 1 else ""
    worst = worst_severity(notification.firing)
    mark = severity_emoji(worst) if notification.firing else ":white_check_mark:"
    title = f"{mark} {headline(notification)}"
    ping = mention_text(mention) if worst == "critical" else ""
    head = [_header(title)] + ([_context(f"{ping} critical alert")] if ping else [])
    tail = ([_report_block(common_report)] if common_report else []) + [_footer(notification)]
    room = MAX_BLOCKS - len(head) - len(tail)
    shown, omitted = fit([alert_line(a, not common_report) for a in alerts], room)
    plain, _ = fit([alert_line(a, not common_report, rich_dates=False) for a in alerts], room)
    text = fallback_text(title, ping, plain)
    cut = len(title) > MAX_HEADER_CHARS or any(len(s) > MAX_SECTION_CHARS for s in shown)
    blocks = head + [_section(line) for line in shown] + tail
    return Rendered(blocks, text, omitted, truncated=bool(omitted) or cut or len(text) >= MAX_TEXT_CHARS)


def ordered(alerts: Sequence[Alert]) -> list[Alert]:
    """Most severe first, then by check and feature, so the same group always reads the same way."""
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(alerts, key=lambda a: (rank.get(a.labels.get("severity", ""), 9), _key(a)))


def _key(alert: Alert) -> tuple[str, str]:
    return alert.labels.get("check", ""), alert.labels.get("feature", "")


def fit(lines: Sequence[str], room: int) -> tuple[list[str], int]:
    """The lines that fit in ``room`` blocks; when some do not, the last block says how many are left."""
    if len(lines) <= room:
        return list(lines), 0
    keep = max(room - 1, 0)
    omitted = len(lines) - keep
    return [*lines[:keep], f"… and {omitted} more"], omitted


def alert_line(alert: Alert, with_report: bool = True, rich_dates: bool = True) -> str:
    """One alert at a glance: severity, check, feature, value vs threshold, since when, evidence.
    ``rich_dates``: Slack date tokens (shown in the reader's time zone) rather than plain UTC."""
    labels, notes = alert.labels, alert.annotations
    date = slack_date if rich_dates else utc_text
    what = f"*{escape(label_text(labels.get('check', 'alert')))}*"
    if labels.get("feature"):
        what += f" `{escape(labels['feature'])}`"
    if "for_check" in labels or "value" not in notes:
        # Derived alerts (job failing, insufficient data) carry the values of the failed check: noise.
        detail = escape(notes.get("summary", ""))
    else:
        metric = escape(notes.get("metric", labels.get("metric", "value")))
        detail = f"{metric} *{escape(notes['value'])}* vs threshold {escape(notes.get('threshold', '?'))}"
    if alert.resolved:
        was = f" (was {detail})" if detail else ""
        line = f":white_check_mark: ~{what}~ resolved {date(alert.ends_at)}{was}"
    else:
        since = f" · since {date(alert.starts_at)}" if alert.starts_at else ""
        line = f"{severity_emoji(labels.get('severity', ''))} {what}{': ' + detail if detail else ''}{since}"
    report = report_of(alert)
    if with_report and report.startswith(("http://", "https://")):
        line += f" · <{escape(report)}|evidence>"
    return line


def fallback_text(title: str, ping: str, lines: Sequence[str]) -> str:
    """The plain text Slack shows in notifications and where blocks cannot render."""
    text = "\n".join([title + (f" {ping}" if ping else ""), *lines])
    return clip(text, MAX_TEXT_CHARS)


def report_of(alert: Alert) -> str:
    return alert.annotations.get("report_url") or alert.annotations.get("report") or ""


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _header(title: str) -> Block:
    text = {"type": "plain_text", "text": clip(title, MAX_HEADER_CHARS), "emoji": True}
    return {"type": "header", "text": text}


def _section(line: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(line, MAX_SECTION_CHARS)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_CHARS)}]}


def _report_block(report: str) -> Block:
    if report.startswith(("http://", "https://")):
        button = {"type": "button", "text": {"type": "plain_text", "text": "Evidence report"}, "url": report}
        return {"type": "actions", "elements": [{**button, "action_id": "evidence_report"}]}
    return _context(f"Evidence report: `{escape(report)}`")


def _footer(notification: Notification) -> Block:
    group = " ".join(f"{k}={v}" for k, v in sorted(notification.group_labels.items()))
    return _context(escape(f"group {group or '(all)'} · notification {notification.notification_id}"))
