"""Rules: consecutive evaluations of a candidate -> firing / resolved alerts, without flapping.

A breach must hold for ``pending_evaluations`` consecutive evaluations to fire; once firing, a recovery
must hold for ``keep_firing_evaluations`` consecutive evaluations to resolve. A breach during recovery
keeps the alert firing and restarts the count. States are plain values so they can be persisted: after a
restart ``firing_alerts(states)`` gives the dispatcher everything that is still firing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from alerts.model import Alert, AlertCandidate


class Phase(StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"  # breaching, not yet for long enough to fire
    FIRING = "firing"
    RECOVERING = "recovering"  # still firing: not recovered for long enough to resolve


class Transition(StrEnum):
    FIRED = "fired"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class RulePolicy:
    pending_evaluations: int = 2
    keep_firing_evaluations: int = 2


@dataclass(frozen=True)
class RuleState:
    """Where one fingerprint stands. ``count`` is the run of consecutive evaluations in this phase."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    phase: Phase = Phase.INACTIVE
    count: int = 0
    active_since: datetime | None = None  # first breach of this episode
    fired_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("active_since", "fired_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleState:
        times = {
            k: datetime.fromisoformat(data[k]) if data.get(k) else None for k in ("active_since", "fired_at")
        }
        return cls(
            dict(data["labels"]), dict(data["annotations"]), Phase(data["phase"]), data["count"], **times
        )


def step(
    state: RuleState, holds: bool, now: datetime, policy: RulePolicy = RulePolicy()
) -> tuple[RuleState, Transition | None]:
    """One evaluation. Returns the new state and the transition it made, if any."""
    if state.phase in (Phase.INACTIVE, Phase.PENDING):
        if not holds:
            return replace(state, phase=Phase.INACTIVE, count=0, active_since=None), None
        count = state.count + 1
        since = state.active_since or now
        if count >= policy.pending_evaluations:
            return replace(
                state, phase=Phase.FIRING, count=0, active_since=since, fired_at=now
            ), Transition.FIRED
        return replace(state, phase=Phase.PENDING, count=count, active_since=since), None
    if holds:
        return replace(state, phase=Phase.FIRING, count=0), None
    count = state.count + 1
    if count >= policy.keep_firing_evaluations:
        return replace(
            state, phase=Phase.INACTIVE, count=0, active_since=None, fired_at=None
        ), Transition.RESOLVED
    return replace(state, phase=Phase.RECOVERING, count=count), None


@dataclass(frozen=True)
class Evaluation:
    """The result of one cycle: the states to keep, the alerts to hand to the router, what changed."""

    states: dict[str, RuleState]
    alerts: list[Alert]
    transitions: dict[str, Transition]


def evaluate(
    states: Mapping[str, RuleState],
    candidates: Iterable[AlertCandidate],
    now: datetime,
    policy_for: Callable[[Mapping[str, str]], RulePolicy] = lambda _: RulePolicy(),
) -> Evaluation:
    """Step every candidate. States of fingerprints without a candidate are kept unchanged (a check that
    did not run is no evidence either way). Alerts: every evaluated firing alert (with fresh annotations)
    and every alert resolved now."""
    kept, alerts, transitions = dict(states), [], {}
    for c in candidates:
        before = kept.get(c.fingerprint) or RuleState(c.labels, c.annotations)
        after, transition = step(before, c.holds, now, policy_for(c.labels))
        # While recovering the alert still shows the breach that fired it; a resolution shows the recovery.
        if c.holds or transition is Transition.RESOLVED:
            after = replace(after, annotations=c.annotations)
        if transition is Transition.RESOLVED:
            alerts.append(_alert(replace(before, annotations=c.annotations), now).resolve(now))
        elif after.phase in (Phase.FIRING, Phase.RECOVERING):
            alerts.append(_alert(after, now))
        if transition is not None:
            transitions[c.fingerprint] = transition
        _keep(kept, c.fingerprint, after)
    return Evaluation(kept, alerts, transitions)


def _keep(states: dict[str, RuleState], key: str, state: RuleState) -> None:
    # Inactive states carry nothing worth persisting; dropping them keeps the state small.
    if state.phase is Phase.INACTIVE:
        states.pop(key, None)
    else:
        states[key] = state


def firing_alerts(states: Mapping[str, RuleState], now: datetime) -> list[Alert]:
    """Every alert that is firing (including recovering), e.g. to refill a fresh dispatcher."""
    return [_alert(s, now) for s in states.values() if s.phase in (Phase.FIRING, Phase.RECOVERING)]


def _alert(state: RuleState, now: datetime) -> Alert:
    since = state.active_since.isoformat() if state.active_since else ""
    return Alert(state.labels, {**state.annotations, "active_since": since}, starts_at=state.fired_at or now)
