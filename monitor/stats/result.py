"""Values shared by every drift method: column types, verdict rules, method metadata and the result.

A method is described once (``MethodInfo``: name, allowed column types, default threshold, verdict rule)
next to its function; the registry collects those descriptions. Keeping the verdict rule as data matters
because Evidently is not uniform: PSI drifts at ``score >= threshold``, energy distance at
``score > threshold``, KS at ``p <= threshold`` and chi-square at ``p < threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Details = Mapping[str, object]


class ColumnType(StrEnum):
    """The kinds of column a method may be applied to (Evidently's ``ColumnType`` values)."""

    NUMERICAL = "num"
    CATEGORICAL = "cat"


class Rule(StrEnum):
    """When a score means drift. Distances grow with drift; p-values shrink with it."""

    SCORE_AT_LEAST = "score >= threshold"
    SCORE_ABOVE = "score > threshold"
    P_BELOW = "p_value < threshold"
    P_AT_MOST = "p_value <= threshold"

    @property
    def is_p_value(self) -> bool:
        return self in (Rule.P_BELOW, Rule.P_AT_MOST)

    def drifted(self, score: float, threshold: float) -> bool:
        """Apply the rule. A NaN score never drifts (Evidently's comparisons with NaN are False too)."""
        if math.isnan(score):
            return False
        if self is Rule.SCORE_AT_LEAST:
            return score >= threshold
        if self is Rule.SCORE_ABOVE:
            return score > threshold
        if self is Rule.P_BELOW:
            return score < threshold
        return score <= threshold


Status = Literal["ok", "insufficient_data"]


@dataclass(frozen=True, slots=True)
class DriftResult:
    """The outcome of one method on one column.

    ``score`` is a distance or a p-value (see ``rule``); ``details`` holds JSON-friendly extras such as
    sample sizes, the binning used, dropped values or unseen categories. With
    ``status == "insufficient_data"`` the score is NaN, ``drifted`` is False and ``details["reason"]``
    says why.
    """

    method: str
    score: float
    threshold: float
    drifted: bool
    rule: Rule
    details: Details = field(default_factory=dict)
    status: Status = "ok"


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """Static description of a method; ``evidently_equal`` says whether it reproduces Evidently 0.7.23."""

    name: str
    column_types: tuple[ColumnType, ...]
    default_threshold: float
    rule: Rule
    evidently_equal: bool = True
    description: str = ""

    def result(self, score: float, threshold: float | None, details: Details) -> DriftResult:
        """Build the result with the verdict of this method's rule."""
        actual = self.default_threshold if threshold is None else threshold
        score = float(score)
        return DriftResult(self.name, score, actual, self.rule.drifted(score, actual), self.rule, details)


def insufficient_data(
    method: str, threshold: float, rule: Rule, reason: str, details: Details | None = None
) -> DriftResult:
    """A result that says "not enough data to judge" instead of a verdict (never counts as drift)."""
    merged = {**(details or {}), "reason": reason}
    return DriftResult(method, math.nan, threshold, False, rule, merged, "insufficient_data")
