"""Where a batch is parsed and written while the loop polls the next one: the ``BatchWriter`` interface,
and ``ThreadWriter``, which does it in a thread of this process.

Two writers implement the interface:
- ``ThreadWriter`` (here): a background thread, sharing the loop's store. It overlaps only the socket
  and server time of a write with polling (parsing and the driver's serialisation hold the GIL). It is
  the one to use for the embedded chDB store, which can be open in one process only, and for tests.
- ``ProcessWriter`` (``process_writer.py``): a worker process with its own store connection, so parsing
  and writing run on another core than polling. Only for a ClickHouse server store.

Either way at most one batch is in the writer at a time (the loop settles one before handing over the
next), and the writer never commits: the loop does, once a batch's report says it is durable.
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
    """A batch handed to a writer."""

    def done(self) -> bool:
        """Whether ``result`` would return without waiting."""
        ...

    def result(self) -> BatchReport:
        """Wait for the write. Raises ``StoreUnavailable`` if the store failed it (``BatchWriter.retry``
        writes it again), ``WorkerFailed`` if the writer itself broke."""
        ...


class BatchWriter(Protocol):
    """Parses and writes batches handed over by the loop, one at a time, in order."""

    def start(self) -> None:
        """Get ready (start the thread or the worker process)."""

    def submit(self, messages: Sequence[Message], received_ms: int) -> Pending:
        """Parse and write ``messages`` in the background (``received_ms``: the batch's version). The
        batch submitted before must be settled (its ``result`` returned or raised) first."""
        ...

    def retry(self, pending: Pending) -> BatchReport:
        """Write again, and wait for, a batch whose write failed with ``StoreUnavailable`` (raised again
        if the store is still down). Its messages are not parsed again."""
        ...

    def close(self) -> None:
        """Stop the thread or the worker (a batch being written is finished first, not committed)."""


class _ThreadJob:
    def __init__(self) -> None:
        self.prepared: Prepared | None = None  # set by the writer thread once parsed
        self.future: Future[BatchReport] = Future()

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> BatchReport:
        return self.future.result()


class ThreadWriter:
    """``BatchWriter`` on a background thread of this process, sharing the processor's store."""

    def __init__(self, processor: BatchProcessor) -> None:
        self.processor = processor
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")

    def submit(self, messages: Sequence[Message], received_ms: int) -> Pending:
        assert self._executor is not None, "submit() before start()"
        job = _ThreadJob()
        job.future = self._executor.submit(self._run, job, messages, received_ms)
        return job

    def _run(self, job: _ThreadJob, messages: Sequence[Message], received_ms: int) -> BatchReport:
        job.prepared = self.processor.prepare(messages, received_ms)
        return self.processor.write(job.prepared)

    def retry(self, pending: Pending) -> BatchReport:
        assert isinstance(pending, _ThreadJob) and pending.prepared is not None, "not a parsed batch"
        return self.processor.write(pending.prepared)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
