"""Benchmark: the whole ingest pipeline vs the raw kafka-python consume rate, on the same topic.

    .venv/bin/python bench/ingest.py [--events 200000] [--rounds 3] [--crc both|c|python]
                                     [--writer process|thread|both]

Starts its own tansu broker and clickhouse-server on loopback (or uses MONITOR_TEST_KAFKA_BOOTSTRAP /
MONITOR_TEST_CLICKHOUSE_URL), produces N ~1 KB prediction events (25 features) to a 3-partition topic,
then alternates, for each round:
  - raw: a fresh consumer group polls the topic and json.loads every message (nothing else);
  - pipeline: a fresh consumer group runs the real IngestPipeline (parse, batch, columnar insert into the
    ClickHouse server, commit) into a fresh database (dropped after the round), with the worker process
    writer that `ingest.writer: auto` picks for a server store, or the in-process thread writer, or
    both in turn (`--writer both`: each round measures both against the same raw figure).
Rates are timed from the first message received to the last one handled (group join excluded, the same
for both). Prints per-round figures, the medians and the pipeline/raw ratio (target >= 0.7).

kafka-python checks a CRC-32C on every record batch. With the `crc32c` C extension (a dependency of this
project) that costs nothing; without it (a plain `pip install kafka-python`, as PLATFORM.md measured) it
is pure Python and dominates consumption. The benchmark runs both modes, because the ratio means
different things in each: `--crc c` / `--crc python` runs one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import KafkaConsumer, KafkaProducer

from connectors.kafka.base import Message
from connectors.kafka.source import KafkaSettings, KafkaSource
from connectors.local_services import ClickHouseServer, TansuBroker, create_topics
from connectors.store.clickhouse import ServerAddress
from connectors.store.factory import open_store
from monitor.config_loader import load_config
from monitor.ingest.batch import Parser, RejectRateLimit, TopicRoles
from monitor.ingest.pipeline import IngestPipeline, PipelineSettings
from monitor.ingest.process_writer import ProcessWriter
from monitor.ingest.processor import BatchProcessor
from monitor.ingest.worker import WorkerSpec
from monitor.ingest.writers import BatchWriter, ThreadWriter
from monitor.parsing import ParseLimits

CONFIG = Path(__file__).resolve().parent.parent / "config" / "monitor.yaml"
CONSUMER = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "fetch_max_wait_ms": 50}


def event(i: int, numerical: Sequence[str], categorical: Sequence[str], now_ms: int) -> bytes:
    features: dict[str, object] = {
        name: round((i * 7919 + k * 104729) % 1000 / 7.0, 3) for k, name in enumerate(numerical)
    }
    features.update({name: f"cat_{(i + k) % 5}" for k, name in enumerate(categorical)})
    body = {
        "model": "churn",
        "model_version": "2026.11.1",
        "prediction_id": f"bench-{i:08d}",
        "timestamp": now_ms - 3_600_000 + i % 3_600_000,
        "features": features,
        "prediction": str(i % 2),
        "score": (i % 1000) / 1000,
        "probabilities": {"0": 1 - (i % 1000) / 1000, "1": (i % 1000) / 1000},
        "segment": {"country": "DE", "channel": "app"},
        "campaign": {"id": "winback", "arm": "treatment" if i % 5 else "control"},
    }
    raw = json.dumps(body).encode()
    return raw + b" " * max(0, 1024 - len(raw))  # ~1 KB, as the issue asks


def produce(bootstrap: str, topic: str, count: int) -> float:
    config = load_config(CONFIG, env={})
    spec = config.models["churn"].features
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=10, batch_size=256 * 1024)
    now_ms, started = int(time.time() * 1000), time.perf_counter()
    for i in range(count):
        producer.send(topic, event(i, spec.numerical, spec.categorical, now_ms))
    producer.flush(120)
    producer.close()
    return count / (time.perf_counter() - started)


def raw_rate(bootstrap: str, topic: str, count: int) -> float:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **CONSUMER,
    )
    seen, first = 0, None
    while seen < count:
        for records in consumer.poll(timeout_ms=200, max_records=5000).values():
            first = first or time.perf_counter()
            for record in records:
                json.loads(record.value)
            seen += len(records)
    elapsed = time.perf_counter() - (first or time.perf_counter())
    consumer.close(autocommit=False)
    return count / elapsed


class TimedSource(KafkaSource):
    """KafkaSource that notes when the first message arrived (to leave the group join out)."""

    first: float | None = None

    def poll(self, timeout_s: float, max_messages: int) -> Sequence[Message]:
        messages = super().poll(timeout_s, max_messages)
        if messages and self.first is None:
            self.first = time.perf_counter()
        return messages


def pipeline_rate(bootstrap: str, topic: str, store_url: str, count: int, writer_mode: str) -> float:
    config = load_config(CONFIG, env={})
    database = f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{store_url.rsplit('/', 1)[0]}/{database}"
    store = open_store(url)
    store.ensure_schema()
    source = TimedSource(KafkaSettings(bootstrap, (topic,), f"pipe-{uuid.uuid4().hex}", **CONSUMER))
    parser = Parser(TopicRoles(topic, "unused"), config.models, ParseLimits.from_config(config.ingest))
    limit = config.ingest.reject_limit
    writer: BatchWriter
    if writer_mode == "process":  # what `ingest.writer: auto` picks for a clickhouse:// store
        writer = ProcessWriter(WorkerSpec(url, parser, limit.ratio, limit.window))
    else:
        writer = ThreadWriter(BatchProcessor(parser, store, RejectRateLimit(limit.ratio, limit.window)))
    settings = PipelineSettings(
        batch_max_messages=config.kafka.batch.max_messages, batch_max_seconds=config.kafka.batch.max_seconds
    )
    stats = IngestPipeline(source, writer, settings).run(max_messages=count)
    elapsed = time.perf_counter() - (source.first or time.perf_counter())
    source.close()
    written = store.counts().predictions
    store.close()
    drop_database(url)  # else its background merges load the server during the next rounds
    if written != count or stats.dead_letters:
        raise SystemExit(f"pipeline wrote {written} predictions and {stats.dead_letters} dead letters")
    return count / elapsed


def drop_database(url: str) -> None:
    address = ServerAddress.from_url(url)
    client = address.client()
    try:
        client.execute(f"DROP DATABASE IF EXISTS {address.database}")
    finally:
        client.disconnect()


def use_crc(mode: str) -> None:
    """Switch kafka-python's record-batch CRC-32C between the C extension and its pure-Python code."""
    import kafka.record.default_records as records
    from crc32c import crc32c as crc_c
    from kafka.record._crc32c import crc as crc_python

    implementation = crc_c if mode == "c" else crc_python
    records.calc_crc32c = lambda view: implementation(view)  # type: ignore[assignment]


