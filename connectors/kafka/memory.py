"""``MemorySource``: the in-memory twin of ``KafkaSource`` for pure pipeline tests.

A ``MemoryBroker`` holds topics (lists of partitions) and each group's committed offsets; a source
reads every partition of its topics from the committed offsets, like a lone group member. The same
contract suite runs on it and on the real broker, so tests that use it stay honest.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connectors.kafka.base import Message, TopicPartition


@dataclass
class MemoryBroker:
    """Topics and committed offsets, shared by the sources that use it."""

    partitions: int = 3
    topics: dict[str, list[list[Message]]] = field(default_factory=dict)
    committed: dict[tuple[str, TopicPartition], int] = field(default_factory=dict)

    def produce(self, topic: str, value: bytes, key: bytes | None = None) -> Message:
        """Append a message; the partition comes from the key (round-robin without one)."""
        parts = self.topics.setdefault(topic, [[] for _ in range(self.partitions)])
        index = zlib.crc32(key) % len(parts) if key is not None else sum(map(len, parts)) % len(parts)
        message = Message(topic, index, len(parts[index]), value, int(time.time() * 1000))
        parts[index].append(message)
        return message


class MemorySource:
    """Reads a ``MemoryBroker`` as the only member of ``group_id``."""

    def __init__(self, broker: MemoryBroker, topics: Sequence[str], group_id: str) -> None:
        self._broker = broker
        self._topics = list(topics)
        self._group = group_id
        self._paused = False
        self._positions: dict[TopicPartition, int] = {}
        for topic in self._topics:
            broker.topics.setdefault(topic, [[] for _ in range(broker.partitions)])
            for p in range(len(broker.topics[topic])):
                self._positions[(topic, p)] = broker.committed.get((group_id, (topic, p)), 0)

    def poll(self, timeout_s: float, max_messages: int) -> Sequence[Message]:
        if self._paused:
            time.sleep(timeout_s)
            return []
        out: list[Message] = []
        for (topic, p), position in self._positions.items():
            log = self._broker.topics[topic][p]
            taken = log[position : position + max_messages - len(out)]
            out.extend(taken)
            self._positions[(topic, p)] = position + len(taken)
            if len(out) >= max_messages:
                break
        if not out:
            time.sleep(min(timeout_s, 0.01))
        return out

    def commit(self, next_offsets: Mapping[TopicPartition, int]) -> None:
        for tp, offset in next_offsets.items():
            self._broker.committed[(self._group, tp)] = offset

    def is_assigned(self) -> bool:
        return True

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def lag(self) -> dict[TopicPartition, int]:
        return {
            (topic, p): len(self._broker.topics[topic][p]) - position
            for (topic, p), position in self._positions.items()
        }

    def close(self) -> None:
        self._positions.clear()
