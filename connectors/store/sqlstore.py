"""What both stores share: the ``Store`` methods written once over three transport primitives.

A subclass only says how to run a statement, how to fetch a result as columns and how to insert
columnar data (``_execute``, ``_select``, ``_insert``); the SQL text (``sql.py``), the insert data
(``columns.py``) and the conversion of results to DataFrames and records are the same for both.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from connectors.store import schema, sql, sql_campaign, sql_history, sql_sample, sql_windows, windows
from connectors.store.base import (
    CampaignFeedRow,
    Counts,
    FeatureSelection,
    ResultRow,
    WindowSpec,
    WindowStats,
    WriteBatch,
)
from connectors.store.columns import (
    Columns,
    dead_letter_columns,
    outcome_columns,
    prediction_data,
    result_columns,
)
from connectors.store.layouts import FeatureLayout, WindowLayouts, layout_columns, window_layouts
from connectors.store.reference import reference_columns, reference_layout
from monitor.events import DeadLetter, RejectReason, SourcePosition

# Rows per insert of a reference load: big inserts are fast (PLATFORM.md), and a batch of 25 features
# stays well under 100 MB of Python objects.
REFERENCE_BATCH_ROWS = 100_000
# How long facts about a window's rows (``sql.unique_window_sql``, the window's layouts) are reused: a job
# reads a window's stats, sample and histogram within seconds. Any ``write`` on this store object forgets
# every answer; a write by another process is seen at the latest this long after (as a read that started
# just before that write would have missed it anyway).
UNIQUE_WINDOW_TTL_S = 10.0
WINDOW_CACHE_SIZE = 64  # windows of past runs beyond this are dropped all at once

T = TypeVar("T")


class WindowCache(Generic[T]):
    """Answers about windows, each reused for ``UNIQUE_WINDOW_TTL_S`` until ``clear``."""

    def __init__(self) -> None:
        self._answers: dict[WindowSpec, tuple[float, T]] = {}  # window -> (monotonic time, answer)

    def get(self, window: WindowSpec, compute: Callable[[], T]) -> T:
        """The cached answer for ``window`` if fresh, else ``compute()`` (kept for next time)."""
        now = time.monotonic()
        cached = self._answers.get(window)
        if cached is not None and now - cached[0] < UNIQUE_WINDOW_TTL_S:
            return cached[1]
        answer = compute()
        if len(self._answers) > WINDOW_CACHE_SIZE:
            self._answers.clear()
        self._answers[window] = (now, answer)
        return answer

    def clear(self) -> None:
        self._answers.clear()


class SqlStore(ABC):
    """A ``base.Store`` over a ClickHouse-compatible engine holding ``database``."""

    def __init__(self, database: str) -> None:
        sql.identifier(database)  # fail early on a name that cannot be used in SQL
        self.database = database
        self._unique_windows: WindowCache[bool] = WindowCache()  # whether the window has no duplicates
        self._window_layouts: WindowCache[WindowLayouts] = WindowCache()  # the layouts of its rows
        # Layouts this store knows are registered (their names never change: cached for good), by model
        self._layouts: dict[str, dict[int, FeatureLayout]] = {}

    @abstractmethod
    def _execute(self, statement: str) -> None:
        """Run a statement that returns nothing."""

    @abstractmethod
    def _select(self, statement: str, width: int) -> list[Sequence[Any]]:
        """Run a SELECT returning ``width`` columns; one sequence per column (empty if no rows)."""

    @abstractmethod
    def _insert(self, table: str, columns: Sequence[tuple[str, str]], data: Columns) -> None:
        """Insert columnar ``data`` (one list per schema column, in order) into ``table``."""

    def ensure_schema(self) -> None:
        for statement in schema.create_statements(self.database):
            self._execute(statement)
        self._refuse_old_layout()

    def _refuse_old_layout(self) -> None:
        """Fail clearly on a predictions table of the first schema (feature names on every row)."""
        statement = sql.table_columns_sql(self.database, schema.PREDICTIONS)
        names = {str(name) for name in self._select(statement, 1)[0]}
        if "feature_layout" not in names:
            raise RuntimeError(
                f"the table {self.database}.{schema.PREDICTIONS} was created by an older version of this "
                "service (feature names on every row, no feature_layout column). This version cannot "
                "read it: start from an empty database (or store directory), or drop the predictions "
                "and reference_rows tables and ingest again."
            )

    def ping(self) -> None:
        self._select("SELECT 1", 1)

    def write(self, batch: WriteBatch) -> None:
        self._unique_windows.clear()
        self._window_layouts.clear()
        if batch.predictions:
            data, layouts = prediction_data(batch.predictions, batch.received_ms)
            # Layouts first: a reader that sees a prediction can always resolve its layout.
            self._register_layouts(layouts)
            self._insert(schema.PREDICTIONS, schema.PREDICTION_COLUMNS, data)
        if batch.outcomes:
            data = outcome_columns(batch.outcomes, batch.received_ms)
            self._insert(schema.OUTCOMES, schema.OUTCOME_COLUMNS, data)
        if batch.dead_letters:
            data = dead_letter_columns(batch.dead_letters, batch.received_ms)
            self._insert(schema.DEAD_LETTERS, schema.DEAD_LETTER_COLUMNS, data)

    def _register_layouts(self, layouts: Mapping[tuple[str, int], FeatureLayout]) -> None:
        """Insert the layouts this store has not registered yet (a replay inserts the same rows)."""
        new = {key: layout for key, layout in layouts.items() if key[1] not in self._layouts.get(key[0], {})}
        if not new:
            return
        created_ms = int(time.time() * 1000)
        self._insert(schema.FEATURE_LAYOUTS, schema.FEATURE_LAYOUT_COLUMNS, layout_columns(new, created_ms))
        for (model, identity), layout in new.items():
            self._layouts.setdefault(model, {})[identity] = layout

    def _layouts_of(self, window: WindowSpec) -> WindowLayouts:
        """The layouts of the window's rows (kept ``UNIQUE_WINDOW_TTL_S``, forgotten on ``write``)."""
        return self._window_layouts.get(window, lambda: self._read_layouts(window))

    def _read_layouts(self, window: WindowSpec) -> WindowLayouts:
        ids = [int(i) for i in self._select(sql_windows.layouts_sql(self.database, window), 1)[0]]
        known = self._layouts.setdefault(window.model, {})
        unknown = [i for i in ids if i not in known]
        if unknown:
            statement = sql_windows.layout_names_sql(self.database, window.model, unknown)
            for identity, numerical, categorical in zip(*self._select(statement, 3), strict=True):
                known[int(identity)] = FeatureLayout(tuple(numerical), tuple(categorical))
        return window_layouts(ids, known, window.model)

    def read_predictions(
        self, model: str, start_ms: int, end_ms: int, features: FeatureSelection
    ) -> pd.DataFrame:
        layouts = self._layouts_of(WindowSpec(model, start_ms, end_ms))
        return self._frame(sql.predictions_select(self.database, model, start_ms, end_ms, features, layouts))

    def read_labeled(
        self, model: str, start_ms: int, end_ms: int, features: FeatureSelection, matured_before_ms: int
    ) -> pd.DataFrame:
        layouts = self._layouts_of(WindowSpec(model, start_ms, end_ms))
        select = sql.labeled_select(
            self.database, model, start_ms, end_ms, features, matured_before_ms, layouts
        )
        return self._frame(select) if self._has_outcomes(model) else _empty_frame(select)

    def _has_outcomes(self, model: str) -> bool:
        """Whether any outcome of ``model`` is stored. A model without one (drift only, or its labels
        not arrived yet) skips the labeled join, which would read every prediction of the window only
        to find no match: 0.9 s of a 1M-row window's run on the 18.16 server."""
        return bool(int(self._select(sql.any_outcome_sql(self.database, model), 1)[0][0]))

    def counts(self, model: str | None = None) -> Counts:
        predictions = self._select(sql.count_sql(self.database, schema.PREDICTIONS, model), 1)
        outcomes = self._select(sql.count_sql(self.database, schema.OUTCOMES, model), 1)
        reasons, numbers = self._select(sql.dead_letter_reasons_sql(self.database), 2)
        by_reason = {str(reason): int(n) for reason, n in zip(reasons, numbers, strict=True)}
        return Counts(
            predictions=int(predictions[0][0]),
            outcomes=int(outcomes[0][0]),
            dead_letters=sum(by_reason.values()),
            dead_letters_by_reason=by_reason,
        )

    def read_dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        columns = self._select(sql.dead_letters_sql(self.database, limit), 7)
        return [_dead_letter(*row) for row in zip(*columns, strict=True)]

    def window_stats(self, window: WindowSpec, features: FeatureSelection) -> WindowStats:
        numerical, categorical = sql_windows.pick(features, self._layouts_of(window))
        final = self._needs_final(window)
        statement = sql_windows.stats_sql(self.database, window, numerical, categorical, final)
        scalars = self._select(statement, windows.stats_width(numerical, categorical))
        categories: list[Sequence[Any]] = [(), (), ()]
        if categorical and int(scalars[0][0]) > 0:
            statement = sql_windows.categories_sql(self.database, window, categorical, final)
            categories = self._select(statement, 3)
        return windows.window_stats(scalars, categories, numerical, categorical)

    def histogram(self, window: WindowSpec, edges: dict[str, Sequence[float]]) -> dict[str, list[int]]:
        if not edges:
            return {}
        layouts, final = self._layouts_of(window), self._needs_final(window)
        statement = sql_windows.histogram_sql(self.database, window, edges, layouts, final)
        width = sum(len(feature_edges) - 1 for feature_edges in edges.values())
        return windows.histogram(self._select(statement, width), edges)

    def sample(
        self,
        window: WindowSpec,
        features: FeatureSelection,
        limit: int,
        matured_before_ms: int | None = None,
        window_rows: int | None = None,
    ) -> pd.DataFrame:
        """As ``base.Store.sample``; pseudo-features are skipped (they are the ``score`` and
        ``prediction`` columns). For a reference set, ``matured_before_ms`` asks for its labeled rows."""
        layouts = self._layouts_of(window)
        read = window
        if matured_before_ms is not None and window.reference_id is None:
            if not self._has_outcomes(window.model):
                select = sql_sample.sample_select(
                    self.database, window, features, limit, matured_before_ms, layouts
                )
                return _empty_frame(select)
            read = WindowSpec(window.model, window.start_ms, min(window.end_ms, matured_before_ms))
        final = self._needs_final(read)
        whole = window_rows is not None and window_rows <= limit  # a labeled sample ranks anyway
        select = sql_sample.sample_select(
            self.database, window, features, limit, matured_before_ms, layouts, final, whole
        )
        return self._frame(select)

    def _needs_final(self, window: WindowSpec) -> bool:
        """Whether the window's predictions must be read with ``FINAL``: not when no prediction id in
        it has another row in its partitions (``sql.unique_window_sql``), as the rows are then the
        same. The answer is kept ``UNIQUE_WINDOW_TTL_S`` per window and forgotten on ``write``."""
        if window.reference_id is not None:
            return False  # reference rows are read without FINAL anyway (one row per row number)
        statement = sql.unique_window_sql(self.database, window.model, window.start_ms, window.end_ms)
        return not self._unique_windows.get(window, lambda: bool(int(self._select(statement, 1)[0][0])))

    def write_results(self, rows: Sequence[ResultRow]) -> None:
        if rows:
            self._insert(schema.CHECK_RESULTS, schema.RESULT_COLUMNS, result_columns(rows))

    def read_results(self, model: str, start_ms: int, end_ms: int) -> list[ResultRow]:
        statement = sql_history.results_sql(self.database, model, start_ms, end_ms)
        return windows.result_rows(self._select(statement, len(schema.RESULT_COLUMNS)))

    def write_campaign_feed(self, rows: Sequence[CampaignFeedRow]) -> None:
        if rows:
            self._insert(schema.CAMPAIGN_FEED, schema.CAMPAIGN_FEED_COLUMNS, sql_campaign.feed_columns(rows))

    def read_campaign_feed(self, campaign: str, start_ms: int, end_ms: int) -> list[CampaignFeedRow]:
        statement = sql_campaign.feed_sql(self.database, campaign, start_ms, end_ms)
        return sql_campaign.feed_rows(self._select(statement, len(schema.CAMPAIGN_FEED_COLUMNS)))

    def load_state(self, namespace: str) -> dict[str, str]:
        keys, values = self._select(sql_history.state_sql(self.database, namespace), 2)
        return {str(k): str(v) for k, v in zip(keys, values, strict=True)}

    def save_state(self, namespace: str, items: Mapping[str, str | None], version: int) -> None:
        if not items:
            return
        keys = list(items)
        data: Columns = [
            [namespace] * len(keys),
            keys,
            [items[k] or "" for k in keys],
            [1 if items[k] is None else 0 for k in keys],
            [int(version)] * len(keys),
        ]
        self._insert(schema.ROUTER_STATE, schema.ROUTER_STATE_COLUMNS, data)

    def load_reference(self, model: str, reference_id: str, frame: pd.DataFrame) -> int:
        """As ``base.Store.load_reference``: the rows go in under a new version, in batches, then the
        set's entry in ``reference_sets`` makes them the ones read; older versions are deleted last."""
        used = self._select(sql_history.reference_versions_sql(self.database, model, reference_id), 1)
        now_ms = int(time.time() * 1000)
        version = max([now_ms, *(int(v) + 1 for v in used[0])])
        layout = reference_layout(frame)
        self._register_layouts({(model, layout.id): layout})
        for first in range(0, len(frame), REFERENCE_BATCH_ROWS):
            part = frame.iloc[first : first + REFERENCE_BATCH_ROWS]
            data = reference_columns(model, reference_id, version, part, first)
            self._insert(schema.REFERENCE_ROWS, schema.REFERENCE_COLUMNS, data)
        entry: Columns = [[model], [reference_id], [version], [len(frame)], [now_ms]]
        self._insert(schema.REFERENCE_SETS, schema.REFERENCE_SET_COLUMNS, entry)
        self._execute(sql_history.drop_old_reference_sql(self.database, model, reference_id, version))
        self._window_layouts.clear()
        return len(frame)

    def _frame(self, select: sql.Select) -> pd.DataFrame:
        return _as_frame(select, self._select(select.sql, select.width))


