"""The route tree: which receivers an alert goes to, and with which grouping and timers.

As Alertmanager's ``dispatch/route.go``: the root matches every alert; children are tried depth-first in
order; the first child that matches stops the search unless it has ``continue: true``; a node none of
whose children match is itself the match. Children inherit ``receiver``, ``group_by``, the three timers
and ``send_resolved`` from their parent; ``mute_time_intervals`` are not inherited.

The default receiver is ``$team``: the receiver named by the alert's ``team`` label, which exists for
every team without any config. So an empty route tree sends each alert to its model's owning team.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from pydantic import Field, field_validator

from alerts.durations import Duration
from alerts.matchers import Matcher, MatcherText, matches_all, parse_matchers
from alerts.strict import NAME_PATTERN, Name, Strict

TEAM_RECEIVER = "$team"
GROUP_BY_ALL = "..."
# Below this a busy group turns into a stream of Slack edits; 10s still lets the demo and tests run fast.
MIN_GROUP_INTERVAL = timedelta(seconds=10)
DEFAULT_GROUP_BY = ("model",)  # one message per model incident: 15 drifted features are one message
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)
RECEIVER_PATTERN = rf"{NAME_PATTERN}|^\$team$"


class Route(Strict):
    """A node of the route tree. Unset options are inherited from the parent (root: the defaults)."""

    receiver: str | None = Field(
        None,
        pattern=RECEIVER_PATTERN,
        description="Receiver name, or $team (the root default): the owning team.",
    )
    matchers: tuple[MatcherText, ...] = Field((), description="All must match for the route to match.")
    continue_: bool = Field(
        False, alias="continue", description="Keep trying later siblings after this route matched."
    )
    group_by: tuple[str, ...] | None = Field(
        None, description='Labels that split alerts into notifications (root default [model]); ["..."]: all.'
    )
    group_wait: Duration | None = Field(
        None, description="Wait before a new group's first notification (30s)."
    )
    group_interval: Duration | None = Field(
        None, description="Wait between notifications about a changed group (5m); at least 10s."
    )
    repeat_interval: Duration | None = Field(
        None, description="Resend an unchanged firing group after this long (4h); at least group_interval."
    )
    send_resolved: bool | None = Field(None, description="Notify when alerts resolve (root default true).")
    mute_time_intervals: tuple[Name, ...] = Field(
        (), description="Names under `mute_time_intervals` during which this route sends nothing."
    )
    routes: tuple[Route, ...] = Field((), description="Child routes, tried in order.")

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None or value == (GROUP_BY_ALL,):
            return value
        if GROUP_BY_ALL in value:
            raise ValueError('"..." (group by all labels) must be the only entry of group_by')
        if len(set(value)) != len(value):
            raise ValueError("group_by lists a label twice")
        bad = [v for v in value if not v.isidentifier()]
        if bad:
            raise ValueError(f"not label names: {', '.join(bad)}")
        return value

    @field_validator("group_interval")
    @classmethod
    def _min_interval(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < MIN_GROUP_INTERVAL:
            raise ValueError(f"group_interval must be at least {int(MIN_GROUP_INTERVAL.total_seconds())}s")
        return value


@dataclass(frozen=True)
class Options:
    """Options after inheritance. ``group_by`` None means every label."""

    receiver: str = TEAM_RECEIVER
    group_by: tuple[str, ...] | None = DEFAULT_GROUP_BY
    group_wait: timedelta = DEFAULT_GROUP_WAIT
    group_interval: timedelta = DEFAULT_GROUP_INTERVAL
    repeat_interval: timedelta = DEFAULT_REPEAT_INTERVAL
    send_resolved: bool = True

    def under(self, route: Route) -> Options:
        """The options of ``route`` whose parent has these."""
        group_by = self.group_by if route.group_by is None else route.group_by
        return Options(
            receiver=route.receiver or self.receiver,
            group_by=None if group_by == (GROUP_BY_ALL,) else group_by,
            group_wait=_pick(route.group_wait, self.group_wait),
            group_interval=_pick(route.group_interval, self.group_interval),
            repeat_interval=_pick(route.repeat_interval, self.repeat_interval),
            send_resolved=self.send_resolved if route.send_resolved is None else route.send_resolved,
        )


def _pick(value: timedelta | None, inherited: timedelta) -> timedelta:
    return inherited if value is None else value


@dataclass(frozen=True)
class RouteNode:
    """A compiled route. ``key`` names it by its matchers from the root, so it survives reordering."""

    key: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    options: Options
    mute_time_intervals: tuple[str, ...]
    children: tuple[RouteNode, ...]


@dataclass(frozen=True)
class MatchedRoute:
    """A route an alert reached, with its receiver resolved for that alert."""

    route_key: str
    receiver: str
    options: Options
    mute_time_intervals: tuple[str, ...]


def compile_routes(root: Route) -> RouteNode:
    """Compile a validated tree once; ``match`` then runs without parsing."""
    return _compile(root, Options().under(root), "")


def _compile(route: Route, options: Options, parent_key: str) -> RouteNode:
    matchers = parse_matchers(route.matchers)
    key = "{" + ",".join(str(m) for m in matchers) + "}"
    key = f"{parent_key}/{key}" if parent_key else key
    children = tuple(_compile(child, options.under(child), key) for child in route.routes)
    return RouteNode(key, matchers, route.continue_, options, route.mute_time_intervals, children)


def match(node: RouteNode, labels: Mapping[str, str]) -> list[MatchedRoute]:
    """Every route the alert reaches, in tree order (depth-first, honouring ``continue``)."""
    return [_matched(n, labels) for n in _match_nodes(node, labels)]


def _match_nodes(node: RouteNode, labels: Mapping[str, str]) -> list[RouteNode]:
    if not matches_all(node.matchers, labels):
        return []
    found: list[RouteNode] = []
    for child in node.children:
        reached = _match_nodes(child, labels)
        found += reached
        if reached and not child.continue_:
            break
    return found or [node]


def _matched(node: RouteNode, labels: Mapping[str, str]) -> MatchedRoute:
    receiver = node.options.receiver
    if receiver == TEAM_RECEIVER:
        receiver = labels.get("team", "")  # always set on alerts built from check results
    return MatchedRoute(node.key, receiver, node.options, node.mute_time_intervals)


def walk(
    route: Route, path: tuple[str | int, ...] = ("route",)
) -> Iterator[tuple[tuple[str | int, ...], Route]]:
    """Every route of the config tree with its config path (for errors that point at lines)."""
    yield path, route
    for i, child in enumerate(route.routes):
        yield from walk(child, (*path, "routes", i))
