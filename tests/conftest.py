"""Shared fixtures: the real services, started once per test session unless already running.

``scripts/services start`` (used by ``.ci/run``) exports ``MONITOR_TEST_KAFKA_BOOTSTRAP`` and
``MONITOR_TEST_CLICKHOUSE_URL``; without them the fixtures start their own tansu broker and
clickhouse-server. Only tests marked ``integration`` may use them: a unit test that asks for a server
fails at once instead of silently needing one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from connectors.local_services import ClickHouseServer, TansuBroker


def _require_integration(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("integration") is None:
        pytest.fail(f"{request.node.nodeid} uses a real service but is not marked @pytest.mark.integration")


@pytest.fixture(scope="session")
def _clickhouse_base_url() -> Iterator[str]:
    url = os.environ.get("MONITOR_TEST_CLICKHOUSE_URL")
    if url:
        yield url
        return
    server = ClickHouseServer().start()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture(scope="session")
def _kafka_bootstrap() -> Iterator[str]:
    bootstrap = os.environ.get("MONITOR_TEST_KAFKA_BOOTSTRAP")
    if bootstrap:
        yield bootstrap
        return
    broker = TansuBroker().start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def clickhouse_url(request: pytest.FixtureRequest, _clickhouse_base_url: str) -> str:
    """URL of the real ClickHouse server with a database of this test's own (created on first use)."""
    _require_integration(request)
    base = _clickhouse_base_url.rsplit("/", 1)[0]
    return f"{base}/t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def kafka_bootstrap(request: pytest.FixtureRequest, _kafka_bootstrap: str) -> str:
    """bootstrap of the real Kafka-protocol broker (tansu). Use ``unique_topics`` to stay isolated."""
    _require_integration(request)
    return _kafka_bootstrap


@pytest.fixture
def unique_topics() -> tuple[str, str]:
    """Fresh (predictions, outcomes) topic names for one test."""
    suffix = uuid.uuid4().hex[:10]
    return f"predictions-{suffix}", f"outcomes-{suffix}"


@pytest.fixture
def chdb_url(tmp_path: object) -> str:
    """URL of an embedded chDB store in this test's temp folder (no server needed)."""
    return f"chdb://{tmp_path}/chdb"
