"""The ingest loop: poll -> parse -> batch -> durable write -> commit, in that order.

Offsets are committed only after the batch's rows are durable, so a crash at any point re-reads
uncommitted messages and the store's deduplication hides the replay (at-least-once from Kafka,
effectively exactly-once in the store). While the store is down, fetching is paused (the consumer stays
in its group) and the write is retried with backoff; nothing is committed until it succeeds.

The loop polls and gives each poll's messages to a ``BatchWriter`` (``writers.py``), which parses them
into the batch being built; the loop itself keeps only the batch's offsets. When the batch is due, the
loop hands it over for writing, and the writer writes it in the background while the next one is built
(double buffering: one batch at most being written, so memory is bounded by two batches). The writer
is a thread beside the loop (``ThreadWriter``: the embedded store, tests) or a worker process
(``ProcessWriter``: a ClickHouse server store, where parsing and writing then use another core). The
loop commits a batch's offsets itself, from its own thread (the consumer is not thread-safe), once its
report arrives and before the next batch is handed over, so batches are written and committed in
order. A write that fails is retried from the loop with backoff, without parsing the batch again.

The reject-rate limit sees every message in order where it is parsed; when a report says it tripped,
the loop writes and commits what it read, then raises ``RejectRateExceeded``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from connectors.kafka.base import Source, TopicPartition
from connectors.store.base import StoreUnavailable
from monitor import metrics
from monitor.ingest.batch import Backoff, BatchOffsets, RejectRateExceeded
from monitor.ingest.gc_settings import fewer_collections
from monitor.ingest.report import BatchReport, IngestStats, export_written
from monitor.ingest.writers import BatchWriter, Pending

log = logging.getLogger(__name__)

_topic = attrgetter("topic")


@dataclass(frozen=True)
class PipelineSettings:
    """Batching and pacing of the loop (from the ``kafka`` and ``ingest`` config sections)."""

    batch_max_messages: int = 5000
    batch_max_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    poll_timeout_s: float = 0.2
    progress_every_s: float = 1.0


ProgressCallback = Callable[[IngestStats], None]


@dataclass
class _InFlight:
    """A batch handed to the writer, and what to commit once it is durable."""

    pending: Pending
    offsets: dict[TopicPartition, int]
    count: int


class IngestPipeline:
    """Runs the loop over one source and one writer until stopped, idle, or ``max_messages`` read."""

    def __init__(
        self,
        source: Source,
        writer: BatchWriter,
        settings: PipelineSettings,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.source, self.writer, self.settings = source, writer, settings
        self.clock, self.wall_ms = clock, wall_ms
        self.stats = IngestStats()
        self._batch = BatchOffsets(settings.batch_max_messages, settings.batch_max_seconds)
        self._tripped: str | None = None  # the reject limit's explanation, once a report says so
        self._writing = False
        self._abandon = False
        self._stop = threading.Event()
        self._in_flight: _InFlight | None = None

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
        recent message was rejected, and ``WorkerFailed`` (committing nothing more) if the writer broke.
        """
        self.writer.start()
        try:
            with fewer_collections():
                return self._loop(max_messages, idle_exit_s, on_progress)
        finally:
            self.writer.close()

    def _loop(
        self, max_messages: int | None, idle_exit_s: float | None, on_progress: ProgressCallback | None
    ) -> IngestStats:
        last_message = last_progress = self.clock()
        while not self._stop.is_set() and self._tripped is None:
            remaining = None if max_messages is None else max_messages - self.stats.messages
            if remaining is not None and remaining <= 0:
                break
            limit = self.settings.batch_max_messages if remaining is None else remaining
            received = self._consume(min(self.settings.batch_max_messages, limit))
            now = self.clock()
            if received or not self.source.is_assigned():
                last_message = now  # the idle clock starts once the group has given us partitions
            if self._batch.is_due(now):
                self._flush()
            elif self._in_flight is not None and (self._in_flight.pending.done() or not received):
                self._settle()  # commit as soon as the write is done, not only when the next batch is due
            idle = not self._batch.messages and self._in_flight is None
            if idle_exit_s is not None and now - last_message >= idle_exit_s and idle:
                log.info("no message for %.1f s: stopping", idle_exit_s)
                break
            if on_progress and now - last_progress >= self.settings.progress_every_s:
                last_progress = now
                self._report(on_progress)
        self._drain()
        if on_progress:
            self._report(on_progress)
        if self._tripped is not None:
            raise RejectRateExceeded(self._tripped)
        return self.stats

    def _consume(self, limit: int) -> int:
        messages = self.source.poll(self.settings.poll_timeout_s, limit)
        if not messages:
            return 0
        self._batch.add(messages, self.clock())
        self.writer.add(messages, self.wall_ms())
        # Counted once per poll: a labelled increment costs a microsecond.
        for topic, count in Counter(map(_topic, messages)).items():
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
            self._drop()
            return False
        if not self._batch.messages:
            return True
        offsets, count = self._batch.take()
        self._in_flight = _InFlight(self.writer.finish(self.wall_ms()), offsets, count)
        return True

    def _drop(self) -> None:
        """Forget the batch being built; counted as not committed (it is read again)."""
        if self._batch.messages:
            self.stats.uncommitted_at_exit += self._batch.take()[1]
            self.writer.drop()

    def _drain(self) -> None:
        """Write and commit everything read so far (the current batch and the one in flight)."""
        self._flush()
        self._settle()

    def _settle(self) -> bool:
        """Wait for the batch in flight, retry it here if the store failed it, then commit it."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is None:
            return True
        # The retry runs outside the ``except``: inside it, every log record of the retries (the driver
        # logs each failed connect with its traceback) would carry this exception's chain as well.
        failed: StoreUnavailable | None = None
        try:
            report = in_flight.pending.result()
        except StoreUnavailable as exc:
            failed = exc
        if failed is None:
            self._count_written(report)
        elif not self._write_with_retry(in_flight.pending, failed):
            self.stats.uncommitted_at_exit += in_flight.count
            log.warning(
                "%d messages were not written and are not committed: they will be read again", in_flight.count
            )
            return False
        self.source.commit(in_flight.offsets)
        metrics.INGEST_COMMITS.inc()
        return True

    def _write_with_retry(self, pending: Pending, failed: StoreUnavailable) -> bool:
        """Write ``pending`` again, retrying with backoff while the store is unavailable (``failed``: the
        error of the attempt already made). False when stopped or abandoned before it succeeded."""
        backoff = Backoff(self.settings.retry_max_seconds)
        self._writing, self._abandon = True, False
        try:
            error = failed
            while True:
                if not self._wait_before_retry(backoff, error):
                    return False
                try:
                    report = self.writer.retry(pending)
                except StoreUnavailable as exc:
                    error = exc
                    continue
                self._count_written(report)
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

    def _count_written(self, report: BatchReport) -> None:
        """Stats and metrics of a durable batch; notes the reject limit's verdict."""
        self.stats.record_written(report)
        export_written(report)
        if report.reject_limit is not None and self._tripped is None:
            self._tripped = report.reject_limit

    def on_partitions_revoked(self) -> None:
        """Called by the source before partitions move to another member.

        Writes and commits the current batch if the store answers; otherwise drops it from memory:
        it is not committed, so whoever owns the partitions next reads it again.
        """
        if self._writing:
            self._abandon = True  # inside a retry: positions reset to the committed offsets
            return
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            try:
                report = in_flight.pending.result()
            except StoreUnavailable:
                count = in_flight.count + self._batch.take()[1]
                self.writer.drop()
                log.warning("rebalance while the store is down: %d messages will be re-read", count)
                return
            self._count_written(report)
            self.source.commit(in_flight.offsets)
        if not self._batch.messages:
            return
        offsets, count = self._batch.take()
        try:
            report = self.writer.finish(self.wall_ms()).result()
        except StoreUnavailable:
            log.warning("rebalance while the store is down: %d messages will be re-read", count)
            return
        self._count_written(report)
        self.source.commit(offsets)
