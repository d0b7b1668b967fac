"""Recurring mute windows: weekdays and times of day, in UTC (e.g. nights and weekends).

A route that names a window sends nothing while the window is active; its groups keep their alerts,
so what changed meanwhile (including resolutions) is sent at the first flush after the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from pydantic import Field, field_validator, model_validator

from alerts.strict import Strict

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"


class TimeRange(Strict):
    """From ``start_time`` (included) to ``end_time`` (excluded), both ``HH:MM`` UTC; ``24:00`` ends a day."""

    start_time: str = Field(..., pattern=_CLOCK, description="Start, HH:MM in UTC, included.")
    end_time: str = Field(..., pattern=_CLOCK, description="End, HH:MM in UTC, excluded; 24:00 for midnight.")

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if _minutes(self.end_time) <= _minutes(self.start_time):
            raise ValueError("end_time must be after start_time (split a range that crosses midnight in two)")
        return self

    def contains(self, minute_of_day: int) -> bool:
        return _minutes(self.start_time) <= minute_of_day < _minutes(self.end_time)


class TimeInterval(Strict):
    """Active when every given part matches; an omitted part matches always."""

    weekdays: tuple[str, ...] = Field(
        (), description='Days, or inclusive ranges of days: ["monday:friday", "sunday"]. Empty: every day.'
    )
    times: tuple[TimeRange, ...] = Field((), description="Times of day (UTC). Empty: the whole day.")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _weekday_range(item)
        return value

    def contains(self, now: datetime) -> bool:
        moment = now.astimezone(UTC)
        if self.weekdays and not any(moment.weekday() in _weekday_range(w) for w in self.weekdays):
            return False
        minute = moment.hour * 60 + moment.minute
        return not self.times or any(t.contains(minute) for t in self.times)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _weekday_range(text: str) -> range:
    parts = [p.strip().lower() for p in text.split(":")]
    if len(parts) > 2 or any(p not in WEEKDAYS for p in parts):
        raise ValueError(f"{text!r} is not a weekday (monday..sunday) or a range like monday:friday")
    first, last = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[-1])
    if last < first:
        raise ValueError(f"weekday range {text!r} runs backwards")
    return range(first, last + 1)


def active_windows(
    names: Iterable[str], windows: Mapping[str, Sequence[TimeInterval]], now: datetime
) -> list[str]:
    """The named windows active at ``now`` (a name with no definition never is; config checks catch it)."""
    return [n for n in names if any(i.contains(now) for i in windows.get(n, ()))]
