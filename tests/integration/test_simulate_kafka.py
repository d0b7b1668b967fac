"""``monitor simulate`` against the real broker: every generated message arrives exactly once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml
from kafka import KafkaConsumer
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config_loader import load_config
from monitor.simulation import Scenario, generate

ROOT = Path(__file__).resolve().parents[2]
START = "2024-05-01T00:00:00Z"
START_MS = 1_714_521_600_000
CONSUME_TIMEOUT_S = 60.0


def write_config(tmp_path: Path, topics: tuple[str, str]) -> Path:
    data = yaml.safe_load((ROOT / "config" / "monitor.yaml").read_text())
    data["kafka"]["topics"] = {"predictions": topics[0], "outcomes": topics[1]}
    data["kafka"]["bootstrap"] = "127.0.0.1:1"  # nothing listens: the environment override must win
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def consume(bootstrap: str, topics: tuple[str, str], expected: int) -> Counter[tuple[str, bytes, bytes]]:
    """Everything on the topics: read until ``expected`` messages came, then a little longer for extras."""
    consumer = KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        fetch_max_wait_ms=20,
    )
    seen: Counter[tuple[str, bytes, bytes]] = Counter()
    deadline, extra_until = time.monotonic() + CONSUME_TIMEOUT_S, None
    try:
        while time.monotonic() < (extra_until or deadline):
            for records in consumer.poll(timeout_ms=200, max_records=5000).values():
                seen.update((r.topic, r.key, r.value) for r in records)
            if extra_until is None and sum(seen.values()) >= expected:
                extra_until = time.monotonic() + 1.0
    finally:
        consumer.close()
    return seen


@pytest.mark.integration
def test_simulate_sends_every_message_exactly_once(
    kafka_bootstrap: str, unique_topics: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_KAFKA_BOOTSTRAP", kafka_bootstrap)
    config_path = write_config(tmp_path, unique_topics)
    args = ["--count", "500", "--start", START, "--drift-at", "250", "--shift-features", "tenure_months"]
    args += ["--invalid-share", "0.05", "--outcome-delay-s", "5", "--seed", "21"]
    result = CliRunner().invoke(app, ["simulate", "--config", str(config_path), *args])
    assert result.exit_code == 0, result.output

    scenario = Scenario(
        count=500,
        start_ms=START_MS,
        drift_at=250,
        shift_features=("tenure_months",),
        invalid_share=0.05,
        outcome_delay_ms=5000.0,
        seed=21,
    )
    features = load_config(config_path).models["churn"].features
    topic_of = dict(zip(("predictions", "outcomes"), unique_topics, strict=True))
    expected = Counter((topic_of[e.kind], e.key, e.value) for e in generate(scenario, features))
    arrived = consume(kafka_bootstrap, unique_topics, sum(expected.values()))
    assert arrived == expected
    per_topic = Counter(topic for topic, _, _ in arrived.elements())
    assert per_topic[unique_topics[0]] >= 500 and per_topic[unique_topics[1]] > 400
    assert "500" in result.stdout and "at prediction 250" in result.stdout
