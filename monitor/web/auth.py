"""The optional bearer token in front of every page and feed (health probes and static files excepted).

A request is let in by any of:
- ``Authorization: Bearer <token>`` (API clients, Prometheus' ``authorization`` setting);
- ``?token=<token>`` in the URL, for a browser: a page request (Accept: text/html) is then answered
  with a redirect to the same URL without the token, setting a session cookie, so the token does not
  stay in the address bar, the history or links; other requests are just served;
- that session cookie, whose value is an HMAC of the token (the cookie never holds the token itself).

Comparisons are constant time. The token is never echoed in a response; the server's access log is
off (see ``server.py``) because it would record ``?token=`` query strings.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
# plotly.js, the style sheet and the chart loader are public code with no data in them.
OPEN_PREFIXES = ("/static/",)
COOKIE = "monitor_session"
QUERY = "token"

Next = Callable[[Request], Awaitable[Response]]


def session_value(token: str) -> str:
    """The cookie value for ``token``: proves the browser once showed the token, and cannot be
    turned back into it."""
    return hmac.new(token.encode(), b"model-monitor web session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _denied(request: Request) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="model-monitor"'}
    if _wants_html(request):
        text = (
            "<!DOCTYPE html><title>401</title><h1>Authentication required</h1>"
            "<p>Open this page with <code>?token=&lt;your token&gt;</code> added to the address once; "
            "the browser then keeps a session cookie. API clients send "
            "<code>Authorization: Bearer &lt;token&gt;</code>.</p>"
        )
        return HTMLResponse(text, status_code=401, headers=headers)
    return JSONResponse({"detail": "authentication required"}, status_code=401, headers=headers)


class TokenGuard(BaseHTTPMiddleware):
    """Starlette middleware enforcing the token on every path but the open ones."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        super().__init__(app)
        if not token:
            raise ValueError("the web token must not be empty (pass None to turn authentication off)")
        self._token = token
        self._session = session_value(token)

    async def dispatch(self, request: Request, call_next: Next) -> Response:
        path = request.url.path
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return await call_next(request)
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(credential.strip(), self._token):
            return await call_next(request)
        if _same(request.cookies.get(COOKIE, ""), self._session):
            return await call_next(request)
        query_token = request.query_params.get(QUERY)
        if query_token is None or not _same(query_token, self._token):
            return _denied(request)
        if request.method == "GET" and _wants_html(request):
            return self._to_clean_url(request)
        return await call_next(request)

    def _to_clean_url(self, request: Request) -> Response:
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY]
        # A relative target: the redirect never depends on the Host header a client sent.
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            self._session,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response
