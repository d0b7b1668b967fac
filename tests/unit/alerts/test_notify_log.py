"""The dedup decision (Alertmanager's dedup_stage) and the log's outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from alerts.notify_log import (
    InMemoryNotificationLog,
    LogEntry,
    Notification,
    NotificationLog,
    Reason,
    mark_delivered,
    needs_notify,
)
from tests.unit.alerts.helpers import alert, at

A, B, C = (alert(feature=f) for f in "abc")
REPEAT = timedelta(hours=4)


def _entry(firing: tuple[str, ...], resolved: tuple[str, ...] = (), delivered: bool = True) -> LogEntry:
    by_name = {"a": A, "b": B, "c": C}
    notification = Notification(
        receiver="growth",
        group_key="g",
        group_labels={},
        firing=tuple(by_name[n] for n in firing),
        resolved=tuple(by_name[n].resolve(at(0)) for n in resolved),
        is_update=False,
        seq=1,
        decided_at=at(0),
        reason="",
    )
    return LogEntry(notification, delivered_at=at(0) if delivered else None)


def _fps(names: str) -> frozenset[str]:
    return frozenset({"a": A, "b": B, "c": C}[n].fingerprint for n in names)


CASES = [
    # (entry, firing, resolved, send_resolved, now in minutes, expected)
    (None, "a", "", True, 0, (True, Reason.FIRST)),
    (None, "", "a", True, 0, (False, Reason.ONLY_RESOLVED)),
    (_entry(("a",)), "ab", "", True, 5, (True, Reason.NEW_FIRING)),
    (_entry(("a", "b")), "a", "", False, 5, (False, Reason.UNCHANGED)),  # b resolved, not wanted
    (_entry(("a", "b")), "a", "b", True, 5, (True, Reason.NEWLY_RESOLVED)),
    (_entry(("a",), ("b",)), "a", "b", True, 5, (False, Reason.UNCHANGED)),
    (_entry(("a",)), "", "a", True, 5, (True, Reason.ALL_RESOLVED)),
    (_entry(("a",)), "", "a", False, 5, (True, Reason.ALL_RESOLVED)),  # to clear the log
    (_entry((), ("a",)), "", "a", True, 5, (False, Reason.ONLY_RESOLVED)),
    (_entry(("a",)), "a", "", True, 239, (False, Reason.UNCHANGED)),
    (_entry(("a",)), "a", "", True, 240, (True, Reason.REPEAT)),
    (_entry(("a",), delivered=False), "a", "", True, 300, (False, Reason.AWAITING_DELIVERY)),
    (_entry(("a",), delivered=False), "ab", "", True, 300, (True, Reason.NEW_FIRING)),
]


@pytest.mark.parametrize(("entry", "firing", "resolved", "send_resolved", "minutes", "expected"), CASES)
def test_needs_notify(
    entry: LogEntry | None,
    firing: str,
    resolved: str,
    send_resolved: bool,
    minutes: int,
    expected: tuple[bool, Reason],
) -> None:
    assert (
        needs_notify(entry, _fps(firing), _fps(resolved), REPEAT, send_resolved, at(minutes=minutes))
        == expected
    )


class NotificationLogContract:
    """What every NotificationLog must do. A store-backed log's tests subclass this and define ``make``."""

    def make(self) -> NotificationLog:
        raise NotImplementedError

    def test_get_what_was_put_per_receiver_and_group(self) -> None:
        log = self.make()
        entry = _entry(("a",))
        assert log.get("growth", "g") is None
        log.put(entry)
        assert log.get("growth", "g") == entry
        assert log.get("risk", "g") is None and log.get("growth", "other") is None

    def test_outbox_and_superseded_deliveries(self) -> None:
        log = self.make()
        first = _entry(("a",), delivered=False)
        log.put(first)
        assert list(log.pending()) == [first]
        newer = LogEntry(Notification("growth", "g", {}, (A, B), (), True, 2, at(60), ""))
        log.put(newer)
        assert not mark_delivered(log, first.notification, at(61))  # replaced meanwhile: still pending
        assert list(log.pending()) == [newer]
        assert mark_delivered(log, newer.notification, at(62)) and list(log.pending()) == []
        assert mark_delivered(log, newer.notification, at(63))  # idempotent
        assert log.get("growth", "g") == LogEntry(newer.notification, delivered_at=at(62))

    def test_pending_is_oldest_decision_first(self) -> None:
        log = self.make()
        late = LogEntry(replace(_entry(("a",)).notification, group_key="late", decided_at=at(90)))
        early = LogEntry(replace(_entry(("b",)).notification, group_key="early", decided_at=at(30)))
        log.put(late)
        log.put(early)
        assert [e.notification.group_key for e in log.pending()] == ["early", "late"]


class TestInMemoryNotificationLog(NotificationLogContract):
    def make(self) -> NotificationLog:
        return InMemoryNotificationLog()


def test_entries_round_trip_through_plain_values() -> None:
    entry = _entry(("a", "b"), ("c",))
    assert LogEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry
    pending = _entry(("a",), delivered=False)
    assert LogEntry.from_dict(pending.to_dict()) == pending


def test_notification_ids_are_deterministic_per_group_and_sequence() -> None:
    one = _entry(("a",)).notification
    again = _entry(("b",)).notification
    assert one.notification_id == again.notification_id and one.notification_id.endswith("-1")
