"""The SQL text both stores run, so the ClickHouse server and chDB answer the very same statements.

Everything here is in the subset that works on ClickHouse 18.16 and current engines (PLATFORM.md): reads
use ``FINAL`` so a row written twice is read once (window reads skip it when ``unique_window_sql`` finds
nothing to replace); the labeled read is one ``ANY INNER JOIN`` between two
aliased subqueries with ``USING``; no CTEs, window functions or ASOF joins. Values are inlined as
escaped literals (the stores have no common parameter syntax), floats exactly (``float_literal``);
identifiers are checked and backquoted. The jobs' reads live in ``sql_windows``, ``sql_sample`` and
``sql_history``.
"""

from __future__ import annotations

import math
import re
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from connectors.store import schema
from connectors.store.base import FeatureSelection
from connectors.store.layouts import WindowLayouts

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DATETIME_S = 2**32 - 1  # DateTime is a UInt32: larger bounds would wrap around


class Kind(StrEnum):
    """How a selected column is turned into a DataFrame column."""

    TEXT = "text"  # object dtype, None for NULL
    FLOAT = "float"  # float64, NaN for NULL
    TIMESTAMP = "timestamp"  # epoch milliseconds -> datetime64[ns, UTC]


@dataclass(frozen=True)
class Output:
    """One selected column: its SQL alias, its DataFrame name and how to convert it."""

    alias: str
    name: str
    kind: Kind


@dataclass(frozen=True)
class Select:
    """A SELECT statement and the DataFrame columns its result becomes, in order."""

    sql: str
    outputs: tuple[Output, ...]

    @property
    def width(self) -> int:
        """How many columns the statement returns (``select_list`` sends a text output as two)."""
        return len(self.outputs) + sum(1 for output in self.outputs if output.kind is Kind.TEXT)


PREDICTION_OUTPUTS = (
    Output("prediction_id", "prediction_id", Kind.TEXT),
    Output("timestamp_ms", "timestamp", Kind.TIMESTAMP),
    Output("model_version", "model_version", Kind.TEXT),
    Output("prediction", "prediction", Kind.TEXT),
    Output("prediction_value", "prediction_value", Kind.FLOAT),
    Output("score", "score", Kind.FLOAT),
    Output("campaign_id", "campaign_id", Kind.TEXT),
    Output("campaign_arm", "campaign_arm", Kind.TEXT),
)
LABEL_OUTPUTS = (
    Output("o_label", "label", Kind.TEXT),
    Output("o_label_value", "label_value", Kind.FLOAT),
    Output("o_timestamp_ms", "outcome_timestamp", Kind.TIMESTAMP),
)


def select_list(outputs: Sequence[Output]) -> str:
    """The outermost SELECT list of a read: no ``Nullable`` column is sent.

    clickhouse-driver rebuilds every value of a ``Nullable`` column in Python (a generator step per
    row), where it unpacks a plain one in C: that was most of the client's time of a 100k-row sample
    read. So a float output's NULL is sent as NaN (``_series`` turns NULL into NaN anyway), and a text
    output as two columns, its text with '' for NULL and an ``isNull`` flag (``_series`` puts the
    NULLs back), which keeps NULL and '' apart."""
    parts = []
    for o in outputs:
        if o.kind is Kind.FLOAT:
            parts.append(f"ifNull({o.alias}, nan)")
        elif o.kind is Kind.TEXT:
            parts.append(f"ifNull({o.alias}, ''), isNull({o.alias})")
        else:
            parts.append(o.alias)
    return ", ".join(parts)


def literal(value: str) -> str:
    """A ClickHouse string literal for ``value`` (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def float_literal(value: float) -> str:
    """An exact ClickHouse literal for a finite float.

    ``repr`` is the shortest text that reads back as the same double, and both engines parse it
    exactly; only subnormal numbers are refused by 18.16's parser, so those are sent as their bytes.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    if number != 0.0 and abs(number) < sys.float_info.min:
        return f"reinterpretAsFloat64(unhex('{struct.pack('<d', number).hex()}'))"
    return repr(number)


def identifier(name: str) -> str:
    """``name`` backquoted, after checking it is a plain identifier (no quoting tricks possible)."""
    if not NAME.match(name):
        raise ValueError(f"not a valid identifier: {name!r}")
    return f"`{name}`"


def table(database: str, name: str) -> str:
    return f"{identifier(database)}.{identifier(name)}"


