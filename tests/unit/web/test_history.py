"""Runs, chart series and feed rows from a results history."""

from __future__ import annotations

import json

from monitor.jobs.results import Check
from monitor.web.history import report_name, result_json, runs, series_by_chart
from tests.unit.web.fakes import HOUR, result, with_report


def test_runs_newest_first_with_status_counts_and_headline() -> None:
    rows = [
        result(HOUR, feature="age"),
        result(HOUR, feature="plan", status="insufficient_data"),
        result(2 * HOUR, feature="age", status="breach"),
        result(2 * HOUR, check="job", feature="", status="ok"),
        result(3 * HOUR, check="job", feature="", status="error", details=json.dumps({"error": "boom"})),
    ]
    found = runs(rows)
    assert [r.window_end_ms for r in found] == [3 * HOUR, 2 * HOUR, HOUR]
    assert [r.status for r in found] == ["error", "breach", "insufficient_data"]
    assert found[1].statuses == {"breach": 1, "ok": 1}
    assert found[0].error == "boom"


def test_report_is_linked_only_inside_its_model_folder() -> None:
    row = result(HOUR)
    assert report_name(with_report(row, "/srv/reports/churn/3600000.html")) == "3600000.html"
    assert report_name(with_report(row, "reports/churn/3600000.html")) == "3600000.html"
    assert report_name(with_report(row, "/srv/reports/other/3600000.html")) is None
    assert report_name(result(HOUR, details="not json")) is None
    assert runs([with_report(row, "/r/churn/a.html")])[0].report == "a.html"


def test_series_per_check_metric_in_time_order() -> None:
    rows = [
        result(2 * HOUR, feature="age", value=0.3, status="breach"),
        result(HOUR, feature="age", value=0.1),
        result(HOUR, feature="plan", metric="jensenshannon", value=0.02, threshold=0.1),
        result(HOUR, check="performance", feature="", metric="accuracy", value=0.8),
        result(HOUR, check="dataset_drift", feature="", metric="drift_share", value=float("nan")),
    ]
    charts = series_by_chart(rows, (Check.FEATURE_DRIFT, Check.DATASET_DRIFT))
    assert list(charts) == [
        ("feature_drift", "jensenshannon"),
        ("feature_drift", "psi"),
        ("dataset_drift", "drift_share"),
    ]
    (age,) = charts[("feature_drift", "psi")]
    assert (age.name, age.x, age.value, age.status) == ("age", [HOUR, 2 * HOUR], [0.1, 0.3], ["ok", "breach"])
    (share,) = charts[("dataset_drift", "drift_share")]
    assert share.name == "drift_share" and share.value == [None]  # no verdict: a gap, not a zero


def test_result_json_is_strict_json_without_server_paths() -> None:
    row = result(HOUR, value=float("nan"), threshold=1.7976931348623157e308)
    row = with_report(row, "/srv/reports/churn/3600000.html")
    plain = result_json(row)
    assert plain["value"] is None and plain["threshold"] is None
    assert plain["report_url"] == "/reports/churn/3600000.html" and plain["details"] == {}
    json.dumps(plain, allow_nan=False)
    assert result_json(result(HOUR, details='{"x": NaN}'))["details"] == {"x": None}
