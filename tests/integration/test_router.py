"""The alert router end to end: job results -> rules -> route tree -> Slack (a local stand-in of its Web
API, spoken to by slack_sdk over HTTP), with the router's state in a real store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.persist import MemoryStateStore, StateStore
from alerts.service import RouterService
from connectors.kafka.leader import AlwaysLeader
from connectors.slack.delivery import MessageRef
from connectors.slack.receiver import Backoff, SlackReceiver
from connectors.slack.standin import SlackStandIn
from connectors.store.base import Store
from connectors.store.factory import open_store
from monitor.config_model import Config
from monitor.jobs.results import Check, CheckResult, Status
from monitor.jobs.runner import JobRunner, RunResult
from monitor.jobs.scheduler import submit_run
from tests.integration.job_data import HOUR, SHIFTED, START, fill, job_config

TOKEN = "xoxb-111-222-router-test-token"
FAST = Backoff(initial=0.05, factor=2.0, maximum=0.5, jitter=0.0)


def router_for(config: Config, state: StateStore, standin: SlackStandIn) -> RouterService:
    channels = {
        "growth": ("growth-ml-alerts", "@growth-ml-oncall"),
        "ml-platform": ("ml-platform-alerts", None),
    }
    receiver = SlackReceiver(TOKEN, standin.base_url, channels, retry_for=1.0, backoff=FAST)
    return RouterService(
        config.alerting,
        state,
        receiver,
        AlwaysLeader(),
        ref_type=MessageRef,
        send_retry_s=1.0,
        retry_max_s=15,
    )


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@pytest.fixture
def drifted_store(tmp_path: Path, chdb_url: str) -> Iterator[tuple[Config, Store]]:
    config = job_config(tmp_path, chdb_url)
    store = open_store(chdb_url)
    store.ensure_schema()
    fill(store, config)
    yield config, store
    store.close()


def posts(standin: SlackStandIn) -> list[dict[str, object]]:
    return [m for m in standin.messages.values()]


def test_drift_runs_become_one_grouped_message_for_the_owning_team(
    drifted_store: tuple[Config, Store],
) -> None:
    config, store = drifted_store
    runner = JobRunner(config, store)
    with SlackStandIn(token=TOKEN, channels={"growth-ml-alerts", "ml-platform-alerts"}) as standin:
        router = router_for(config, store, standin)
        for hour in (30, 31, 32):  # pending 2: fires on the second drifted run
            run = runner.run("churn", START + hour * HOUR, report=False)
            submit_run(config, router, run, at(run.windows.current.end_ms))
            router.step(at(run.windows.current.end_ms))
        router.step(at(START + 32 * HOUR) + timedelta(seconds=31))  # past group_wait
        messages = posts(standin)
        assert len(messages) == 1, messages
        (message,) = messages
        assert message["channel"] == "growth-ml-alerts"
        text = str(message["text"]) + str(message["blocks"])
        for feature in (*SHIFTED, "plan"):
            assert feature in text
        assert len(standin.successful("chat.postMessage")) == 1


def drift_results(breach: bool) -> list[CheckResult]:
    status = Status.BREACH if breach else Status.OK
    results = [
        CheckResult(Check.FEATURE_DRIFT, "wasserstein", 0.4 if breach else 0.02, 0.1, status, f)
        for f in SHIFTED
    ]
    return [*results, CheckResult(Check.JOB, "run", 0.0, 0.0, Status.OK)]


def feed(config: Config, router: RouterService, breach: bool, when: datetime) -> None:
    from monitor.jobs.windows import plan_windows

    windows = plan_windows("churn", config.models["churn"].monitoring, int(when.timestamp() * 1000))
    submit_run(config, router, RunResult("churn", "r", windows, drift_results(breach)), when)
    router.step(when)


def test_resolution_updates_the_message_in_place(tmp_path: Path, chdb_url: str) -> None:
    config = job_config(tmp_path, chdb_url)
    state = MemoryStateStore()
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    with SlackStandIn(token=TOKEN, channels={"growth-ml-alerts"}) as standin:
        router = router_for(config, state, standin)
        for i, breach in enumerate((True, True)):
            feed(config, router, breach, t0 + timedelta(hours=i))
        router.step(t0 + timedelta(hours=1, seconds=31))
        assert len(standin.successful("chat.postMessage")) == 1
        for i in (2, 3):  # keep-firing 2: resolves on the second clean run
            feed(config, router, False, t0 + timedelta(hours=i))
        router.step(t0 + timedelta(hours=3, minutes=6))  # past group_interval
        assert len(standin.successful("chat.postMessage")) == 1
        updates = standin.successful("chat.update")
        assert len(updates) == 1
        (message,) = posts(standin)
        assert "resolved" in str(message["text"]).lower()
        # Nothing new afterwards: resolved once, never repeated.
        router.step(t0 + timedelta(hours=9))
        assert len(standin.calls) == 2


def test_slack_outage_with_a_router_restart_delivers_each_notification_once(
    tmp_path: Path, chdb_url: str
) -> None:
    """Slack is down for two minutes; the router restarts in the middle; nothing is lost or doubled."""
    config = job_config(tmp_path, chdb_url)
    store = open_store(chdb_url)
    store.ensure_schema()
    t0 = datetime.now(UTC)
    try:
        with SlackStandIn(token=TOKEN, channels={"growth-ml-alerts"}) as standin:
            standin.down_for(120)
            first = router_for(config, store, standin)
            feed(config, first, True, t0)
            feed(config, first, True, t0 + timedelta(seconds=1))
            first.step(t0 + timedelta(seconds=32))  # due, but Slack is down
            assert not standin.successful() and standin.calls
            del first  # the router process dies during the outage

            second = router_for(config, store, standin)  # a new process, same store
            deadline = time.monotonic() + 180
            while not standin.successful("chat.postMessage") and time.monotonic() < deadline:
                second.step(datetime.now(UTC) + timedelta(seconds=40))
                time.sleep(1)
            for _ in range(5):  # later cycles must not send it again
                second.step(datetime.now(UTC) + timedelta(seconds=40))
            assert len(standin.successful("chat.postMessage")) == 1
            assert len(standin.successful()) == 1
    finally:
        store.close()
