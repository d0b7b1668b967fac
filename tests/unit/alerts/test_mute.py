"""Inhibition, silences and recurring mute windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from alerts.inhibit import DEFAULT_INHIBIT_RULES, Inhibitor, InhibitRule
from alerts.model import Alert
from alerts.silence import Silence, SilenceState, expire, silenced_by
from alerts.timeintervals import TimeInterval, active_windows
from tests.unit.alerts.helpers import alert, at

FRESHNESS = alert(check="freshness", severity="critical")


@pytest.mark.parametrize(
    ("sources", "target", "expected"),
    [
        ([FRESHNESS], alert(check="feature_drift", feature="age"), True),
        ([FRESHNESS], alert(check="performance"), True),
        ([FRESHNESS], alert(check="feature_drift", model="fraud", team="risk"), False),  # other model
        ([FRESHNESS.resolve(at(0))], alert(check="feature_drift"), False),  # resolved sources do not mute
        ([FRESHNESS], alert(check="job_failing"), False),  # not a target
        ([], alert(check="feature_drift"), False),
    ],
)
def test_default_inhibition(sources: list[Alert], target: Alert, expected: bool) -> None:
    inhibitor = Inhibitor(DEFAULT_INHIBIT_RULES, [*sources, target])
    assert inhibitor.mutes(target) is expected


def test_equal_labels_missing_on_both_sides_are_equal_and_an_alert_never_mutes_itself() -> None:
    rule = InhibitRule(
        source_matchers=("severity=critical",), target_matchers=("severity=~.*",), equal=("region",)
    )
    critical, warning = alert(severity="critical", check="a"), alert(severity="warning", check="b")
    inhibitor = Inhibitor([rule], [critical, warning])
    assert inhibitor.inhibited_by(warning) == [critical.fingerprint]
    assert not inhibitor.mutes(critical)


def test_an_inhibit_rule_needs_matchers() -> None:
    with pytest.raises(ValidationError, match="at least one matcher"):
        InhibitRule.model_validate({"source_matchers": [], "target_matchers": ["a=b"]})


def _silence(**changes: object) -> Silence:
    values: dict[str, object] = {
        "id": "s1",
        "matchers": ("model=churn", "check=~.*drift"),
        "starts_at": at(minutes=10),
        "ends_at": at(minutes=70),
        "created_by": "ana",
        "comment": "retraining",
    }
    return Silence(**{**values, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minutes", "state", "muted"),
    [
        (0, SilenceState.PENDING, False),
        (10, SilenceState.ACTIVE, True),
        (69, SilenceState.ACTIVE, True),
        (70, SilenceState.EXPIRED, False),
    ],
)
def test_silence_lifecycle(minutes: int, state: SilenceState, muted: bool) -> None:
    silence, now = _silence(), at(minutes=minutes)
    assert silence.state(now) is state
    assert bool(silenced_by(alert(check="feature_drift").labels, [silence], now)) is muted
    assert not silenced_by(alert(check="volume").labels, [silence], now)


def test_expiring_a_silence_ends_it_now_and_round_trips() -> None:
    active = _silence()
    ended = expire(active, at(minutes=20))
    assert ended.state(at(minutes=20)) is SilenceState.EXPIRED and ended.ends_at == at(minutes=20)
    never = expire(active, at(minutes=5))
    assert never.state(at(minutes=15)) is SilenceState.EXPIRED
    assert expire(ended, at(minutes=90)) == ended
    assert Silence.from_dict(active.to_dict()) == active


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"matchers": ()}, "at least one matcher"),
        ({"matchers": ("model=~.*",)}, "mute everything"),
        ({"matchers": ("model=~(",)}, "bad regular expression"),
        ({"ends_at": at(0)}, "cannot end before it starts"),
    ],
)
def test_bad_silences(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _silence(**changes)


NIGHTS_AND_WEEKENDS = {
    "nights": [TimeInterval.model_validate({"times": [{"start_time": "00:00", "end_time": "07:00"}]})],
    "weekends": [
        TimeInterval.model_validate({"weekdays": ["saturday:sunday"]}),
        TimeInterval.model_validate(
            {"weekdays": ["friday"], "times": [{"start_time": "18:00", "end_time": "24:00"}]}
        ),
    ],
}


@pytest.mark.parametrize(
    ("moment", "active"),
    [
        (datetime(2026, 3, 2, 6, 59, tzinfo=UTC), ["nights"]),  # Monday
        (datetime(2026, 3, 2, 7, 0, tzinfo=UTC), []),  # end excluded
        (datetime(2026, 3, 6, 17, 59, tzinfo=UTC), []),  # Friday
        (datetime(2026, 3, 6, 23, 59, tzinfo=UTC), ["weekends"]),
        (datetime(2026, 3, 7, 3, 0, tzinfo=UTC), ["nights", "weekends"]),  # Saturday night
        (datetime.fromisoformat("2026-03-08T01:30:00+02:00"), ["weekends"]),  # 23:30 UTC Saturday
    ],
)
def test_mute_windows_in_utc(moment: datetime, active: list[str]) -> None:
    assert active_windows(["nights", "weekends", "undefined"], NIGHTS_AND_WEEKENDS, moment) == active
