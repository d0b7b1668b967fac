"""The worker process of ``ProcessWriter``: how it fails, stops and never outlives its parent.

No server is needed: a ClickHouse URL on a closed port is a store that is down, and the stores that
crash or hang are module-level factories the worker imports by name. How the pipeline behaves around
these writers (order, commits, retries, stop) is in test_ingest_pipeline.py, against both writers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest

from connectors.kafka.base import Message
from connectors.store.base import Store, StoreUnavailable, WriteBatch
from monitor.commands.ingest import build_writer, writer_mode
from monitor.config_loader import load_config
from monitor.ingest.batch import Parser, TopicRoles
from monitor.ingest.process_writer import ProcessWriter
from monitor.ingest.worker import WorkerSpec, pack, unpack
from monitor.ingest.writers import Pending, ThreadWriter, WorkerFailed
from monitor.parsing import ParseLimits

ROOT = Path(__file__).resolve().parents[2]
DOWN_URL = "clickhouse://monitor:s3cret@127.0.0.1:1/monitor?connect_timeout=1"  # nothing listens on port 1
MESSAGES = [Message("preds", 0, i, b'{"model": "churn"}', 0) for i in range(3)]


def parser() -> Parser:
    config = load_config(ROOT / "config" / "monitor.yaml", env={})
    return Parser(TopicRoles("preds", "outs"), config.models, ParseLimits.from_config(config.ingest))


def crashing_store(url: str) -> Store:
    raise RuntimeError("this store cannot be opened")


class _BrokenStore:
    def write(self, batch: WriteBatch) -> None:
        raise ValueError("a bug in the write path")

    def close(self) -> None:
        pass


def broken_store(url: str) -> Store:
    return cast(Store, _BrokenStore())


class _HangingStore:
    def write(self, batch: WriteBatch) -> None:
        time.sleep(60)

    def close(self) -> None:
        pass


def hanging_store(url: str) -> Store:
    return cast(Store, _HangingStore())


def writer(open_store: object = None, answer_timeout_s: float = 60.0) -> ProcessWriter:
    spec = WorkerSpec(DOWN_URL, parser(), 0.95, 1000)
    if open_store is not None:
        spec = WorkerSpec(DOWN_URL, parser(), 0.95, 1000, open_store=open_store)  # type: ignore[arg-type]
    return ProcessWriter(spec, answer_timeout_s=answer_timeout_s)


@contextmanager
def started(w: ProcessWriter) -> Iterator[ProcessWriter]:
    """The writer, started; closed (its worker joined) afterwards."""
    w.start()
    try:
        yield w
    finally:
        w.close()


def submit(w: ProcessWriter, received_ms: int) -> Pending:
    """Hand the worker a batch of ``MESSAGES``."""
    w.add(MESSAGES, received_ms)
    return w.finish(received_ms)


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie not yet reaped by its new parent counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def wait_ignoring_stop_signals(pid: int, seconds: float) -> bool:
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        ignored = int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)
        if ignored & wanted == wanted:
            return True
        time.sleep(0.005)
    return False


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.05)
    return gone(pid)


def test_messages_cross_to_the_worker_unchanged() -> None:
    messages = [Message("preds", 2, 7, b"\xff\x00raw", 123), Message("outs", 0, 1, b"", -1)]
    assert unpack(pack(messages)) == messages
    assert unpack(pack([])) == []


def test_a_store_that_is_down_is_reported_retryable_and_without_its_password() -> None:
    with started(writer()) as w:
        pending = submit(w, 1)
        with pytest.raises(StoreUnavailable) as first:
            pending.result()
        with pytest.raises(StoreUnavailable):
            w.retry(pending)  # the kept batch, written again
        assert "s3cret" not in str(first.value) and "127.0.0.1" in str(first.value)


def test_a_worker_that_crashes_fails_the_writer_with_its_traceback_for_good() -> None:
    with started(writer(crashing_store)) as w:
        with pytest.raises(WorkerFailed, match="this store cannot be opened"):
            submit(w, 1).result()
        with pytest.raises(WorkerFailed):  # every later call fails too
            submit(w, 2)


def test_a_bug_in_the_write_is_not_retried_but_fails_the_writer_with_its_traceback() -> None:
    with started(writer(broken_store)) as w, pytest.raises(WorkerFailed, match="a bug in the write path"):
        submit(w, 1).result()


def test_a_worker_that_dies_fails_the_writer() -> None:
    with started(writer()) as w:
        assert w.pid is not None
        submit(w, 1)  # the answer is never read: the worker is killed first
        os.kill(w.pid, signal.SIGKILL)
        assert wait_gone(w.pid, 10)
        with pytest.raises(WorkerFailed, match=r"exited|answered"):
            submit(w, 2).result()


def test_a_silent_worker_is_killed_after_the_answer_timeout() -> None:
    with started(writer(hanging_store, answer_timeout_s=1.0)) as w:
        pid = w.pid
        assert pid is not None
        began = time.monotonic()
        with pytest.raises(WorkerFailed, match="no answer in 1 s"):
            submit(w, 1).result()
        assert time.monotonic() - began < 15
        assert wait_gone(pid, 10)


def test_the_worker_ignores_sigterm_and_sigint_and_exits_when_closed() -> None:
    with started(writer()) as w:
        pid = w.pid
        assert pid is not None
        assert wait_ignoring_stop_signals(pid, 10)  # the first thing it does, before its heavy imports
        os.kill(pid, signal.SIGINT)  # while it loads the config model and opens its store
        os.kill(pid, signal.SIGTERM)
        with pytest.raises(StoreUnavailable):  # started and answering
            submit(w, 1).result()
        os.kill(pid, signal.SIGTERM)  # as a service manager does to the whole group
        os.kill(pid, signal.SIGINT)  # as Ctrl-C in a terminal does
        time.sleep(0.5)
        assert not gone(pid)
        with pytest.raises(StoreUnavailable):  # still answering: the parent decides when it stops
            submit(w, 2).result()
    assert wait_gone(pid, 5)


PARENT = """
import time
from connectors.store.base import StoreUnavailable
from tests.unit.test_ingest_worker import submit, writer
if __name__ == "__main__":
    w = writer()
    w.start()
    try:
        submit(w, 1).result()
    except StoreUnavailable:
        print(w.pid, flush=True)  # it answered: it now waits for the next request
    time.sleep(120)
"""


def test_the_worker_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert parent.stdout is not None
        worker_pid = int(parent.stdout.readline())
        assert not gone(worker_pid)
        parent.kill()  # kill -9: no clean-up runs in the parent
        parent.wait(10)
        assert wait_gone(worker_pid, 10), "the worker outlived its parent"
    finally:
        parent.kill()
        parent.wait(10)


def test_auto_picks_a_worker_process_for_a_server_and_a_thread_for_chdb(tmp_path: Path) -> None:
    url = "clickhouse://monitor:s3cret@127.0.0.1:1/monitor"
    server = load_config(ROOT / "config" / "monitor.yaml", env={"MONITOR_STORE_URL": url})
    embedded = load_config(ROOT / "config" / "monitor.yaml", env={})
    assert (writer_mode(server), writer_mode(embedded)) == ("process", "thread")
    assert isinstance(build_writer(server, cast(Store, None)), ProcessWriter)
    assert isinstance(build_writer(embedded, cast(Store, None)), ThreadWriter)
    forced = server.model_copy(update={"ingest": server.ingest.model_copy(update={"writer": "thread"})})
    assert writer_mode(forced) == "thread"
