"""Aggregation groups and their timers: when a group of alerts is due for a notification.

As Alertmanager's dispatcher: each alert joins one group per route it matches, keyed by the route, the
receiver and the values of the route's ``group_by`` labels. A new group flushes ``group_wait`` after its
first alert (at once if that alert started longer ago, e.g. after a restart); then every
``group_interval``. Whether a flush becomes a notification (changed, or ``repeat_interval`` elapsed) is the
notification log's decision, not this module's. State is explicit and time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from alerts.model import Alert
from alerts.routing import MatchedRoute, RouteNode, match


@dataclass
class Group:
    """Alerts of one (route, receiver, group labels), by fingerprint."""

    key: str
    route: MatchedRoute
    labels: dict[str, str]
    next_flush: datetime
    alerts: dict[str, Alert] = field(default_factory=dict)
    has_flushed: bool = False


@dataclass(frozen=True)
class Flush:
    """A group due for a notification, as it stood at ``at``."""

    group_key: str
    route: MatchedRoute
    labels: Mapping[str, str]
    alerts: tuple[Alert, ...]
    at: datetime

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if not a.resolved)

    @property
    def resolved(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.resolved)


def group_labels(route: MatchedRoute, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels that name an alert's group on this route (only those the alert has)."""
    names = route.options.group_by
    return dict(labels) if names is None else {n: labels[n] for n in sorted(names) if n in labels}


def group_key(route: MatchedRoute, labels: Mapping[str, str]) -> str:
    """Stable across restarts and route reordering, like Alertmanager's ``{}/{...}:{model="churn"}``."""
    rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{route.route_key}:{route.receiver}:{{{rendered}}}"


class Dispatcher:
    """Routes alerts into groups and reports the groups whose timer is due."""

    def __init__(self, tree: RouteNode) -> None:
        self.tree = tree
        self.groups: dict[str, Group] = {}

    def insert(self, alerts: Iterable[Alert], now: datetime) -> None:
        """Add or update alerts (same fingerprint: the newer version replaces the older)."""
        for alert in alerts:
            for route in match(self.tree, alert.labels):
                self._insert(route, alert, now)

    def _insert(self, route: MatchedRoute, alert: Alert, now: datetime) -> None:
        labels = group_labels(route, alert.labels)
        key = group_key(route, labels)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, route, labels, now + route.options.group_wait)
        group.alerts[alert.fingerprint] = alert
        # An alert that began more than group_wait ago has waited enough (e.g. re-inserted after a restart).
        started = alert.starts_at or now
        if not group.has_flushed and started + route.options.group_wait <= now:
            group.next_flush = min(group.next_flush, now)

    def due(self, now: datetime) -> list[Flush]:
        """Groups whose timer expired, in key order; their next flush is one group_interval away."""
        flushes = []
        for key in sorted(self.groups):
            group = self.groups[key]
            if group.next_flush <= now:
                flushes.append(Flush(key, group.route, dict(group.labels), tuple(group.alerts.values()), now))
                group.has_flushed = True
                group.next_flush = now + group.route.options.group_interval
        return flushes

    def ack(self, flush: Flush) -> None:
        """The flush was handled: forget its resolved alerts (unless they changed since) and empty groups."""
        group = self.groups.get(flush.group_key)
        if group is None:
            return
        for alert in flush.resolved:
            if group.alerts.get(alert.fingerprint) == alert:
                del group.alerts[alert.fingerprint]
        if not group.alerts:
            del self.groups[flush.group_key]

    def next_due(self) -> datetime | None:
        """When ``due`` will next return something (for the caller's sleep)."""
        return min((g.next_flush for g in self.groups.values()), default=None)

    def alerts(self) -> list[Alert]:
        """Every alert in any group, once each."""
        return list({fp: a for g in self.groups.values() for fp, a in g.alerts.items()}.values())
