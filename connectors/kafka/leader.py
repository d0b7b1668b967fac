"""Leadership through a Kafka consumer group on a one-partition topic.

ClickHouse has no compare-and-set to build a lock on, but Kafka's group coordinator already elects: every
``monitor run`` joins the same group on a topic with exactly one partition, and the member that holds
that partition is the leader. When it dies its session times out (``session_timeout_ms``) and the
partition, and so leadership, moves to a standby; a clean shutdown hands it over at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from kafka import KafkaConsumer

from connectors.local_services import create_topics

log = logging.getLogger(__name__)

LEADER_TOPIC = "monitor-router-leader"


class KafkaLeadership:
    """Membership in the election group; ``is_leader()`` says whether this process holds the partition."""

    def __init__(
        self,
        bootstrap: str,
        group_id: str = "monitor-router",
        topic: str = LEADER_TOPIC,
        session_timeout_ms: int = 6000,
        heartbeat_interval_ms: int = 1000,
    ) -> None:
        create_topics(bootstrap, [topic], partitions=1)
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            group_id=group_id,
            enable_auto_commit=False,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            fetch_max_wait_ms=100,
        )
        self._consumer.subscribe([topic])
        self._lock = threading.Lock()
        self._leader = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitor-leadership", daemon=True)

    def start(self) -> KafkaLeadership:
        self._thread.start()
        return self

    def is_leader(self) -> bool:
        return self._leader

    def _run(self) -> None:
        # poll() drives the group protocol (joins, heartbeats, rebalances); the topic carries no messages.
        while not self._stop.is_set():
            try:
                with self._lock:
                    self._consumer.poll(timeout_ms=200)
                    leader = bool(self._consumer.assignment())
            except Exception as exc:  # broker away: not leader until the group answers again
                log.warning("leadership check failed: %s", exc)
                leader = False
                self._stop.wait(1.0)
            if leader != self._leader:
                log.info("this process %s the alert router leadership", "took" if leader else "lost")
                self._leader = leader

    def close(self) -> None:
        """Leave the group (a standby takes over at once)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._leader = False
        with self._lock, contextlib.suppress(Exception):
            self._consumer.close(autocommit=False)


class AlwaysLeader:
    """For a single process (the embedded store allows no second one): always the leader."""

    def start(self) -> AlwaysLeader:
        return self

    def is_leader(self) -> bool:
        return True

    def close(self) -> None:
        return None
