"""Pending / keep-firing: a breach fires after N evaluations, a recovery resolves after M, no flapping."""

from __future__ import annotations

import pytest

from alerts.model import AlertCandidate
from alerts.rules import Phase, RulePolicy, RuleState, Transition, evaluate, firing_alerts, step
from tests.unit.alerts.helpers import T0, at

LABELS = {"model": "churn", "team": "growth", "check": "dataset_drift", "severity": "critical"}


def _run(pattern: str, policy: RulePolicy) -> str:
    """Feed evaluations (B breach, . ok); return the transitions (F fired, R resolved, - none)."""
    state, out = RuleState(LABELS), ""
    for i, symbol in enumerate(pattern):
        state, transition = step(state, symbol == "B", at(minutes=i), policy)
        out += {Transition.FIRED: "F", Transition.RESOLVED: "R", None: "-"}[transition]
    return out


@pytest.mark.parametrize(
    ("pending", "keep", "pattern", "expected"),
    [
        (1, 1, "B.B.", "FRFR"),  # no protection: every change is a transition
        (2, 1, "B.B.", "----"),  # isolated breaches never fire
        (2, 1, "BB.", "-FR"),
        (3, 1, "BBB", "--F"),
        (3, 1, "BB.BBB", "-----F"),  # a gap restarts the pending count
        (2, 2, "BB.B.B.B", "-F------"),  # flapping while firing: stays firing, no re-fire
        (2, 2, "BB..", "-F-R"),
        (2, 3, "BB..B...", "-F-----R"),  # a breach during recovery restarts it
        (1, 2, "B..B..", "F-RF-R"),  # fires once, resolves once, per episode
    ],
)
def test_flapping_suppression(pending: int, keep: int, pattern: str, expected: str) -> None:
    assert _run(pattern, RulePolicy(pending, keep)) == expected


def test_states_round_trip_through_plain_values() -> None:
    state = RuleState(LABELS, {"value": "0.4"})
    for minute in range(3):
        state, _ = step(state, True, at(minutes=minute))
    assert state.phase is Phase.FIRING and state.active_since == T0 and state.fired_at == at(minutes=1)
    assert RuleState.from_dict(state.to_dict()) == state


def _candidate(holds: bool, value: str, **labels: str) -> AlertCandidate:
    return AlertCandidate({**LABELS, **labels}, {"value": value}, holds)


def test_evaluate_emits_firing_and_resolved_alerts_and_keeps_only_live_states() -> None:
    policy = RulePolicy(2, 2)
    states: dict[str, RuleState] = {}
    ev = evaluate(
        states, [_candidate(True, "0.3"), _candidate(False, "0.1", feature="x")], at(0), lambda _: policy
    )
    assert ev.alerts == [] and len(ev.states) == 1  # pending only; the ok candidate keeps no state
    ev = evaluate(ev.states, [_candidate(True, "0.4")], at(60), lambda _: policy)
    (fired,) = ev.alerts
    assert not fired.resolved and fired.starts_at == at(60) and fired.annotations["value"] == "0.4"
    assert fired.annotations["active_since"] == T0.isoformat()
    assert list(ev.transitions.values()) == [Transition.FIRED]
    ev = evaluate(ev.states, [_candidate(False, "0.1")], at(120), lambda _: policy)
    (still,) = ev.alerts
    assert not still.resolved and still.annotations["value"] == "0.4"  # shows the breach while recovering
    ev = evaluate(ev.states, [_candidate(False, "0.05")], at(180), lambda _: policy)
    (resolved,) = ev.alerts
    assert resolved.resolved and resolved.ends_at == at(180) and resolved.starts_at == at(60)
    assert resolved.annotations["value"] == "0.05" and ev.states == {}


def test_a_check_that_did_not_run_leaves_its_alert_alone() -> None:
    ev = evaluate({}, [_candidate(True, "0.3")], at(0), lambda _: RulePolicy(1, 1))
    later = evaluate(ev.states, [], at(60))
    assert later.states == ev.states and later.alerts == []
    assert [a.fingerprint for a in firing_alerts(later.states, at(60))] == [ev.alerts[0].fingerprint]
