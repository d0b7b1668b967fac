"""The HTML routes: each reads through the ``WebContext`` and renders with a pure page builder."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse

from monitor.web import campaign_pages, pages
from monitor.web.context import LATEST_LOOKBACK_DAYS, WebContext

Days = Annotated[int, Query(ge=1, le=730, description="How many days back from now to show.")]


def add_routes(app: FastAPI, context: WebContext) -> None:
    """Register the pages on ``app``."""

    @app.get("/", response_class=HTMLResponse)
    def overview() -> str:
        alerts = context.alerts()
        lines = [
            pages.ModelLine(name, spec, context.latest_run(name), context.open_alerts(alerts, name))
            for name, spec in sorted(context.config.models.items())
        ]
        return pages.overview_page(lines, LATEST_LOOKBACK_DAYS[-1])

    @app.get("/models/{name}", response_class=HTMLResponse)
    def model(name: str, days: Days = 7) -> str:
        spec = context.model(name)
        return pages.model_page(name, spec, context.results(name, days), days)

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts() -> str:
        return pages.alerts_page(context.alerts())

    @app.get("/campaigns", response_class=HTMLResponse)
    def campaigns() -> str:
        return campaign_pages.campaigns_page(context.campaigns)

    @app.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
    def campaign(campaign_id: str, days: Days = 90) -> str:
        spec = context.campaign(campaign_id)
        return campaign_pages.campaign_page(spec, context.campaign_view(campaign_id, days), days)