def insert_prefix(database: str, name: str, columns: Sequence[tuple[str, str]]) -> str:
    """``INSERT INTO db.t (cols)`` without a data clause: each transport appends its own."""
    names = ", ".join(identifier(column) for column, _ in columns)
    return f"INSERT INTO {table(database, name)} ({names})"


def feature_outputs(features: FeatureSelection, layouts: WindowLayouts) -> list[tuple[str, Output]]:
    """(SQL expression, output) per selected feature, checked for bad or clashing names; ``layouts``
    are those of the rows read (``sql_windows.layouts_sql``)."""
    picked = [("num", name, Kind.FLOAT) for name in features.numerical]
    picked += [("cat", name, Kind.TEXT) for name in features.categorical]
    taken = {output.name for output in PREDICTION_OUTPUTS + LABEL_OUTPUTS}
    result = []
    for position, (prefix, name, kind) in enumerate(picked):
        identifier(name)
        if name in taken:
            raise ValueError(f"feature {name!r} is selected twice or clashes with a result column")
        taken.add(name)
        # Positional aliases: a feature may share its name with a stored column.
        expression = layouts.numerical_value(name) if prefix == "num" else layouts.categorical_value(name)
        result.append((expression, Output(f"_f{position}", name, kind)))
    return result


def _month(epoch_s: int) -> int:
    moment = datetime.fromtimestamp(min(max(epoch_s, 0), MAX_DATETIME_S), tz=UTC)
    return moment.year * 100 + moment.month


def time_filter(start_ms: int, end_ms: int) -> str:
    """``start_ms <= timestamp_ms < end_ms``, plus the months it spans to skip other partitions.

    The month bound is on the partition key expression on purpose: a finer bound on ``event_time``
    lets the engine skip single parts by their min/max time, and a skipped part can hold the newer
    version of a row FINAL would otherwise have replaced (seen on 18.16). Whole partitions are safe
    to skip: FINAL never merges rows across partitions (so a prediction id sent again with a time in
    another month stays twice, once per month; replays of the same event are always merged).
    """
    return (
        f"{partition_filter(start_ms, end_ms)}"
        f" AND timestamp_ms >= {int(start_ms)} AND timestamp_ms < {int(end_ms)}"
    )


