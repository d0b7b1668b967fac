"""The base of every config node, shared by the sections that live beside the code they configure."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Names of teams, models, receivers and campaigns: safe in labels, URLs and SQL literals.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class Strict(BaseModel):
    """Base of every config node: unknown keys are errors and the result is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def parse_duration(text: str | float | int) -> float:
    """Seconds in ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"``, ``"2w"`` (a bare number is seconds)."""
    if isinstance(text, bool):
        raise ValueError("a duration is text like 30s, 15m, 1h, 7d or 2w")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = DURATION.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a duration like 30s, 15m, 1h, 7d or 2w")
        seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds
