"""The router's stages, as Alertmanager's ``notify.go``: group -> mute (time windows, inhibition,
silences) -> dedup against the notification log -> notifications for the receivers.

``Router`` holds the explicit state (dispatcher groups; the log is injected) and takes ``now`` on every
call. Delivery is the caller's: send each returned notification (and, after a restart, each of
``pending()``) and report success with ``delivered``; until then a notification stays in the log's outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.config import AlertingConfig
from alerts.grouping import Dispatcher, Flush
from alerts.inhibit import Inhibitor
from alerts.model import Alert, AlertCandidate
from alerts.notify_log import LogEntry, Notification, NotificationLog, mark_delivered, needs_notify
from alerts.rules import RuleState, evaluate
from alerts.silence import Silence, silenced_by
from alerts.timeintervals import active_windows


class Router:
    """Alerts in, notifications out."""

    def __init__(self, config: AlertingConfig, log: NotificationLog) -> None:
        self.config = config
        self.log = log
        self.dispatcher = Dispatcher(config.route_tree)

    def process(
        self, alerts: Iterable[Alert], now: datetime, silences: Sequence[Silence] = ()
    ) -> list[Notification]:
        """Take new or updated alerts, then flush whatever is due."""
        self.dispatcher.insert(alerts, now)
        return self.tick(now, silences)

    def tick(self, now: datetime, silences: Sequence[Silence] = ()) -> list[Notification]:
        """Flush the groups whose timer is due. Call again at ``dispatcher.next_due()``."""
        flushes = self.dispatcher.due(now)
        if not flushes:
            return []
        inhibitor = Inhibitor(self.config.inhibit_rules, self.dispatcher.alerts())
        sent = []
        for flush in flushes:
            if active_windows(flush.route.mute_time_intervals, self.config.mute_time_intervals, now):
                # Not acknowledged: the group keeps its resolved alerts for the first flush after the window.
                continue
            visible = [
                a for a in flush.alerts if not inhibitor.mutes(a) and not silenced_by(a.labels, silences, now)
            ]
            notification = self._decide(flush, visible, now) if visible else None
            self.dispatcher.ack(flush)
            if notification is not None:
                sent.append(notification)
        return sent

    def _decide(self, flush: Flush, visible: list[Alert], now: datetime) -> Notification | None:
        options = flush.route.options
        firing = tuple(a for a in visible if not a.resolved)
        resolved = tuple(a for a in visible if a.resolved)
        entry = self.log.get(flush.route.receiver, flush.group_key)
        fps = frozenset(a.fingerprint for a in firing), frozenset(a.fingerprint for a in resolved)
        notify, reason = needs_notify(entry, *fps, options.repeat_interval, options.send_resolved, now)
        if not notify:
            return None
        notification = Notification(
            receiver=flush.route.receiver,
            group_key=flush.group_key,
            group_labels=flush.labels,
            firing=firing,
            resolved=resolved if options.send_resolved else (),
            is_update=entry is not None and bool(entry.notification.firing),
            seq=entry.notification.seq + 1 if entry else 1,
            decided_at=now,
            reason=str(reason),
        )
        # A resolution nobody asked to hear about is logged as handled, so the log forgets the firing set.
        deliver = bool(notification.firing or notification.resolved)
        self.log.put(LogEntry(notification, delivered_at=None if deliver else now, deliver=deliver))
        return notification if deliver else None

    def pending(self) -> list[Notification]:
        """Notifications decided but not delivered (after a restart: deliver these first)."""
        return [e.notification for e in self.log.pending() if e.deliver]

    def delivered(self, notification: Notification, now: datetime) -> bool:
        """Record a delivery; False if a newer notification of the group replaced it meanwhile."""
        return mark_delivered(self.log, notification, now)


@dataclass(frozen=True)
class CycleResult:
    states: dict[str, RuleState]
    notifications: list[Notification]


def run_cycle(
    router: Router,
    states: Mapping[str, RuleState],
    candidates: Iterable[AlertCandidate],
    now: datetime,
    silences: Sequence[Silence] = (),
) -> CycleResult:
    """One evaluation cycle: rules (pending / keep-firing) -> router. Persist ``states`` afterwards."""
    evaluation = evaluate(states, candidates, now, router.config.rules.policy_for)
    return CycleResult(evaluation.states, router.process(evaluation.alerts, now, silences))
