"""Where batches are parsed and written: the ``BatchWriter`` interface, and ``ThreadWriter``, which
parses in the loop's thread and writes in a thread beside it.

Two writers implement the interface:
- ``ThreadWriter`` (here): messages are parsed as they are polled, and a finished batch is written by a
  background thread sharing the loop's store. Only the socket and server time of a write overlap with
  polling and parsing (they and the driver's serialisation all hold the GIL). It is the one to use for
  the embedded chDB store, which can be open in one process only, and for tests.
- ``ProcessWriter`` (``process_writer.py``): a worker process with its own store connection parses the
  messages as the loop forwards them and writes finished batches, so that work runs on another core
  than polling, and its parsing overlaps the server's time on the batch before. Only for a ClickHouse
  server store.

Either way one batch at most is handed over for writing at a time (the loop settles it before
finishing the next; the next is meanwhile being built), and the writer never commits: the loop does,
once a batch's report says it is durable.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from connectors.kafka.base import Message
from monitor.ingest.processor import BatchProcessor, Prepared
from monitor.ingest.report import BatchReport


class WorkerFailed(RuntimeError):
    """The writer cannot go on (its worker process died or stopped answering). Ingest stops loudly;
    batches not reported durable are not committed and are read again after a restart."""


class Pending(Protocol):
    """A batch handed over for writing."""

    def done(self) -> bool:
        """Whether ``result`` would return without waiting."""
        ...

    def result(self) -> BatchReport:
        """Wait for the write. Raises ``StoreUnavailable`` if the store failed it (``BatchWriter.retry``
        writes it again), ``WorkerFailed`` if the writer itself broke."""
        ...


class BatchWriter(Protocol):
    """Builds batches from the messages it is given, and writes them one at a time, in order."""

    def start(self) -> None:
        """Get ready (start the thread or the worker process)."""

    def add(self, messages: Sequence[Message], now_ms: int) -> None:
        """Add one poll's messages to the batch being built (``now_ms``: when they were received)."""

    def finish(self, received_ms: int) -> Pending:
        """Hand the batch being built over for writing (``received_ms``: its version) and start the next.
        The batch handed over before must be settled (its ``result`` returned or raised) first."""
        ...

    def drop(self) -> None:
        """Forget the batch being built: its messages are not committed, so they are read again."""

    def retry(self, pending: Pending) -> BatchReport:
        """Write again, and wait for, a batch whose write failed with ``StoreUnavailable`` (raised again
        if the store is still down). Its messages are not parsed again."""
        ...

    def close(self) -> None:
        """Stop the thread or the worker (a batch being written is finished first, not committed)."""


class _ThreadJob:
    def __init__(self, prepared: Prepared, future: Future[BatchReport]) -> None:
        self.prepared, self.future = prepared, future

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> BatchReport:
        return self.future.result()


class ThreadWriter:
    """``BatchWriter`` parsing in the caller's thread and writing on a background thread."""

    def __init__(self, processor: BatchProcessor) -> None:
        self.processor = processor
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")

    def add(self, messages: Sequence[Message], now_ms: int) -> None:
        self.processor.add(messages, now_ms)

    def finish(self, received_ms: int) -> Pending:
        assert self._executor is not None, "finish() before start()"
        prepared = self.processor.finish(received_ms)
        return _ThreadJob(prepared, self._executor.submit(self.processor.write, prepared))

    def drop(self) -> None:
        self.processor.drop()

    def retry(self, pending: Pending) -> BatchReport:
        assert isinstance(pending, _ThreadJob), "not a batch of this writer"
        return self.processor.write(pending.prepared)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
