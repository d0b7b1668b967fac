"""The words of a Slack message: a headline a person understands at a glance, severity emoji, mentions,
dates and mrkdwn escaping.

Check names are the ``check`` label values of ``alerts.candidates`` (plain strings, so this adapter does
not depend on the jobs package); an unknown check still reads sensibly from its label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from alerts.model import Alert
from alerts.notify_log import Notification

# Checks about one feature: "feature age drifted" / "3 features drifted".
FEATURE_PHRASES: Mapping[str, str] = {
    "feature_drift": "drifted",
    "missing_values": "with missing values",
    "unseen_categories": "with unseen categories",
    "out_of_range": "out of range",
}
# Checks about the whole model.
MODEL_PHRASES: Mapping[str, str] = {
    "dataset_drift": "dataset drifted",
    "prediction_drift": "predictions drifted",
    "performance": "performance decayed",
    "volume": "volume out of range",
    "freshness": "no fresh data",
    "job_failing": "checks failing",
    "insufficient_data": "not enough data",
}
SEVERITY_EMOJI: Mapping[str, str] = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}
SEVERITY_ORDER = ("critical", "warning", "info")


def headline(notification: Notification) -> str:
    """``churn: 3 features drifted, predictions drifted`` / ``churn: resolved (was: 3 features drifted)``."""
    model = subject(notification)
    if not notification.firing:
        return f"{model}: resolved (was: {describe(notification.resolved)})"
    resolved = f", {len(notification.resolved)} resolved" if notification.resolved else ""
    return f"{model}: {describe(notification.firing)}{resolved}"


def subject(notification: Notification) -> str:
    """What the group is about: its ``model`` label, else one shared by every alert, else the receiver."""
    if notification.group_labels.get("model"):
        return notification.group_labels["model"]
    alerts = (*notification.firing, *notification.resolved)
    models = {a.labels.get("model", "") for a in alerts}
    if len(models) == 1 and "" not in models:
        return models.pop()
    return f"{len(models - {''})} models" if len(models) > 1 else notification.receiver


def describe(alerts: Sequence[Alert]) -> str:
    """Alerts summarised per check, most frequent first."""
    by_check: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_check.setdefault(alert.labels.get("check", "alert"), []).append(alert)
    ranked = sorted(by_check.items(), key=lambda item: (-len(item[1]), item[0]))
    return ", ".join(_phrase(check, group) for check, group in ranked)


def _phrase(check: str, alerts: Sequence[Alert]) -> str:
    if check in FEATURE_PHRASES:
        features = sorted({a.labels.get("feature", "") for a in alerts} - {""})
        if len(features) == 1:
            return f"feature {features[0]} {FEATURE_PHRASES[check]}"
        if features:
            return f"{len(features)} features {FEATURE_PHRASES[check]}"
    phrase = MODEL_PHRASES.get(check, label_text(check))
    return phrase if len(alerts) == 1 else f"{phrase} ({len(alerts)})"


def label_text(check: str) -> str:
    """``feature_drift`` -> ``feature drift``."""
    return check.replace("_", " ")


def severity_emoji(severity: str) -> str:
    return SEVERITY_EMOJI.get(severity, ":white_circle:")


def worst_severity(alerts: Sequence[Alert]) -> str:
    """The most severe ``severity`` label among ``alerts`` ('' if none is known)."""
    counts = Counter(a.labels.get("severity", "") for a in alerts)
    return next((s for s in SEVERITY_ORDER if counts[s]), "")


def mention_text(mention: str | None) -> str:
    """A configured handle as Slack mrkdwn that pings: user / group IDs, @here, or a linked @name."""
    if not mention:
        return ""
    name = mention.strip().lstrip("@")
    if mention.startswith("<"):
        return mention
    if name in ("here", "channel", "everyone"):
        return f"<!{name}>"
    if name[:1] in ("U", "W") and name.isalnum() and name.isupper():
        return f"<@{name}>"
    if name[:1] == "S" and name.isalnum() and name.isupper():
        return f"<!subteam^{name}>"
    return f"@{escape(name)}"  # linked by link_names on the post


def slack_date(at: datetime | None) -> str:
    """A time every reader sees in their own time zone, with UTC as the fallback text."""
    if at is None:
        return ""
    return f"<!date^{int(_utc(at).timestamp())}^{{date_short_pretty}} {{time}}|{utc_text(at)}>"


def utc_text(at: datetime | None) -> str:
    return f"{_utc(at):%Y-%m-%d %H:%M} UTC" if at is not None else ""


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)  # naive times are UTC here


def escape(text: str) -> str:
    """Slack mrkdwn control characters (the only three Slack asks to escape)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
