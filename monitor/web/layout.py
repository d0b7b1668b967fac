"""HTML building blocks shared by every page: the frame, tables, chart slots, escaping.

Pages are small string templates (jinja2 is not a dependency of the service). Every value that comes
from data (model names, labels, alert text) goes through ``esc``; markup is only ever built here and
in ``pages``. Charts are not drawn inline: each chart is a JSON block that ``/static/charts.js`` hands
to the local plotly.js, so pages carry no inline script and a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

CSS = """
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --ok:#2f8132; --bad:#c62828;
        --warn:#b26a00; --link:#1f5fbf; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg);
       background:var(--bg); }
header { background:#1f2933; color:#fff; padding:10px 24px; display:flex; gap:24px; align-items:center; }
header a { color:#cbd2d9; text-decoration:none; } header a:hover { color:#fff; }
header strong { font-size:16px; margin-right:12px; }
main { max-width:1280px; margin:0 auto; padding:16px 24px 48px; }
h1 { font-size:22px; margin:8px 0 4px; } h2 { font-size:17px; margin:28px 0 8px; }
p.sub { color:var(--muted); margin:0 0 12px; }
a { color:var(--link); }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f5; font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.chart { background:#fff; border:1px solid var(--line); margin:10px 0; min-height:340px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
         color:#fff; background:var(--muted); }
.badge.ok { background:var(--ok); } .badge.breach, .badge.error, .badge.firing { background:var(--bad); }
.badge.insufficient_data, .badge.resolved { background:var(--warn); }
.warning { border-left:4px solid var(--bad); background:#fdecea; padding:8px 12px; margin:8px 0; }
.note { border-left:4px solid var(--line); background:#fff; padding:8px 12px; margin:8px 0; }
.muted { color:var(--muted); }
form.range { margin:8px 0; } form.range select { font:inherit; }
code { background:#eef1f5; padding:0 4px; border-radius:3px; }
"""

NAV = (("/", "Models"), ("/alerts", "Alerts"), ("/campaigns", "Campaigns"))


def esc(value: object) -> str:
    """Text safe to place in HTML content or a quoted attribute."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str) -> str:
    """A whole HTML document with the shared header, style sheet and chart loader."""
    links = "".join(f'<a href="{href}">{esc(text)}</a>' for href, text in NAV)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · model monitor</title>"
        '<link rel="stylesheet" href="/static/style.css"></head><body>'
        f"<header><strong>model monitor</strong>{links}</header><main>{body}</main>"
        '<script src="/static/plotly.min.js"></script><script src="/static/charts.js"></script>'
        "</body></html>"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table whose cells are already HTML (escape data with ``esc`` first)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}" class="muted">nothing to show</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def badge(status: str) -> str:
    """A coloured status label (ok, breach, error, insufficient_data, firing, resolved)."""
    return f'<span class="badge {esc(status)}">{esc(status.replace("_", " "))}</span>'


def chart(chart_id: str, figure: dict[str, Any]) -> str:
    """A chart slot: the div plotly draws into and its figure as an inert JSON block."""
    data = json.dumps(figure, allow_nan=False, separators=(",", ":"))
    # "<", ">" and "&" escaped so no value can close the script element early.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<div class="chart" id="{esc(chart_id)}" data-figure="{esc(chart_id)}-data"></div>'
        f'<script type="application/json" id="{esc(chart_id)}-data">{data}</script>'
    )


def when(ms: int | None) -> str:
    """A UTC time as ``2026-11-01 12:00`` (what people read), or a dash."""
    if ms is None:
        return "–"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def moment(text: object) -> str:
    """An ISO-8601 time from alert data shown like ``when``; other text as it is (escaped)."""
    if not text:
        return "–"
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return esc(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return when(int(parsed.timestamp() * 1000))


def number(value: float | None, digits: int = 4) -> str:
    """A value for a table cell: significant digits, a dash for none or non-finite values."""
    if value is None or not math.isfinite(value) or abs(value) > 1e300:
        return "–"
    return f"{value:.{digits}g}"


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage, or a dash."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value * 100:.{digits}f}%"


# Draws every chart slot of the page; errors surface in the console (the browser test watches it).
CHARTS_JS = """
(function () {
  var config = {responsive: true, displaylogo: false};
  document.querySelectorAll("div.chart[data-figure]").forEach(function (div) {
    var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    Plotly.newPlot(div, figure.data, figure.layout, config);
  });
})();
"""
