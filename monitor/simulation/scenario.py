"""What a simulation run produces: the ``Scenario`` (size, timing, injected changes, message defects)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# 2023-11-14T22:13:20Z: a fixed default so that runs without an explicit start are reproducible.
DEFAULT_START_MS = 1_700_000_000_000


class FeatureLists(Protocol):
    """The declared features of a model (``monitor.config_model.Features`` is one)."""

    @property
    def numerical(self) -> Sequence[str]: ...

    @property
    def categorical(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class FeatureNames:
    """Plain declared feature lists, for callers without a config."""

    numerical: tuple[str, ...]
    categorical: tuple[str, ...]


@dataclass(frozen=True)
class CategoryShift:
    """From the drift on, ``category``'s share of ``feature`` is ``points`` percentage points higher
    (negative: lower); the other categories keep their proportions among themselves."""

    feature: str
    category: str
    points: float

    def __str__(self) -> str:
        return f"{self.feature}={self.category}:{self.points:g}"


_SHIFT_SYNTAX = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^:=\s]+)\s*:\s*([-+]?\d+(?:\.\d*)?)\s*$")


def parse_category_shifts(text: str | None) -> tuple[CategoryShift, ...]:
    """Parse ``FEATURE=CATEGORY:POINTS[,FEATURE=CATEGORY:POINTS...]``. Raises ValueError on bad syntax."""
    if not text or not text.strip():
        return ()
    shifts = []
    for part in text.split(","):
        match = _SHIFT_SYNTAX.match(part)
        if match is None:
            raise ValueError(
                f"category shift {part.strip()!r} is not FEATURE=CATEGORY:POINTS (e.g. plan=premium:10)"
            )
        shifts.append(CategoryShift(match[1], match[2], float(match[3])))
    return tuple(shifts)


@dataclass(frozen=True)
class Scenario:
    """One simulated run. Same scenario, same events, byte for byte.

    Prediction ``i`` (0-based) has event time ``start_ms + round(i * interval_ms)`` and id
    ``f"{seed}-{i}"``. From prediction ``drift_at`` on (``None``: never) the world changes:
    ``shift_features`` move their mean by ``shift_sd`` standard deviations (of the undrifted world),
    ``category_shift`` changes category shares, and the model loses ``quality_drop`` accuracy points.
    Each prediction's outcome follows ``outcome_delay_ms`` later (log-normal jitter, median the delay);
    ``missing_outcome_share`` never arrive, ``duplicate_outcome_share`` arrive twice, and
    ``early_outcome_share`` are emitted just before their prediction. ``invalid_share`` of all messages
    are extra, deliberately broken ones (for the dead-letter path); the valid stream does not depend on it.
    """

    model: str = "churn"
    count: int = 10_000
    start_ms: int = DEFAULT_START_MS
    interval_ms: float = 100.0
    drift_at: int | None = None
    shift_features: tuple[str, ...] = ()
    shift_sd: float = 0.5
    category_shift: tuple[CategoryShift, ...] = ()
    quality_drop: float = 0.0
    outcome_delay_ms: float = 3_600_000.0
    invalid_share: float = 0.0
    seed: int = 7
    model_version: str = "2024.06.1"
    missing_outcome_share: float = 0.04
    duplicate_outcome_share: float = 0.03
    early_outcome_share: float = 0.0

    def timestamp_ms(self, index: int) -> int:
        """Event time of prediction ``index``."""
        return self.start_ms + round(index * self.interval_ms)

    def prediction_id(self, index: int) -> str:
        """Id of prediction ``index``: unique per seed, the same on every run."""
        return f"{self.seed}-{index}"

    @property
    def has_changes(self) -> bool:
        """Whether anything is injected at ``drift_at``."""
        return (
            bool(self.shift_features and self.shift_sd) or bool(self.category_shift) or self.quality_drop > 0
        )
