"""Inhibition: a firing source alert mutes target alerts that share the ``equal`` labels.

As Alertmanager's ``inhibit``: labels missing on both sides count as equal (both empty), an alert never
inhibits itself, and only firing alerts inhibit. Example (the default): a stale-data (freshness) alert
mutes the drift, performance and data-quality alerts of the same model, whose verdicts are meaningless
without fresh data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import Field, field_validator

from alerts.matchers import MIN_ONE, Matcher, MatcherText, matches_all, non_empty, parse_matchers
from alerts.model import Alert
from alerts.strict import LabelName, Strict


class InhibitRule(Strict):
    """While an alert matching ``source_matchers`` fires, alerts matching ``target_matchers`` with the
    same values of the ``equal`` labels are not notified."""

    source_matchers: tuple[MatcherText, ...] = Field(
        ..., description="The muting alerts.", json_schema_extra=MIN_ONE
    )
    target_matchers: tuple[MatcherText, ...] = Field(
        ..., description="The muted alerts.", json_schema_extra=MIN_ONE
    )
    equal: tuple[LabelName, ...] = Field(
        (), description="Labels whose values must be the same on source and target, e.g. [model]."
    )

    _non_empty = field_validator("source_matchers", "target_matchers")(non_empty)


DEFAULT_INHIBIT_RULES = (
    InhibitRule(
        source_matchers=("check=freshness",),
        target_matchers=(
            "check=~feature_drift|dataset_drift|prediction_drift|performance"
            "|missing_values|unseen_categories|out_of_range|volume",
        ),
        equal=("model",),
    ),
)


@dataclass(frozen=True)
class _Compiled:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]
    # equal-label values of the firing sources -> their fingerprints
    sources: dict[tuple[str, ...], frozenset[str]]


class Inhibitor:
    """The inhibitions in force given the alerts known now. Build one per cycle; lookups are cheap."""

    def __init__(self, rules: Sequence[InhibitRule], alerts: Iterable[Alert]) -> None:
        firing = [a for a in alerts if not a.resolved]
        self._rules = [_compile(rule, firing) for rule in rules]

    def inhibited_by(self, alert: Alert) -> list[str]:
        """Fingerprints of the alerts that inhibit this one (empty: not inhibited)."""
        found: list[str] = []
        for rule in self._rules:
            if not rule.sources or not matches_all(rule.target, alert.labels):
                continue
            key = tuple(alert.labels.get(name, "") for name in rule.equal)
            found += sorted(rule.sources.get(key, frozenset()) - {alert.fingerprint})
        return found

    def mutes(self, alert: Alert) -> bool:
        return bool(self.inhibited_by(alert))


def _compile(rule: InhibitRule, firing: Sequence[Alert]) -> _Compiled:
    source = parse_matchers(rule.source_matchers)
    index: dict[tuple[str, ...], set[str]] = {}
    for alert in firing:
        if matches_all(source, alert.labels):
            key = tuple(alert.labels.get(name, "") for name in rule.equal)
            index.setdefault(key, set()).add(alert.fingerprint)
    sources = {k: frozenset(v) for k, v in index.items()}
    return _Compiled(source, parse_matchers(rule.target_matchers), rule.equal, sources)
