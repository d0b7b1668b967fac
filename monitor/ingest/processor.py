"""``BatchProcessor``: parse the batch being built as its messages arrive, and write finished batches.

The same object does this job for the ``ThreadWriter`` (parsing in the loop's thread, writing in a
thread beside it) and in the worker process (``worker.serve``), so both modes parse, limit and write
identically. Parsing (``add``, ``finish``, ``drop``) and writing (``write``) touch disjoint state, so
one thread may parse the next batch while another writes the one before.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.kafka.base import Message
from connectors.store.base import Store, WriteBatch
from monitor.ingest.batch import ParsedBatch, Parser, RejectRateLimit
from monitor.ingest.report import BatchReport


@dataclass(frozen=True)
class Prepared:
    """A parsed batch, kept until it is durable (a failed write is retried without parsing again)."""

    batch: WriteBatch
    reject_limit: str | None  # the limit's explanation if it had tripped when the batch was finished


class BatchProcessor:
    """Parses batches in order (one reject limit sees every message once) and writes them."""

    def __init__(self, parser: Parser, store: Store, limit: RejectRateLimit) -> None:
        self.parser, self.store, self.limit = parser, store, limit
        self._building = ParsedBatch()

    def add(self, messages: Sequence[Message], now_ms: int) -> None:
        """Parse ``messages`` into the batch being built (``now_ms``: when they were received)."""
        self._building.add(self.parser, messages, now_ms, self.limit)

    def finish(self, received_ms: int) -> Prepared:
        """The batch being built, ready to write (versioned ``received_ms``); starts the next one."""
        batch = self._building.take(received_ms)
        return Prepared(batch, self.limit.explain() if self.limit.tripped() else None)

    def drop(self) -> None:
        """Forget the batch being built (its messages will be read again, as they are not committed)."""
        self._building = ParsedBatch()

    def write(self, prepared: Prepared) -> BatchReport:
        """Write durably, timed; raises ``StoreUnavailable`` when it may be retried."""
        started = time.perf_counter()
        self.store.write(prepared.batch)
        seconds = time.perf_counter() - started
        return BatchReport.of(prepared.batch, seconds, prepared.reject_limit)
