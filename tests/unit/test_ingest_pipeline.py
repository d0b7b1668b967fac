"""The ingest loop's write-behind, with either writer: batches are written in the background, committed in
order, and a background write that fails is retried before anything later is committed.

The source is the in-memory twin of the Kafka source (its contract suite also runs on the real
broker); the store is the real embedded chDB store, with a switch that makes its writes fail as if the
server were down (the real outage is tested against clickhouse-server in tests/integration). The switch
and the log of writes are files, so they work the same when the store lives in the worker process.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from connectors.kafka.memory import MemoryBroker, MemorySource
from connectors.store.base import Counts, Store, StoreUnavailable, WriteBatch
from connectors.store.chdb import ChdbStore
from connectors.store.factory import chdb_path
from monitor.config_loader import load_config
from monitor.ingest.batch import Parser, RejectRateExceeded, RejectRateLimit, TopicRoles
from monitor.ingest.pipeline import IngestPipeline, PipelineSettings
from monitor.ingest.process_writer import ProcessWriter
from monitor.ingest.processor import BatchProcessor
from monitor.ingest.worker import WorkerSpec
from monitor.ingest.writers import BatchWriter, Pending, ThreadWriter, WorkerFailed
from monitor.parsing import ParseLimits

TOPICS = ("preds", "outs")
NOW_MS = int(time.time() * 1000)


class SwitchableStore(ChdbStore):
    """chDB whose writes fail with ``StoreUnavailable`` while the file ``down`` exists or until
    ``fail_first`` writes have failed; each failure and each successful write (its prediction ids) is
    appended to a file beside the store."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.control = Path(path).parent

    def write(self, batch: WriteBatch) -> None:
        fail_first = self.control / "fail_first"
        planned = int(fail_first.read_text()) if fail_first.exists() else 0
        if (self.control / "down").exists() or failures(self.control) < planned:
            with (self.control / "failures").open("a") as log:
                log.write("x\n")
            raise StoreUnavailable("switched off by the test")
        super().write(batch)
        with (self.control / "written.jsonl").open("a") as log:
            log.write(json.dumps([p.prediction_id for p in batch.predictions]) + "\n")


def open_switchable(url: str) -> Store:
    """The worker's store factory (module level: the worker imports it by name)."""
    return SwitchableStore(chdb_path(url))


def failures(control: Path) -> int:
    path = control / "failures"
    return len(path.read_text().splitlines()) if path.exists() else 0


@dataclass
class Harness:
    """One chDB store and its switch, written to by a ``thread`` or a ``process`` writer."""

    mode: str
    url: str
    store: SwitchableStore | None  # open in this process in thread mode only (one process per dir)

    @property
    def control(self) -> Path:
        return Path(chdb_path(self.url)).parent

    def writer(self, parser: Parser, reject: RejectRateLimit) -> BatchWriter:
        if self.store is not None:
            return ThreadWriter(BatchProcessor(parser, self.store, reject))
        spec = WorkerSpec(self.url, parser, reject.ratio, reject.window, open_store=open_switchable)
        return ProcessWriter(spec)

    def set_down(self, down: bool) -> None:
        flag = self.control / "down"
        if down:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    def fail_first(self, count: int) -> None:
        (self.control / "fail_first").write_text(str(count))

    def failures(self) -> int:
        return failures(self.control)

    def written(self) -> list[list[str]]:
        """Prediction ids of each successful write, in order."""
        path = self.control / "written.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def counts(self) -> Counts:
        if self.store is not None:
            return self.store.counts()
        store = SwitchableStore(chdb_path(self.url))  # the worker has exited: the directory is free
        try:
            return store.counts()
        finally:
            store.close()


@pytest.fixture(params=["thread", "process"])
def harness(request: pytest.FixtureRequest, chdb_url: str) -> Iterator[Harness]:
    store = SwitchableStore(chdb_path(chdb_url))
    store.ensure_schema()
    if request.param == "process":
        store.close()
        yield Harness("process", chdb_url, None)
        return
    yield Harness("thread", chdb_url, store)
    store.close()


def produce(broker: MemoryBroker, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        event = {
            "model": "churn",
            "model_version": "v1",
            "prediction_id": f"p{i:05d}",
            "timestamp": NOW_MS - 60_000,
            "features": {"tenure_months": i % 50, "plan": "basic"},
            "prediction": "1",
            "score": 0.5,
        }
        broker.produce(TOPICS[0], json.dumps(event).encode(), key=b"k")  # one partition: a total order


def pipeline(
    broker: MemoryBroker,
    harness: Harness,
    batch: int = 100,
    batch_seconds: float = 60.0,
    reject: RejectRateLimit | None = None,
) -> IngestPipeline:
    config = load_config("config/monitor.yaml", env={})
    parser = Parser(TopicRoles(*TOPICS), config.models, ParseLimits.from_config(config.ingest))
    settings = PipelineSettings(
        batch_max_messages=batch, batch_max_seconds=batch_seconds, poll_timeout_s=0.01
    )
    writer = harness.writer(parser, reject or RejectRateLimit(0.95, 1000))
    return IngestPipeline(MemorySource(broker, TOPICS, "g"), writer, settings)


def committed(broker: MemoryBroker) -> int:
    return sum(offset for (group, _), offset in broker.committed.items() if group == "g")


def test_batches_are_written_in_order_and_all_committed_at_the_end(harness: Harness) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 1050)
    stats = pipeline(broker, harness).run(max_messages=1050)
    written = harness.written()
    assert [len(ids) for ids in written] == [100] * 10 + [50]
    flat = [pid for ids in written for pid in ids]
    assert flat == sorted(flat) and len(set(flat)) == 1050
    assert (stats.predictions, stats.batches, committed(broker)) == (1050, 11, 1050)
    assert harness.counts().predictions == 1050


