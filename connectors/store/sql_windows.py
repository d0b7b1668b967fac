"""SQL of the window reads the jobs use: exact summaries, histograms and bounded samples, computed in
the engine so that only small results move.

A window is either a model's predictions in a time range (deduplicated with ``FINAL`` and bounded by
``sql.time_filter``, like the other reads; the store passes ``final=False`` when ``sql.unique_window_sql``
found no row for ``FINAL`` to replace, which reads the same rows without the single-threaded merge of
the feature arrays on 18.16) or a loaded reference set. Both tables have the same layout, so
every statement selects the same expressions from ``window_rows``; only the row source differs.

Reference sets are replaced by versions, not by deleting first: each load writes its rows under a new
``version`` and then one row in ``reference_sets``; reads take the rows of the newest version listed
there. A load is thus visible whole or not at all on both engines, whatever state the asynchronous
``ALTER ... DELETE`` of older versions (a mutation on 18.16) is in. A load inserts each row number once,
so rows of one version need no ``FINAL``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connectors.store import schema
from connectors.store.base import PREDICTION, SCORE, FeatureSelection, WindowSpec
from connectors.store.layouts import WindowLayouts
from connectors.store.sql import float_literal, identifier, literal, table, time_filter

# What the pseudo-features read: the score, and the prediction as a class (categorical) or as a number
# (numerical: the regression value).
NUMERICAL_PSEUDO = {SCORE: "score", PREDICTION: "prediction_value"}
CATEGORICAL_PSEUDO = {PREDICTION: "prediction"}


@dataclass(frozen=True)
class Picked:
    """A feature a statement reads: its name as asked, its SQL expression and a positional alias."""

    name: str
    expression: str
    alias: str


def pick(features: FeatureSelection, layouts: WindowLayouts) -> tuple[list[Picked], list[Picked]]:
    """(numerical, categorical) features with their expressions in rows of ``layouts``; bad or repeated
    names raise."""
    asked = [(name, True) for name in features.numerical] + [(name, False) for name in features.categorical]
    if len({name for name, _ in asked}) != len(asked):
        raise ValueError(f"a feature is selected twice: {[name for name, _ in asked]}")
    numerical: list[Picked] = []
    categorical: list[Picked] = []
    for position, (name, is_numerical) in enumerate(asked):
        expression = (
            numerical_expression(name, layouts) if is_numerical else categorical_expression(name, layouts)
        )
        (numerical if is_numerical else categorical).append(Picked(name, expression, f"_f{position}"))
    return numerical, categorical


def numerical_expression(name: str, layouts: WindowLayouts) -> str:
    """The Nullable(Float64) value of a numerical feature or pseudo-feature in a row."""
    if name in NUMERICAL_PSEUDO:
        return NUMERICAL_PSEUDO[name]
    identifier(name)
    return layouts.numerical_value(name)


def categorical_expression(name: str, layouts: WindowLayouts) -> str:
    """The Nullable(String) value of a categorical feature or pseudo-feature in a row."""
    if name in CATEGORICAL_PSEUDO:
        return CATEGORICAL_PSEUDO[name]
    if name in NUMERICAL_PSEUDO:
        raise ValueError(f"{name!r} is a numerical pseudo-feature")
    identifier(name)
    return layouts.categorical_value(name)


def layouts_sql(database: str, window: WindowSpec) -> str:
    """The distinct ``feature_layout`` ids of the window's rows (without ``FINAL``: a superset of the
    layouts of the rows a ``FINAL`` read returns, which is all a read needs)."""
    rows = window_rows(database, window, ["feature_layout"], final=False)
    return f"SELECT DISTINCT feature_layout FROM ({rows})"


def layout_names_sql(database: str, model: str, ids: Sequence[int]) -> str:
    """Rows (layout, num_names, cat_names) of the given layout ids of ``model``."""
    wanted = ", ".join(str(int(i)) for i in ids)
    return (
        f"SELECT layout, num_names, cat_names FROM {table(database, schema.FEATURE_LAYOUTS)} FINAL"
        f" WHERE model = {literal(model)} AND layout IN ({wanted})"
    )


def latest_reference_version(database: str, model: str, reference_id: str) -> str:
    """The version of the newest complete load of a set (0, never a real version, if none)."""
    return (
        f"SELECT max(version) FROM {table(database, schema.REFERENCE_SETS)}"
        f" WHERE model = {literal(model)} AND reference_id = {literal(reference_id)}"
    )


def window_rows(
    database: str, window: WindowSpec, columns: Sequence[str], where: str = "", final: bool = True
) -> str:
    """SELECT ``columns`` from each row of the window once (``where``: an extra condition).

    ``final=False`` reads predictions without ``FINAL``: only for a window ``sql.unique_window_sql``
    found free of duplicates. Reference sets never need it."""
    condition = f" AND {where}" if where else ""
    if window.reference_id is None:
        source = table(database, schema.PREDICTIONS) + (" FINAL" if final else "")
        return (
            f"SELECT {', '.join(columns)} FROM {source}"
            f" WHERE model = {literal(window.model)}"
            f" AND {time_filter(window.start_ms, window.end_ms)}{condition}"
        )
    latest = latest_reference_version(database, window.model, window.reference_id)
    return (
        f"SELECT {', '.join(columns)} FROM {table(database, schema.REFERENCE_ROWS)}"
        f" WHERE model = {literal(window.model)} AND reference_id = {literal(window.reference_id)}"
        f" AND version = ({latest}){condition}"
    )


def _aliased(picked: Sequence[Picked]) -> list[str]:
    return [f"{p.expression} AS {p.alias}" for p in picked]


def stats_sql(
    database: str, window: WindowSpec, numerical: list[Picked], categorical: list[Picked], final: bool = True
) -> str:
    """One row: ``count()``, oldest and newest time, non-null count per feature (numerical, then
    categorical), then min and max per numerical feature. NULLs are skipped by every aggregate."""
    aggregates = ["count()", "min(timestamp_ms)", "max(timestamp_ms)"]
    aggregates += [f"count({p.alias})" for p in numerical + categorical]
    aggregates += [f"{f}({p.alias})" for p in numerical for f in ("min", "max")]
    rows = window_rows(database, window, ["timestamp_ms", *_aliased(numerical + categorical)], final=final)
    return f"SELECT {', '.join(aggregates)} FROM ({rows})"


def categories_sql(database: str, window: WindowSpec, categorical: list[Picked], final: bool = True) -> str:
    """Rows (feature name, value, count) of every non-null value of the categorical features.

    One scan for all features: each row is unfolded into (name, value) pairs with ``ARRAY JOIN``."""
    names = ", ".join(literal(p.name) for p in categorical)
    values = ", ".join(p.alias for p in categorical)
    rows = window_rows(database, window, _aliased(categorical), final=final)
    return (
        f"SELECT _name, _value, count() FROM ({rows})"
        f" ARRAY JOIN [{names}] AS _name, [{values}] AS _value"
        " WHERE isNotNull(_value) GROUP BY _name, _value"
    )


def histogram_sql(
    database: str,
    window: WindowSpec,
    edges: Mapping[str, Sequence[float]],
    layouts: WindowLayouts,
    final: bool = True,
) -> str:
    """One row of counts: for each feature in ``edges`` order, one ``countIf`` per bin.

    Bins are ``e[i] <= x < e[i+1]`` and the last is closed, as in ``numpy.histogram``. NULL is read as
    NaN, which fails every comparison, so it is in no bin; plain Float64 comparisons are also about a
    quarter faster than Nullable ones on 18.16. Edges are exact literals (``sql.float_literal``)."""
    picked = [
        Picked(name, f"ifNull({numerical_expression(name, layouts)}, nan)", f"_f{i}")
        for i, name in enumerate(edges)
    ]
    counts = []
    for p in picked:
        bounds = [float_literal(edge) for edge in checked_edges(p.name, edges[p.name])]
        for i in range(len(bounds) - 1):
            upper = "<=" if i == len(bounds) - 2 else "<"
            counts.append(f"countIf({p.alias} >= {bounds[i]} AND {p.alias} {upper} {bounds[i + 1]})")
    return f"SELECT {', '.join(counts)} FROM ({window_rows(database, window, _aliased(picked), final=final)})"


def checked_edges(name: str, edges: Sequence[float]) -> list[float]:
    """``edges`` as floats, if at least two, finite and non-decreasing (as numpy wants them)."""
    values = [float(edge) for edge in edges]
    increasing = all(a <= b for a, b in itertools.pairwise(values))  # False with NaN
    if len(values) < 2 or not increasing or not all(math.isfinite(v) for v in values):
        raise ValueError(f"edges of {name!r} must be at least two finite, non-decreasing numbers: {values}")
    return values
