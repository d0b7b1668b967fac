"""HTML helpers: escaping, chart data that cannot break out of its script element, formats."""

from __future__ import annotations

import json
import re

from monitor.web.layout import chart, esc, moment, number, page, percent, table, when


def test_chart_data_cannot_close_its_script_element() -> None:
    html = chart("chart-1", {"data": [{"name": "</script><script>alert(1)</script>"}], "layout": {}})
    assert html.count("</script>") == 1
    payload = re.search(r'<script type="application/json" id="chart-1-data">(.*)</script>', html)
    assert payload is not None
    assert json.loads(payload[1])["data"][0]["name"] == "</script><script>alert(1)</script>"


def test_escaping_and_page_frame() -> None:
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    html = page("<title>", table(["a"], [[esc("<b>")]]))
    assert "<title>&lt;title&gt; · model monitor</title>" in html
    assert "&lt;b&gt;" in html and '<script src="/static/plotly.min.js"></script>' in html
    assert "nothing to show" in table(["a"], [])


def test_formats() -> None:
    assert when(0) == "1970-01-01 00:00 UTC" and when(None) == "–"
    assert moment("2026-11-02T08:00:00Z") == "2026-11-02 08:00 UTC"
    assert moment("yesterday <b>") == "yesterday &lt;b&gt;" and moment(None) == "–"
    assert (
        number(float("nan")) == "–" and number(1.7976931348623157e308) == "–" and number(0.12345) == "0.1235"
    )
    assert percent(0.1234) == "12.3%" and percent(float("nan")) == "–"
