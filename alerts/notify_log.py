"""The notification log: what was decided and delivered per (receiver, group), and the dedup decision.

One entry per (receiver, group key), replaced by each new notification. An entry is *pending* from the
moment the router decides to notify until the receiver confirms delivery: pending entries are the outbox
a restarted process delivers first, and dedup compares against them too, so an outage never produces a
second notification for the same change. ``needs_notify`` is Alertmanager's ``dedup_stage`` with a reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from alerts.model import Alert


@dataclass(frozen=True)
class Notification:
    """One message for one receiver about one group. ``is_update``: the group had firing alerts in an
    earlier notification, so the receiver may edit that message instead of posting a new one.
    ``notification_id`` is deterministic (group and sequence), so a retried delivery can be recognised."""

    receiver: str
    group_key: str
    group_labels: Mapping[str, str]
    firing: tuple[Alert, ...]
    resolved: tuple[Alert, ...]
    is_update: bool
    seq: int
    decided_at: datetime
    reason: str
    notification_id: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(f"{self.receiver}\x00{self.group_key}".encode()).hexdigest()[:16]
        object.__setattr__(self, "notification_id", f"{digest}-{self.seq}")

    @property
    def firing_fingerprints(self) -> frozenset[str]:
        return frozenset(a.fingerprint for a in self.firing)

    @property
    def resolved_fingerprints(self) -> frozenset[str]:
        return frozenset(a.fingerprint for a in self.resolved)


@dataclass(frozen=True)
class LogEntry:
    """The last notification decided for a group; ``delivered_at`` None while it awaits delivery.
    ``deliver`` False: recorded only (e.g. a resolution with send_resolved off), nothing to send."""

    notification: Notification
    delivered_at: datetime | None = None
    deliver: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.notification.receiver, self.notification.group_key

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, for a store-backed log."""
        n = self.notification
        return {
            **{k: getattr(n, k) for k in ("receiver", "group_key", "is_update", "seq", "reason")},
            "group_labels": dict(n.group_labels),
            "firing": [a.to_dict() for a in n.firing],
            "resolved": [a.to_dict() for a in n.resolved],
            "decided_at": n.decided_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "deliver": self.deliver,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogEntry:
        notification = Notification(
            **{k: data[k] for k in ("receiver", "group_key", "group_labels", "is_update", "seq", "reason")},
            firing=tuple(Alert.from_dict(a) for a in data["firing"]),
            resolved=tuple(Alert.from_dict(a) for a in data["resolved"]),
            decided_at=datetime.fromisoformat(data["decided_at"]),
        )
        delivered = data.get("delivered_at")
        return cls(notification, datetime.fromisoformat(delivered) if delivered else None, data["deliver"])


class NotificationLog(Protocol):
    """Storage of log entries. The in-memory one below and the store-backed one share this contract."""

    def get(self, receiver: str, group_key: str) -> LogEntry | None:
        """The entry of a group, or None if it was never notified."""

    def put(self, entry: LogEntry) -> None:
        """Replace the entry of ``entry.key``."""

    def pending(self) -> Sequence[LogEntry]:
        """Entries decided but not delivered, oldest decision first."""


class InMemoryNotificationLog:
    """A NotificationLog in a dict (tests, and the console receiver of the demo)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], LogEntry] = {}

    def get(self, receiver: str, group_key: str) -> LogEntry | None:
        return self._entries.get((receiver, group_key))

    def put(self, entry: LogEntry) -> None:
        self._entries[entry.key] = entry

    def pending(self) -> Sequence[LogEntry]:
        waiting = [e for e in self._entries.values() if e.delivered_at is None]
        return sorted(waiting, key=lambda e: e.notification.decided_at)


def mark_delivered(log: NotificationLog, notification: Notification, now: datetime) -> bool:
    """Record a delivery. False (and no change) when a newer notification replaced this one meanwhile:
    the newer one is still pending and will be delivered in its turn."""
    entry = log.get(notification.receiver, notification.group_key)
    if entry is None or entry.notification.notification_id != notification.notification_id:
        return False
    if entry.delivered_at is None:
        log.put(replace(entry, delivered_at=now))
    return True


class Reason(StrEnum):
    FIRST = "first notification of the group"
    ONLY_RESOLVED = "only resolved alerts the receiver never heard of"
    NEW_FIRING = "new firing alerts"
    ALL_RESOLVED = "all alerts resolved"
    NEWLY_RESOLVED = "newly resolved alerts"
    AWAITING_DELIVERY = "unchanged, previous notification not delivered yet"
    REPEAT = "repeat interval elapsed"
    UNCHANGED = "unchanged within the repeat interval"


def needs_notify(
    entry: LogEntry | None,
    firing: frozenset[str],
    resolved: frozenset[str],
    repeat_interval: timedelta,
    send_resolved: bool,
    now: datetime,
) -> tuple[bool, Reason]:
    """Whether a group with these firing / resolved fingerprints must be notified now, and why."""
    if entry is None:
        return (True, Reason.FIRST) if firing else (False, Reason.ONLY_RESOLVED)
    last = entry.notification
    if not firing <= last.firing_fingerprints:
        return True, Reason.NEW_FIRING
    if not firing:
        # Notified even without send_resolved, so the log forgets the firing set (the entry is then
        # recorded without a message); alerts that fired and resolved unseen are not news.
        return (True, Reason.ALL_RESOLVED) if last.firing else (False, Reason.ONLY_RESOLVED)
    if send_resolved and not resolved <= last.resolved_fingerprints:
        return True, Reason.NEWLY_RESOLVED
    if entry.delivered_at is None:
        return False, Reason.AWAITING_DELIVERY
    if entry.delivered_at + repeat_interval <= now:
        return True, Reason.REPEAT
    return False, Reason.UNCHANGED
