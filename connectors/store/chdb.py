"""The store embedded in this process: chDB (the ClickHouse engine as a library) on a local directory.

It runs the same SQL as the server store (``sql.py``). Inserts send the columns as an Arrow IPC stream
(``INSERT ... FORMAT ArrowStream`` through ``send_insert``): typed, columnar, and exact for bytes and
for arrays of Nullable values. Results come back as Arrow tables.

Limits that shape how it is used:
- chDB's engine is process-global: one process can have one data directory open at a time (opening a
  second directory fails until every session on the first is closed), and a directory can be open in
  one process only. Embedded mode therefore runs ingest, jobs and router in one process, sharing a store.
- chDB (a current engine) has ``optimize_on_insert`` on: duplicates *within one insert* are collapsed
  at once, while ClickHouse 18.16 keeps them until a merge. Every read uses ``FINAL``, so both stores
  answer the same; only reads without ``FINAL`` would see the difference.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from connectors.store import sql
from connectors.store.columns import Columns
from connectors.store.sqlstore import SqlStore

DATABASE = "monitor"

# A ClickHouse String is a byte string: sent as Arrow binary, text is UTF-8 encoded by pyarrow.
_SCALAR_TYPES: dict[str, pa.DataType] = {
    "String": pa.binary(),
    "Int32": pa.int32(),
    "Int64": pa.int64(),
    "UInt8": pa.uint8(),
    "UInt64": pa.uint64(),
    "Float64": pa.float64(),
    "DateTime": pa.timestamp("s", tz="UTC"),
}


def arrow_type(clickhouse_type: str) -> pa.DataType:
    """The Arrow type to send for a schema column type (Nullable is Arrow's own nullability)."""
    if clickhouse_type.startswith("Array(") and clickhouse_type.endswith(")"):
        return pa.list_(arrow_type(clickhouse_type[len("Array(") : -1]))
    if clickhouse_type.startswith("Nullable(") and clickhouse_type.endswith(")"):
        return arrow_type(clickhouse_type[len("Nullable(") : -1])
    return _SCALAR_TYPES[clickhouse_type]


def arrow_stream(columns: Sequence[tuple[str, str]], data: Columns) -> bytes:
    """Columnar ``data`` as one Arrow IPC stream with the schema's names and types."""
    arrays = [
        pa.array(values, type=arrow_type(kind)) for (_, kind), values in zip(columns, data, strict=True)
    ]
    table = pa.table(arrays, names=[name for name, _ in columns])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _column_values(column: pa.ChunkedArray) -> Sequence[Any]:
    # Numbers as numpy (nulls become NaN for floats), anything else as Python objects.
    numeric = pa.types.is_floating(column.type) or (
        pa.types.is_integer(column.type) and column.null_count == 0
    )
    values: Sequence[Any] = column.to_numpy() if numeric else column.to_pylist()
    return values


class ChdbStore(SqlStore):
    """``base.Store`` in an embedded chDB directory ``path`` (created if missing).

    Only one chDB directory may be open per process at a time, and one process per directory: close
    the store before opening another. Safe to share between threads (calls are serialised).
    """

    def __init__(self, path: str, database: str = DATABASE) -> None:
        super().__init__(database)
        from chdb import session  # imported here: loading chDB takes a second and much memory

        self.path = path
        # chDB ships no type hints for Session: held as Any.
        self._session: Any = session.Session(path)  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()  # a streaming insert blocks every other call on the session

    def __repr__(self) -> str:
        return f"ChdbStore({self.path!r})"

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def _execute(self, statement: str) -> None:
        with self._lock:
            self._session.query(statement)

    def _select(self, statement: str, width: int) -> list[Sequence[Any]]:
        with self._lock:
            table = self._session.query(statement, "ArrowTable")
        if table.num_columns == 0:  # some empty results carry no schema
            return [() for _ in range(width)]
        return [_column_values(column) for column in table.columns]

    def _insert(self, table: str, columns: Sequence[tuple[str, str]], data: Columns) -> None:
        statement = sql.insert_prefix(self.database, table, columns)
        payload = arrow_stream(columns, data)
        with self._lock, self._session.send_insert(statement, "ArrowStream") as inserter:
            inserter.append(payload)
            inserter.finish()
