"""The JSON and CSV feeds: a model's results history and a campaign's summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import Response

from monitor.campaign import decile_rows, to_dict, to_row
from monitor.campaign.export import plain
from monitor.web.campaign_view import CampaignView
from monitor.web.context import WebContext, ms
from monitor.web.history import result_json

Days = Annotated[int, Query(ge=1, le=730, description="How many days back from now to include.")]


def to_csv(rows: Sequence[dict[str, Any]], header: Sequence[str]) -> str:
    """Rows as CSV text with ``header`` (empty cells for None)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _csv(text: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}"'
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


def campaign_json(view: CampaignView) -> dict[str, Any]:
    """The campaign feed: the nested summary, its flat row, the deciles and the lift path."""
    path = view.path
    return {
        "summary": to_dict(view.summary),
        "row": to_row(view.summary),
        "deciles": decile_rows(view.summary),
        "lift_path": plain(
            {
                "time_ms": path.times_ms,
                "n": path.n,
                "estimate": path.estimate,
                "lower": path.lower,
                "upper": path.upper,
            }
        ),
        "period_start": view.start.isoformat(),
        "sampled": view.sampled,
    }


def add_routes(app: FastAPI, context: WebContext) -> None:
    """Register the feeds on ``app``."""

    @app.get("/api/models/{name}/results.json")
    def model_results(name: str, days: Days = 7) -> dict[str, Any]:
        context.model(name)
        now = context.now()
        rows = context.results(name, days)
        return {"model": name, "days": days, "to_ms": ms(now), "results": [result_json(r) for r in rows]}

    @app.get("/api/campaigns/{campaign_id}.json")
    def campaign_feed(campaign_id: str, days: Days = 90) -> dict[str, Any]:
        return campaign_json(context.campaign_view(campaign_id, days))

    @app.get("/api/campaigns/{campaign_id}.csv")
    def campaign_csv(campaign_id: str, days: Days = 90) -> Response:
        row = to_row(context.campaign_view(campaign_id, days).summary)
        return _csv(to_csv([row], list(row)), f"{campaign_id}.csv")

    @app.get("/api/campaigns/{campaign_id}/deciles.csv")
    def campaign_deciles_csv(campaign_id: str, days: Days = 90) -> Response:
        rows = decile_rows(context.campaign_view(campaign_id, days).summary)
        header = list(rows[0]) if rows else ["campaign", "decile", "score_min", "score_max"]
        return _csv(to_csv(rows, header), f"{campaign_id}-deciles.csv")
