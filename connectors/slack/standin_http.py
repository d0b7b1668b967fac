"""The HTTP side of the Slack stand-in: parsing a Web API request, and writing Slack-shaped answers."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body, extra headers. Status 0 (``DROP``): close without answering."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, code: str) -> Answer:
        """Slack's way of failing a call: HTTP 200 with ``ok: false``."""
        return cls(200, {"ok": False, "error": code})


DROP = Answer(0, {"ok": False, "error": "connection dropped"})


@dataclass(frozen=True)
class Call:
    """One request as the stand-in saw it, with its answer. Never holds the token."""

    method: str
    channel: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    ts: str | None
    status: int
    ok: bool
    error: str | None
    headers: Mapping[str, str]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    """A parsed Web API request: method name, token, parameters (JSON or form), headers."""

    method: str
    token: str
    params: Mapping[str, Any]
    headers: Mapping[str, str]

    def message(self, channel_name: str) -> dict[str, Any]:
        blocks = self.params.get("blocks")
        return {"channel": channel_name, "text": self.params.get("text"), "blocks": blocks}

    def call(self, answer: Answer) -> Call:
        blocks = self.params.get("blocks")
        return Call(
            method=self.method,
            channel=self.params.get("channel"),
            text=self.params.get("text"),
            blocks=list(blocks) if isinstance(blocks, list) else None,
            ts=answer.body.get("ts") or self.params.get("ts"),
            status=answer.status,
            ok=bool(answer.body.get("ok")),
            error=answer.body.get("error"),
            headers=self.headers,
            params=self.params,
        )


def parse_request(path: str, headers: Mapping[str, str], body: bytes) -> Request:
    """The method from ``/api/<method>``, the token from the bearer header or a ``token`` parameter."""
    url = urlsplit(path)
    params: dict[str, Any] = dict(parse_qsl(url.query))
    if "json" in headers.get("Content-Type", ""):
        params |= json.loads(body or b"{}")
    else:
        params |= dict(parse_qsl(body.decode("utf-8")))
    if isinstance(params.get("blocks"), str):  # form-encoded blocks are a JSON string
        params["blocks"] = json.loads(params["blocks"])
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    token = auth.removeprefix("Bearer ").strip() if auth else str(params.pop("token", ""))
    params.pop("token", None)
    public = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return Request(url.path.rstrip("/").rsplit("/", 1)[-1], token, params, public)


class Answering(Protocol):
    def answer(self, request: Request) -> Answer: ...


class Handler(BaseHTTPRequestHandler):
    """Hands each request to the stand-in (``server.standin``) and writes its answer."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = parse_request(self.path, dict(self.headers.items()), body)
        standin: Answering = self.server.standin  # type: ignore[attr-defined]
        self._write(standin.answer(request))

    do_GET = do_POST

    def _write(self, answer: Answer) -> None:
        if answer.status == DROP.status:
            self.close_connection = True  # the client sees the connection closed with no answer
            return
        payload = json.dumps(answer.body).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)  # not stderr, the default: the calls are recorded anyway
