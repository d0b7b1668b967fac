"""The ingest loop: poll -> parse -> batch -> durable write -> commit, in that order.

Offsets are committed only after the batch's rows are durable, so a crash at any point re-reads
uncommitted messages and the store's deduplication hides the replay (at-least-once from Kafka,
effectively exactly-once in the store). While the store is down, fetching is paused (the consumer stays
in its group) and the write is retried with backoff; nothing is committed until it succeeds.

A full batch is written by a background writer thread while the loop polls and parses the next one
(double buffering: at most one batch in flight). The loop commits a batch's offsets itself, from its own
thread (the consumer is not thread-safe), once the write is done and before the next batch is handed
over, so batches are written and committed in order. A write that fails in the background is retried
the synchronous way above.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from connectors.kafka.base import Source, TopicPartition
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

# Python's cyclic GC runs a collection every 700 new container objects, and each one walks the young
# records a batch holds (thousands, all acyclic, freed by reference counting); its full collections
# walk every object the process has loaded. Measured on the ingest benchmark: parsing took 29 instead
# of 17 µs a message and building insert columns 20 instead of 4. While ingesting, the objects alive
# at the start are frozen out of collection and collections run 70x less often.
INGEST_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze what is alive and collect rarely while the block runs; restore the settings after."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*INGEST_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@dataclass
class _InFlight:
    """A batch handed to the writer thread, and what to commit once it is durable."""

    batch: WriteBatch
    offsets: dict[TopicPartition, int]
    count: int
    done: Future[float]  # the write's duration in seconds, or its exception


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
        self._in_flight: _InFlight | None = None
        self._writer: ThreadPoolExecutor | None = None

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
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        try:
            with fewer_collections():
                return self._loop(max_messages, idle_exit_s, on_progress)
        finally:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _loop(
        self, max_messages: int | None, idle_exit_s: float | None, on_progress: ProgressCallback | None
    ) -> IngestStats:
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
                self._drain()
                raise RejectRateExceeded(self._limit.explain())
            if self._builder.is_due(now):
                self._flush()
            elif self._in_flight is not None and (self._in_flight.done.done() or not received):
                self._settle()  # commit as soon as the write is done, not only when the next batch is due
            idle = not self._builder.messages and self._in_flight is None
            if idle_exit_s is not None and now - last_message >= idle_exit_s and idle:
                log.info("no message for %.1f s: stopping", idle_exit_s)
                break
            if on_progress and now - last_progress >= self.settings.progress_every_s:
                last_progress = now
                self._report(on_progress)
        self._drain()
        if on_progress:
            self._report(on_progress)
        return self.stats

    def _consume(self, limit: int) -> int:
        messages = self.source.poll(self.settings.poll_timeout_s, limit)
        now, now_ms = self.clock(), self.wall_ms()
        parse, add, record = self.parser.parse, self._builder.add, self._limit.record
        topics: Counter[str] = Counter()
        for message in messages:
            parsed = parse(message, now_ms)
            add(message, parsed, now)
            record(parsed if isinstance(parsed, DeadLetter) else None)
            topics[message.topic] += 1
        for topic, count in topics.items():  # once per poll: a labelled increment costs a microsecond
            metrics.INGEST_MESSAGES.labels(topic).inc(count)
        self.stats.messages += len(messages)
        return len(messages)

    def _report(self, on_progress: ProgressCallback) -> None:
        lags = self.source.lag()
        for (topic, partition), lag in lags.items():
            metrics.INGEST_LAG.labels(topic, str(partition)).set(lag)
        self.stats.lag = sum(lags.values()) if lags else None
        on_progress(self.stats)

    def _flush(self) -> bool:
        """Hand the current batch to the writer, after the batch before it is written and committed.

        False when that earlier batch could not be written (the loop is stopping, or the partitions
        moved during a retry): the current batch is then dropped too, as committing its offsets would
        skip the earlier one; both are read again by whoever owns the partitions next."""
        if not self._settle():
            self.stats.uncommitted_at_exit += self._builder.take(self.wall_ms())[2]
            return False
        if not self._builder.messages:
            return True
        batch, offsets, count = self._builder.take(self.wall_ms())
        assert self._writer is not None, "batches are written only while run() runs"
        self._in_flight = _InFlight(batch, offsets, count, self._writer.submit(self._timed_write, batch))
        return True

    def _drain(self) -> None:
        """Write and commit everything read so far (the current batch and the one in flight)."""
        self._flush()
        self._settle()

    def _timed_write(self, batch: WriteBatch) -> float:
        started = self.clock()
        self.store.write(batch)
        return self.clock() - started

    def _settle(self) -> bool:
        """Wait for the batch in flight, retry it here if the store failed it, then commit it."""
        pending, self._in_flight = self._in_flight, None
        if pending is None:
            return True
        # The retry runs outside the ``except``: inside it, every log record of the retries (the driver
        # logs each failed connect with its traceback) would carry this exception's chain as well.
        failed: StoreUnavailable | None = None
        try:
            seconds = pending.done.result()
        except StoreUnavailable as exc:
            failed = exc
        if failed is None:
            self._count_written(pending.batch, seconds)
        elif not self._write_with_retry(pending.batch, failed=failed):
            self.stats.uncommitted_at_exit += pending.count
            log.warning(
                "%d messages were not written and are not committed: they will be read again", pending.count
            )
            return False
        self.source.commit(pending.offsets)
        metrics.INGEST_COMMITS.inc()
        return True

    def _write_with_retry(self, batch: WriteBatch, failed: StoreUnavailable | None = None) -> bool:
        """Write ``batch`` here, retrying with backoff while the store is unavailable (``failed``: the
        error of an attempt already made). False when stopped or abandoned before it succeeded."""
        backoff = Backoff(self.settings.retry_max_seconds)
        self._writing, self._abandon = True, False
        try:
            if failed is not None and not self._wait_before_retry(backoff, failed):
                return False
            while True:
                started = self.clock()
                try:
                    self.store.write(batch)
                except StoreUnavailable as exc:
                    if not self._wait_before_retry(backoff, exc):
                        return False
                    continue
                self._count_written(batch, self.clock() - started)
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

    def _count_written(self, batch: WriteBatch, seconds: float | None = None) -> None:
        """Stats and metrics of a durable batch; ``seconds``: how long its write took, if timed."""
        if seconds is not None:
            metrics.INGEST_BATCH_SECONDS.observe(seconds)
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
        pending, self._in_flight = self._in_flight, None
        if pending is not None:
            try:
                seconds = pending.done.result()
            except StoreUnavailable:
                count = pending.count + self._builder.take(self.wall_ms())[2]
                log.warning("rebalance while the store is down: %d messages will be re-read", count)
                return
            self._count_written(pending.batch, seconds)
            self.source.commit(pending.offsets)
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
