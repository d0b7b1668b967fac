"""Durations as SREs write them in config, Prometheus style: ``30s``, ``5m``, ``4h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
DURATION_PATTERN = r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


def parse_duration(text: str) -> timedelta:
    """Parse ``1w2d3h4m5s`` (each part optional, in that order). Raises ValueError."""
    found = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if found is None or not any(found.groups()):
        raise ValueError(f"duration {text!r} must look like 30s, 5m, 4h, 1d or 1h30m")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest text ``parse_duration`` reads back as ``value`` (whole seconds)."""
    left = int(value.total_seconds())
    if left == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _from_config(value: Any) -> timedelta:
    # Defaults are written as text too, so only a programmatic caller passes a timedelta.
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"duration must be text like 30s, 5m, 4h or 1d, not {type(value).__name__}")
    return parse_duration(value)


Duration = Annotated[
    timedelta,
    BeforeValidator(_from_config),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN}),
]
"""A config field holding a duration written as text."""
