"""Figures as plain JSON-ready dicts: thresholds, breach markers, campaign charts."""

from __future__ import annotations

import json

from monitor.jobs.results import Check
from monitor.web.campaign_charts import decile_figure, lift_figure, qini_figure
from monitor.web.charts import history_figure
from monitor.web.history import series_by_chart
from tests.unit.web.fakes import HOUR, result


def figure_for(rows: list) -> dict:  # type: ignore[type-arg]
    ((check, metric), lines), *_ = series_by_chart(rows, (Check.FEATURE_DRIFT,)).items()
    return history_figure(check, metric, lines)


def names(figure: dict) -> list[str]:  # type: ignore[type-arg]
    return [trace["name"] for trace in figure["data"]]


def test_one_shared_threshold_line_when_all_features_agree() -> None:
    rows = [result(h * HOUR, feature=f) for h in (1, 2) for f in ("age", "tenure")]
    figure = figure_for(rows)
    assert names(figure) == ["age", "tenure", "threshold"]
    assert figure["data"][-1]["y"] == [0.2, 0.2] and figure["data"][-1]["line"]["dash"] == "dash"
    json.dumps(figure, allow_nan=False)


def test_a_threshold_per_feature_when_they_differ_and_breaches_marked() -> None:
    rows = [
        result(HOUR, feature="age"),
        result(HOUR, feature="tenure", threshold=0.1, value=0.3, status="breach"),
    ]
    figure = figure_for(rows)
    assert names(figure) == ["age", "tenure", "age threshold", "tenure threshold", "breach"]
    breach = figure["data"][-1]
    assert breach["y"] == [0.3] and breach["text"] == ["tenure"]
    assert figure["layout"]["title"]["text"] == "feature drift · psi"


def test_campaign_figures() -> None:
    lift = lift_figure(
        ["2026-01-01 00:00:00", "2026-01-02 00:00:00"], [0.1, 0.12], [None, 0.02], [None, 0.2], "t"
    )
    assert names(lift) == ["upper", "interval", "lift", "no effect"]
    assert lift["data"][1]["fill"] == "tonexty"
    bars = decile_figure([1, 2], [0.05, -0.01], ["a", "b"])
    assert bars["data"][0]["marker"]["color"][1] != bars["data"][0]["marker"]["color"][0]
    qini = qini_figure([0.0, 0.5, 1.0], [0.0, 30.0, 40.0])
    assert qini["data"][1]["y"] == [0, 40.0]
    for figure in (lift, bars, qini):
        json.dumps(figure, allow_nan=False)
