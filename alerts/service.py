"""The running router: job results in, notifications out, state in the store, one leader at a time.

``RouterService`` is the ``AlertSink`` the scheduler hands candidates to. A background loop, only while
this process is the leader, runs the rules and the route tree on them, flushes due groups, and delivers
the notification log's outbox through the notifier; what cannot be delivered (Slack down) stays in the
outbox and is retried with backoff, across restarts and leader changes. A standby ignores candidates: the
leader's own scheduler evaluates the same models and writes the same idempotent results.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from alerts import persist
from alerts.config import AlertingConfig
from alerts.model import AlertCandidate
from alerts.notify_log import Notification
from alerts.pipeline import Router, run_cycle
from alerts.rules import RuleState, firing_alerts

log = logging.getLogger(__name__)

RETRY_FIRST_S, RETRY_MAX_S = 5.0, 300.0
GIVE_UP_AFTER = 20  # attempts at a non-retryable failure (bad token, unknown channel) before dropping it


class Delivery(Protocol):
    ok: bool
    ref: Any
    reason: str
    retry_after: float | None

    @property
    def retryable(self) -> bool: ...


class Notifier(Protocol):
    """Slack or the console: ``send`` one notification, editing ``previous`` for updates."""

    def send(
        self, notification: Notification, previous: Any = None, *, retry_for: float | None = None
    ) -> Any: ...


class Leadership(Protocol):
    def is_leader(self) -> bool: ...


class RouterService:
    """Thread-safe sink plus the loop that routes and delivers. ``start()`` / ``stop()``."""

    def __init__(
        self,
        config: AlertingConfig,
        store: persist.StateStore,
        notifier: Notifier,
        leadership: Leadership,
        *,
        ref_type: Callable[..., Any] = tuple,
        tick_s: float = 1.0,
        send_retry_s: float = 10.0,
        retry_max_s: float = RETRY_MAX_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config, self.store, self.notifier, self.leadership = config, store, notifier, leadership
        self.ref_type, self.tick_s, self.send_retry_s, self.clock = ref_type, tick_s, send_retry_s, clock
        self.retry_max_s = retry_max_s
        self._queue: list[tuple[list[AlertCandidate], datetime]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="monitor-router", daemon=True)
        self._versions = persist.Versions()
        self._router: Router | None = None
        self._states: dict[str, RuleState] = {}
        self._retry_at: dict[str, tuple[datetime, int]] = {}  # notification id -> (next try, attempts)
        self.delivered: list[Notification] = []  # this process's deliveries, for tests and the demo

    def submit(self, candidates: Sequence[AlertCandidate], now: datetime) -> None:
        if self.leadership.is_leader():
            with self._lock:
                self._queue.append((list(candidates), now))

    def start(self) -> RouterService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step(self.clock())
            except Exception:  # a broken cycle must not end routing; the state is in the store
                log.exception("alert routing cycle failed; retrying")
                self._router = None  # reload from the store next time
            self._stop.wait(self.tick_s)

    def step(self, now: datetime) -> None:
        """One cycle: load on becoming leader, evaluate queued runs, flush due groups, deliver the outbox."""
        if not self.leadership.is_leader():
            self._router = None  # whoever leads next reloads the state; so do we if we lead again
            return
        router = self._router or self._load(now)
        with self._lock:
            queued, self._queue = self._queue, []
        silences = persist.load_silences(self.store)
        for candidates, at in queued:
            before = self._states
            cycle = run_cycle(router, before, candidates, at, silences)
            self._states = dict(cycle.states)
            persist.save_rule_states(self.store, before, self._states, self._versions)
        router.tick(now, silences)
        self._deliver(router, now)

    def _load(self, now: datetime) -> Router:
        self._states = persist.load_rule_states(self.store)
        router = Router(self.config, persist.StoredNotificationLog(self.store, self._versions))
        # Firing alerts go back into their groups; the log's dedup keeps this from notifying again.
        router.dispatcher.insert(firing_alerts(self._states, now), now)
        log.info(
            "alert router active: %d rule states, %d notifications pending",
            len(self._states),
            len(router.pending()),
        )
        self._router = router
        return router

    def _deliver(self, router: Router, now: datetime) -> None:
        messages = persist.load_messages(self.store) if router.pending() else {}
        for notification in router.pending():
            retry = self._retry_at.get(notification.notification_id)
            if retry and retry[0] > now:
                continue
            key = f"{notification.receiver}{persist.SEPARATOR}{notification.group_key}"
            previous = self.ref_type(*messages[key]) if key in messages else None
            result = self.notifier.send(notification, previous, retry_for=self.send_retry_s)
            if result.ok:
                self._delivered(router, notification, result, now)
            else:
                self._failed(router, notification, result, now, retry[1] if retry else 0)

    def _delivered(self, router: Router, notification: Notification, result: Delivery, now: datetime) -> None:
        if result.ref is not None:
            persist.save_message(
                self.store, notification.receiver, notification.group_key, list(result.ref), self._versions
            )
        router.delivered(notification, now)
        self._retry_at.pop(notification.notification_id, None)
        self.delivered.append(notification)
        log.info(
            "notified %s: %d firing, %d resolved (%s)",
            notification.receiver,
            len(notification.firing),
            len(notification.resolved),
            notification.group_key,
        )

    def _failed(
        self, router: Router, notification: Notification, result: Delivery, now: datetime, attempts: int
    ) -> None:
        attempts += 1
        if not result.retryable and attempts >= GIVE_UP_AFTER:
            log.error(
                "giving up on a notification to %s after %d attempts: %s",
                notification.receiver,
                attempts,
                result.reason,
            )
            router.delivered(notification, now)  # recorded as handled: a person must fix the receiver
            return
        delay = max(result.retry_after or 0.0, min(self.retry_max_s, RETRY_FIRST_S * 2 ** (attempts - 1)))
        self._retry_at[notification.notification_id] = (now + timedelta(seconds=delay), attempts)
        level = logging.WARNING if result.retryable else logging.ERROR
        log.log(
            level,
            "notification to %s not delivered (%s); retrying in %.0f s",
            notification.receiver,
            result.reason,
            delay,
        )
