"""``KafkaSource``: the real message source, a kafka-python consumer group with manual commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from connectors.kafka.base import Message
from connectors.kafka.base import TopicPartition as TP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaSettings:
    """How to reach the topics. The timing defaults suit both real Kafka and the tansu test broker."""

    bootstrap: str
    topics: Sequence[str]
    group_id: str
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    fetch_max_wait_ms: int = 50
    client_id: str = "model-monitor"


class _Revocation(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, on_revoke: Callable[[], None]) -> None:
        self._on_revoke = on_revoke

    def on_partitions_revoked(self, revoked: object) -> None:
        # Called inside poll() before partitions move: the pipeline writes and commits what it holds.
        self._on_revoke()

    def on_partitions_assigned(self, assigned: object) -> None:
        log.info("assigned partitions: %s", assigned)


class KafkaSource:
    """A consumer-group member on the given topics. Offsets are committed only when told to."""

    def __init__(self, settings: KafkaSettings, on_revoke: Callable[[], None] | None = None) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap.split(","),
            group_id=settings.group_id,
            client_id=settings.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self._consumer.subscribe(list(settings.topics), listener=_Revocation(on_revoke or (lambda: None)))

    def poll(self, timeout_s: float, max_messages: int) -> Sequence[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_messages)
        return [
            Message(r.topic, r.partition, r.offset, r.value or b"", r.timestamp)
            for records in batches.values()
            for r in records
        ]

    def commit(self, next_offsets: Mapping[TP, int]) -> None:
        if not next_offsets:
            return
        offsets = {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in next_offsets.items()}
        try:
            self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced: the rows are durable, the new owner re-reads them and the store
            # deduplicates. Not an error worth stopping for.
            log.warning("offset commit refused after a rebalance (rows are written; replays dedupe): %s", exc)

    def is_assigned(self) -> bool:
        return bool(self._consumer.assignment())

    def pause(self) -> None:
        self._consumer.pause(*self._consumer.assignment())

    def resume(self) -> None:
        self._consumer.resume(*self._consumer.paused())

    def lag(self) -> dict[TP, int]:
        lags: dict[TP, int] = {}
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue  # no fetch yet for this partition
            try:
                position = self._consumer.position(tp, timeout_ms=100)
            except KafkaError:
                continue
            if position is not None:
                lags[(tp.topic, tp.partition)] = max(0, highwater - position)
        return lags

    def close(self) -> None:
        self._consumer.close(autocommit=False)
