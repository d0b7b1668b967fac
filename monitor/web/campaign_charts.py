"""Plotly figures of the campaign page: lift over time with its interval, decile uplift, Qini curve."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.web.charts import BREACH_COLOR, LINE_COLOR, THRESHOLD_COLOR, Figure, layout

BAND_COLOR = "rgba(31, 95, 191, 0.18)"


def lift_figure(
    times: Sequence[str],
    estimate: Sequence[float | None],
    lower: Sequence[float | None],
    upper: Sequence[float | None],
    title: str,
) -> Figure:
    """Absolute lift over assignment time, its interval as a shaded band, and the zero line."""
    band_line = {"width": 0}
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "upper",
            "x": list(times),
            "y": list(upper),
            "line": band_line,
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "interval",
            "x": list(times),
            "y": list(lower),
            "fill": "tonexty",
            "fillcolor": BAND_COLOR,
            "line": band_line,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "lift",
            "x": list(times),
            "y": list(estimate),
            "line": {"color": LINE_COLOR, "width": 2},
        },
    ]
    if times:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "no effect",
                "x": [times[0], times[-1]],
                "y": [0, 0],
                "line": {"dash": "dot", "color": THRESHOLD_COLOR},
            }
        )
    fig_layout = layout(title, "treatment rate − control rate", "assignment time (UTC)")
    fig_layout["yaxis"] = {
        "title": {"text": "treatment rate − control rate"},
        "tickformat": ".1%",
        "zeroline": True,
    }
    return {"data": data, "layout": fig_layout}


def decile_figure(ranks: Sequence[int], uplift: Sequence[float | None], hover: Sequence[str]) -> Figure:
    """Uplift (treatment rate minus control rate) per score decile, 1 = highest scores."""
    colors = ["#2f8132" if (u or 0) >= 0 else BREACH_COLOR for u in uplift]
    data = [
        {
            "type": "bar",
            "name": "uplift",
            "x": list(ranks),
            "y": list(uplift),
            "hovertext": list(hover),
            "marker": {"color": colors},
        }
    ]
    fig_layout = layout("uplift by score decile", "uplift", "score decile (1 = highest scores)")
    fig_layout["xaxis"] = {"title": {"text": "score decile (1 = highest scores)"}, "dtick": 1}
    fig_layout["yaxis"] = {"title": {"text": "uplift"}, "tickformat": ".1%"}
    return {"data": data, "layout": fig_layout}


def qini_figure(shares: Sequence[float], incremental: Sequence[float]) -> Figure:
    """The Qini curve against random targeting (the straight line to the same end point)."""
    end = incremental[-1] if incremental else 0.0
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "by score",
            "x": list(shares),
            "y": list(incremental),
            "line": {"color": LINE_COLOR},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "random",
            "x": [0, 1],
            "y": [0, end],
            "line": {"dash": "dash", "color": THRESHOLD_COLOR},
        },
    ]
    fig_layout = layout("Qini curve", "incremental successes", "share targeted (by score)")
    fig_layout["xaxis"] = {"title": {"text": "share targeted (by score)"}, "tickformat": ".0%"}
    return {"data": data, "layout": fig_layout}
