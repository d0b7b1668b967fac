"""Grouping timers, dedup and muting through the router, with an injected clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from alerts.candidates import candidates_from_results
from alerts.config import AlertingConfig
from alerts.model import Alert
from alerts.notify_log import InMemoryNotificationLog, Notification
from alerts.pipeline import Router, run_cycle
from alerts.rules import RuleState
from alerts.silence import Silence
from monitor.jobs.results import Check, CheckResult, Status
from tests.unit.alerts.helpers import T0, alert, at, config

DRIFTED = [alert(feature=f"f{i}", starts_at=at(0)) for i in range(15)]


class Clock:
    """Drives a router: every tick at the times the dispatcher asks for, delivering unless Slack is down."""

    def __init__(self, cfg: AlertingConfig | None = None, log: InMemoryNotificationLog | None = None) -> None:
        self.log = log or InMemoryNotificationLog()
        self.router = Router(cfg or config(), self.log)
        self.sent: list[tuple[datetime, Notification]] = []
        self.slack_down = False

    def insert(self, alerts: Sequence[Alert], now: datetime, silences: Sequence[Silence] = ()) -> None:
        self._record(now, self.router.process(alerts, now, silences))

    def run_until(
        self, end: datetime, silences: Sequence[Silence] = ()
    ) -> list[tuple[datetime, Notification]]:
        start = len(self.sent)
        due = self.router.dispatcher.next_due()
        while due is not None and due <= end:
            self._record(due, self.router.tick(due, silences))
            due = self.router.dispatcher.next_due()
        return self.sent[start:]

    def _record(self, now: datetime, notifications: list[Notification]) -> None:
        for n in notifications:
            self.sent.append((now, n))
            if not self.slack_down:
                assert self.router.delivered(n, now)


def test_fifteen_drifted_features_are_one_notification_after_group_wait() -> None:
    clock = Clock()
    clock.insert(DRIFTED, at(0))
    assert clock.sent == []  # group_wait: wait for the rest of the run
    ((when, n),) = clock.run_until(at(minutes=4))
    assert when == at(30) and len(n.firing) == 15 and n.resolved == ()
    assert n.receiver == "growth" and n.group_labels == {"model": "churn"} and not n.is_update


def test_changes_wait_for_group_interval_then_one_update() -> None:
    clock = Clock()
    clock.insert(DRIFTED, at(0))
    clock.run_until(at(31))
    clock.insert([alert(feature="f15", starts_at=at(60))], at(60))
    assert clock.run_until(at(329)) == []
    ((when, n),) = clock.run_until(at(330))
    assert when == at(330) and len(n.firing) == 16 and n.is_update and n.seq == 2


def test_unchanged_group_repeats_only_after_repeat_interval() -> None:
    clock = Clock()
    clock.insert(DRIFTED, at(0))
    clock.run_until(at(31))
    assert clock.run_until(at(hours=4, seconds=29)) == []
    ((when, n),) = clock.run_until(at(hours=4, seconds=30))
    assert n.reason == "repeat interval elapsed" and when == at(hours=4, seconds=30)
    assert clock.run_until(at(hours=8, seconds=29)) == []


def test_resolves_once() -> None:
    clock = Clock()
    clock.insert(DRIFTED, at(0))
    clock.run_until(at(31))
    clock.insert([a.resolve(at(100)) for a in DRIFTED], at(100))
    ((when, n),) = clock.run_until(at(hours=12))
    assert when == at(330) and n.firing == () and len(n.resolved) == 15 and n.is_update
    assert clock.router.dispatcher.groups == {}  # resolved and notified: forgotten


def test_partial_resolution_is_an_update_when_send_resolved() -> None:
    clock = Clock()
    clock.insert(DRIFTED, at(0))
    clock.run_until(at(31))
    clock.insert([DRIFTED[0].resolve(at(100))], at(100))
    ((_, n),) = clock.run_until(at(hours=1))
    assert len(n.firing) == 14 and [a.fingerprint for a in n.resolved] == [DRIFTED[0].fingerprint]


def test_without_send_resolved_nothing_is_sent_on_resolution_but_a_refire_is_new() -> None:
    clock = Clock(config("route: {send_resolved: false}"))
    clock.insert(DRIFTED[:1], at(0))
    clock.run_until(at(31))
    clock.insert([DRIFTED[0].resolve(at(100))], at(100))
    assert clock.run_until(at(hours=1)) == []
    clock.insert([alert(feature="f0", starts_at=at(hours=2))], at(hours=2))
    ((_, n),) = clock.run_until(at(hours=3))
    assert not n.is_update and n.reason == "new firing alerts"


def test_groups_split_by_model_and_route_to_each_team() -> None:
    clock = Clock()
    clock.insert(
        [*DRIFTED, alert(model="fraud", team="risk"), alert(model="fraud", team="risk", check="volume")],
        at(0),
    )
    sent = clock.run_until(at(60))
    assert sorted((n.receiver, len(n.firing)) for _, n in sent) == [("growth", 15), ("risk", 2)]


def test_continue_sends_one_notification_per_route() -> None:
    cfg = config(
        """
        route:
          routes:
            - {receiver: oncall, matchers: [severity=critical], continue: true, group_wait: 0s}
            - {matchers: ["model=~.+"]}
        receivers: {oncall: {slack_channel: "#oncall"}}
        """
    )
    clock = Clock(cfg)
    clock.insert([alert(check="dataset_drift", severity="critical")], at(0))
    assert [n.receiver for _, n in clock.sent] == ["oncall"]
    assert [n.receiver for _, n in clock.run_until(at(60))] == ["growth"]


def test_restart_sends_no_duplicate_and_delivers_what_was_pending() -> None:
    log = InMemoryNotificationLog()
    before = Clock(log=log)
    before.insert(DRIFTED, at(0))
    before.run_until(at(31))
    # Slack goes down while a new feature drifts, then the process dies.
    before.slack_down = True
    before.insert([alert(feature="f15", starts_at=at(60))], at(60))
    (_, pending) = before.run_until(at(330))[0]
    assert before.run_until(at(hours=1)) == []  # no second notification for the same change
    after = Clock(log=log)
    assert after.router.pending() == [pending]
    assert after.router.delivered(pending, at(hours=1))
    # Rules refill the new dispatcher with what still fires; the log says it was all sent.
    after.insert([*DRIFTED, alert(feature="f15", starts_at=at(60))], at(hours=1))
    assert after.run_until(at(hours=2)) == []


def test_a_resolution_during_downtime_is_sent_after_restart() -> None:
    log = InMemoryNotificationLog()
    before = Clock(log=log)
    before.insert(DRIFTED[:2], at(0))
    before.run_until(at(31))
    after = Clock(log=log)
    after.insert([a.resolve(at(600)) for a in DRIFTED[:2]], at(900))  # older than group_wait: at once
    after.run_until(at(hours=1))
    ((when, n),) = after.sent
    assert when == at(900) and len(n.resolved) == 2 and n.is_update


def test_freshness_inhibits_drift_of_the_same_model() -> None:
    clock = Clock()
    clock.insert([*DRIFTED, alert(check="freshness", severity="critical")], at(0))
    ((_, n),) = clock.run_until(at(60))
    assert [a.labels["check"] for a in n.firing] == ["freshness"]


def test_silenced_alerts_wait_for_the_silence_to_expire() -> None:
    silence = Silence("s1", ("model=churn",), at(0), at(minutes=20), "ana", "retraining")
    clock = Clock()
    clock.insert(DRIFTED, at(0), [silence])
    assert clock.run_until(at(minutes=19), [silence]) == []
    ((when, n),) = clock.run_until(at(minutes=30), [silence])
    assert when == at(minutes=20, seconds=30) and len(n.firing) == 15


def test_mute_window_holds_notifications_including_resolutions_until_it_ends() -> None:
    cfg = config(
        """
        route:
          routes: [{matchers: [team=growth], mute_time_intervals: [afternoon]}]
        mute_time_intervals:
          afternoon: [{times: [{start_time: "12:00", end_time: "13:00"}]}]
        """
    )
    clock = Clock(cfg)
    clock.insert(DRIFTED[:1], T0)  # 12:00 UTC
    clock.insert([DRIFTED[0].resolve(at(minutes=10))], at(minutes=10))
    clock.insert(DRIFTED[1:2], at(minutes=20))
    # Flushes at 12:00:30 (muted), at each insert, then every 5m: 13:00 is the first outside the window.
    ((when, n),) = clock.run_until(at(hours=2))
    assert when == at(hours=1)
    # As Alertmanager, a first notification shows the group's resolved alerts too (f0 fired and resolved).
    assert [a.labels["feature"] for a in n.firing] == ["f1"] and [
        a.labels["feature"] for a in n.resolved
    ] == ["f0"]


def test_group_wait_is_skipped_for_alerts_older_than_it() -> None:
    clock = Clock()
    clock.insert([alert(starts_at=at(0))], at(minutes=10))
    assert len(clock.sent) == 1


def test_a_cycle_from_check_results_to_one_notification_and_one_resolution() -> None:
    def run(status: Status) -> list[CheckResult]:
        return [CheckResult(Check.FEATURE_DRIFT, "psi", 0.3, 0.2, status, f"f{i}") for i in range(15)]

    router = Router(
        config("rules: {pending_evaluations: 2, keep_firing_evaluations: 2}"), InMemoryNotificationLog()
    )
    states: dict[str, RuleState] = {}
    sent: list[Notification] = []
    for minute, status in enumerate([Status.BREACH] * 3 + [Status.OK] * 3):
        now = at(minutes=10 * minute)
        candidates = candidates_from_results("churn", "growth", run(status), {"report_url": "http://r"})
        cycle = run_cycle(router, states, candidates, now)
        states = cycle.states
        sent += cycle.notifications + router.tick(now + timedelta(minutes=1))
        for n in sent:
            router.delivered(n, now)
    fired, resolved = sent
    assert len(fired.firing) == 15 and fired.decided_at == at(minutes=11)  # second breaching run + group_wait
    assert len(resolved.resolved) == 15 and resolved.firing == () and states == {}
