"""The web app's pages and feeds against a real store filled with simulated traffic and job results.

chDB runs here without any server; one test repeats the round on the ClickHouse server (marked).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from connectors.store.base import Store
from connectors.store.factory import open_store
from monitor.campaign import CampaignSpec
from monitor.config_model import Config
from monitor.jobs.runner import JobRunner
from monitor.simulation import CAMPAIGN_ID
from monitor.web import create_app, serve_in_thread
from tests.integration.job_data import HOUR, START, fill, job_config

NOW = datetime.fromtimestamp((START + 50 * HOUR) / 1000, UTC)
RUN_HOURS = (22, 26, 30, 34)  # two quiet windows, then two after the change at hour 24
TOKEN = "web-test-token-7f3a"
WINBACK = CampaignSpec.model_validate(
    {"id": CAMPAIGN_ID, "model": "churn", "success_label": "0", "maturity_days": 0.25, "team": "growth"}
)


@dataclass
class Site:
    """A filled store, its config and where the reports went."""

    config: Config
    store: Store
    report_dir: Path

    def app(self, **options: object) -> FastAPI:
        settings: dict[str, object] = {
            "now": lambda: NOW,
            "report_dir": self.report_dir,
            "campaigns": {CAMPAIGN_ID: WINBACK},
        }
        settings.update(options)
        return create_app(self.config, self.store, **settings)  # type: ignore[arg-type]


def build_site(folder: Path, store_url: str) -> Site:
    """Fill a store and run the churn checks for ``RUN_HOURS`` (a report for the last run only)."""
    config = job_config(folder, store_url)
    store = open_store(store_url)
    store.ensure_schema()
    fill(store, config, count=12_000, shift_features=("tenure_months", "monthly_charges"))
    runner = JobRunner(config, store, report_dir=folder / "reports")
    for hour in RUN_HOURS:
        runner.run("churn", START + hour * HOUR, report=hour == RUN_HOURS[-1])
    return Site(config, store, folder / "reports")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    built = build_site(folder, f"chdb://{folder}/chdb")
    yield built
    built.store.close()


@pytest.fixture(scope="module")
def client(site: Site) -> TestClient:
    return TestClient(site.app())


PAGES = ["/", "/models/churn", "/models/churn?days=1", "/alerts", "/campaigns", f"/campaigns/{CAMPAIGN_ID}"]
FEEDS = [
    "/api/models/churn/results.json",
    f"/api/campaigns/{CAMPAIGN_ID}.json",
    f"/api/campaigns/{CAMPAIGN_ID}.csv",
    f"/api/campaigns/{CAMPAIGN_ID}/deciles.csv",
    "/healthz",
    "/readyz",
    "/metrics",
    "/static/plotly.min.js",
    "/static/style.css",
    "/static/charts.js",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_render(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/static/plotly.min.js"></script>' in response.text
    assert "http://" not in response.text and "https://" not in response.text  # no internet assets
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_answer(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text


def test_overview_shows_latest_run_and_alert_state(site: Site) -> None:
    plain = TestClient(site.app()).get("/").text
    assert '<a href="/models/churn">churn</a>' in plain and "growth" in plain
    assert "2026-11-02 10:00 UTC" in plain  # window end of the last run (hour 34)
    assert 'class="badge breach"' in plain and "router not running" in plain
    firing = {"labels": {"model": "churn", "team": "growth", "check": "volume"}, "starts_at": None}
    resolved = {"labels": {"model": "churn"}, "ends_at": "2026-11-02T00:00:00Z"}
    with_router = TestClient(site.app(alerts=lambda: [firing, resolved])).get("/").text
    assert "router not running" not in with_router
    assert "<td>1</td>" in with_router  # one open alert for churn


def test_model_page_has_a_chart_per_check_metric_and_report_links(client: TestClient, site: Site) -> None:
    page = client.get("/models/churn?days=7").text
    results = client.get("/api/models/churn/results.json?days=7").json()["results"]
    kinds = {(r["check"], r["metric"]) for r in results if r["check"] != "job"}
    assert page.count('class="chart"') == len(kinds) >= 8
    (report,) = {r["report_url"] for r in results if r["report_url"]}
    assert f'href="{report}"' in page
    served = client.get(report)
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
    assert len(served.content) > 10_000


def test_results_feed_shape_and_range(client: TestClient) -> None:
    body = client.get("/api/models/churn/results.json?days=7").json()
    assert body["model"] == "churn" and body["days"] == 7
    first = body["results"][0]
    expected = {"model", "run_id", "window_start_ms", "window_end_ms", "check", "feature", "metric"}
    assert expected | {"value", "threshold", "status", "details", "report_url", "created_ms"} == set(first)
    assert {r["window_end_ms"] for r in body["results"]} == {START + h * HOUR for h in RUN_HOURS}
    last_day = client.get("/api/models/churn/results.json?days=1").json()["results"]
    assert {r["window_end_ms"] for r in last_day} == {START + h * HOUR for h in RUN_HOURS if h >= 26}
    assert all("report" not in r["details"] for r in body["results"])  # no server paths in the feed


def test_campaign_feeds(client: TestClient) -> None:
    feed = client.get(f"/api/campaigns/{CAMPAIGN_ID}.json").json()
    assert set(feed) == {"summary", "row", "deciles", "lift_path", "period_start", "sampled"}
    summary = feed["summary"]
    assert summary["campaign"] == CAMPAIGN_ID and summary["inference"] == "always_valid"
    assert summary["n_matured"] > 1000 and summary["absolute_lift"]["status"] == "ok"
    assert len(feed["deciles"]) == 10 and feed["sampled"] is False
    path = feed["lift_path"]
    assert len(path["n"]) == len(path["lower"]) == len(path["time_ms"]) > 10
    assert path["n"][-1] == summary["n_matured"] and path["lower"][-1] is not None
    rows = list(csv.reader(io.StringIO(client.get(f"/api/campaigns/{CAMPAIGN_ID}.csv").text)))
    assert rows[0] == list(feed["row"]) and len(rows) == 2
    deciles = list(csv.DictReader(io.StringIO(client.get(f"/api/campaigns/{CAMPAIGN_ID}/deciles.csv").text)))
    assert [int(d["decile"]) for d in deciles] == list(range(1, 11))


def test_campaign_page_shows_lift_deciles_and_srm(site: Site) -> None:
    page = TestClient(site.app()).get(f"/campaigns/{CAMPAIGN_ID}").text
    assert 'id="chart-lift"' in page and 'id="chart-deciles"' in page and "always-valid" in page
    assert "srm-warning" not in page
    # Planned 50/50 while the simulator treats 80%: the sample-ratio check must warn.
    skewed = {CAMPAIGN_ID: WINBACK.model_copy(update={"planned_treatment_share": 0.5})}
    client = TestClient(site.app(campaigns=skewed))
    assert 'id="srm-warning"' in client.get(f"/campaigns/{CAMPAIGN_ID}").text
    assert client.get(f"/api/campaigns/{CAMPAIGN_ID}.json").json()["row"]["srm_warning"] is True


def test_campaign_without_customers_renders(site: Site) -> None:
    empty = WINBACK.model_copy(update={"id": "spring", "maturity_days": 30})
    client = TestClient(site.app(campaigns={"spring": empty}))
    assert "no matured outcomes yet" in client.get("/campaigns/spring").text
    assert client.get("/api/campaigns/spring.json").json()["summary"]["n_assigned"] == 0
    assert client.get("/campaigns").status_code == 200


def test_unknown_names_and_report_escapes_are_404(client: TestClient, site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>not a report</p>")
    link = site.report_dir / "churn" / "link.html"
    link.symlink_to(secret)
    for path in (
        "/models/nope",
        "/campaigns/nope",
        "/api/campaigns/nope.json",
        "/api/models/nope/results.json",
        "/reports/nope/1.html",
        "/reports/churn/link.html",
        "/reports/churn/..%2F..%2Fmonitor.yaml",
        "/reports/churn/%2E%2E%2Fchurn.html",
        "/reports/churn/missing.html",
    ):
        assert client.get(path).status_code == 404, path
    link.unlink()
    assert client.get("/models/churn?days=0").status_code == 422


def test_bearer_token(site: Site) -> None:
    client = TestClient(site.app(token=TOKEN))
    for path in ("/healthz", "/readyz", "/static/plotly.min.js"):
        assert client.get(path).status_code == 200, path
    for path in ["/", "/models/churn", "/metrics", "/reports/churn/x.html", *FEEDS[:4]]:
        denied = client.get(path)
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Bearer"), path
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    for path in [*PAGES, *FEEDS]:
        answer = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200, path
        assert TOKEN not in answer.text
    assert client.get(f"{FEEDS[2]}?token={TOKEN}").status_code == 200  # e.g. curl on the CSV feed


def test_token_in_browser_url_becomes_a_cookie(site: Site) -> None:
    client = TestClient(site.app(token=TOKEN))
    html = {"Accept": "text/html"}
    first = client.get(f"/models/churn?days=1&token={TOKEN}", headers=html, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/models/churn?days=1"
    cookie = first.headers["set-cookie"]
    assert TOKEN not in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    page = client.get("/models/churn?days=1", headers=html)  # the client kept the cookie
    assert page.status_code == 200 and TOKEN not in page.text
    client.cookies.clear()
    assert client.get("/models/churn", headers=html).status_code == 401


@pytest.mark.integration
def test_pages_and_feeds_on_the_clickhouse_server(clickhouse_url: str, tmp_path: Path) -> None:
    built = build_site(tmp_path, clickhouse_url)
    try:
        client = TestClient(built.app(token=TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
        for path in [*PAGES, *FEEDS]:
            assert client.get(path).status_code == 200, path
        summary = client.get(f"/api/campaigns/{CAMPAIGN_ID}.json").json()["summary"]
        assert summary["n_matured"] > 1000 and summary["absolute_lift"]["status"] == "ok"
        results = client.get("/api/models/churn/results.json").json()["results"]
        assert {r["window_end_ms"] for r in results} == {START + h * HOUR for h in RUN_HOURS}
    finally:
        built.store.close()


def test_serve_in_thread_listens_and_stops(site: Site) -> None:
    handle = serve_in_thread(site.app(), "127.0.0.1", 0)
    try:
        assert httpx.get(f"{handle.url}/healthz", timeout=5).json() == {"status": "ok"}
        with pytest.raises(OSError):
            serve_in_thread(site.app(), "127.0.0.1", handle.port)  # port taken
    finally:
        handle.stop()
    assert not handle.thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{handle.url}/healthz", timeout=2)
