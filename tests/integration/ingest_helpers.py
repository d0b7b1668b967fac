"""Helpers for the ingest integration tests: configs, events, producing, running `monitor ingest`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from kafka import KafkaProducer

from connectors.local_services import create_topics

FEATURES = {"numerical": ["tenure_months", "monthly_charges"], "categorical": ["plan"]}


def write_config(
    tmp_path: Path, bootstrap: str, topics: tuple[str, str], store_url: str, **ingest: Any
) -> Path:
    """A config for one test: its own topics, group and store; small batches; metrics off."""
    group = f"g-{topics[0]}"
    config = {
        "version": 1,
        "kafka": {
            "bootstrap": bootstrap,
            "group_id": group,
            "topics": {"predictions": topics[0], "outcomes": topics[1]},
            "batch": {"max_messages": ingest.pop("batch_max_messages", 500), "max_seconds": 0.3},
            "fetch_max_wait_ms": 20,
        },
        "store": {"url": store_url},
        "ingest": {"metrics_port": 0, "retry_max_seconds": 2, **ingest},
        "teams": {"growth": {"slack_channel": "#growth"}},
        "models": {"churn": {"team": "growth", "task": "classification", "features": FEATURES}},
    }
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(config))
    create_topics(bootstrap, list(topics), partitions=3)
    return path


def prediction(i: int, ts_ms: int | None = None) -> dict[str, Any]:
    ts = ts_ms if ts_ms is not None else int(time.time() * 1000) - 60_000
    return {
        "model": "churn",
        "model_version": "v1",
        "prediction_id": f"p{i}",
        "timestamp": ts,
        "features": {
            "tenure_months": i % 50,
            "monthly_charges": 20.0 + i % 7,
            "plan": "basic",
            "pad": "x" * 600,
        },
        "prediction": str(i % 2),
        "score": (i % 100) / 100,
    }


def outcome(i: int, label: str, ts_ms: int | None = None) -> dict[str, Any]:
    ts = ts_ms if ts_ms is not None else int(time.time() * 1000) - 30_000
    return {"model": "churn", "prediction_id": f"p{i}", "timestamp": ts, "label": label}


def produce(bootstrap: str, topic: str, values: Iterable[dict[str, Any] | bytes]) -> int:
    """Send and flush; returns how many were sent."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=10, batch_size=256 * 1024)
    sent = 0
    for value in values:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        producer.send(topic, raw)
        sent += 1
    producer.flush(30)
    producer.close()
    return sent


def start_ingest(config: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m monitor ingest` as a real child process (so it can be killed or signalled)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_KAFKA_BOOTSTRAP", "MONITOR_STORE_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "ingest", "--config", str(config), "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def run_ingest(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    process = start_ingest(config, *args)
    out, _ = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
