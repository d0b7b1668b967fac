"""Open a store from its URL, and print store URLs without their passwords.

- ``clickhouse://user:password@host:9000/database[?connect_timeout=S&send_receive_timeout=S&secure=1]``
  -> ``ClickHouseStore`` (a server).
- ``chdb:///absolute/dir`` or ``chdb://relative/dir`` -> ``ChdbStore`` (embedded, one process per dir).

The store modules are imported only when their scheme is used: chDB is a large library to load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.store.base import Store

SCHEMES = ("clickhouse", "chdb")
REDACTED = "***"


def split_userinfo(url: str) -> tuple[str, str, str | None, str]:
    """``(prefix, user, password or None, rest after '@')`` of ``scheme://user:password@rest``.

    ``prefix`` is ``"scheme://"`` (empty if the URL has no scheme). The password ends at the *last* '@',
    so a password holding '@', '/' or ':' unencoded is still cut out whole. Without user info the
    result is ``(prefix, "", None, rest)``.
    """
    scheme, separator, remainder = url.partition("://")
    prefix = f"{scheme}://" if separator else ""
    remainder = remainder if separator else url
    authority_end = remainder.rfind("@")
    if authority_end < 0:
        return prefix, "", None, remainder
    userinfo, rest = remainder[:authority_end], remainder[authority_end + 1 :]
    user, colon, password = userinfo.partition(":")
    return prefix, user, password if colon else None, rest


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``: safe to log, print or put in an error."""
    prefix, user, password, rest = split_userinfo(url)
    if password is None:
        return url
    return f"{prefix}{user}:{REDACTED}@{rest}"


def chdb_path(url: str) -> str:
    """The directory of a ``chdb://`` URL: ``chdb:///abs/dir`` -> ``/abs/dir``, ``chdb://rel`` -> ``rel``."""
    path = url.partition("://")[2]
    if not path or "?" in path or "#" in path:
        raise ValueError(f"a chdb store URL is chdb:///absolute/dir or chdb://relative/dir, not {url!r}")
    return path


def open_store(url: str) -> Store:
    """The store ``url`` names. ClickHouse connects on first use; chDB opens its directory now."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "clickhouse":
        from connectors.store.clickhouse import ClickHouseStore

        return ClickHouseStore(url)
    if scheme == "chdb":
        from connectors.store.chdb import ChdbStore

        return ChdbStore(chdb_path(url))
    raise ValueError(
        f"unknown store URL {redact_url(url)!r}: expected clickhouse://user:password@host:port/database"
        " or chdb:///path/to/dir"
    )
