"""Builders of notifications, and a Slack stand-in plus a receiver pointed at it (fast backoff)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from alerts.model import Alert
from alerts.notify_log import Notification, Reason
from connectors.slack import Backoff, SlackReceiver
from connectors.slack.standin import SlackStandIn

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOKEN = "xoxb-123456789012-SECRET-TOKEN-value"
CHANNEL = "ml-growth"
FAST = Backoff(initial=0.05, factor=2.0, maximum=0.2, jitter=0.0)


def drift(feature: str, severity: str = "warning", ends_at: datetime | None = None, **notes: str) -> Alert:
    labels = {"model": "churn", "team": "growth", "check": "feature_drift", "feature": feature}
    annotations = {"metric": "psi", "value": "0.31", "threshold": "0.2", "summary": f"{feature} drifted"}
    return Alert({**labels, "severity": severity}, {**annotations, **notes}, starts_at=T0, ends_at=ends_at)


def notification(
    firing: tuple[Alert, ...] = (),
    resolved: tuple[Alert, ...] = (),
    seq: int = 1,
    reason: str = Reason.FIRST,
    receiver: str = "growth",
) -> Notification:
    return Notification(
        receiver=receiver,
        group_key='{}:{model="churn"}',
        group_labels={"model": "churn"},
        firing=firing,
        resolved=resolved,
        is_update=seq > 1,
        seq=seq,
        decided_at=T0 + timedelta(minutes=seq),
        reason=str(reason),
    )


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN, channels={CHANNEL}) as server:
        yield server


@pytest.fixture
def receiver(standin: SlackStandIn) -> SlackReceiver:
    channels = {"growth": (CHANNEL, "@growth-oncall"), "lost": ("no-such-channel", None)}
    return SlackReceiver(TOKEN, standin.base_url, channels, retry_for=3.0, backoff=FAST)
