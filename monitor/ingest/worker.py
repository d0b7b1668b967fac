"""The worker process of ``ProcessWriter``: parses the messages its parent forwards, writes finished
batches.

Protocol, over one ``multiprocessing`` connection:

    parent -> worker   Add(messages, now_ms)       parse into the batch being built
                       Finish(seq, received_ms)    hand the batch being built to the writer thread
                       Retry(seq)                  write the batch ``seq`` (whose write failed) again
                       Drop()                      forget the batch being built
    worker -> parent   Written(seq, report) | Unavailable(seq, reason) | Crashed(seq, traceback)

The parent sends ``Finish`` only after it has read the answer about the batch before, so one batch at
most is being written; the worker's main thread meanwhile parses the next batch's messages as they
arrive, which overlaps the server's time on the write (the parsing and the driver's serialisation
share the worker's GIL; waiting on the server does not hold it).

The worker never commits offsets and holds no state the parent relies on beyond the batches it was
given: killing it loses nothing that is not re-read. It must never outlive its parent: it ignores
SIGINT and SIGTERM (a terminal or a service manager sends them to the whole process group; the parent
decides when to stop, after writing what it holds) and exits when the connection closes, which happens
when the parent closes it or dies, even by ``kill -9``. It ignores them from its first line, about 0.1 s
after it is started (this module imports little for that reason); a stop signal to the group before
then kills it, and the parent stops with ``WorkerFailed``, committing nothing more. Any error other
than ``StoreUnavailable`` is a bug: it is sent to the parent as ``Crashed`` and the parent stops loudly.
"""

from __future__ import annotations

# Imports here are light on purpose: the worker ignores SIGINT/SIGTERM only once ``serve`` runs, and
# everything imported at module level (and the pickled spec, which pulls in the config model, scipy and
# pandas) would be loaded before that. The heavy modules are imported in ``serve``.
import contextlib
import logging
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, NamedTuple

from connectors.kafka.base import Message
from connectors.store.base import Store, StoreUnavailable
from connectors.store.factory import open_store
from monitor.ingest.gc_settings import fewer_collections

if TYPE_CHECKING:
    from monitor.ingest.batch import Parser
    from monitor.ingest.processor import BatchProcessor, Prepared
    from monitor.ingest.report import BatchReport

log = logging.getLogger(__name__)

Columns = tuple[tuple[object, ...], ...]
# What a terminal (Ctrl-C) or a service manager sends the whole process group; the parent handles them.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class Add(NamedTuple):
    columns: Columns  # the messages as ``pack`` sends them
    now_ms: int


class Finish(NamedTuple):
    seq: int
    received_ms: int


class Retry(NamedTuple):
    seq: int


class Drop(NamedTuple):
    pass


class Written(NamedTuple):
    seq: int
    report: BatchReport


class Unavailable(NamedTuple):
    seq: int
    reason: str  # the store's StoreUnavailable text (it never holds a password)


class Crashed(NamedTuple):
    seq: int
    error: str  # the traceback


Request = Add | Finish | Retry | Drop
Answer = Written | Unavailable | Crashed


def pack(messages: Sequence[Message]) -> Columns:
    """The messages as one tuple per field: pickled about 4x faster than NamedTuples (which pickle
    through a Python-level ``__reduce__`` each), and the parent pays that on every poll."""
    return tuple(zip(*messages, strict=True))


def unpack(columns: Columns) -> list[Message]:
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


class _Answers:
    """The worker's sending side: the writer thread answers, the main thread may report a crash."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def send(self, answer: Answer) -> None:
        with self._lock, contextlib.suppress(OSError):  # the parent is gone: the main thread sees EOF
            self._connection.send(answer)


def serve(connection: Connection, pickled_spec: bytes) -> None:
    """The worker's main function: answer requests until the connection closes.

    ``pickled_spec`` is a pickled ``WorkerSpec``, loaded once the stop signals are ignored."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    answers = _Answers(connection)
    try:
        spec: WorkerSpec = pickle.loads(pickled_spec)
        logging.basicConfig(level=spec.log_level, format="ingest worker: %(levelname)s %(name)s: %(message)s")
        logging.getLogger("clickhouse_driver").setLevel(logging.WARNING)
        from monitor.ingest.batch import RejectRateLimit
        from monitor.ingest.processor import BatchProcessor

        store = spec.open_store(spec.store_url)
        try:
            limit = RejectRateLimit(spec.reject_ratio, spec.reject_window)
            _serve(connection, answers, BatchProcessor(spec.parser, store, limit))
        finally:
            store.close()
    except Exception:
        answers.send(Crashed(-1, traceback.format_exc()))  # the traceback also goes to stderr below
        raise
    finally:
        connection.close()


def _serve(connection: Connection, answers: _Answers, processor: BatchProcessor) -> None:
    def write(seq: int, prepared: Prepared) -> None:
        try:
            answer: Answer = Written(seq, processor.write(prepared))
        except StoreUnavailable as exc:
            answer = Unavailable(seq, str(exc))
        except Exception:
            answer = Crashed(seq, traceback.format_exc())
        answers.send(answer)

    kept: tuple[int, Prepared] | None = None  # the batch handed to the writer thread last
    with fewer_collections(), ThreadPoolExecutor(1, thread_name_prefix="worker-writer") as writer:
        while True:
            try:
                request: Request = connection.recv()
            except (EOFError, OSError):  # a reset when it died with an answer of ours unread
                return  # the parent closed the connection or died: the writer thread finishes first
            if isinstance(request, Add):
                processor.add(unpack(request.columns), request.now_ms)
            elif isinstance(request, Finish):
                kept = (request.seq, processor.finish(request.received_ms))
                writer.submit(write, *kept)
            elif isinstance(request, Retry) and kept is not None and kept[0] == request.seq:
                writer.submit(write, *kept)
            elif isinstance(request, Drop):
                processor.drop()
            else:
                raise RuntimeError(f"unexpected request {request!r} (batch kept: {kept and kept[0]})")