def test_a_background_write_that_fails_is_retried_before_anything_later_is_committed(
    harness: Harness,
) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 300)
    loop = pipeline(broker, harness)
    harness.fail_first(2)  # back after the first backoff rounds
    commits: list[int] = []
    original_commit = loop.source.commit

    def commit(offsets: dict[tuple[str, int], int]) -> None:
        commits.append(sum(offsets.values()))
        original_commit(offsets)

    loop.source.commit = commit  # type: ignore[method-assign]
    stats = loop.run(max_messages=300)
    assert harness.failures() == 2 and stats.store_errors == 2
    # Nothing was committed past a batch that was not yet written: commits are the batch ends, in order.
    assert commits == [100, 200, 300]
    assert [ids[0] for ids in harness.written()] == ["p00000", "p00100", "p00200"]
    assert harness.counts().predictions == 300 and committed(broker) == 300


def test_stopping_while_the_store_is_down_commits_nothing_unwritten(harness: Harness) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 250)
    loop = pipeline(broker, harness)
    harness.set_down(True)
    threading.Timer(0.8, loop.stop).start()
    stats = loop.run()
    assert harness.written() == [] and committed(broker) == 0
    # Read: the batch that failed in the background and the one after it (fetching pauses meanwhile).
    assert stats.messages == 200 and stats.uncommitted_at_exit == 200 and stats.predictions == 0
    # A restart once the store is back reads everything again and loses nothing.
    harness.set_down(False)
    again = pipeline(broker, harness).run(max_messages=250)
    assert again.predictions == 250 and harness.counts().predictions == 250 and committed(broker) == 250


def test_a_finished_background_write_is_committed_while_idle_and_idle_exit_still_stops(
    harness: Harness,
) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 150)
    started = time.monotonic()
    stats = pipeline(broker, harness, batch_seconds=0.2).run(idle_exit_s=0.5)
    assert time.monotonic() - started < 10
    assert stats.predictions == 150 and committed(broker) == 150


def test_the_reject_limit_stops_after_writing_and_committing_what_was_read(harness: Harness) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 20)
    for i in range(200):
        broker.produce(TOPICS[0], b'{"hello": %d}' % i, key=b"k")
    loop = pipeline(broker, harness, batch=50, reject=RejectRateLimit(0.9, 100))
    with pytest.raises(RejectRateExceeded, match="missing_field"):
        loop.run(idle_exit_s=2)
    stats = loop.stats
    # Every message read went to a table (predictions or dead letters) and was committed.
    assert stats.predictions + stats.dead_letters == stats.messages == committed(broker)
    assert stats.rejects["missing_field"] == stats.dead_letters >= 100
    assert harness.counts().dead_letters == stats.dead_letters


def test_a_worker_killed_mid_stream_stops_ingest_loudly_and_commits_nothing_unwritten(chdb_url: str) -> None:
    store = SwitchableStore(chdb_path(chdb_url))
    store.ensure_schema()
    store.close()
    harness = Harness("process", chdb_url, None)
    broker = MemoryBroker(partitions=3)
    produce(broker, 1000)
    loop = pipeline(broker, harness)
    writer = loop.writer
    assert isinstance(writer, ProcessWriter)
    finished: list[int] = []
    original_finish = writer.finish

    def finish(received_ms: int) -> Pending:
        pending = original_finish(received_ms)
        finished.append(received_ms)
        if len(finished) == 4:  # kill -9 while it writes the 4th batch
            assert writer.pid is not None
            os.kill(writer.pid, signal.SIGKILL)
        return pending

    writer.finish = finish  # type: ignore[method-assign]
    with pytest.raises(WorkerFailed):
        loop.run(max_messages=1000)
    # Committed: only batches the worker reported durable (3, or 4 if it answered before dying).
    done = committed(broker)
    assert done == loop.stats.predictions and done in (300, 400)
    durable = {pid for ids in harness.written() for pid in ids}
    assert {f"p{i:05d}" for i in range(done)} <= durable
    # A restart reads the rest again: nothing lost, nothing twice.
    again = pipeline(broker, harness).run(max_messages=1000 - done)
    assert again.predictions == 1000 - done and committed(broker) == 1000
    assert harness.counts().predictions == 1000


def test_metrics_count_what_the_writer_reports_durable(harness: Harness) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 150)
    for _ in range(10):
        broker.produce(TOPICS[0], b"{not json", key=b"k")

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    names = [
        ("monitor_ingest_messages_total", {"topic": TOPICS[0]}),
        ("monitor_ingest_rows_written_total", {"table": "predictions"}),
        ("monitor_ingest_rows_written_total", {"table": "dead_letters"}),
        ("monitor_ingest_rejects_total", {"reason": "malformed_json"}),
        ("monitor_ingest_batch_write_seconds_count", {}),
        ("monitor_ingest_commits_total", {}),
    ]
    before = [value(name, **labels) for name, labels in names]
    progress: list[int | None] = []
    pipeline(broker, harness).run(max_messages=160, on_progress=lambda stats: progress.append(stats.lag))
    after = [value(name, **labels) for name, labels in names]
    assert [a - b for a, b in zip(after, before, strict=True)] == [160, 150, 10, 10, 2, 2]
    assert value("monitor_ingest_lag_messages", topic=TOPICS[0], partition="0") == 0  # from the source
    assert progress[-1] == 0
