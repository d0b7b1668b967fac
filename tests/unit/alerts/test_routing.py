"""Route matching: depth-first with continue, inheritance, the default route to the owning team."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.config import AlertingConfig
from alerts.durations import format_duration, parse_duration
from alerts.matchers import parse_matcher
from alerts.routing import match
from tests.unit.alerts.helpers import config, load_fixture

TREE = load_fixture("tree.yaml")
ALERTING = AlertingConfig.model_validate(TREE["alerting"])


@pytest.mark.parametrize("case", TREE["cases"], ids=[c["name"] for c in TREE["cases"]])
def test_route_tree(case: dict[str, Any]) -> None:
    found = match(ALERTING.route_tree, case["labels"])
    assert len(found) == len(case["expect"]), [m.route_key for m in found]
    for route, expected in zip(found, case["expect"], strict=True):
        actual = {
            "route": route.route_key,
            "receiver": route.receiver,
            "group_by": None if route.options.group_by is None else list(route.options.group_by),
            "group_wait": format_duration(route.options.group_wait),
            "group_interval": format_duration(route.options.group_interval),
            "repeat_interval": format_duration(route.options.repeat_interval),
            "send_resolved": route.options.send_resolved,
            "mute_time_intervals": list(route.mute_time_intervals),
        }
        assert {k: actual[k] for k in expected} == expected


def test_no_config_routes_every_alert_to_its_team_with_alertmanager_defaults() -> None:
    (route,) = match(config().route_tree, {"model": "churn", "team": "growth"})
    assert route.receiver == "growth" and route.route_key == "{}"
    options = route.options
    assert (options.group_wait, options.group_interval, options.repeat_interval) == (
        parse_duration("30s"),
        parse_duration("5m"),
        parse_duration("4h"),
    )
    assert options.group_by == ("model",) and options.send_resolved


def test_first_matching_sibling_wins_without_continue() -> None:
    tree = config(
        """
        route:
          routes:
            - {receiver: a, matchers: [severity=critical]}
            - {receiver: b, matchers: [model=churn]}
        """
    ).route_tree
    assert [m.receiver for m in match(tree, {"model": "churn", "severity": "critical"})] == ["a"]
    assert [m.receiver for m in match(tree, {"model": "churn", "severity": "warning"})] == ["b"]


def test_a_parent_whose_children_do_not_match_is_the_match() -> None:
    tree = config(
        """
        route:
          routes:
            - receiver: a
              matchers: [model=churn]
              routes: [{receiver: b, matchers: [severity=critical]}]
        """
    ).route_tree
    assert [m.receiver for m in match(tree, {"model": "churn", "severity": "warning"})] == ["a"]
    assert [m.receiver for m in match(tree, {"model": "churn", "severity": "critical"})] == ["b"]


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("model=churn", {"model": "churn"}, True),
        ("model=churn", {"model": "churn2"}, False),
        ("model!=churn", {}, True),
        ("model=~churn.*", {"model": "churn_eu"}, True),
        ("model=~churn", {"model": "churn_eu"}, False),  # anchored
        ("model!~churn.*", {"model": "fraud"}, True),
        ('model="churn"', {"model": "churn"}, True),
        ("feature=", {}, True),  # missing is empty
        ("feature=~.+", {}, False),
        ("summary=a=b", {"summary": "a=b"}, True),
    ],
)
def test_matchers(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["model", "=churn", "model==churn", "mo del=x", "model=~(", "1model=x"])
def test_bad_matchers(text: str) -> None:
    with pytest.raises(ValueError, match="matcher"):
        parse_matcher(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("4h", 14400), ("1d", 86400), ("1h30m", 5400), ("0s", 0), ("1w1d", 691200)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize("text", ["", "5", "5 m", "1m1h", "-5m", "1.5h", "5min"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
