"""The one schema both stores use, in the SQL subset that runs on ClickHouse 18.16 and on chDB.

Rules it follows (see PLATFORM.md): no DateTime64/Map/TTL/CODEC/LowCardinality; deduplication by
ReplacingMergeTree keyed by model + prediction id and read with FINAL; Nullable never in a sort key.

Features are stored as value arrays in the order of the model's declared features, so one table serves
every model, whatever its features; a row's ``feature_layout`` names the ``feature_layouts`` entry that
says which feature is at which position (see ``layouts``), and reads pick a feature by its position.
Timestamps are kept twice: ``event_time`` (DateTime, seconds, for partitions and range filters) and
``timestamp_ms`` (Int64, exact).

The jobs' tables: ``check_results`` (the history of check results, replaced per window and check key),
``reference_rows`` (loaded reference sets, in the layout of ``predictions``, one version per load) and
``reference_sets`` (which load of a set is complete and current; see ``sql_windows``); the campaign
job's ``campaign_feed`` (one headline row per campaign and period end, see ``sql_campaign``).
"""

from __future__ import annotations

PREDICTIONS = "predictions"
FEATURE_LAYOUTS = "feature_layouts"
OUTCOMES = "outcomes"
DEAD_LETTERS = "dead_letters"
CHECK_RESULTS = "check_results"
REFERENCE_ROWS = "reference_rows"
REFERENCE_SETS = "reference_sets"
ROUTER_STATE = "router_state"
CAMPAIGN_FEED = "campaign_feed"

PREDICTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("prediction_id", "String"),
    ("model_version", "String"),
    ("event_time", "DateTime"),
    ("timestamp_ms", "Int64"),
    ("feature_layout", "UInt64"),
    ("num_values", "Array(Nullable(Float64))"),
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
    ("version", "UInt64"),  # the outcome's own time: of two outcomes of a prediction, the later one wins
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


# Which feature is at which position of the value arrays of rows with this layout (``layouts``). The id
# is a hash of the names, so a replayed registration is the same row.
FEATURE_LAYOUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("layout", "UInt64"),
    ("num_names", "Array(String)"),
    ("cat_names", "Array(String)"),
    ("created_ms", "UInt64"),
)


# In the field order of ``base.ResultRow``, so a row is inserted and read back positionally.
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("run_id", "String"),
    ("window_start_ms", "Int64"),
    ("window_end_ms", "Int64"),
    ("check", "String"),
    ("feature", "String"),
    ("metric", "String"),
    ("value", "Float64"),  # NaN allowed: a check without a value (insufficient data, error)
    ("threshold", "Float64"),
    ("status", "String"),
    ("details", "String"),  # a JSON object
    ("created_ms", "UInt64"),  # the version: a rerun of the same window replaces the earlier rows
)

# A reference set has the layout of ``predictions`` (so the window reads select the same expressions
# from either table) plus its label, the set's id and a load version. Times may be unknown.
REFERENCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("reference_id", "String"),
    ("version", "UInt64"),  # one per load: reads take the version of the newest complete load
    ("row_number", "UInt64"),
    ("prediction_id", "String"),
    ("model_version", "String"),
    ("timestamp_ms", "Nullable(Int64)"),
    ("feature_layout", "UInt64"),
    ("num_values", "Array(Nullable(Float64))"),
    ("cat_values", "Array(Nullable(String))"),
    ("prediction", "Nullable(String)"),
    ("prediction_value", "Nullable(Float64)"),
    ("score", "Nullable(Float64)"),
    ("campaign_id", "Nullable(String)"),
    ("campaign_arm", "Nullable(String)"),
    ("label", "Nullable(String)"),
    ("label_value", "Nullable(Float64)"),
)

# One row per completed load: written after all its rows, so a load that failed half-way is never read.
REFERENCE_SET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "String"),
    ("reference_id", "String"),
    ("version", "UInt64"),
    ("rows", "UInt64"),
    ("loaded_ms", "UInt64"),
)


# The alert router's persisted state (rule states, notification log, silences, Slack message ids), as
# namespaced JSON values; the newest version of a key wins, and a deleted key is a tombstone row.
ROUTER_STATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("namespace", "String"),
    ("key", "String"),
    ("value", "String"),
    ("deleted", "UInt8"),
    ("version", "UInt64"),
)


