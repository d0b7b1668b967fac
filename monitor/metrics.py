"""The closed, documented set of Prometheus metrics the service exports.

Every metric lives here, so the list below is the whole contract for dashboards and alerts on the
service itself. ``serve_metrics(port)`` exposes them on ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

INGEST_MESSAGES = Counter("monitor_ingest_messages", "Messages consumed from Kafka, by topic.", ["topic"])
INGEST_ROWS_WRITTEN = Counter(
    "monitor_ingest_rows_written", "Rows durably written to the store, by table.", ["table"]
)
INGEST_REJECTS = Counter(
    "monitor_ingest_rejects", "Messages sent to the dead-letter table, by reason.", ["reason"]
)
INGEST_NULLED_VALUES = Counter(
    "monitor_ingest_nulled_values",
    "Feature values stored as null because they were NaN, infinite or of the wrong type, by model.",
    ["model"],
)
INGEST_UNDECLARED_FEATURES = Counter(
    "monitor_ingest_undeclared_features",
    "Feature values dropped because the model does not declare the feature, by model.",
    ["model"],
)
INGEST_BATCH_SECONDS = Histogram(
    "monitor_ingest_batch_write_seconds",
    "Time to write one batch to the store (successful writes).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INGEST_STORE_ERRORS = Counter(
    "monitor_ingest_store_errors", "Failed batch writes (each is retried with backoff)."
)
INGEST_LAG = Gauge(
    "monitor_ingest_lag_messages",
    "Messages not yet consumed, per partition (broker high-water mark minus position).",
    ["topic", "partition"],
)
INGEST_COMMITS = Counter("monitor_ingest_commits", "Offset commits after durable writes.")


def serve_metrics(port: int) -> None:
    """Serve /metrics on ``port`` (all interfaces, for the scraper); 0 means off."""
    if port:
        start_http_server(port)
