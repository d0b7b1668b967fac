"""Pure transforms from event records to columnar insert data, in the schema's column order.

Each function returns one list per column of the matching ``schema.*_COLUMNS`` tuple, so both stores
insert the same values; only the transport differs. Values are plain Python:

- ``DateTime`` columns get epoch seconds as integers: both transports take them as they are (no timezone
  can shift them, unlike a naive datetime, and the driver skips its per-row datetime conversion).
- A prediction's features are two value arrays in declared order plus the id of their ``FeatureLayout``
  (the names, stored once per layout in ``feature_layouts``; see ``layouts``).
- The dead letter's ``raw`` column gets the original ``bytes`` untouched (a ClickHouse ``String`` is a
  byte string); the stores send it as bytes so invalid UTF-8 and NUL bytes round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple
from typing import Any, TypeVar

from connectors.store import schema
from connectors.store.base import ResultRow
from connectors.store.layouts import FeatureLayout, layout_id
from monitor.events import DeadLetter, Outcome, Prediction

Columns = list[list[Any]]
Row = TypeVar("Row")


def epoch_second(timestamp_ms: int) -> int:
    """The epoch second a millisecond timestamp falls in (floor, also for times before 1970)."""
    return timestamp_ms // 1000


def _outcome_row(o: Outcome, received_ms: int) -> tuple[Any, ...]:
    return (
        o.model,
        o.prediction_id,
        epoch_second(o.timestamp_ms),
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
        epoch_second(d.received_ms),
        d.received_ms,
    )


def _transpose(
    rows: Sequence[Row], received_ms: int, to_row: Callable[[Row, int], tuple[Any, ...]], width: int
) -> Columns:
    if not rows:
        return [[] for _ in range(width)]
    # zip(*) transposes in C; the driver fills NULLs in place, so each column must be a list.
    return [list(column) for column in zip(*[to_row(row, received_ms) for row in rows], strict=True)]


def prediction_columns(predictions: Sequence[Prediction], received_ms: int) -> Columns:
    """Columns of ``schema.PREDICTION_COLUMNS`` for ``predictions``, versioned by ``received_ms``."""
    return prediction_data(predictions, received_ms)[0]


def prediction_data(
    predictions: Sequence[Prediction], received_ms: int
) -> tuple[Columns, dict[tuple[str, int], FeatureLayout]]:
    """The insert columns of ``predictions`` and the layouts they use, in one pass over the layouts.

    On the ingest hot path: one list comprehension per column is about 3x faster than building a
    tuple per row and transposing it (2 against 7 µs a prediction, layouts included)."""
    ps, n = predictions, len(predictions)
    ids, layouts = _layout_ids(ps)
    columns: Columns = [
        [p.model for p in ps],
        [p.prediction_id for p in ps],
        [p.model_version for p in ps],
        [p.timestamp_ms // 1000 for p in ps],  # event_time, epoch seconds
        [p.timestamp_ms for p in ps],
        ids,  # feature_layout
        [list(p.numerical.values()) for p in ps],
        [list(p.categorical.values()) for p in ps],
        [p.prediction_label for p in ps],
        [p.prediction_value for p in ps],
        [p.score for p in ps],
        [list(p.probabilities) for p in ps],
        [list(p.probabilities.values()) for p in ps],
        [list(p.segment) for p in ps],
        [list(p.segment.values()) for p in ps],
        [p.campaign_id for p in ps],
        [p.campaign_arm for p in ps],
        [list(p.nulled_features) for p in ps],
        [list(p.undeclared_features) for p in ps],
        [received_ms] * n,
    ]
    return columns, layouts


def _layout_ids(
    predictions: Sequence[Prediction],
) -> tuple[list[int], dict[tuple[str, int], FeatureLayout]]:
    """Each prediction's layout id, and the distinct (model, id) -> layout."""
    known: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
    layouts: dict[tuple[str, int], FeatureLayout] = {}
    ids = []
    for p in predictions:
        key = (p.model, tuple(p.numerical), tuple(p.categorical))
        identity = known.get(key)
        if identity is None:
            model, numerical, categorical = key
            identity = known[key] = layout_id(numerical, categorical)
            layouts[(model, identity)] = FeatureLayout(numerical, categorical)
        ids.append(identity)
    return ids, layouts


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
