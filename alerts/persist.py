"""The router's state kept in the store, so a restart sends no duplicate and forgets nothing pending.

Everything is JSON under a namespace of the store's key-value table (``StateStore``): rule states by
fingerprint, the notification log by (receiver, group), silences by id, and the Slack message of each
group (so updates edit it in place). Reads happen once at start-up (and for silences, periodically:
``monitor silence`` writes them from another process); writes go through at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from alerts.notify_log import LogEntry
from alerts.rules import RuleState
from alerts.silence import Silence

RULES, LOG, SILENCES, MESSAGES = "rule_states", "notification_log", "silences", "messages"
SEPARATOR = "\x1f"  # between receiver and group key: neither can contain it


class StateStore(Protocol):
    """The store's key-value table (see ``connectors.store.base.Store.load_state``)."""

    def load_state(self, namespace: str) -> dict[str, str]: ...

    def save_state(self, namespace: str, items: Mapping[str, str | None], version: int) -> None: ...


class Versions:
    """Strictly increasing versions (microseconds of the clock), so the newest write of a key wins."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last


class StoredNotificationLog:
    """``NotificationLog`` over the store: a write-through cache of every group's last notification."""

    def __init__(self, store: StateStore, versions: Versions) -> None:
        self._store, self._versions = store, versions
        self._entries = {
            key: LogEntry.from_dict(json.loads(value)) for key, value in store.load_state(LOG).items()
        }

    def get(self, receiver: str, group_key: str) -> LogEntry | None:
        return self._entries.get(f"{receiver}{SEPARATOR}{group_key}")

    def put(self, entry: LogEntry) -> None:
        key = f"{entry.notification.receiver}{SEPARATOR}{entry.notification.group_key}"
        self._store.save_state(LOG, {key: json.dumps(entry.to_dict())}, self._versions.next())
        self._entries[key] = entry

    def pending(self) -> Sequence[LogEntry]:
        waiting = [e for e in self._entries.values() if e.delivered_at is None]
        return sorted(waiting, key=lambda e: e.notification.decided_at)


def load_rule_states(store: StateStore) -> dict[str, RuleState]:
    return {fp: RuleState.from_dict(json.loads(v)) for fp, v in store.load_state(RULES).items()}


def save_rule_states(
    store: StateStore, before: Mapping[str, RuleState], after: Mapping[str, RuleState], versions: Versions
) -> None:
    """Write the states that changed (a run touches few of them)."""
    changed: dict[str, str | None] = {
        fp: json.dumps(s.to_dict()) for fp, s in after.items() if before.get(fp) != s
    }
    changed |= {fp: None for fp in before if fp not in after}
    if changed:
        store.save_state(RULES, changed, versions.next())


def load_silences(store: StateStore) -> list[Silence]:
    return [Silence.from_dict(json.loads(v)) for v in store.load_state(SILENCES).values()]


def save_silence(store: StateStore, silence: Silence, versions: Versions) -> None:
    store.save_state(SILENCES, {silence.id: json.dumps(silence.to_dict())}, versions.next())


def load_messages(store: StateStore) -> dict[str, Any]:
    """Where each group's message lives (receiver-specific, e.g. a Slack channel and ts)."""
    return {key: json.loads(v) for key, v in store.load_state(MESSAGES).items()}


def save_message(store: StateStore, receiver: str, group_key: str, ref: Any, versions: Versions) -> None:
    store.save_state(MESSAGES, {f"{receiver}{SEPARATOR}{group_key}": json.dumps(ref)}, versions.next())


class MemoryStateStore:
    """In-memory twin of the store's key-value table (same contract suite as both stores)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, tuple[int, str | None]]] = {}

    def load_state(self, namespace: str) -> dict[str, str]:
        rows = self._rows.get(namespace, {})
        return {key: value for key, (_, value) in sorted(rows.items()) if value is not None}

    def save_state(self, namespace: str, items: Mapping[str, str | None], version: int) -> None:
        rows = self._rows.setdefault(namespace, {})
        for key, value in items.items():
            if key not in rows or rows[key][0] <= version:
                rows[key] = (version, value)
