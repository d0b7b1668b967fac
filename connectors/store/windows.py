"""Results of the window statements (``sql_windows``) turned into the values ``base.Store`` promises.

Pure functions over the columns a store's ``_select`` returns. The transports differ in how a NULL
aggregate comes back (None from clickhouse-driver, NaN or None from chDB's Arrow), so presence is
decided by the non-null counts, never by the value itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.store.base import ResultRow, WindowStats
from connectors.store.sql_windows import Picked


def stats_width(numerical: Sequence[Picked], categorical: Sequence[Picked]) -> int:
    """How many columns ``sql_windows.stats_sql`` returns."""
    return 3 + len(numerical) + len(categorical) + 2 * len(numerical)


def window_stats(
    scalars: Sequence[Sequence[Any]],
    categories: Sequence[Sequence[Any]],
    numerical: Sequence[Picked],
    categorical: Sequence[Picked],
) -> WindowStats:
    """``WindowStats`` from the one-row result of ``stats_sql`` and the rows of ``categories_sql``."""
    values = [column[0] for column in scalars]
    rows = int(values[0])
    present = dict(zip([p.name for p in [*numerical, *categorical]], values[3:], strict=False))
    bounds = values[3 + len(present) :]
    minimum, maximum = {}, {}
    for position, p in enumerate(numerical):
        if int(present[p.name]) > 0:
            minimum[p.name] = float(bounds[2 * position])
            maximum[p.name] = float(bounds[2 * position + 1])
    counted: dict[str, dict[str, int]] = {p.name: {} for p in categorical}
    for name, value, count in zip(*categories, strict=True):
        counted[str(name)][str(value)] = int(count)
    return WindowStats(
        rows=rows,
        oldest_ms=_time(values[1], rows),
        newest_ms=_time(values[2], rows),
        nulls={name: rows - int(count) for name, count in present.items()},
        minimum=minimum,
        maximum=maximum,
        categories={name: dict(sorted(counts.items())) for name, counts in counted.items()},
    )


def _time(value: Any, rows: int) -> int | None:
    # An empty window's min() is 0 (a plain Int64 column); a set loaded without times gives NULL.
    if rows == 0 or value is None or value != value:
        return None
    return int(value)


def histogram(counts: Sequence[Sequence[Any]], edges: Mapping[str, Sequence[float]]) -> dict[str, list[int]]:
    """Per feature, its bin counts from the one-row result of ``histogram_sql`` (features in order)."""
    flat = [int(column[0]) for column in counts]
    result: dict[str, list[int]] = {}
    start = 0
    for name, feature_edges in edges.items():
        bins = len(feature_edges) - 1
        result[name] = flat[start : start + bins]
        start += bins
    return result


def result_rows(columns: Sequence[Sequence[Any]]) -> list[ResultRow]:
    """``ResultRow`` values from the columns of ``sql_history.results_sql``."""
    return [
        ResultRow(
            model=str(model),
            run_id=str(run_id),
            window_start_ms=int(start),
            window_end_ms=int(end),
            check=str(check),
            feature=str(feature),
            metric=str(metric),
            value=float(value),
            threshold=float(threshold),
            status=str(status),
            details=str(details),
            created_ms=int(created),
        )
        for (
            model,
            run_id,
            start,
            end,
            check,
            feature,
            metric,
            value,
            threshold,
            status,
            details,
            created,
        ) in zip(*columns, strict=True)
    ]
