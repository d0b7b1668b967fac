"""SQL of what the jobs keep: check results (the history) and the bookkeeping of reference sets.

``check_results`` is a ReplacingMergeTree keyed by (model, window end, check, feature, metric) with
``created_ms`` as the version, read with ``FINAL``: a rerun of a window replaces the rows it writes
again. Filters are on sort-key columns only, which every version of a row shares, so FINAL cannot
keep a replaced version.
"""

from __future__ import annotations

from connectors.store import schema
from connectors.store.sql import identifier, literal, table


def results_sql(database: str, model: str, start_ms: int, end_ms: int) -> str:
    """Results whose window ends in ``[start_ms, end_ms)``, each once, in window order."""
    columns = ", ".join(identifier(name) for name, _ in schema.RESULT_COLUMNS)
    return (
        f"SELECT {columns} FROM {table(database, schema.CHECK_RESULTS)} FINAL"
        f" WHERE model = {literal(model)}"
        f" AND window_end_ms >= {int(start_ms)} AND window_end_ms < {int(end_ms)}"
        " ORDER BY window_end_ms, `check`, feature, metric"
    )


def reference_versions_sql(database: str, model: str, reference_id: str) -> str:
    """The highest version ever used by a set, complete or not (a new load must use a higher one)."""
    where = f"WHERE model = {literal(model)} AND reference_id = {literal(reference_id)}"
    return (
        f"SELECT max(version) FROM {table(database, schema.REFERENCE_ROWS)} {where}"
        f" UNION ALL SELECT max(version) FROM {table(database, schema.REFERENCE_SETS)} {where}"
    )


def drop_old_reference_sql(database: str, model: str, reference_id: str, version: int) -> str:
    """Delete the rows of a set's loads before ``version``.

    A mutation: asynchronous on 18.16, so reads never rely on it (they select the newest version);
    it only frees the space."""
    return (
        f"ALTER TABLE {table(database, schema.REFERENCE_ROWS)} DELETE"
        f" WHERE model = {literal(model)} AND reference_id = {literal(reference_id)}"
        f" AND version < {int(version)}"
    )


def state_sql(database: str, namespace: str) -> str:
    """The live keys of a namespace with their newest values (tombstones and replaced versions hidden).

    argMax rather than FINAL: it picks the newest version even before the parts merge, on both engines.
    """
    return (
        "SELECT key, value FROM (SELECT key, argMax(value, version) AS value,"
        " argMax(deleted, version) AS gone"
        f" FROM {table(database, schema.ROUTER_STATE)} WHERE namespace = {literal(namespace)} GROUP BY key)"
        " WHERE gone = 0 ORDER BY key"
    )
