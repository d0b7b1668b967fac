"""The message source interface the ingest pipeline reads from.

``KafkaSource`` (kafka-python, a consumer group) is the real one; ``MemorySource`` is its in-memory twin
for pure pipeline tests. One contract test suite runs against both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol


class Message(NamedTuple):
    """One record as read from a topic partition (a NamedTuple: ingest builds one per record, and a
    tuple is built in C, several times faster than a frozen dataclass)."""

    topic: str
    partition: int
    offset: int
    value: bytes
    timestamp_ms: int


TopicPartition = tuple[str, int]


class Source(Protocol):
    """A consumer of the predictions and outcomes topics with manual commits."""

    def poll(self, timeout_s: float, max_messages: int) -> Sequence[Message]:
        """Up to ``max_messages`` new messages, waiting at most ``timeout_s`` for the first."""
        ...

    def commit(self, next_offsets: Mapping[TopicPartition, int]) -> None:
        """Commit, per partition, the offset of the next message to read (last processed + 1)."""

    def is_assigned(self) -> bool:
        """Whether the group gave this member partitions yet (joining takes a few seconds)."""
        ...

    def pause(self) -> None:
        """Stop fetching (while the store is down) but stay in the group; ``poll`` returns nothing."""

    def resume(self) -> None:
        """Fetch again after ``pause``."""

    def lag(self) -> dict[TopicPartition, int]:
        """Messages not yet consumed, per assigned partition (high-water mark - position)."""
        ...

    def close(self) -> None:
        """Leave the group. Offsets not committed are read again by the next owner."""
