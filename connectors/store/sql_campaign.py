"""The campaign feed history: its SQL, its insert columns, and its rows read back.

``campaign_feed`` is a ReplacingMergeTree keyed by (campaign, period end) with ``created_ms`` as the
version, read with ``FINAL``: recomputing a period replaces its row. Filters are on sort-key columns
only, which every version of a row shares, so FINAL cannot keep a replaced version (as ``sql_history``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple
from typing import Any

from connectors.store import schema
from connectors.store.base import CampaignFeedRow
from connectors.store.columns import Columns
from connectors.store.sql import identifier, literal, table


def _flag(value: Any) -> bool:
    return bool(int(value))


# How a stored value becomes the field's Python type. The transports differ (numpy scalars from
# chDB's Arrow, plain Python from clickhouse-driver), so every value is converted explicitly.
_READERS: dict[str, Callable[[Any], Any]] = {
    "String": str,
    "Int64": int,
    "UInt64": int,
    "Float64": float,
    "UInt8": _flag,
}


def feed_sql(database: str, campaign: str, start_ms: int, end_ms: int) -> str:
    """Rows of ``campaign`` whose period ends in ``[start_ms, end_ms)``, each once, oldest first."""
    columns = ", ".join(identifier(name) for name, _ in schema.CAMPAIGN_FEED_COLUMNS)
    return (
        f"SELECT {columns} FROM {table(database, schema.CAMPAIGN_FEED)} FINAL"
        f" WHERE campaign = {literal(campaign)}"
        f" AND period_end_ms >= {int(start_ms)} AND period_end_ms < {int(end_ms)}"
        " ORDER BY period_end_ms"
    )


def feed_columns(rows: Sequence[CampaignFeedRow]) -> Columns:
    """Columns of ``schema.CAMPAIGN_FEED_COLUMNS`` for ``rows`` (flags as 0/1)."""
    columns: Columns = [[] for _ in schema.CAMPAIGN_FEED_COLUMNS]
    for row in rows:
        for column, (_, kind), value in zip(columns, schema.CAMPAIGN_FEED_COLUMNS, astuple(row), strict=True):
            column.append(int(value) if kind == "UInt8" else value)
    return columns


def feed_rows(columns: Sequence[Sequence[Any]]) -> list[CampaignFeedRow]:
    """``CampaignFeedRow`` values from the columns of ``feed_sql``."""
    readers = [_READERS[kind] for _, kind in schema.CAMPAIGN_FEED_COLUMNS]
    return [
        CampaignFeedRow(*(read(value) for read, value in zip(readers, values, strict=True)))
        for values in zip(*columns, strict=True)
    ]
