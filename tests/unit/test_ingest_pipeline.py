"""The ingest loop's write-behind: batches are written in the background, committed in order, and a
background write that fails is retried before anything later is committed.

The source is the in-memory twin of the Kafka source (its contract suite also runs on the real
broker); the store is the real embedded chDB store, with a switch that makes its writes fail as if the
server were down (the real outage is tested against clickhouse-server in tests/integration).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

from connectors.kafka.memory import MemoryBroker, MemorySource
from connectors.store.base import StoreUnavailable, WriteBatch
from connectors.store.chdb import ChdbStore
from connectors.store.factory import chdb_path
from monitor.config_loader import load_config
from monitor.ingest.batch import Parser, TopicRoles
from monitor.ingest.pipeline import IngestPipeline, PipelineSettings
from monitor.parsing import ParseLimits

TOPICS = ("preds", "outs")
NOW_MS = int(time.time() * 1000)


class SwitchableStore(ChdbStore):
    """chDB whose writes fail with ``StoreUnavailable`` while ``down`` is set; it records each write."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.down = threading.Event()
        self.written: list[list[str]] = []  # prediction ids of each successful write, in order
        self.failures = 0

    def write(self, batch: WriteBatch) -> None:
        if self.down.is_set():
            self.failures += 1
            raise StoreUnavailable("switched off by the test")
        super().write(batch)
        self.written.append([p.prediction_id for p in batch.predictions])


@pytest.fixture
def store(chdb_url: str) -> Iterator[SwitchableStore]:
    opened = SwitchableStore(chdb_path(chdb_url))
    opened.ensure_schema()
    yield opened
    opened.close()


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
    broker: MemoryBroker, store: SwitchableStore, batch: int = 100, batch_seconds: float = 60.0
) -> IngestPipeline:
    config = load_config("config/monitor.yaml", env={})
    parser = Parser(TopicRoles(*TOPICS), config.models, ParseLimits.from_config(config.ingest))
    settings = PipelineSettings(
        batch_max_messages=batch, batch_max_seconds=batch_seconds, poll_timeout_s=0.01
    )
    return IngestPipeline(MemorySource(broker, TOPICS, "g"), store, parser, settings)


def committed(broker: MemoryBroker) -> int:
    return sum(offset for (group, _), offset in broker.committed.items() if group == "g")


def test_batches_are_written_in_order_and_all_committed_at_the_end(store: SwitchableStore) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 1050)
    stats = pipeline(broker, store).run(max_messages=1050)
    assert [len(ids) for ids in store.written] == [100] * 10 + [50]
    flat = [pid for ids in store.written for pid in ids]
    assert flat == sorted(flat) and len(set(flat)) == 1050
    assert (stats.predictions, stats.batches, committed(broker)) == (1050, 11, 1050)
    assert store.counts().predictions == 1050


def test_a_background_write_that_fails_is_retried_before_anything_later_is_committed(
    store: SwitchableStore,
) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 300)
    loop = pipeline(broker, store)
    store.down.set()
    commits: list[int] = []
    original_commit = loop.source.commit

    def commit(offsets: dict[tuple[str, int], int]) -> None:
        commits.append(sum(offsets.values()))
        original_commit(offsets)

    loop.source.commit = commit  # type: ignore[method-assign]
    threading.Timer(1.2, store.down.clear).start()  # back after the first backoff rounds
    stats = loop.run(max_messages=300)
    assert store.failures >= 2 and stats.store_errors >= 1
    # Nothing was committed past a batch that was not yet written: commits are the batch ends, in order.
    assert commits == [100, 200, 300]
    assert [ids[0] for ids in store.written] == ["p00000", "p00100", "p00200"]
    assert store.counts().predictions == 300 and committed(broker) == 300


def test_stopping_while_the_store_is_down_commits_nothing_unwritten(store: SwitchableStore) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 250)
    loop = pipeline(broker, store)
    store.down.set()
    threading.Timer(0.8, loop.stop).start()
    stats = loop.run()
    assert store.written == [] and committed(broker) == 0
    # Read: the batch that failed in the background and the one after it (fetching pauses meanwhile).
    assert stats.messages == 200 and stats.uncommitted_at_exit == 200 and stats.predictions == 0
    # A restart once the store is back reads everything again and loses nothing.
    store.down.clear()
    again = pipeline(broker, store).run(max_messages=250)
    assert again.predictions == 250 and store.counts().predictions == 250 and committed(broker) == 250


def test_a_finished_background_write_is_committed_while_idle_and_idle_exit_still_stops(
    store: SwitchableStore,
) -> None:
    broker = MemoryBroker(partitions=3)
    produce(broker, 150)
    started = time.monotonic()
    stats = pipeline(broker, store, batch_seconds=0.2).run(idle_exit_s=0.5)
    assert time.monotonic() - started < 10
    assert stats.predictions == 150 and committed(broker) == 150
