"""The app over a fake store: readiness, lazy store factory, pages, report serving, escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from monitor.config_loader import load_config
from monitor.config_model import Config
from monitor.web import create_app
from monitor.web.app import plotly_js
from tests.unit.web.fakes import HOUR, FakeStore, result, with_report

NOW = datetime.fromtimestamp(10 * HOUR / 1000, UTC)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(Path("config/monitor.yaml"), env={})


def client_for(config: Config, store: FakeStore, **options: object) -> TestClient:
    return TestClient(create_app(config, store, now=lambda: NOW, **options))  # type: ignore[arg-type]


def test_readiness_follows_the_store(config: Config) -> None:
    store = FakeStore()
    client = client_for(config, store)
    assert client.get("/readyz").json() == {"status": "ready"}
    store.down = True
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200


def test_a_store_factory_is_called_once_on_first_use(config: Config) -> None:
    opened: list[FakeStore] = []

    def factory() -> FakeStore:
        opened.append(FakeStore())
        return opened[-1]

    client = TestClient(create_app(config, factory, now=lambda: NOW))  # type: ignore[arg-type]
    assert client.get("/healthz").status_code == 200 and opened == []
    client.get("/readyz")
    client.get("/")
    assert len(opened) == 1


def test_overview_without_runs_or_router(config: Config) -> None:
    page = client_for(config, FakeStore()).get("/").text
    assert "no run in 400 days" in page and "router not running" in page
    for name in config.models:
        assert f'href="/models/{name}"' in page


def test_model_page_links_reports_and_serves_only_files_in_the_model_folder(
    config: Config, tmp_path: Path
) -> None:
    (tmp_path / "churn").mkdir()
    (tmp_path / "churn" / "32400000.html").write_text("<html>evidence</html>")
    (tmp_path / "outside.html").write_text("<html>secret</html>")
    row = with_report(result(9 * HOUR, status="breach"), str(tmp_path / "churn" / "32400000.html"))
    client = client_for(config, FakeStore(results=[row]), report_dir=tmp_path)
    page = client.get("/models/churn").text
    assert 'href="/reports/churn/32400000.html"' in page and 'id="chart-0"' in page
    assert client.get("/reports/churn/32400000.html").text == "<html>evidence</html>"
    for path in ("/reports/churn/..%2Foutside.html", "/reports/churn/.hidden.html", "/reports/nope/x.html"):
        assert client.get(path).status_code == 404, path
    assert client_for(config, FakeStore()).get("/reports/churn/32400000.html").status_code == 404  # no dir


def test_alert_text_is_escaped(config: Config) -> None:
    alerts = [{"labels": {"model": "churn", "team": "<i>x</i>"}, "annotations": {"summary": "<script>"}}]
    page = client_for(config, FakeStore(), alerts=lambda: alerts).get("/alerts").text
    assert "<script>" not in page.split("<main>")[1].split("</main>")[0]
    assert "&lt;script&gt;" in page and "1 firing, 1 in total" in page


def test_plotly_is_served_from_the_package(config: Config) -> None:
    answer = client_for(config, FakeStore()).get("/static/plotly.min.js")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/javascript")
    assert len(answer.content) == plotly_js().stat().st_size > 1_000_000


def test_an_empty_token_is_refused_at_creation(config: Config) -> None:
    with pytest.raises(ValueError, match="empty web token"):
        create_app(config, FakeStore(), token="")  # type: ignore[arg-type]