def run_mode(
    mode: str, writers: Sequence[str], bootstrap: str, topic: str, store_url: str, events: int, rounds: int
) -> None:
    """Per round: the raw rate, then the pipeline with each writer in turn (so both see the same load)."""
    use_crc(mode)
    raws: list[float] = []
    pipes: dict[str, list[float]] = {writer: [] for writer in writers}
    for round_no in range(1, rounds + 1):
        raws.append(raw_rate(bootstrap, topic, events))
        for writer, rates in pipes.items():
            rates.append(pipeline_rate(bootstrap, topic, store_url, events, writer))
            print(
                f"[crc {mode}, {writer} writer] round {round_no}: raw consume+json.loads {raws[-1]:,.0f} "
                f"msg/s | pipeline into clickhouse-server {rates[-1]:,.0f} msg/s | ratio "
                f"{rates[-1] / raws[-1]:.2f}",
                flush=True,
            )
    raw = statistics.median(raws)
    for writer, rates in pipes.items():
        pipe = statistics.median(rates)
        ratios = sorted(p / r for p, r in zip(rates, raws, strict=True))
        print(
            f"[crc {mode}, {writer} writer] median: raw {raw:,.0f} msg/s, pipeline {pipe:,.0f} msg/s, ratio "
            f"of medians {pipe / raw:.2f} (per-round ratios {', '.join(f'{r:.2f}' for r in ratios)}); "
            f"target >= 0.70: {'met' if pipe / raw >= 0.7 else 'NOT met'}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--crc",
        choices=["both", "c", "python"],
        default="both",
        help="kafka-python's CRC-32C implementation (default: measure both)",
    )
    parser.add_argument(
        "--writer",
        choices=["process", "thread", "both"],
        default="process",
        help="where batches are parsed and written: a worker process (default; what `ingest.writer: auto`"
        " picks for a ClickHouse server), the consuming process with a writer thread, or both in turn",
    )
    args = parser.parse_args()
    started: list[TansuBroker | ClickHouseServer] = []
    bootstrap = os.environ.get("MONITOR_TEST_KAFKA_BOOTSTRAP")
    store_url = os.environ.get("MONITOR_TEST_CLICKHOUSE_URL")
    try:
        if not bootstrap:
            broker = TansuBroker().start()
            started.append(broker)
            bootstrap = broker.bootstrap
        if not store_url:
            server = ClickHouseServer().start()
            started.append(server)
            store_url = server.url
        topic = f"bench-{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, [topic], partitions=3)
        print(f"producing {args.events:,} ~1 KB events to {topic} (3 partitions) ...", flush=True)
        print(f"  produce rate {produce(bootstrap, topic, args.events):,.0f} msg/s")
        for mode in ("c", "python") if args.crc == "both" else (args.crc,):
            writers = ("process", "thread") if args.writer == "both" else (args.writer,)
            run_mode(mode, writers, bootstrap, topic, store_url, args.events, args.rounds)
    finally:
        for service in started:
            service.stop()
            if isinstance(service, ClickHouseServer):
                service.remove()


if __name__ == "__main__":
    main()
