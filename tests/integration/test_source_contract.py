"""One contract for message sources, run on the real broker (tansu via kafka-python) and the twin."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from kafka import KafkaProducer

from connectors.kafka.base import Message, Source
from connectors.kafka.memory import MemoryBroker, MemorySource
from connectors.kafka.source import KafkaSettings, KafkaSource
from connectors.local_services import create_topics


@dataclass
class Harness:
    """Produces to the topics and opens sources on them, for either backend."""

    topics: tuple[str, str]
    produce: Callable[[str, bytes], None]
    open_source: Callable[[str], Source]


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.integration)])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    suffix = uuid.uuid4().hex[:8]
    topics = (f"p-{suffix}", f"o-{suffix}")
    if request.param == "memory":
        broker = MemoryBroker(partitions=3)
        yield Harness(
            topics,
            lambda t, v: broker.produce(t, v) and None,
            lambda group: MemorySource(broker, topics, group),
        )
        return
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    create_topics(bootstrap, list(topics), partitions=3)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5)
    opened: list[Source] = []

    def produce(topic: str, value: bytes) -> None:
        producer.send(topic, value)
        producer.flush(10)

    def open_source(group: str) -> Source:
        source = KafkaSource(KafkaSettings(bootstrap, topics, group, fetch_max_wait_ms=20))
        opened.append(source)
        return source

    yield Harness(topics, produce, open_source)
    producer.close()
    for source in opened:
        with contextlib.suppress(Exception):  # some were already closed by the test
            source.close()


def drain(source: Source, expected: int, timeout_s: float = 30.0) -> list[Message]:
    """Poll until ``expected`` messages arrived or the timeout passed."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < expected and time.monotonic() < deadline:
        got.extend(source.poll(0.2, 500))
    return got


def next_offsets(messages: list[Message]) -> dict[tuple[str, int], int]:
    offsets: dict[tuple[str, int], int] = {}
    for m in messages:
        offsets[(m.topic, m.partition)] = max(offsets.get((m.topic, m.partition), 0), m.offset + 1)
    return offsets


def test_delivers_every_message_of_both_topics_once(harness: Harness) -> None:
    for i in range(30):
        harness.produce(harness.topics[i % 2], f"m{i}".encode())
    source = harness.open_source("g1")
    got = drain(source, 30)
    assert sorted(m.value for m in got) == sorted(f"m{i}".encode() for i in range(30))
    assert {m.topic for m in got} == set(harness.topics)
    assert len({(m.topic, m.partition, m.offset) for m in got}) == 30
    assert sum(source.lag().values()) == 0


def test_committed_offsets_are_where_the_group_resumes(harness: Harness) -> None:
    for i in range(10):
        harness.produce(harness.topics[0], f"a{i}".encode())
    first = harness.open_source("g2")
    got = drain(first, 10)
    first.commit(next_offsets(got))
    first.close()
    for i in range(5):
        harness.produce(harness.topics[0], f"b{i}".encode())
    second = harness.open_source("g2")
    resumed = drain(second, 5)
    assert sorted(m.value for m in resumed) == sorted(f"b{i}".encode() for i in range(5))
    assert drain(second, 1, timeout_s=1.0) == []


def test_uncommitted_messages_are_read_again(harness: Harness) -> None:
    for i in range(8):
        harness.produce(harness.topics[1], f"c{i}".encode())
    first = harness.open_source("g3")
    assert len(drain(first, 8)) == 8
    first.close()  # no commit
    second = harness.open_source("g3")
    assert sorted(m.value for m in drain(second, 8)) == sorted(f"c{i}".encode() for i in range(8))


def test_paused_source_fetches_nothing_until_resumed(harness: Harness) -> None:
    harness.produce(harness.topics[0], b"first")
    source = harness.open_source("g4")
    assert [m.value for m in drain(source, 1)] == [b"first"]
    source.pause()
    harness.produce(harness.topics[0], b"second")
    assert drain(source, 1, timeout_s=1.5) == []
    source.resume()
    assert [m.value for m in drain(source, 1)] == [b"second"]
