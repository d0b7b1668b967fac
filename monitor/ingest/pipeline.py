"""The ingest loop: poll -> parse -> batch -> durable write -> commit, in that order.

Offsets are committed only after the batch's rows are durable, so a crash at any point re-reads
uncommitted messages and the store's deduplication hides the replay (at-least-once from Kafka,
effectively exactly-once in the store). While the store is down, fetching is paused (the consumer stays
in its group) and the write is retried with backoff; nothing is committed until it succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.kafka.base import Source
from connectors.store.base import Store, StoreUnavailable, WriteBatch
from monitor import metrics
from monitor.events import DeadLetter
from monitor.ingest.batch import Backoff, BatchBuilder, Parser, RejectRateExceeded, RejectRateLimit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    """Batching, limits and pacing of the loop (from the ``kafka`` and ``ingest`` config sections)."""

    batch_max_messages: int = 5000
    batch_max_seconds: float = 1.0
    reject_ratio: float = 0.95
    reject_window: int = 1000
    retry_max_seconds: float = 30.0
    poll_timeout_s: float = 0.2
    progress_every_s: float = 1.0


@dataclass
class IngestStats:
    """What the run did so far. Row counts are counted once their batch is durable."""

    messages: int = 0
    predictions: int = 0
    outcomes: int = 0
    dead_letters: int = 0
    batches: int = 0
    store_errors: int = 0
    nulled_values: int = 0
    undeclared_features: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    lag: int | None = None
    uncommitted_at_exit: int = 0

    def record_written(self, batch: WriteBatch) -> None:
        self.batches += 1
        self.predictions += len(batch.predictions)
        self.outcomes += len(batch.outcomes)
        self.dead_letters += len(batch.dead_letters)
        for p in batch.predictions:
            self.nulled_values += len(p.nulled_features)
            self.undeclared_features += len(p.undeclared_features)
        self.rejects.update(d.reason.value for d in batch.dead_letters)


ProgressCallback = Callable[[IngestStats], None]


class IngestPipeline:
    """Runs the loop over one source and one store until stopped, idle, or ``max_messages`` read."""

    def __init__(
        self,
        source: Source,
        store: Store,
        parser: Parser,
        settings: PipelineSettings,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.source, self.store, self.parser, self.settings = source, store, parser, settings
        self.clock, self.wall_ms = clock, wall_ms
        self.stats = IngestStats()
        self._builder = BatchBuilder(settings.batch_max_messages, settings.batch_max_seconds)
        self._limit = RejectRateLimit(settings.reject_ratio, settings.reject_window)
        self._writing = False
        self._abandon = False
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the loop to write what it holds, commit, and return (safe from a signal handler)."""
        self._stop.set()

    def run(
        self,
        max_messages: int | None = None,
        idle_exit_s: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> IngestStats:
        """Consume until stopped; the last batch is written and committed before returning.

        Raises RejectRateExceeded (after writing and committing what was read) when nearly every
        recent message was rejected.
        """
        last_message = last_progress = self.clock()
        while not self._stop.is_set():
            remaining = None if max_messages is None else max_messages - self.stats.messages
            if remaining is not None and remaining <= 0:
                break
            limit = self.settings.batch_max_messages if remaining is None else remaining
            received = self._consume(min(self.settings.batch_max_messages, limit))
            now = self.clock()
            if received or not self.source.is_assigned():
                last_message = now  # the idle clock starts once the group has given us partitions
            if self._limit.tripped():
                self._flush()
                raise RejectRateExceeded(self._limit.explain())
            if self._builder.is_due(now):
                self._flush()
            if idle_exit_s is not None and now - last_message >= idle_exit_s and not self._builder.messages:
                log.info("no message for %.1f s: stopping", idle_exit_s)
                break
            if on_progress and now - last_progress >= self.settings.progress_every_s:
                last_progress = now
                self._report(on_progress)
        self._flush()
        if on_progress:
            self._report(on_progress)
        return self.stats

    def _consume(self, limit: int) -> int:
        messages = self.source.poll(self.settings.poll_timeout_s, limit)
        now, now_ms = self.clock(), self.wall_ms()
        for message in messages:
            parsed = self.parser.parse(message, now_ms)
            self._builder.add(message, parsed, now)
            self._limit.record(parsed if isinstance(parsed, DeadLetter) else None)
            metrics.INGEST_MESSAGES.labels(message.topic).inc()
        self.stats.messages += len(messages)
        return len(messages)

    def _report(self, on_progress: ProgressCallback) -> None:
        lags = self.source.lag()
        for (topic, partition), lag in lags.items():
            metrics.INGEST_LAG.labels(topic, str(partition)).set(lag)
        self.stats.lag = sum(lags.values()) if lags else None
        on_progress(self.stats)

    def _flush(self) -> bool:
        """Write the current batch (retrying while the store is down), then commit its offsets."""
        if not self._builder.messages:
            return True
        batch, offsets, count = self._builder.take(self.wall_ms())
        if not self._write_with_retry(batch):
            self.stats.uncommitted_at_exit += count
            log.warning("%d messages were not written and are not committed: they will be read again", count)
            return False
        self.source.commit(offsets)
        metrics.INGEST_COMMITS.inc()
        return True

    def _write_with_retry(self, batch: WriteBatch) -> bool:
        backoff = Backoff(self.settings.retry_max_seconds)
        self._writing, self._abandon = True, False
        try:
            while True:
                started = self.clock()
                try:
                    self.store.write(batch)
                except StoreUnavailable as exc:
                    if not self._wait_before_retry(backoff, exc):
                        return False
                    continue
                metrics.INGEST_BATCH_SECONDS.observe(self.clock() - started)
                self._count_written(batch)
                if backoff.attempts:
                    log.warning("store is back after %d failed attempts; resuming", backoff.attempts)
                    self.source.resume()
                return True
        finally:
            self._writing = False

    def _wait_before_retry(self, backoff: Backoff, exc: StoreUnavailable) -> bool:
        """Pause fetching and wait out the backoff while staying in the group. False: give up."""
        self.stats.store_errors += 1
        metrics.INGEST_STORE_ERRORS.inc()
        if backoff.attempts == 0:
            self.source.pause()
        delay = backoff.next_delay()
        log.warning("store unavailable (%s); retrying in %.1f s, nothing committed meanwhile", exc, delay)
        deadline = self.clock() + delay
        while self.clock() < deadline:
            if self._stop.is_set() or self._abandon:
                return False
            # poll() on paused partitions returns nothing but keeps group membership and heartbeats.
            self.source.poll(min(0.2, max(0.0, deadline - self.clock())), 1)
        return not (self._stop.is_set() or self._abandon)

    def _count_written(self, batch: WriteBatch) -> None:
        self.stats.record_written(batch)
        metrics.INGEST_ROWS_WRITTEN.labels("predictions").inc(len(batch.predictions))
        metrics.INGEST_ROWS_WRITTEN.labels("outcomes").inc(len(batch.outcomes))
        metrics.INGEST_ROWS_WRITTEN.labels("dead_letters").inc(len(batch.dead_letters))
        for dead in batch.dead_letters:
            metrics.INGEST_REJECTS.labels(dead.reason.value).inc()
        for p in batch.predictions:
            if p.nulled_features:
                metrics.INGEST_NULLED_VALUES.labels(p.model).inc(len(p.nulled_features))
            if p.undeclared_features:
                metrics.INGEST_UNDECLARED_FEATURES.labels(p.model).inc(len(p.undeclared_features))

    def on_partitions_revoked(self) -> None:
        """Called by the source before partitions move to another member.

        Writes and commits the current batch if the store answers; otherwise drops it from memory:
        it is not committed, so whoever owns the partitions next reads it again.
        """
        if self._writing:
            self._abandon = True  # inside a retry: positions reset to the committed offsets
            return
        if not self._builder.messages:
            return
        batch, offsets, count = self._builder.take(self.wall_ms())
        try:
            self.store.write(batch)
        except StoreUnavailable:
            log.warning("rebalance while the store is down: %d messages will be re-read", count)
            return
        self._count_written(batch)
        self.source.commit(offsets)
