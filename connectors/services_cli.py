"""``scripts/services start|stop|env``: run the real test services in the background.

``start`` launches tansu and clickhouse-server on free loopback ports, creates the topics, and writes
``STATE_DIR/env`` with the variables the tests read (``MONITOR_TEST_KAFKA_BOOTSTRAP`` and
``MONITOR_TEST_CLICKHOUSE_URL``); ``stop`` ends both and removes their data.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from connectors.local_services import ClickHouseServer, ServiceError, TansuBroker

DEFAULT_STATE_DIR = Path(tempfile.gettempdir()) / "monitor-services"


def start(state: Path, partitions: int, topics: list[str]) -> None:
    if (state / "env").exists():
        stop(state)
    state.mkdir(parents=True, exist_ok=True)
    broker = TansuBroker().start(log_dir=state)
    (state / "tansu.pid").write_text(str(broker.process.pid if broker.process else ""))
    broker.create_topics(topics, partitions)
    clickhouse = ClickHouseServer(directory=state / "clickhouse").start()
    (state / "clickhouse.pid").write_text(str(clickhouse.process.pid if clickhouse.process else ""))
    env = {"MONITOR_TEST_KAFKA_BOOTSTRAP": broker.bootstrap, "MONITOR_TEST_CLICKHOUSE_URL": clickhouse.url}
    (state / "env").write_text("".join(f"export {k}={v}\n" for k, v in env.items()))
    print(f"kafka (tansu) on {broker.bootstrap}, topics {', '.join(topics)} x {partitions} partitions")
    print(f"clickhouse-server on {clickhouse.url}")
    print(f"variables for the tests: source {state / 'env'}")


def stop(state: Path) -> None:
    for name in ("tansu", "clickhouse"):
        pid_file = state / f"{name}.pid"
        if not pid_file.exists():
            continue
        text = pid_file.read_text().strip()
        if text:
            _terminate(int(text), name)
        pid_file.unlink()
    with contextlib.suppress(FileNotFoundError):
        (state / "env").unlink()
    shutil.rmtree(state / "clickhouse", ignore_errors=True)


def _terminate(pid: int, name: str, timeout_s: float = 30.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"stopped {name}")
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    print(f"killed {name} (did not stop within {timeout_s:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/services", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "env"])
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("MONITOR_SERVICES_DIR", DEFAULT_STATE_DIR))
    )
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--topics", default="predictions,outcomes")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            start(args.state_dir, args.partitions, args.topics.split(","))
        elif args.action == "stop":
            stop(args.state_dir)
        else:
            env_file = args.state_dir / "env"
            print(env_file.read_text() if env_file.exists() else "", end="")
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
