"""Fingerprints, the alert model, and check results -> candidates."""

from __future__ import annotations

import pytest

from alerts.candidates import SEVERITY, candidates_from_results
from alerts.model import Alert, AlertState, fingerprint
from monitor.jobs.results import Check, CheckResult, Status
from tests.unit.alerts.helpers import T0, at


def test_fingerprint_ignores_order_and_empty_values() -> None:
    a = fingerprint({"model": "churn", "team": "growth", "feature": ""})
    b = fingerprint({"team": "growth", "model": "churn"})
    assert a == b
    assert len(a) == 16 and int(a, 16) >= 0


def test_fingerprint_is_pinned() -> None:
    # Persisted logs and rule states refer to fingerprints: they must never change between releases.
    # The value is sha256 of the JSON of the sorted (name, value) pairs: [["check","feature_drift"],...].
    assert fingerprint({"model": "churn", "check": "feature_drift"}) == "a6816b63df96e21b"


@pytest.mark.parametrize(
    "other",
    [
        {"model": "churn", "check": "feature_drift", "feature": "age"},
        {"model": "churn2", "check": "feature_drift"},
        {"model": "churn", "check": "feature_drif"},
        {"model": "churn,check=feature_drift"},  # no separator confusion
    ],
)
def test_fingerprint_differs_for_other_labels(other: dict[str, str]) -> None:
    assert fingerprint(other) != fingerprint({"model": "churn", "check": "feature_drift"})


def test_alert_state_and_round_trip() -> None:
    firing = Alert({"model": "churn", "feature": ""}, {"value": "0.3"}, starts_at=T0)
    assert firing.state is AlertState.FIRING and firing.labels == {"model": "churn"}
    resolved = firing.resolve(at(60))
    assert resolved.state is AlertState.RESOLVED and resolved.fingerprint == firing.fingerprint
    assert Alert.from_dict(resolved.to_dict()) == resolved


def _result(check: Check, status: Status, feature: str = "", metric: str = "psi") -> CheckResult:
    return CheckResult(check=check, metric=metric, value=0.31, threshold=0.2, status=status, feature=feature)


def _holding(results: list[CheckResult]) -> list[dict[str, str]]:
    found = candidates_from_results("churn", "growth", results, {"report_url": "http://r/1"})
    return [dict(c.labels) for c in found if c.holds]


def test_fifteen_drifted_features_are_fifteen_candidates_of_one_model() -> None:
    results = [_result(Check.FEATURE_DRIFT, Status.BREACH, f"f{i}") for i in range(15)]
    holding = _holding(results)
    assert len(holding) == 15
    assert {h["model"] for h in holding} == {"churn"} and {h["severity"] for h in holding} == {"warning"}


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            _result(Check.DATASET_DRIFT, Status.BREACH, metric="share"),
            {"check": "dataset_drift", "severity": "critical"},
        ),
        (
            _result(Check.FEATURE_DRIFT, Status.BREACH, "age"),
            {"check": "feature_drift", "feature": "age", "metric": "psi"},
        ),
        (
            _result(Check.FEATURE_DRIFT, Status.INSUFFICIENT_DATA, "age"),
            {"check": "insufficient_data", "for_check": "feature_drift", "severity": "info"},
        ),
        (
            _result(Check.PERFORMANCE, Status.ERROR, metric="accuracy"),
            {"check": "job_failing", "for_check": "performance"},
        ),
        (_result(Check.JOB, Status.ERROR, metric=""), {"check": "job_failing", "for_check": "job"}),
    ],
)
def test_each_status_becomes_its_own_alert(result: CheckResult, expected: dict[str, str]) -> None:
    holding = _holding([result])
    assert len(holding) == 1
    assert expected.items() <= holding[0].items()
    assert holding[0]["team"] == "growth"


def test_no_verdict_is_never_a_drift_alert_and_does_not_clear_one() -> None:
    found = candidates_from_results(
        "churn", "growth", [_result(Check.FEATURE_DRIFT, Status.INSUFFICIENT_DATA, "age")]
    )
    assert {c.labels["check"] for c in found} == {"insufficient_data", "job_failing"}
    found = candidates_from_results("churn", "growth", [_result(Check.FEATURE_DRIFT, Status.ERROR, "age")])
    assert [c.labels["check"] for c in found] == ["job_failing"]


def test_a_success_clears_failure_and_no_data_alerts_of_the_same_check() -> None:
    failing = candidates_from_results(
        "m", "t", [_result(Check.FEATURE_DRIFT, Status.ERROR, "age", metric="")]
    )
    ok = candidates_from_results("m", "t", [_result(Check.FEATURE_DRIFT, Status.OK, "age")])
    no_data = candidates_from_results(
        "m", "t", [_result(Check.FEATURE_DRIFT, Status.INSUFFICIENT_DATA, "age")]
    )
    cleared = {c.fingerprint for c in ok if not c.holds}
    assert failing[0].fingerprint in cleared
    assert next(c for c in no_data if c.holds).fingerprint in cleared


def test_annotations_carry_the_evidence() -> None:
    result = CheckResult(
        Check.UNSEEN_CATEGORIES, "unseen_share", 0.12, 0.05, Status.BREACH, "plan", {"unseen": ["x"]}
    )
    (primary,) = [
        c for c in candidates_from_results("m", "t", [result], {"report_url": "http://r"}) if c.holds
    ]
    notes = primary.annotations
    assert notes["value"] == "0.12" and notes["threshold"] == "0.05" and notes["report_url"] == "http://r"
    assert "plan" in notes["summary"] and '"unseen": ["x"]' in notes["details"]


def test_every_check_has_a_severity() -> None:
    assert {str(c) for c in Check} - {"job"} <= set(SEVERITY)


def test_a_window_without_data_is_one_alert_per_check_not_one_per_feature() -> None:
    results = [_result(Check.MISSING_VALUES, Status.INSUFFICIENT_DATA, f"f{i}") for i in range(25)]
    results += [_result(Check.FEATURE_DRIFT, Status.INSUFFICIENT_DATA, f"f{i}") for i in range(25)]
    holding = [c for c in candidates_from_results("churn", "growth", results) if c.holds]
    assert len(holding) == 2
    assert {c.labels["for_check"] for c in holding} == {"missing_values", "feature_drift"}
    assert holding[0].annotations["features"].startswith("f0, f1, f10")
