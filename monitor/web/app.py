"""``create_app``: the read-only FastAPI app of ``monitor run`` (pages, feeds, health, metrics).

Routes (every one but ``/healthz``, ``/readyz`` and ``/static/*`` behind the optional token, see
``auth.py``):

- ``/`` models overview; ``/models/{name}?days=7`` a model's history; ``/alerts``; ``/campaigns`` and
  ``/campaigns/{id}?days=90``;
- ``/api/models/{name}/results.json?days=``, ``/api/campaigns/{id}.json``, ``/api/campaigns/{id}.csv``
  (headline row) and ``/api/campaigns/{id}/deciles.csv``;
- ``/reports/{model}/{file}`` the Evidently reports; ``/static/plotly.min.js`` (from the plotly package,
  so charts draw with no internet), ``/static/style.css``, ``/static/charts.js``;
- ``/healthz`` (the process answers), ``/readyz`` (the store answers), ``/metrics`` (Prometheus).

Handlers are plain functions: FastAPI runs them on its thread pool, so a slow store read never blocks
the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from connectors.store.base import StoreUnavailable
from monitor.campaign import CampaignSpec
from monitor.config_model import Config
from monitor.web.api import add_routes as add_feeds
from monitor.web.auth import TokenGuard
from monitor.web.context import AlertSource, StoreSource, WebContext
from monitor.web.layout import CHARTS_JS, CSS
from monitor.web.views import add_routes as add_pages

log = logging.getLogger(__name__)

# Pages load only their own scripts and styles (plotly injects style elements, hence 'unsafe-inline'
# for styles only). Evidently reports carry inline scripts, so /reports is left without this header.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly Python package."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def create_app(
    config: Config,
    store: StoreSource,
    *,
    token: str | None = None,
    now: Callable[[], datetime] = _utc_now,
    report_dir: Path | None = None,
    alerts: AlertSource | None = None,
    campaigns: Mapping[str, CampaignSpec] | None = None,
) -> FastAPI:
    """The web app over ``store`` (a ``Store``, or a factory called on first use).

    ``token``: when set, requests need it (``Authorization: Bearer``, or ``?token=`` once in a
    browser). ``now``: the clock (UTC datetimes) that ranges and maturity cut-offs are taken from.
    ``report_dir``: where the jobs write Evidently reports (``None``: no report links are served).
    ``alerts``: returns the router's current alerts as dicts (``Alert.to_dict`` shape, optionally with
    ``state``); ``None`` shows "router not running". ``campaigns``: ``{id: CampaignSpec}``.
    """
    if token is not None and not token:
        raise ValueError("an empty web token would let everyone in: pass None to turn authentication off")
    context = WebContext(config, store, now, report_dir, alerts, dict(campaigns or {}))
    app = FastAPI(title="model monitor", docs_url=None, redoc_url=None, openapi_url=None)
    if token is not None:
        app.add_middleware(TokenGuard, token=token)

    @app.middleware("http")
    async def _security_headers(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/reports/"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    _add_health(app, context)
    _add_static(app)
    add_pages(app, context)
    add_feeds(app, context)
    return app


def _add_health(app: FastAPI, context: WebContext) -> None:
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        try:
            context.store().ping()
        except StoreUnavailable:
            return JSONResponse({"status": "unavailable", "reason": "the store does not answer"}, 503)
        except Exception as exc:  # a readiness probe reports; the error itself goes to the log
            log.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/reports/{model}/{file_name}")
    def report(model: str, file_name: str) -> FileResponse:
        return FileResponse(context.report_file(model, file_name), media_type="text/html")


def _add_static(app: FastAPI) -> None:
    cache = {"Cache-Control": "public, max-age=86400"}

    @app.get("/static/plotly.min.js")
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript", headers=cache)

    @app.get("/static/style.css")
    def style() -> Response:
        return Response(CSS, media_type="text/css", headers=cache)

    @app.get("/static/charts.js")
    def charts_js() -> Response:
        return Response(CHARTS_JS, media_type="text/javascript", headers=cache)
