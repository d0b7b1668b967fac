"""Plotly figures as plain dicts (JSON for the browser's plotly.js): pure, no plotly import.

Building the dicts by hand keeps the page code free of the plotly Python package's weight; the
browser draws them with the plotly.min.js the server ships from that package.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.web.history import Series

Figure = dict[str, Any]

BREACH_COLOR = "#c62828"
THRESHOLD_COLOR = "#7b8794"
LINE_COLOR = "#1f5fbf"


def iso(ms: int) -> str:
    """A time plotly reads as a date (UTC, no zone suffix so the axis shows UTC as is)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def layout(title: str, y_title: str, x_title: str = "window end (UTC)", **extra: Any) -> dict[str, Any]:
    """The common look of every chart: title, fixed height, tight margins, axis titles."""
    figure_layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "height": 340,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 45},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "legend": {"orientation": "v"},
        "hovermode": "closest",
    }
    figure_layout.update(extra)
    return figure_layout


def _threshold_traces(lines: Sequence[Series]) -> list[dict[str, Any]]:
    """One shared dashed threshold line when every feature has the same one at every run (the usual
    case); otherwise one per feature, grouped with its feature in the legend."""
    by_time: dict[int, set[float | None]] = {}
    for line in lines:
        for x, threshold in zip(line.x, line.threshold, strict=True):
            by_time.setdefault(x, set()).add(threshold)
    dash = {"dash": "dash", "color": THRESHOLD_COLOR, "width": 1.5}
    if all(len(values) == 1 for values in by_time.values()):
        xs = sorted(by_time)
        ys = [next(iter(by_time[x])) for x in xs]
        return [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "threshold",
                "x": [iso(x) for x in xs],
                "y": ys,
                "line": dash,
            }
        ]
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{line.name} threshold",
            "legendgroup": line.name,
            "showlegend": False,
            "x": [iso(x) for x in line.x],
            "y": line.threshold,
            "line": dash,
        }
        for line in lines
    ]


def history_figure(check: str, metric: str, lines: Sequence[Series]) -> Figure:
    """Values of one (check, metric) over time, a line per feature, the threshold dashed and the
    breaching points marked with a red cross."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": line.name,
            "legendgroup": line.name,
            "x": [iso(x) for x in line.x],
            "y": line.value,
            "marker": {"size": 5},
        }
        for line in lines
    ]
    data.extend(_threshold_traces(lines))
    breaches = [
        (iso(x), v, line.name)
        for line in lines
        for x, v, s in zip(line.x, line.value, line.status, strict=True)
        if s == "breach" and v is not None
    ]
    if breaches:
        xs, ys, names = zip(*breaches, strict=True)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "breach",
                "x": list(xs),
                "y": list(ys),
                "text": list(names),
                "marker": {"symbol": "x", "size": 10, "color": BREACH_COLOR},
            }
        )
    title = check.replace("_", " ") + (f" · {metric}" if metric else "")
    return {"data": data, "layout": layout(title, metric)}
