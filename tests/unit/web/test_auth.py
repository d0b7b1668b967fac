"""The bearer token: header, one-time ?token= for browsers turned into a cookie, open paths."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from monitor.web.auth import COOKIE, TokenGuard, session_value

TOKEN = "t0k3n-abc"
HTML = {"Accept": "text/html"}


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.add_middleware(TokenGuard, token=TOKEN)

    @app.get("/page")
    def page() -> dict[str, str]:
        return {"page": "yes"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/static/x.js")
    def static() -> dict[str, str]:
        return {"static": "yes"}

    return TestClient(app)


def test_open_paths_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/x.js").status_code == 200


def test_header(client: TestClient) -> None:
    assert client.get("/page", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/page", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    for wrong in ("Bearer nope", f"Basic {TOKEN}", f"Bearer {TOKEN}x", ""):
        answer = client.get("/page", headers={"Authorization": wrong})
        assert answer.status_code == 401 and answer.json() == {"detail": "authentication required"}
        assert TOKEN not in answer.text


def test_query_token_for_a_browser_redirects_to_a_clean_url_with_a_cookie(client: TestClient) -> None:
    first = client.get(f"/page?a=1&token={TOKEN}&b=2", headers=HTML, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/page?a=1&b=2"
    assert first.cookies[COOKIE] == session_value(TOKEN) != TOKEN
    assert client.get("/page", headers=HTML).status_code == 200
    client.cookies.set(COOKIE, "forged")
    denied = client.get("/page", headers=HTML)
    assert denied.status_code == 401 and "?token=" in denied.text and TOKEN not in denied.text


def test_query_token_for_other_clients_is_served(client: TestClient) -> None:
    assert client.get(f"/page?token={TOKEN}").json() == {"page": "yes"}
    assert client.get("/page?token=wrong").status_code == 401


def test_an_empty_token_is_refused() -> None:
    app = FastAPI()
    app.add_middleware(TokenGuard, token="")
    with pytest.raises(ValueError, match="must not be empty"):
        TestClient(app).get("/")
