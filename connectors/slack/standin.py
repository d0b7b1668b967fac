"""A local stand-in for Slack's Web API, for tests and for the demo without Slack. It is NOT Slack.

It answers ``chat.postMessage``, ``chat.update`` and ``auth.test`` the way Slack does (``ok``, ``error``
codes, HTTP 429 with ``Retry-After``), records every call, and fails on demand: rate limits, 5xx, or an
outage. Point slack_sdk's ``WebClient(base_url=standin.base_url)`` (or ``MONITOR_SLACK_BASE_URL``) at it.
Bound to 127.0.0.1 on a free port; ``stop()`` then ``start()`` again refuses connections in between.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from connectors.slack.standin_http import DROP, Answer, Call, Handler, Request


@dataclass
class _Faults:
    """Failures still to serve, in order, and the end of an outage (monotonic seconds)."""

    queue: list[Answer] = field(default_factory=list)
    down_until: float = 0.0
    down_answer: Answer | None = None  # None: drop the connection without an answer


class SlackStandIn:
    """Slack's Web API, in-process. ``channels``: known channel names (None accepts any)."""

    def __init__(self, token: str = "xoxb-standin", channels: Collection[str] | None = None) -> None:
        self._token = token
        self._known = None if channels is None else {c.lstrip("#") for c in channels}
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids: dict[str, str] = {}  # channel name -> Slack-like ID
        self._seq = 0
        self._faults = _Faults()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    def __repr__(self) -> str:
        return f"SlackStandIn(port={self._port}, running={self._server is not None})"

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        """Serve in a daemon thread; after ``stop()``, again on the same port."""
        server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        server.standin = self  # type: ignore[attr-defined]
        self._server, self._port = server, server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The Web API root, as slack_sdk's ``base_url`` expects it (ends with ``/api/``)."""
        return f"http://127.0.0.1:{self._port}/api/"

    # -- failures on demand -----------------------------------------------------------------------------
    def rate_limit(self, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 429 ``ratelimited`` and ``Retry-After``."""
        self._enqueue(
            times, Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        )

    def server_error(self, times: int = 1, status: int = 500) -> None:
        """Answer the next ``times`` calls with HTTP ``status`` (a 5xx)."""
        self._enqueue(times, Answer(status, {"ok": False, "error": "internal_error"}))

    def api_error(self, error: str, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 200 ``{"ok": false, "error": error}``."""
        self._enqueue(times, Answer(200, {"ok": False, "error": error}))

    def down_for(self, seconds: float, drop: bool = False) -> None:
        """An outage: every call for ``seconds`` gets HTTP 503, or (``drop``) its connection closed."""
        with self._lock:
            self._faults.down_until = _now() + seconds
            self._faults.down_answer = (
                None if drop else Answer(503, {"ok": False, "error": "service_unavailable"})
            )

    def _enqueue(self, times: int, answer: Answer) -> None:
        with self._lock:
            self._faults.queue.extend([answer] * times)

    # -- what was received ------------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every request received (failed ones too), oldest first; no token in them."""
        with self._lock:
            return list(self._calls)

    def successful(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.ok and (method is None or c.method == method)]

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Messages as they now stand, by (channel ID, ts): ``channel`` (name), ``text``, ``blocks``."""
        with self._lock:
            return {key: dict(message) for key, message in self._messages.items()}

    def channel_id(self, name: str) -> str:
        """The ID the stand-in gave a channel name (Slack answers and edits by ID)."""
        with self._lock:
            return self._id_of(name.lstrip("#"))

    # -- answering (called by the HTTP handler thread) ----------------------------------------------------
    def answer(self, request: Request) -> Answer:
        """The answer to one request (``DROP``: close the connection without answering), recorded."""
        with self._lock:
            answer = self._fault() or self._dispatch(request)
            self._calls.append(request.call(answer))
            return answer

    def _fault(self) -> Answer | None:
        if _now() < self._faults.down_until:
            return self._faults.down_answer or DROP
        return self._faults.queue.pop(0) if self._faults.queue else None

    def _dispatch(self, request: Request) -> Answer:
        if request.token != self._token:
            return Answer.error("not_authed" if not request.token else "invalid_auth")
        if request.method == "auth.test":
            return Answer(200, {"ok": True, "team": "standin", "user": "monitor", "bot_id": "B0STANDIN"})
        if request.method not in ("chat.postMessage", "chat.update"):
            return Answer(404, {"ok": False, "error": "unknown_method"})
        name = self._name_of(str(request.params.get("channel", "")))
        if name is None:
            return Answer.error("channel_not_found")
        if request.method == "chat.update":
            return self._update(name, request)
        self._seq += 1
        ts = f"1700000000.{self._seq:06d}"
        self._messages[(self._id_of(name), ts)] = request.message(name)
        return Answer(
            200, {"ok": True, "channel": self._id_of(name), "ts": ts, "message": request.message(name)}
        )

    def _update(self, name: str, request: Request) -> Answer:
        key = (self._id_of(name), str(request.params.get("ts", "")))
        if key not in self._messages:
            return Answer.error("message_not_found")
        self._messages[key] = request.message(name)
        return Answer(200, {"ok": True, "channel": key[0], "ts": key[1], "text": request.params.get("text")})

    def _name_of(self, channel: str) -> str | None:
        """A channel name from a name or an ID; None for a channel that does not exist."""
        by_id = {cid: name for name, cid in self._ids.items()}
        name = by_id.get(channel, channel.lstrip("#"))
        known = self._known is None or name in self._known
        return name if name and known else None

    def _id_of(self, name: str) -> str:
        return self._ids.setdefault(name, f"C{len(self._ids) + 1:08d}")


def _now() -> float:
    return time.monotonic()
