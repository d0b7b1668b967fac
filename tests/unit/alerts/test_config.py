"""The alerting section: each node checks itself (with its path), then cross-references across the file."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.config import AlertingConfig, cross_references, receivers_for
from alerts.inhibit import DEFAULT_INHIBIT_RULES
from alerts.rules import RulePolicy
from monitor.config_model import Team
from tests.unit.alerts.helpers import ROUTES, load_fixture

TEAMS = {
    "growth": Team(slack_channel="#growth", mention=None),
    "risk": Team(slack_channel="#risk", mention="@risk-oncall"),
}


def test_good_fixture_validates_with_no_cross_reference_problems() -> None:
    alerting = AlertingConfig.model_validate(load_fixture("good.yaml"))
    assert cross_references(alerting, set(TEAMS)) == []
    assert alerting.rules.policy_for({"check": "job_failing"}) == RulePolicy(1, 2)
    assert alerting.rules.policy_for({"check": "feature_drift"}) == RulePolicy(3, 2)


def test_an_empty_section_has_working_defaults() -> None:
    alerting = AlertingConfig.model_validate({})
    assert alerting.inhibit_rules == DEFAULT_INHIBIT_RULES
    assert cross_references(alerting, set(TEAMS)) == []
    assert AlertingConfig.model_validate({"route": {}, "receivers": {}}) == alerting


BAD = [
    ("bad_regex.yaml", ("route", "routes", 0, "matchers", 0), "bad regular expression"),
    ("bad_duration.yaml", ("route", "group_wait"), "must look like 30s"),
    ("numeric_duration.yaml", ("route", "repeat_interval"), "must be text"),
    ("short_group_interval.yaml", ("route", "routes", 0, "group_interval"), "at least 10s"),
    ("root_matchers.yaml", ("route",), "root route"),
    ("unknown_key.yaml", ("route", "routes", 0, "reciever"), "Extra inputs"),
    ("group_by_mixed.yaml", ("route", "group_by"), "must be the only entry"),
    ("bad_matcher.yaml", ("inhibit_rules", 0, "source_matchers", 0), "must look like name=value"),
    ("bad_time_range.yaml", ("mute_time_intervals", "nights", 0, "times", 0), "crosses midnight"),
    ("bad_weekday.yaml", ("mute_time_intervals", "weekend", 0, "weekdays"), "not a weekday"),
]


@pytest.mark.parametrize(("name", "loc", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_fixtures_fail_at_their_path(name: str, loc: tuple[str | int, ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AlertingConfig.model_validate(load_fixture(f"bad/{name}"))
    errors = caught.value.errors()
    assert [tuple(e["loc"]) for e in errors] == [loc]
    assert message in errors[0]["msg"]


def test_every_bad_fixture_is_tested() -> None:
    assert {p.name for p in (ROUTES / "bad").glob("*.yaml")} == {b[0] for b in BAD} | {
        "undefined_references.yaml"
    }


def test_cross_references_point_at_each_problem() -> None:
    alerting = AlertingConfig.model_validate(load_fixture("bad/undefined_references.yaml"))
    problems = dict(cross_references(alerting, set(TEAMS)))
    assert problems == {
        (
            "alerting",
            "receivers",
            "growth",
        ): "receiver 'growth' has a team's name; each team is a receiver already",
        (
            "alerting",
            "route",
            "routes",
            0,
            "receiver",
        ): "receiver 'pager' is not defined under `receivers` or `teams`",
        (
            "alerting",
            "route",
            "routes",
            1,
            "mute_time_intervals",
            0,
        ): "mute time interval 'nights' is not defined",
        (
            "alerting",
            "route",
            "routes",
            1,
            "matchers",
            0,
        ): "team 'riks' in matcher 'team=riks' is not defined under `teams`",
        (
            "alerting",
            "route",
            "routes",
            2,
            "repeat_interval",
        ): "repeat_interval must be at least group_interval",
    }


def test_inherited_timers_are_checked_where_they_are_set() -> None:
    alerting = AlertingConfig.model_validate(
        {
            "route": {
                "repeat_interval": "2m",
                "routes": [{"matchers": ["a=b"]}, {"matchers": ["a=c"], "group_interval": "1m"}],
            }
        }
    )
    assert cross_references(alerting, set(), prefix=()) == [
        (("route", "repeat_interval"), "repeat_interval must be at least group_interval")
    ]


def test_receivers_are_the_teams_plus_the_configured_ones() -> None:
    alerting = AlertingConfig.model_validate(load_fixture("good.yaml"))
    receivers = receivers_for(alerting, TEAMS)
    assert set(receivers) == {"growth", "risk", "oncall"}
    assert receivers["risk"].slack_channel == "#risk" and receivers["risk"].mention == "@risk-oncall"


def test_the_section_is_frozen_and_serialises_back() -> None:
    alerting = AlertingConfig.model_validate(load_fixture("good.yaml"))
    with pytest.raises(ValidationError):
        alerting.route.receiver = "x"
    dumped = alerting.model_dump(mode="json", by_alias=True)
    assert dumped["route"]["routes"][0]["continue"] is True and dumped["route"]["repeat_interval"] == "4h"
    assert AlertingConfig.model_validate(dumped) == alerting


def test_schema_documents_every_field() -> None:
    schema = AlertingConfig.model_json_schema(by_alias=True)
    for name, definition in [("AlertingConfig", schema), *schema["$defs"].items()]:
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