# In the field order of ``base.CampaignFeedRow``. NaN where a rate or bound has no value yet (as in
# ``check_results``: Nullable is slower on 18.16 and a NaN says the same); flags as UInt8.
CAMPAIGN_FEED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("campaign", "String"),
    ("period_start_ms", "Int64"),
    ("period_end_ms", "Int64"),
    ("maturity_cutoff_ms", "Int64"),
    ("model", "String"),
    ("inference", "String"),
    ("alpha", "Float64"),
    ("n_assigned", "UInt64"),
    ("n_matured", "UInt64"),
    ("n_treatment", "UInt64"),
    ("n_control", "UInt64"),
    ("successes_treatment", "UInt64"),
    ("successes_control", "UInt64"),
    ("rate_treatment", "Float64"),
    ("rate_control", "Float64"),
    ("absolute_lift", "Float64"),
    ("absolute_lift_lower", "Float64"),
    ("absolute_lift_upper", "Float64"),
    ("relative_lift", "Float64"),
    ("relative_lift_lower", "Float64"),
    ("relative_lift_upper", "Float64"),
    ("verdict", "String"),
    ("conclusive", "UInt8"),
    ("srm_p_value", "Float64"),
    ("srm_warning", "UInt8"),
    ("warnings", "String"),
    ("summary_json", "String"),  # the whole summary (monitor.campaign.to_dict) as a JSON object
    ("created_ms", "UInt64"),  # the version: recomputing a period replaces its row
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
        f"""CREATE TABLE IF NOT EXISTS {database}.{FEATURE_LAYOUTS} (
    {_columns(FEATURE_LAYOUT_COLUMNS)}
) ENGINE = ReplacingMergeTree(created_ms)
ORDER BY (model, layout)""",
        # Of two outcomes of a prediction, the one with the later event time wins (a correction is a newer
        # outcome; a replay is the same row). Not by receive time: two outcomes can arrive in one batch, or
        # on two partitions in either order. Not partitioned by time: an outcome and its replay must land
        # in the same part set to be replaced.
        f"""CREATE TABLE IF NOT EXISTS {database}.{OUTCOMES} (
    {_columns(OUTCOME_COLUMNS)}
) ENGINE = ReplacingMergeTree(version)
ORDER BY (model, prediction_id)""",
        # A replayed reject is the same Kafka record: keyed by where it came from.
        f"""CREATE TABLE IF NOT EXISTS {database}.{DEAD_LETTERS} (
    {_columns(DEAD_LETTER_COLUMNS)}
) ENGINE = ReplacingMergeTree(received_ms)
ORDER BY (topic, partition, offset)""",
        f"""CREATE TABLE IF NOT EXISTS {database}.{CHECK_RESULTS} (
    {_columns(RESULT_COLUMNS)}
) ENGINE = ReplacingMergeTree(created_ms)
ORDER BY (model, window_end_ms, `check`, feature, metric)""",
        # Replacing by version lets merges drop rows of older loads even before their DELETE mutation
        # (asynchronous on 18.16) has run; reads never depend on either (see ``sql_windows``).
        f"""CREATE TABLE IF NOT EXISTS {database}.{REFERENCE_ROWS} (
    {_columns(REFERENCE_COLUMNS)}
) ENGINE = ReplacingMergeTree(version)
ORDER BY (model, reference_id, row_number)""",
        f"""CREATE TABLE IF NOT EXISTS {database}.{REFERENCE_SETS} (
    {_columns(REFERENCE_SET_COLUMNS)}
) ENGINE = ReplacingMergeTree(version)
ORDER BY (model, reference_id)""",
        f"""CREATE TABLE IF NOT EXISTS {database}.{ROUTER_STATE} (
    {_columns(ROUTER_STATE_COLUMNS)}
) ENGINE = ReplacingMergeTree(version)
ORDER BY (namespace, key)""",
        f"""CREATE TABLE IF NOT EXISTS {database}.{CAMPAIGN_FEED} (
    {_columns(CAMPAIGN_FEED_COLUMNS)}
) ENGINE = ReplacingMergeTree(created_ms)
ORDER BY (campaign, period_end_ms)""",
    ]
