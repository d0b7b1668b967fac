"""Silences: mute alerts that match all of a silence's matchers between its start and end.

Silences are data (created by ``monitor silence add``, kept in the store), not config; this module holds
their meaning: state at a moment, what they mute, and how to expire one early.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from alerts.matchers import Matcher, matches_all, parse_matcher


class SilenceState(StrEnum):
    PENDING = "pending"  # starts later
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Silence:
    """A silence. ``matchers`` are matcher texts (``model=churn``); all must match to mute an alert."""

    id: str
    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    parsed: tuple[Matcher, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matchers", tuple(self.matchers))
        object.__setattr__(self, "parsed", validate_silence(self))

    def state(self, now: datetime) -> SilenceState:
        if now < self.starts_at:
            return SilenceState.PENDING
        return SilenceState.ACTIVE if now < self.ends_at else SilenceState.EXPIRED

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.state(now) is SilenceState.ACTIVE and matches_all(self.parsed, labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "matchers": list(self.matchers),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "created_by": self.created_by,
            "comment": self.comment,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Silence:
        times = {k: datetime.fromisoformat(data[k]) for k in ("starts_at", "ends_at")}
        return cls(
            data["id"],
            tuple(data["matchers"]),
            created_by=data["created_by"],
            comment=data["comment"],
            **times,
        )


def validate_silence(silence: Silence) -> tuple[Matcher, ...]:
    """Parsed matchers, or ValueError: no matchers, a bad matcher, end before start, or muting everything."""
    if not silence.matchers:
        raise ValueError("a silence needs at least one matcher")
    parsed = tuple(parse_matcher(m) for m in silence.matchers)
    if silence.ends_at < silence.starts_at:
        raise ValueError("a silence cannot end before it starts")
    # As Alertmanager: a silence whose every matcher accepts the empty label would mute all alerts.
    if all(m.matches({}) for m in parsed):
        raise ValueError(
            "at least one matcher must require a non-empty label value (this would mute everything)"
        )
    return parsed


def expire(silence: Silence, now: datetime) -> Silence:
    """End a silence now. A pending one becomes empty (it never mutes); an expired one is unchanged."""
    state = silence.state(now)
    if state is SilenceState.EXPIRED:
        return silence
    if state is SilenceState.PENDING:
        # As Alertmanager: a silence that never started becomes empty, so it never mutes anything.
        return replace(silence, starts_at=now, ends_at=now)
    return replace(silence, ends_at=now)


def silenced_by(labels: Mapping[str, str], silences: Iterable[Silence], now: datetime) -> list[str]:
    """Ids of the active silences that mute an alert with these labels."""
    return [s.id for s in silences if s.mutes(labels, now)]


def active(silences: Sequence[Silence], now: datetime) -> list[Silence]:
    return [s for s in silences if s.state(now) is SilenceState.ACTIVE]
