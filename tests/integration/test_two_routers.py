"""Two `monitor run` processes on the same Kafka and ClickHouse send each notification once, and the
standby takes over when the leader is killed (kill -9) without sending it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from connectors.local_services import create_topics
from connectors.slack.standin import SlackStandIn
from connectors.store.base import WriteBatch
from connectors.store.factory import open_store
from monitor.config_loader import load_config
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction
from monitor.simulation import Scenario, generate, parse_category_shifts

pytestmark = pytest.mark.integration

TOKEN = "xoxb-two-routers-token"
HOUR = 3_600_000


def write_config(tmp_path: Path, bootstrap: str, store_url: str, suffix: str, now_ms: int) -> Path:
    data = yaml.safe_load(Path("config/monitor.yaml").read_text())
    data["kafka"] |= {
        "bootstrap": bootstrap,
        "group_id": f"g-{suffix}",
        "topics": {"predictions": f"p-{suffix}", "outcomes": f"o-{suffix}"},
    }
    data["store"]["url"] = store_url
    data["ingest"]["metrics_port"] = 0
    data["web"] = {"port": 0}  # two processes on one machine: no pages
    data["models"]["churn"]["monitoring"] = {
        "window": "4h",
        "reference": {"kind": "fixed", "start": _iso(now_ms - 30 * HOUR), "end": _iso(now_ms - 10 * HOUR)},
        "label_delay": "2h",
        "schedule": {"every": "1h", "jitter": None},
    }
    data["alerting"]["route"] |= {"group_wait": "5s", "group_interval": "10s"}
    data["alerting"]["rules"] = {"pending_evaluations": 1, "keep_firing_evaluations": 1}
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def fill(config_path: Path, now_ms: int) -> None:
    """30 hours of traffic up to now; the last 6 hours drift."""
    config = load_config(config_path, env={})
    scenario = Scenario(
        count=6000,
        start_ms=now_ms - 30 * HOUR,
        interval_ms=30 * HOUR / 6000,
        drift_at=4800,
        shift_features=("tenure_months", "monthly_charges"),
        shift_sd=0.8,
        category_shift=parse_category_shifts("plan=premium:20"),
        outcome_delay_ms=HOUR,
    )
    limits = ParseLimits(1 << 20, 10 * 86_400_000)
    predictions, outcomes = [], []
    for event in generate(scenario, config.models["churn"].features):
        parse = parse_prediction if event.kind == "predictions" else parse_outcome
        (predictions if event.kind == "predictions" else outcomes).append(
            parse(event.value, config.models, now_ms, limits)
        )
    store = open_store(config.store.url.get_secret_value())
    store.ensure_schema()
    store.write(WriteBatch(predictions, outcomes, (), received_ms=1))  # type: ignore[arg-type]
    store.close()


def start(config: Path, tmp_path: Path, name: str, base_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "MONITOR_SLACK_BASE_URL": base_url}
    env.pop("MONITOR_STORE_URL", None)
    env.pop("MONITOR_KAFKA_BOOTSTRAP", None)
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "run",
            "--config",
            str(config),
            "--report-dir",
            str(tmp_path / "r"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=Path.cwd(),
    )


def test_one_message_from_two_processes_and_no_repeat_after_takeover(
    tmp_path: Path, kafka_bootstrap: str, clickhouse_url: str, unique_topics: tuple[str, str]
) -> None:
    suffix = unique_topics[0].rsplit("-", 1)[1]
    now_ms = int(time.time() * 1000)
    config = write_config(tmp_path, kafka_bootstrap, clickhouse_url, suffix, now_ms)
    create_topics(kafka_bootstrap, [f"p-{suffix}", f"o-{suffix}"], 3)
    fill(config, now_ms)
    with SlackStandIn(token=TOKEN) as standin:
        first = start(config, tmp_path, "first", standin.base_url)
        time.sleep(8)  # the first process joins the election group first
        second = start(config, tmp_path, "second", standin.base_url)
        try:
            deadline = time.monotonic() + 120
            while not standin.successful("chat.postMessage") and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(15)  # both processes had their run and their group_wait
            posted = standin.successful("chat.postMessage")
            assert len(posted) == 1, [
                (tmp_path / f"{n}.log").read_text()[-3000:] for n in ("first", "second")
            ]
            logs = {n: (tmp_path / f"{n}.log").read_text() for n in ("first", "second")}
            leader = first if "took the alert router leadership" in logs["first"] else second
            standby = second if leader is first else first
            leader.send_signal(signal.SIGKILL)
            leader.wait(10)
            deadline = time.monotonic() + 90
            standby_log = tmp_path / ("second.log" if standby is second else "first.log")
            while (
                "took the alert router leadership" not in standby_log.read_text()
                and time.monotonic() < deadline
            ):
                time.sleep(0.5)
            assert "took the alert router leadership" in standby_log.read_text(), standby_log.read_text()[
                -3000:
            ]
            time.sleep(20)  # the new leader reloads the log, regroups the firing alerts, and must not resend
            assert len(standin.successful("chat.postMessage")) == 1, standby_log.read_text()[-3000:]
            assert [m["channel"] for m in standin.messages.values()] == ["growth-ml-alerts"]
        finally:
            for process in (first, second):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (first, second):
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
