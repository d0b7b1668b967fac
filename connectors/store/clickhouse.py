"""The store on a ClickHouse server, through clickhouse-driver (native protocol).

Inserts are always columnar with the data passed as parameters: an inline ``INSERT ... VALUES (...)``
hangs on ClickHouse 18.16. Network failures and server-side "try again later" errors become
``StoreUnavailable``; anything else (bad SQL, wrong types) is a bug and raises as it is.
The driver reconnects by itself on the next call after a failure, so a store outlives server restarts.
The password never appears in an error or repr: messages carry the redacted URL only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from clickhouse_driver import Client, errors

from connectors.store import schema, sql
from connectors.store.base import StoreUnavailable
from connectors.store.columns import Columns
from connectors.store.factory import redact_url, split_userinfo
from connectors.store.sqlstore import SqlStore

T = TypeVar("T")

DEFAULT_PORT = 9000
CONNECT_TIMEOUT_S = 3.0  # a dead or unreachable server fails a call within seconds
SEND_RECEIVE_TIMEOUT_S = 60.0  # a hung server fails a call; long enough for a big window read
PING_TIMEOUT_S = 3.0  # the driver pings a reused connection before each query

# Server errors that are about the moment, not the request: retrying later may succeed.
TRANSIENT_SERVER_CODES = frozenset(
    {
        errors.ErrorCodes.TIMEOUT_EXCEEDED,
        errors.ErrorCodes.TOO_MANY_SIMULTANEOUS_QUERIES,
        errors.ErrorCodes.SOCKET_TIMEOUT,
        errors.ErrorCodes.NETWORK_ERROR,
        errors.ErrorCodes.MEMORY_LIMIT_EXCEEDED,
        errors.ErrorCodes.TABLE_IS_READ_ONLY,
        errors.ErrorCodes.TOO_MANY_PARTS,
        errors.ErrorCodes.ALL_CONNECTION_TRIES_FAILED,
        errors.ErrorCodes.KEEPER_EXCEPTION,
    }
)
# Raised by the driver (or the socket under it) when the connection itself fails.
CONNECTION_ERRORS = (errors.NetworkError, errors.SocketTimeoutError, EOFError, OSError)

# Tables whose String columns hold arbitrary bytes: inserted with the driver's ``strings_as_bytes``.
BYTES_TABLES = frozenset({schema.DEAD_LETTERS})


@dataclass(frozen=True)
class ServerAddress:
    """Where the server is and how to log in, parsed from a ``clickhouse://`` URL."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    send_receive_timeout_s: float = SEND_RECEIVE_TIMEOUT_S
    secure: bool = False

    @classmethod
    def from_url(cls, url: str) -> ServerAddress:
        """Parse ``clickhouse://user:password@host:port/database?connect_timeout=S&...``."""
        prefix, user, password, rest = split_userinfo(url)
        if prefix.lower() != "clickhouse://":
            raise ValueError(f"not a clickhouse:// URL: {redact_url(url)!r}")
        parts = urlsplit(f"//{rest}")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(options) - {"connect_timeout", "send_receive_timeout", "secure"}
        if not parts.hostname or unknown:
            raise ValueError(f"bad ClickHouse URL {redact_url(url)!r} (unknown options: {sorted(unknown)})")
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORT,
            user=unquote(user) or "default",
            password=unquote(password or ""),
            database=parts.path.strip("/") or "default",
            connect_timeout_s=float(options.get("connect_timeout", CONNECT_TIMEOUT_S)),
            send_receive_timeout_s=float(options.get("send_receive_timeout", SEND_RECEIVE_TIMEOUT_S)),
            secure=options.get("secure", "false").lower() in ("1", "true", "yes"),
        )

    def client(self) -> Client:
        """A driver client (it connects lazily, on the first query)."""
        return Client(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            secure=self.secure,
            connect_timeout=self.connect_timeout_s,
            send_receive_timeout=self.send_receive_timeout_s,
            sync_request_timeout=PING_TIMEOUT_S,
            client_name="model-monitor",
        )


class ClickHouseStore(SqlStore):
    """``base.Store`` on a ClickHouse server. Safe to share between threads (calls are serialised)."""

    def __init__(self, url: str) -> None:
        address = ServerAddress.from_url(url)
        super().__init__(address.database)
        self._url = redact_url(url)
        self._password = address.password
        self._client = address.client()
        self._lock = threading.Lock()  # one driver connection: one query at a time

    def __repr__(self) -> str:
        return f"ClickHouseStore({self._url!r})"

    def close(self) -> None:
        self._client.disconnect()

    def _execute(self, statement: str) -> None:
        self._call(lambda: self._client.execute(statement))

    def _select(self, statement: str, width: int) -> list[Sequence[Any]]:
        result = self._call(lambda: self._client.execute(statement, columnar=True))
        # With no rows the driver returns no columns at all.
        return list(result) if result else [() for _ in range(width)]

    def _insert(self, table: str, columns: Sequence[tuple[str, str]], data: Columns) -> None:
        statement = sql.insert_prefix(self.database, table, columns) + " VALUES"
        if table in BYTES_TABLES:
            data = _strings_as_bytes(columns, data)
            settings = {"strings_as_bytes": True}
        else:
            settings = {}
        self._call(lambda: self._client.execute(statement, data, columnar=True, settings=settings))

    def _call(self, query: Callable[[], T]) -> T:
        with self._lock:
            try:
                return query()
            except CONNECTION_ERRORS as exc:
                raise self._unavailable(exc) from None
            except errors.ServerException as exc:
                if exc.code in TRANSIENT_SERVER_CODES:
                    raise self._unavailable(exc) from None
                raise

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        # Not chained (``from None``): the message below is the scrubbed account of the cause.
        text = str(exc)
        if self._password:
            text = text.replace(self._password, "***")
        return StoreUnavailable(f"ClickHouse at {self._url} is unavailable: {type(exc).__name__}: {text}")


def _strings_as_bytes(columns: Sequence[tuple[str, str]], data: Columns) -> Columns:
    """Text of plain ``String`` columns as UTF-8 bytes (``strings_as_bytes`` wants bytes throughout)."""
    return [
        [value.encode() if isinstance(value, str) else value for value in values]
        if kind == "String"
        else values
        for (_, kind), values in zip(columns, data, strict=True)
    ]
