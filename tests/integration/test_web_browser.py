"""The pages in a real headless browser (Debian's ``chromium``): each loads without console errors and
plotly draws every chart. Assertions are on the rendered DOM, never on pixels.

The server runs with uvicorn on a free loopback port and with a token, so the browser also goes
through the ``?token=`` -> cookie redirect. Skipped, with the reason, where chromium is not installed
(``apt-get install chromium``).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.simulation import CAMPAIGN_ID
from monitor.web import ServerHandle, serve_in_thread
from tests.integration.test_web import TOKEN, Site, build_site

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TIMEOUT_S = 90
# Console output of the page (errors, uncaught exceptions, CSP violations) is logged as ":CONSOLE".
CONSOLE = re.compile(r":CONSOLE(\(\d+\)|:\d+)\]")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


class ChartCensus(HTMLParser):
    """Counts chart slots, the ones plotly took over, its plot containers and its SVG layers."""

    def __init__(self) -> None:
        super().__init__()
        self.slots: list[str] = []
        self.plotted: list[str] = []
        self.containers = 0
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "div" and "chart" in classes:
            self.slots.append(found.get("id") or "")
            if "js-plotly-plot" in classes:
                self.plotted.append(found.get("id") or "")
        if tag == "div" and "plot-container" in classes:
            self.containers += 1
        if tag == "svg" and "main-svg" in classes:
            self.svgs += 1


def chromium(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless chromium on ``url`` with a throw-away profile and no network besides the page."""
    with tempfile.TemporaryDirectory() as profile:
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            # Let plotly's asynchronous drawing finish before the DOM is taken.
            "--virtual-time-budget=10000",
            *extra,
            url,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    built = build_site(folder, f"chdb://{folder}/chdb")
    yield built
    built.store.close()


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[ServerHandle]:
    alerts = [{"labels": {"model": "churn", "team": "growth", "check": "volume"}, "starts_at": None}]
    handle = serve_in_thread(site.app(token=TOKEN, alerts=lambda: alerts), "127.0.0.1", 0)
    yield handle
    handle.stop()


@pytest.mark.parametrize(
    ("path", "charts"),
    [("/", 0), ("/models/churn", 8), ("/alerts", 0), ("/campaigns", 0), (f"/campaigns/{CAMPAIGN_ID}", 3)],
)
def test_page_loads_and_draws_its_charts(server: ServerHandle, path: str, charts: int) -> None:
    run = chromium(f"{server.url}{path}?token={TOKEN}", "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if CONSOLE.search(line)]
    assert console == [], console
    census = ChartCensus()
    census.feed(run.stdout)
    assert "<h1>" in run.stdout and "Authentication required" not in run.stdout
    assert len(census.slots) >= charts
    assert census.plotted == census.slots and census.containers == len(census.slots)  # all drawn
    assert census.svgs >= 2 * len(census.slots)  # each plot has its main and its overlay SVG layer
    assert TOKEN not in run.stdout


def test_model_page_screenshot(server: ServerHandle, tmp_path: Path) -> None:
    shot = tmp_path / "model.png"
    run = chromium(
        f"{server.url}/models/churn?token={TOKEN}",
        "--hide-scrollbars",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 50_000
