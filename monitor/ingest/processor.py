"""``BatchProcessor``: parse a batch of messages and write it to the store, wherever that runs.

The same object does this job in the writer thread (``ThreadWriter``) and in the worker process
(``worker.serve``), so both modes parse, limit and write identically.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.kafka.base import Message
from connectors.store.base import Store, WriteBatch
from monitor.ingest.batch import Parser, RejectRateLimit, parse_batch
from monitor.ingest.report import BatchReport


@dataclass(frozen=True)
class Prepared:
    """A parsed batch, kept until it is durable (a failed write is retried without parsing again)."""

    batch: WriteBatch
    reject_limit: str | None  # the limit's explanation if it tripped while parsing this batch


class BatchProcessor:
    """Parses batches in order (one reject limit sees every message once) and writes them."""

    def __init__(self, parser: Parser, store: Store, limit: RejectRateLimit) -> None:
        self.parser, self.store, self.limit = parser, store, limit

    def prepare(self, messages: Sequence[Message], received_ms: int) -> Prepared:
        batch = parse_batch(self.parser, messages, received_ms, self.limit)
        return Prepared(batch, self.limit.explain() if self.limit.tripped() else None)

    def write(self, prepared: Prepared) -> BatchReport:
        """Write durably, timed; raises ``StoreUnavailable`` when it may be retried."""
        started = time.perf_counter()
        self.store.write(prepared.batch)
        seconds = time.perf_counter() - started
        return BatchReport.of(prepared.batch, seconds, prepared.reject_limit)
