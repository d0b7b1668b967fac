"""``ProcessWriter``: a ``BatchWriter`` whose batches are parsed and written by a worker process.

The loop's process then only polls, forwards each poll's messages, finishes batches and commits;
parsing, building the insert columns and the driver's serialisation (all GIL-bound Python) run on
another core, and the worker parses the next batch while the server works on the one before. Only for
a ClickHouse server store: the worker opens its own connection to it. The embedded chDB store can be
open in one process only, so it keeps the ``ThreadWriter``.

The worker is started with ``spawn`` (a fork of a process running kafka-python's and the metrics
server's threads could inherit a held lock). Forwarding is backpressured: a send blocks while the
worker is still parsing what it was sent before. Failure handling:
- the worker dies, or does not answer within ``ANSWER_TIMEOUT_S``: ``WorkerFailed`` is raised, and keeps
  being raised by every later call; nothing it did not report durable is committed;
- the parent dies: the worker's connection reaches end-of-file and it exits (``worker.serve``);
- ``close``: the connection is closed, the worker finishes what it was writing and exits; it is killed
  if it has not within ``EXIT_TIMEOUT_S``.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import NoReturn

from connectors.kafka.base import Message
from connectors.store.base import StoreUnavailable
from monitor.ingest.report import BatchReport
from monitor.ingest.worker import (
    Add,
    Crashed,
    Drop,
    Finish,
    Request,
    Retry,
    Unavailable,
    WorkerSpec,
    Written,
    pack,
    serve,
)
from monitor.ingest.writers import Pending, WorkerFailed

log = logging.getLogger(__name__)

# A write is a few inserts, each bounded by the store's own timeouts (3 s to connect, 60 s to send or
# receive by default): a worker silent for this long is stuck, not busy.
ANSWER_TIMEOUT_S = 600.0
EXIT_TIMEOUT_S = 10.0
_WAIT_SLICE_S = 1.0  # how often a wait checks its deadline


class _Submitted:
    """A batch in the worker; its answer is read by ``result``."""

    def __init__(self, writer: ProcessWriter, seq: int) -> None:
        self.writer, self.seq = writer, seq

    def done(self) -> bool:
        return self.writer.answered()

    def result(self) -> BatchReport:
        return self.writer.receive(self.seq)


class ProcessWriter:
    """``BatchWriter`` on a worker process (``worker.serve``) built from ``spec``."""

    def __init__(self, spec: WorkerSpec, answer_timeout_s: float = ANSWER_TIMEOUT_S) -> None:
        self.spec, self.answer_timeout_s = spec, answer_timeout_s
        self._connection: Connection | None = None
        self._process: BaseProcess | None = None
        self._seq = 0
        self._failure: str | None = None  # once set, every call raises WorkerFailed with it

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (for tests and logs)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        # The spec goes pickled: loading it imports the heavy modules, which the worker does only once it
        # ignores the stop signals (a Ctrl-C while it starts would otherwise kill it).
        spec = ForkingPickler.dumps(self.spec)
        self._process = context.Process(
            target=serve, args=(child_end, bytes(spec)), name="ingest-worker", daemon=True
        )
        self._process.start()
        child_end.close()  # only the worker holds its end: its death reads as end-of-file here
        self._connection = parent_end
        log.info("ingest worker process %d parses and writes the batches", self._process.pid)

    def add(self, messages: Sequence[Message], now_ms: int) -> None:
        self._send(Add(pack(messages), now_ms))

    def finish(self, received_ms: int) -> Pending:
        self._seq += 1
        self._send(Finish(self._seq, received_ms))
        return _Submitted(self, self._seq)

    def drop(self) -> None:
        self._send(Drop())

    def retry(self, pending: Pending) -> BatchReport:
        assert isinstance(pending, _Submitted), "not a batch of this writer"
        self._send(Retry(pending.seq))
        return self.receive(pending.seq)

    def answered(self) -> bool:
        """Whether an answer (or the worker's end) can be read without waiting."""
        connection = self._live_connection()
        return bool(connection.poll(0))

    def receive(self, seq: int) -> BatchReport:
        """The report of batch ``seq``; raises ``StoreUnavailable`` or ``WorkerFailed``."""
        connection = self._live_connection()
        assert self._process is not None
        deadline = time.monotonic() + self.answer_timeout_s
        while not connection.poll(0):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._process.kill()
                self._fail(f"the ingest worker gave no answer in {self.answer_timeout_s:.0f} s; killed it")
            ready = wait([connection, self._process.sentinel], min(remaining, _WAIT_SLICE_S))
            if ready and connection not in ready:
                self._fail(self._exited("while writing"))
        try:
            answer = connection.recv()
        except (EOFError, OSError):
            self._fail(self._exited("while writing"))
        if isinstance(answer, Crashed):
            self._fail(f"the ingest worker crashed:\n{answer.error}")
        if answer.seq != seq:
            self._fail(f"the ingest worker answered batch {answer.seq} when {seq} was expected")
        if isinstance(answer, Unavailable):
            raise StoreUnavailable(answer.reason)
        assert isinstance(answer, Written)
        return answer.report

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(EXIT_TIMEOUT_S)
            if self._process.is_alive():
                log.warning("the ingest worker did not exit within %.0f s: killing it", EXIT_TIMEOUT_S)
                self._process.kill()
                self._process.join(EXIT_TIMEOUT_S)
            self._process = None

    def _send(self, request: Request) -> None:
        connection = self._live_connection()
        try:
            connection.send(request)
        except OSError:  # a broken pipe: the worker is gone
            self._fail(self._exited("before taking a request"))

    def _exited(self, when: str) -> str:
        """Why the worker is gone: its crash report if it sent one before exiting, else its exit code."""
        assert self._process is not None and self._connection is not None
        try:
            if self._connection.poll(0):
                last = self._connection.recv()
                if isinstance(last, Crashed):
                    return f"the ingest worker crashed:\n{last.error}"
        except (EOFError, OSError):
            pass  # nothing more to read
        self._process.join(EXIT_TIMEOUT_S)
        return f"the ingest worker exited (code {self._process.exitcode}) {when}"

    def _live_connection(self) -> Connection:
        if self._failure is not None:
            raise WorkerFailed(self._failure)
        assert self._connection is not None, "the writer is not started"
        return self._connection

    def _fail(self, reason: str) -> NoReturn:
        self._failure = reason
        raise WorkerFailed(reason)
