"""The ``alerting`` section of the config, and its checks across the whole file.

Every team is a receiver already (its ``slack_channel`` and ``mention``), and the root route sends to
``$team``, so a config without this section sends each alert to the owning team of its model, grouped per
model, with Alertmanager's timers. ``cross_references`` needs the team names, so the main config calls it
after every node validated itself and reports each problem at its path.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from functools import cached_property
from typing import Protocol

from pydantic import Field, field_validator

from alerts.inhibit import DEFAULT_INHIBIT_RULES, InhibitRule
from alerts.matchers import parse_matcher
from alerts.routing import TEAM_RECEIVER, Options, Route, RouteNode, compile_routes, walk
from alerts.rules_config import RulesConfig
from alerts.strict import Name, Strict
from alerts.timeintervals import TimeInterval

Path = tuple[str | int, ...]
Problem = tuple[Path, str]


class Receiver(Strict):
    """Where notifications go: a Slack channel, with a handle mentioned on critical alerts."""

    slack_channel: str = Field(..., pattern=r"^[#@]?[a-z0-9_\-.]{1,80}$", description="Slack channel.")
    mention: str | None = Field(None, description="Slack handle or group mentioned on critical alerts.")


class AlertingConfig(Strict):
    """How alerts are evaluated, routed, grouped and muted. Every key is optional."""

    route: Route = Field(
        default_factory=Route,  # type: ignore[arg-type]
        description="The root of the route tree. It matches every alert; its receiver defaults to $team.",
    )
    receivers: dict[Name, Receiver] = Field(
        default_factory=dict, description="Receivers besides the teams (each team is a receiver by its name)."
    )
    inhibit_rules: tuple[InhibitRule, ...] = Field(
        DEFAULT_INHIBIT_RULES,
        description="Alerts that mute others. Default: a freshness alert mutes the drift, performance and "
        "data-quality alerts of the same model. Setting this list replaces the default.",
    )
    mute_time_intervals: dict[Name, tuple[TimeInterval, ...]] = Field(
        default_factory=dict, description="Named recurring windows (UTC) that routes can be muted during."
    )
    rules: RulesConfig = Field(
        default_factory=RulesConfig,  # type: ignore[arg-type]
        description="Consecutive evaluations that fire and resolve an alert, with per-alert overrides.",
    )

    @field_validator("route")
    @classmethod
    def _root(cls, route: Route) -> Route:
        if route.matchers or route.continue_:
            raise ValueError("the root route matches every alert: it takes no matchers and no continue")
        if route.mute_time_intervals:
            raise ValueError("the root route cannot be muted; mute a child route")
        return route

    @cached_property
    def route_tree(self) -> RouteNode:
        """The compiled route tree (built once)."""
        return compile_routes(self.route)


class TeamLike(Protocol):
    @property
    def slack_channel(self) -> str: ...
    @property
    def mention(self) -> str | None: ...


def receivers_for(alerting: AlertingConfig, teams: Mapping[str, TeamLike]) -> dict[str, Receiver]:
    """Every receiver by name: one per team, plus the configured ones."""
    found = {name: Receiver(slack_channel=t.slack_channel, mention=t.mention) for name, t in teams.items()}
    return found | dict(alerting.receivers)


def cross_references(
    alerting: AlertingConfig, teams: Collection[str], prefix: Path = ("alerting",)
) -> list[Problem]:
    """Problems spanning the file, each at its path (under ``prefix``): routes to undefined receivers or
    mute windows, a repeat_interval shorter than its group_interval, a receiver named like a team, and
    matchers on ``team`` naming no team (a typo that would silently match nothing)."""
    found = list(_receivers(alerting, teams)) + list(_routes(alerting, teams))
    found += list(_team_matchers(alerting, teams))
    return [((*prefix, *path), message) for path, message in found]


def _receivers(alerting: AlertingConfig, teams: Collection[str]) -> Iterator[Problem]:
    for name in alerting.receivers:
        if name in teams:
            yield ("receivers", name), f"receiver {name!r} has a team's name; each team is a receiver already"


def _routes(alerting: AlertingConfig, teams: Collection[str]) -> Iterator[Problem]:
    known = set(teams) | set(alerting.receivers)
    inherited: dict[Path, Options] = {(): Options()}
    for path, route in walk(alerting.route):
        options = inherited[path[:-2] if len(path) > 1 else ()].under(route)
        inherited[path] = options
        if route.receiver not in (None, TEAM_RECEIVER) and route.receiver not in known:
            yield (
                (*path, "receiver"),
                f"receiver {route.receiver!r} is not defined under `receivers` or `teams`",
            )
        for i, name in enumerate(route.mute_time_intervals):
            if name not in alerting.mute_time_intervals:
                yield (*path, "mute_time_intervals", i), f"mute time interval {name!r} is not defined"
        sets_timer = route.repeat_interval is not None or route.group_interval is not None
        if sets_timer and options.repeat_interval < options.group_interval:
            yield (*path, "repeat_interval"), "repeat_interval must be at least group_interval"


def _team_matchers(alerting: AlertingConfig, teams: Collection[str]) -> Iterator[Problem]:
    lists: list[tuple[Path, tuple[str, ...]]] = [
        ((*p, "matchers"), r.matchers) for p, r in walk(alerting.route)
    ]
    for i, rule in enumerate(alerting.inhibit_rules):
        lists += [(("inhibit_rules", i, "source_matchers"), rule.source_matchers)]
        lists += [(("inhibit_rules", i, "target_matchers"), rule.target_matchers)]
    for i, override in enumerate(alerting.rules.overrides):
        lists.append((("rules", "overrides", i, "matchers"), override.matchers))
    for path, texts in lists:
        for j, text in enumerate(texts):
            m = parse_matcher(text)
            if m.name == "team" and m.op in ("=", "!=") and m.value not in teams:
                yield (*path, j), f"team {m.value!r} in matcher {text!r} is not defined under `teams`"
