"""Pure transforms from event records to columnar insert data, in the schema's column order.

Each function returns one list per column of the matching ``schema.*_COLUMNS`` tuple, so both stores
insert the same values; only the transport differs. Values are plain Python:

- ``DateTime`` columns get timezone-aware UTC datetimes (whole seconds). clickhouse-driver reads a *naive*
  datetime in the server's (or the client machine's) timezone, so naive values would shift with the
  server's configuration; aware ones convert to the same epoch second everywhere.
- The dead letter's ``raw`` column gets the original ``bytes`` untouched (a ClickHouse ``String`` is a
  byte string); the stores send it as bytes so invalid UTF-8 and NUL bytes round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple
from datetime import UTC, datetime
from typing import Any, TypeVar

from connectors.store import schema
from connectors.store.base import ResultRow
from monitor.events import DeadLetter, Outcome, Prediction

Columns = list[list[Any]]
Row = TypeVar("Row")


def utc_second(timestamp_ms: int) -> datetime:
    """The UTC second a millisecond timestamp falls in (floor, also for times before 1970)."""
    return datetime.fromtimestamp(timestamp_ms // 1000, tz=UTC)


def _prediction_row(p: Prediction, received_ms: int) -> tuple[Any, ...]:
    return (
        p.model,
        p.prediction_id,
        p.model_version,
        utc_second(p.timestamp_ms),
        p.timestamp_ms,
        list(p.numerical),
        list(p.numerical.values()),
        list(p.categorical),
        list(p.categorical.values()),
        p.prediction_label,
        p.prediction_value,
        p.score,
        list(p.probabilities),
        list(p.probabilities.values()),
        list(p.segment),
        list(p.segment.values()),
        p.campaign_id,
        p.campaign_arm,
        list(p.nulled_features),
        list(p.undeclared_features),
        received_ms,
    )


def _outcome_row(o: Outcome, received_ms: int) -> tuple[Any, ...]:
    return (
        o.model,
        o.prediction_id,
        utc_second(o.timestamp_ms),
        o.timestamp_ms,
        o.label,
        o.label_value,
        received_ms,
        max(0, o.timestamp_ms),
    )


def _dead_letter_row(d: DeadLetter, _received_ms: int) -> tuple[Any, ...]:
    # The letter's own receive time is both the displayed time and the version: a replayed reject
    # (the same Kafka record received again later) replaces the earlier copy.
    return (
        d.position.topic,
        d.position.partition,
        d.position.offset,
        bytes(d.raw),
        d.reason.value,
        d.detail,
        utc_second(d.received_ms),
        d.received_ms,
    )


def _transpose(
    rows: Sequence[Row], received_ms: int, to_row: Callable[[Row, int], tuple[Any, ...]], width: int
) -> Columns:
    columns: Columns = [[] for _ in range(width)]
    for row in rows:
        for column, value in zip(columns, to_row(row, received_ms), strict=True):
            column.append(value)
    return columns


def prediction_columns(predictions: Sequence[Prediction], received_ms: int) -> Columns:
    """Columns of ``schema.PREDICTION_COLUMNS`` for ``predictions``, versioned by ``received_ms``."""
    return _transpose(predictions, received_ms, _prediction_row, len(schema.PREDICTION_COLUMNS))


def outcome_columns(outcomes: Sequence[Outcome], received_ms: int) -> Columns:
    """Columns of ``schema.OUTCOME_COLUMNS`` for ``outcomes``, versioned by ``received_ms``."""
    return _transpose(outcomes, received_ms, _outcome_row, len(schema.OUTCOME_COLUMNS))


def dead_letter_columns(dead_letters: Sequence[DeadLetter], received_ms: int = 0) -> Columns:
    """Columns of ``schema.DEAD_LETTER_COLUMNS``.

    ``received_ms`` is accepted for symmetry with the other tables but unused: each dead letter
    carries its own receive time, which is kept so ``read_dead_letters`` returns it unchanged.
    """
    return _transpose(dead_letters, received_ms, _dead_letter_row, len(schema.DEAD_LETTER_COLUMNS))


def result_columns(rows: Sequence[ResultRow]) -> Columns:
    """Columns of ``schema.RESULT_COLUMNS`` (the fields of ``ResultRow``, in order)."""
    return _transpose(rows, 0, lambda row, _: astuple(row), len(schema.RESULT_COLUMNS))