def partition_filter(start_ms: int, end_ms: int) -> str:
    """The months (partitions) ``time_filter`` reads: the rows ``FINAL`` merges the window's with."""
    first, last = _month(start_ms // 1000), _month((end_ms - 1) // 1000)
    return f"toYYYYMM(event_time) >= {first} AND toYYYYMM(event_time) <= {last}"


def unique_window_sql(database: str, model: str, start_ms: int, end_ms: int) -> str:
    """One row, 1 when reading the window without ``FINAL`` gives the rows it gives with ``FINAL``.

    That is when each prediction id found in the window has exactly one row in the partitions the
    window reads: FINAL then has nothing to replace. Counting duplicates inside the time range alone
    is not enough: a newer version of a row with a time outside the range (same partition) makes
    FINAL drop the row from the window, while a plain read would keep the old version. Key-only
    columns are read, never the feature arrays.

    Ids are compared by their 64-bit ``cityHash64`` (3x faster than strings on 18.16). A collision can
    only make the answer 0 (two ids that look like one, or an extra row that looks like a window id),
    and 0 merely keeps ``FINAL``: the check can be wrongly cautious, never wrongly 1.
    """
    predictions = table(database, schema.PREDICTIONS)
    window_ids = (
        f"SELECT cityHash64(prediction_id) FROM {predictions}"
        f" WHERE model = {literal(model)} AND {time_filter(start_ms, end_ms)}"
    )
    return (
        f"SELECT count() = uniqExact(cityHash64(prediction_id)) FROM {predictions}"
        f" WHERE model = {literal(model)} AND {partition_filter(start_ms, end_ms)}"
        f" AND cityHash64(prediction_id) IN ({window_ids})"
    )


def predictions_subquery(
    database: str,
    model: str,
    start_ms: int,
    end_ms: int,
    features: list[tuple[str, Output]],
    final: bool = True,
) -> str:
    """The window's predictions; ``final=False`` only when ``unique_window_sql`` said 1 (same rows)."""
    columns = ["model"] + [output.alias for output in PREDICTION_OUTPUTS]
    columns += [f"{expression} AS {output.alias}" for expression, output in features]
    source = table(database, schema.PREDICTIONS) + (" FINAL" if final else "")
    return (
        f"SELECT {', '.join(columns)} FROM {source}"
        f" WHERE model = {literal(model)} AND {time_filter(start_ms, end_ms)}"
    )


def predictions_select(
    database: str, model: str, start_ms: int, end_ms: int, features: FeatureSelection, layouts: WindowLayouts
) -> Select:
    """Predictions of ``model`` in ``[start_ms, end_ms)``, each once, ordered by time then id."""
    picked = feature_outputs(features, layouts)
    outputs = PREDICTION_OUTPUTS + tuple(output for _, output in picked)
    sql = (
        f"SELECT {select_list(outputs)}"
        f" FROM ({predictions_subquery(database, model, start_ms, end_ms, picked)})"
        " ORDER BY timestamp_ms, prediction_id"
    )
    return Select(sql, outputs)


def labeled_select(
    database: str,
    model: str,
    start_ms: int,
    end_ms: int,
    features: FeatureSelection,
    matured_before_ms: int,
    layouts: WindowLayouts,
) -> Select:
    """Predictions in the window made before ``matured_before_ms`` joined to their latest outcome."""
    picked = feature_outputs(features, layouts)
    outputs = PREDICTION_OUTPUTS + tuple(output for _, output in picked) + LABEL_OUTPUTS
    source = labeled_join(database, model, start_ms, min(end_ms, matured_before_ms), picked)
    sql = f"SELECT {select_list(outputs)} FROM {source} ORDER BY timestamp_ms, prediction_id"
    return Select(sql, outputs)


def labeled_join(
    database: str,
    model: str,
    start_ms: int,
    end_ms: int,
    picked: list[tuple[str, Output]],
    final: bool = True,
) -> str:
    """The window's predictions ``ANY INNER JOIN`` their latest outcome (a FROM clause).

    The outcome side is limited to ids in the window: the join's hash table then grows with the window,
    not with the model's whole history of outcomes. The id filter is on the sort key, which every
    version of a row shares, so it cannot make FINAL keep a replaced version. ``final`` is for the
    predictions side only (see ``predictions_subquery``); outcomes are always read with ``FINAL``
    (three small columns, no feature arrays).
    """
    predictions = predictions_subquery(database, model, start_ms, end_ms, picked, final)
    window_ids = (
        f"SELECT prediction_id FROM {table(database, schema.PREDICTIONS)}"
        f" WHERE model = {literal(model)} AND {time_filter(start_ms, end_ms)}"
    )
    outcomes = (
        "SELECT model, prediction_id, label AS o_label, label_value AS o_label_value,"
        f" timestamp_ms AS o_timestamp_ms FROM {table(database, schema.OUTCOMES)} FINAL"
        f" WHERE model = {literal(model)} AND prediction_id IN ({window_ids})"
    )
    return f"({predictions}) AS p ANY INNER JOIN ({outcomes}) AS o USING (model, prediction_id)"


def any_outcome_sql(database: str, model: str) -> str:
    """One row: 1 if any outcome of ``model`` is stored, else 0 (reads at most one granule's worth)."""
    return (
        f"SELECT count() FROM (SELECT 1 FROM {table(database, schema.OUTCOMES)}"
        f" WHERE model = {literal(model)} LIMIT 1)"
    )


def table_columns_sql(database: str, name: str) -> str:
    """The column names of a table (none if it does not exist)."""
    return f"SELECT name FROM system.columns WHERE database = {literal(database)} AND table = {literal(name)}"


def count_sql(database: str, name: str, model: str | None) -> str:
    """Distinct rows of a predictions/outcomes table, of one model or all."""
    where = "" if model is None else f" WHERE model = {literal(model)}"
    return f"SELECT count() FROM {table(database, name)} FINAL{where}"


def dead_letter_reasons_sql(database: str) -> str:
    """Distinct dead letters per reason."""
    return f"SELECT reason, count() FROM {table(database, schema.DEAD_LETTERS)} FINAL GROUP BY reason"


def dead_letters_sql(database: str, limit: int) -> str:
    """The newest dead letters. ``raw`` comes back hex-encoded: no text decoding on any transport."""
    return (
        "SELECT topic, `partition`, `offset`, hex(raw), reason, detail, received_ms"
        f" FROM {table(database, schema.DEAD_LETTERS)} FINAL"
        f" ORDER BY received_ms DESC, topic, `partition`, `offset` LIMIT {int(limit)}"
    )
