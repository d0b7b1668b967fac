"""``JsonProducer``: a kafka-python producer tuned for throughput without losing data.

Settings (measured on tansu on 2 cores, ~0.7 KB JSON): ``acks=1`` (``acks=0`` loses data there), batches
of up to 256 KB filled for up to 10 ms, gzip (16-24k msg/s against 8-13k uncompressed: the broker and the
consumers handle far fewer bytes), no idempotence (it needs ``acks=all``; 8-12k msg/s), bounded retries.
Delivery failures are counted as they happen and raised by ``flush``: a failed send is never dropped
silently.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

log = logging.getLogger(__name__)

DEFAULT_SETTINGS: dict[str, Any] = {
    "acks": 1,
    "enable_idempotence": False,
    "linger_ms": 10,
    "batch_size": 256 * 1024,
    "compression_type": "gzip",
    "retries": 5,
    # One request in flight per broker keeps the order of retried batches (no idempotence to do it).
    "max_in_flight_requests_per_connection": 1,
}


class DeliveryError(RuntimeError):
    """Some messages were not acknowledged by the broker."""

    def __init__(self, failed: int, first: BaseException) -> None:
        super().__init__(f"{failed} message(s) were not delivered; first error: {first!r}")
        self.failed = failed
        self.first = first


class JsonProducer:
    """Sends already-encoded messages (JSON bytes) with keys; reports delivery failures on ``flush``."""

    def __init__(self, bootstrap: str, client_id: str = "model-monitor-simulator", **overrides: Any) -> None:
        settings = {**DEFAULT_SETTINGS, **overrides}
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap.split(","), client_id=client_id, **settings
        )
        self._lock = threading.Lock()  # errbacks run on the producer's I/O thread
        self._failed = 0
        self._first_error: BaseException | None = None
        self.sent = 0

    @property
    def failed(self) -> int:
        """Messages the broker did not acknowledge so far."""
        with self._lock:
            return self._failed

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        """Queue one message; blocks while the send buffer is full. Raises if the queue refuses it."""
        future = self._producer.send(topic, key=key, value=value)
        future.add_errback(self._on_error)
        self.sent += 1

    def _on_error(self, exc: BaseException) -> None:
        with self._lock:
            self._failed += 1
            if self._first_error is None:
                self._first_error = exc
                log.error("delivery failed: %r", exc)

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued message is acknowledged or failed; raise DeliveryError if any failed."""
        try:
            self._producer.flush(timeout=timeout)
        except KafkaError as exc:  # e.g. the flush timed out: what was queued is not known to be stored
            raise DeliveryError(self.failed or 1, exc) from exc
        with self._lock:
            failed, first = self._failed, self._first_error
        if failed and first is not None:
            raise DeliveryError(failed, first)

    def close(self, timeout: float = 10.0) -> None:
        """Close the connection; messages still queued are sent first (up to ``timeout``)."""
        self._producer.close(timeout=timeout)
