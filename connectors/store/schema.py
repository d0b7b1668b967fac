"""The one schema both stores use, in the SQL subset that runs on ClickHouse 18.16 and on chDB.

Rules it follows (see PLATFORM.md): no DateTime64/Map/TTL/CODEC/LowCardinality; deduplication by
ReplacingMergeTree keyed by model + prediction id and read with FINAL; Nullable never in a sort key.

Features are stored as parallel arrays (names and values) so one table serves every model, whatever its
features; reads pick a feature with ``values[indexOf(names, 'f')]``.
Timestamps are kept twice: ``event_time`` (DateTime, seconds, for partitions and range filters) and
``timestamp_ms`` (Int64, exact).
"""

from __future__ import annotations

PREDICTIONS = "predictions"
OUTCOMES = "outcomes"
DEAD_LETTERS = "dead_letters"

PREDICTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("prediction_id", "String"),
    ("model_version", "String"),
    ("event_time", "DateTime"),
    ("timestamp_ms", "Int64"),
    ("num_names", "Array(String)"),
    ("num_values", "Array(Nullable(Float64))"),
    ("cat_names", "Array(String)"),
    ("cat_values", "Array(Nullable(String))"),
    ("prediction", "String"),
    ("prediction_value", "Nullable(Float64)"),
    ("score", "Nullable(Float64)"),
    ("proba_labels", "Array(String)"),
    ("proba_values", "Array(Float64)"),
    ("segment_keys", "Array(String)"),
    ("segment_values", "Array(String)"),
    ("campaign_id", "Nullable(String)"),
    ("campaign_arm", "Nullable(String)"),
    ("nulled_features", "Array(String)"),
    ("undeclared_features", "Array(String)"),
    ("received_ms", "UInt64"),
)

OUTCOME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("prediction_id", "String"),
    ("event_time", "DateTime"),
    ("timestamp_ms", "Int64"),
    ("label", "String"),
    ("label_value", "Nullable(Float64)"),
    ("received_ms", "UInt64"),
)

DEAD_LETTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("topic", "String"),
    ("partition", "Int32"),
    ("offset", "Int64"),
    ("raw", "String"),
    ("reason", "String"),
    ("detail", "String"),
    ("received_time", "DateTime"),
    ("received_ms", "UInt64"),
)


def _columns(columns: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"`{name}` {kind}" for name, kind in columns)


def create_statements(database: str) -> list[str]:
    """DDL for the database and its tables; every statement is idempotent."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        f"""CREATE TABLE IF NOT EXISTS {database}.{PREDICTIONS} (
    {_columns(PREDICTION_COLUMNS)}
) ENGINE = ReplacingMergeTree(received_ms)
PARTITION BY toYYYYMM(event_time)
ORDER BY (model, prediction_id)""",
        # The latest received outcome of a prediction wins. Not partitioned by time: an outcome and its
        # replay must land in the same part set to be replaced.
        f"""CREATE TABLE IF NOT EXISTS {database}.{OUTCOMES} (
    {_columns(OUTCOME_COLUMNS)}
) ENGINE = ReplacingMergeTree(received_ms)
ORDER BY (model, prediction_id)""",
        # A replayed reject is the same Kafka record: keyed by where it came from.
        f"""CREATE TABLE IF NOT EXISTS {database}.{DEAD_LETTERS} (
    {_columns(DEAD_LETTER_COLUMNS)}
) ENGINE = ReplacingMergeTree(received_ms)
ORDER BY (topic, partition, offset)""",
    ]