def _empty_frame(select: sql.Select) -> pd.DataFrame:
    """What ``select`` gives when it matches no row: its columns, with their dtypes, and no rows."""
    return _as_frame(select, [() for _ in range(select.width)])


def _as_frame(select: sql.Select, columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The frame of a result: one column per output (a text output arrives as text and null flags)."""
    received = iter(columns)
    frame = {}
    for output in select.outputs:
        values = next(received)
        nulls = next(received) if output.kind is sql.Kind.TEXT else None
        frame[output.name] = _series(output.kind, values, nulls)
    if next(received, None) is not None:
        raise ValueError(f"the result has more columns than the {select.width} expected")
    return pd.DataFrame(frame)


def _series(kind: sql.Kind, values: Sequence[Any], nulls: Sequence[Any] | None = None) -> pd.Series:
    """One DataFrame column with the dtype ``base.Store`` promises for its kind (``nulls``: a text
    column's NULL flags, see ``sql.select_list``)."""
    if kind is sql.Kind.FLOAT:
        return pd.Series(np.asarray(values, dtype=np.float64))  # None -> NaN
    if kind is sql.Kind.TIMESTAMP:
        millis = np.asarray(values)
        if millis.dtype == object:  # NULLs: only reference sets may lack times; they become NaT
            moments = pd.to_datetime(pd.array(millis, dtype="Int64"), unit="ms", utc=True)
            return pd.Series(moments.as_unit("ns"))
        return pd.Series(pd.to_datetime(millis.astype(np.int64), unit="ms", utc=True).as_unit("ns"))
    # fromiter fills the object array in one C loop: about 6x faster than pandas' own list conversion,
    # which mattered for 100k-row samples (36 text columns a run).
    text = np.fromiter(values, dtype=object, count=len(values))
    if nulls is not None and len(nulls):
        text[np.asarray(nulls, dtype=bool)] = None
    return pd.Series(text)


def _dead_letter(
    topic: str, partition: int, offset: int, raw_hex: str, reason: str, detail: str, received_ms: int
) -> DeadLetter:
    return DeadLetter(
        position=SourcePosition(topic=str(topic), partition=int(partition), offset=int(offset)),
        raw=bytes.fromhex(str(raw_hex)),
        reason=RejectReason(str(reason)),
        detail=str(detail),
        received_ms=int(received_ms),
    )
