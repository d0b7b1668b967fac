"""Router leadership on the real broker: one leader at a time; a standby takes over when it goes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from connectors.kafka.leader import KafkaLeadership

pytestmark = pytest.mark.integration


def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def test_one_leader_and_takeover_on_close(kafka_bootstrap: str) -> None:
    topic, group = f"leader-{uuid.uuid4().hex[:8]}", f"router-{uuid.uuid4().hex[:8]}"
    first = KafkaLeadership(kafka_bootstrap, group, topic).start()
    wait_until(first.is_leader, 30)
    second = KafkaLeadership(kafka_bootstrap, group, topic).start()
    try:
        time.sleep(5)  # let the second member join and the group settle
        assert [first.is_leader(), second.is_leader()].count(True) == 1
        leader, standby = (first, second) if first.is_leader() else (second, first)
        leader.close()
        took = wait_until(standby.is_leader, 30)
        assert took < 30
    finally:
        first.close()
        second.close()
