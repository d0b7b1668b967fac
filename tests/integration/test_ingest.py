"""End-to-end ingest against the real broker (tansu) and the real ClickHouse server.

Each test runs `python -m monitor ingest` as a child process, so crashes and signals are real.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from clickhouse_driver import Client

from connectors.local_services import ClickHouseServer
from connectors.store.base import FeatureSelection
from connectors.store.factory import open_store
from tests.integration.ingest_helpers import (
    outcome,
    prediction,
    produce,
    run_ingest,
    start_ingest,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.integration

ALL_TIME = (0, 2**62)
FEATURES = FeatureSelection(["tenure_months"], ["plan"])


def raw_prediction_rows(url: str) -> int:
    """Rows on disk, before deduplication (FINAL is what readers see)."""
    parsed = urlparse(url)
    client = Client(host=parsed.hostname, port=parsed.port)
    database = parsed.path.strip("/")
    try:
        exists = client.execute(
            "SELECT count() FROM system.tables WHERE database = %(d)s AND name = 'predictions'",
            {"d": database},
        )[0][0]
        return int(client.execute(f"SELECT count() FROM {database}.predictions")[0][0]) if exists else 0
    finally:
        client.disconnect()


def distinct_predictions(url: str) -> tuple[int, int]:
    """(rows a reader sees, distinct ids among them)."""
    store = open_store(url)
    try:
        frame = store.read_predictions("churn", *ALL_TIME, FEATURES)
    finally:
        store.close()
    return len(frame), frame["prediction_id"].nunique()


def counts(url: str):  # type: ignore[no-untyped-def]
    store = open_store(url)
    try:
        return store.counts()
    finally:
        store.close()


def test_valid_and_invalid_messages_land_in_their_tables(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str], clickhouse_url: str
) -> None:
    config = write_config(tmp_path, kafka_bootstrap, unique_topics, clickhouse_url)
    invalid: list[bytes | dict[str, object]] = [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        {**prediction(9001), "model": "nope"},
        {k: v for k, v in prediction(9002).items() if k != "prediction_id"},
        {**prediction(9003), "timestamp": "yesterday"},
        {**prediction(9004), "timestamp": int(time.time() * 1000) + 10 * 86_400_000},
    ]
    produce(kafka_bootstrap, unique_topics[0], [*[prediction(i) for i in range(300)], *invalid])
    result = run_ingest(config, "--idle-exit", "3")
    assert result.returncode == 0, result.stdout
    seen = counts(clickhouse_url)
    assert seen.predictions == 300
    assert seen.dead_letters == len(invalid)
    assert seen.dead_letters_by_reason == {
        "malformed_json": 2,
        "not_an_object": 1,
        "unknown_model": 1,
        "missing_field": 1,
        "bad_timestamp": 1,
        "future_timestamp": 1,
    }
    store = open_store(clickhouse_url)
    try:
        raws = {d.raw for d in store.read_dead_letters(limit=100)}
    finally:
        store.close()
    assert b"\xff\xfe" in raws and b"{not json" in raws  # raw bytes kept exactly


def test_outcomes_late_early_and_duplicated(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str], clickhouse_url: str
) -> None:
    config = write_config(tmp_path, kafka_bootstrap, unique_topics, clickhouse_url)
    now = int(time.time() * 1000)
    produce(kafka_bootstrap, unique_topics[1], [outcome(1, "1", now - 5000)])  # before its prediction
    assert run_ingest(config, "--idle-exit", "2").returncode == 0
    produce(kafka_bootstrap, unique_topics[0], [prediction(i, now - 60_000) for i in range(1, 5)])
    produce(
        kafka_bootstrap,
        unique_topics[1],
        [
            outcome(2, "0", now - 4000),  # after its prediction
            outcome(3, "0", now - 3000),
            outcome(3, "1", now - 2000),  # twice: the later one wins
        ],
    )
    result = run_ingest(config, "--idle-exit", "3")
    assert result.returncode == 0, result.stdout
    store = open_store(clickhouse_url)
    try:
        labeled = store.read_labeled("churn", *ALL_TIME, FEATURES, matured_before_ms=now)
    finally:
        store.close()
    labels = dict(zip(labeled["prediction_id"], labeled["label"], strict=True))
    assert labels == {"p1": "1", "p2": "0", "p3": "1"}  # p4 has no outcome yet


def test_kill_9_mid_stream_then_restart_loses_and_duplicates_nothing(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str], clickhouse_url: str
) -> None:
    total = 20_000
    config = write_config(tmp_path, kafka_bootstrap, unique_topics, clickhouse_url, batch_max_messages=200)
    produce(kafka_bootstrap, unique_topics[0], (prediction(i) for i in range(total)))
    process = start_ingest(config)
    wait_for(lambda: raw_prediction_rows(clickhouse_url) > 0, 60, "the first batches")
    process.kill()  # SIGKILL: no flush, no commit of the batch in flight
    process.wait(10)
    assert raw_prediction_rows(clickhouse_url) < total, "killed too late to test anything"
    result = run_ingest(config, "--idle-exit", "4")
    assert result.returncode == 0, result.stdout
    assert distinct_predictions(clickhouse_url) == (total, total)


def test_sigterm_writes_and_commits_before_exit(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str], clickhouse_url: str
) -> None:
    total = 20_000
    config = write_config(tmp_path, kafka_bootstrap, unique_topics, clickhouse_url, batch_max_messages=300)
    produce(kafka_bootstrap, unique_topics[0], (prediction(i) for i in range(total)))
    process = start_ingest(config)
    wait_for(lambda: raw_prediction_rows(clickhouse_url) > 0, 60, "the first batches")
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    stopped_at = raw_prediction_rows(clickhouse_url)
    assert stopped_at < total, "stopped too late to test anything"
    assert run_ingest(config, "--idle-exit", "4").returncode == 0
    assert distinct_predictions(clickhouse_url) == (total, total)
    # Everything written before SIGTERM was committed: the restart re-read nothing.
    assert raw_prediction_rows(clickhouse_url) == total


def test_clickhouse_down_for_20_seconds_loses_nothing(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str]
) -> None:
    server = ClickHouseServer(directory=tmp_path / "clickhouse").start()
    try:
        url = server.url
        config = write_config(tmp_path, kafka_bootstrap, unique_topics, url, batch_max_messages=200)
        total, produced = 6000, threading.Event()

        def trickle() -> None:  # traffic keeps arriving before, during and after the outage
            for start in range(0, total, 200):
                produce(kafka_bootstrap, unique_topics[0], (prediction(i) for i in range(start, start + 200)))
                time.sleep(1.0)
            produced.set()

        producer = threading.Thread(target=trickle, daemon=True)
        producer.start()
        process = start_ingest(config)
        wait_for(lambda: raw_prediction_rows(url) > 0, 60, "the first batches")
        server.stop()
        time.sleep(20)
        server.start()
        assert produced.wait(120)
        wait_for(lambda: raw_prediction_rows(url) >= total, 90, "all rows after the outage")
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
        assert "store unavailable" in out
        assert distinct_predictions(url) == (total, total)
    finally:
        server.remove()


def test_nearly_all_bad_input_stops_ingest_loudly(
    tmp_path: Path, kafka_bootstrap: str, unique_topics: tuple[str, str], clickhouse_url: str
) -> None:
    config = write_config(
        tmp_path, kafka_bootstrap, unique_topics, clickhouse_url, reject_limit={"ratio": 0.9, "window": 100}
    )
    produce(kafka_bootstrap, unique_topics[0], [json.dumps({"hello": i}).encode() for i in range(400)])
    result = run_ingest(config, "--idle-exit", "5")
    assert result.returncode == 3, result.stdout
    assert "rejected" in result.stdout and "missing_field" in result.stdout
    assert counts(clickhouse_url).dead_letters >= 100  # what was read is kept, not dropped
