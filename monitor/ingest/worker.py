"""The worker process of ``ProcessWriter``: parses and writes the batches its parent hands over.

Protocol, over one ``multiprocessing`` connection, strictly request then answer (at most one batch in
the worker, so neither side ever has more than one message to read):

    parent -> worker   Write(seq, messages, received_ms)  parse, write, keep the parsed batch
                       Retry(seq)                         write the kept batch again
    worker -> parent   Written(seq, report) | Unavailable(seq, reason) | Crashed(seq, traceback)

The worker never commits offsets and holds no state the parent relies on beyond the batch being
written: killing it loses nothing that is not re-read. It must never outlive its parent: it ignores
SIGINT and SIGTERM (a terminal or a service manager sends them to the whole process group; the parent
decides when to stop, after writing what it holds) and exits when the connection closes, which happens
when the parent closes it or dies, even by ``kill -9``. Any error other than ``StoreUnavailable`` is a
bug: it is sent to the parent as ``Crashed`` and the worker exits, and the parent stops loudly.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import NamedTuple

from connectors.kafka.base import Message
from connectors.store.base import Store, StoreUnavailable
from connectors.store.factory import open_store
from monitor.ingest.batch import Parser, RejectRateLimit
from monitor.ingest.gc_settings import fewer_collections
from monitor.ingest.processor import BatchProcessor, Prepared
from monitor.ingest.report import BatchReport

log = logging.getLogger(__name__)


class Write(NamedTuple):
    seq: int
    columns: tuple[tuple[object, ...], ...]  # the messages as ``pack`` sends them
    received_ms: int


class Retry(NamedTuple):
    seq: int


class Written(NamedTuple):
    seq: int
    report: BatchReport


class Unavailable(NamedTuple):
    seq: int
    reason: str  # the store's StoreUnavailable text (it never holds a password)


class Crashed(NamedTuple):
    seq: int
    error: str  # the traceback


Answer = Written | Unavailable | Crashed


def pack(messages: Sequence[Message]) -> tuple[tuple[object, ...], ...]:
    """The messages as one tuple per field: pickled about 4x faster than NamedTuples (which pickle
    through a Python-level ``__reduce__`` each), and the parent pays that on every batch."""
    return tuple(zip(*messages, strict=True))


def unpack(columns: tuple[tuple[object, ...], ...]) -> list[Message]:
    """The messages ``pack`` packed."""
    return list(map(Message._make, zip(*columns, strict=True)))


@dataclass(frozen=True)
class WorkerSpec:
    """What the worker needs to build its ``BatchProcessor`` (sent to it pickled, at start).

    ``open_store`` must be picklable by reference (a module-level function); tests pass one that opens a
    store they can switch off."""

    store_url: str = field(repr=False)  # may hold a password
    parser: Parser
    reject_ratio: float
    reject_window: int
    log_level: int = logging.INFO
    open_store: Callable[[str], Store] = open_store


def serve(connection: Connection, spec: WorkerSpec) -> None:
    """The worker's main function: answer requests until the connection closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=spec.log_level, format="ingest worker: %(levelname)s %(name)s: %(message)s")
    logging.getLogger("clickhouse_driver").setLevel(logging.WARNING)
    try:
        store = spec.open_store(spec.store_url)
        processor = BatchProcessor(spec.parser, store, RejectRateLimit(spec.reject_ratio, spec.reject_window))
        try:
            _answer_requests(connection, processor)
        finally:
            store.close()
    except Exception:
        with contextlib.suppress(OSError):  # if the parent is gone, the traceback still goes to stderr
            connection.send(Crashed(-1, traceback.format_exc()))
        raise
    finally:
        connection.close()


def _answer_requests(connection: Connection, processor: BatchProcessor) -> None:
    kept: tuple[int, Prepared] | None = None
    with fewer_collections():
        while True:
            try:
                request = connection.recv()
            except EOFError:
                return  # the parent closed the connection or died
            if isinstance(request, Write):
                kept = (request.seq, processor.prepare(unpack(request.columns), request.received_ms))
            elif not isinstance(request, Retry) or kept is None or kept[0] != request.seq:
                raise RuntimeError(f"unexpected request {type(request).__name__} (kept: {kept and kept[0]})")
            answer: Answer
            try:
                answer = Written(kept[0], processor.write(kept[1]))
            except StoreUnavailable as exc:
                answer = Unavailable(kept[0], str(exc))
            try:
                connection.send(answer)
            except OSError:
                return  # the parent died while we wrote: what it did not commit is read again
