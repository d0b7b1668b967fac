"""Check a scenario against a model's declared features before anything is generated."""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.simulation.drift import categories, change_for, change_key, max_quality_drop, shifted_shares
from monitor.simulation.scenario import FeatureLists, Scenario


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: the field it is about and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def check_scenario(scenario: Scenario, features: FeatureLists) -> list[Problem]:
    """Every problem found (empty: the scenario can run)."""
    problems = (
        _basics(scenario) + _shift_problems(scenario, features) + _category_problems(scenario, features)
    )
    if not problems:
        problems += _quality_problems(scenario)
    return problems


def _basics(s: Scenario) -> list[Problem]:
    found = []
    if s.count < 1:
        found.append(Problem("count", "must be at least 1"))
    if not (math.isfinite(s.interval_ms) and s.interval_ms > 0):
        found.append(Problem("interval_ms", "must be a positive number of milliseconds"))
    if s.seed < 0:
        found.append(Problem("seed", "must not be negative"))
    if s.drift_at is None and s.has_changes:
        found.append(Problem("drift_at", "is needed to inject a shift, a category change or a quality drop"))
    if s.drift_at is not None and not 0 <= s.drift_at < s.count:
        found.append(Problem("drift_at", f"must be between 0 and count - 1 ({s.count - 1})"))
    if not 0 <= s.invalid_share < 1:
        found.append(Problem("invalid_share", "must be at least 0 and below 1"))
    if not (math.isfinite(s.outcome_delay_ms) and s.outcome_delay_ms >= 0):
        found.append(Problem("outcome_delay_ms", "must be zero or positive"))
    for name in ("missing_outcome_share", "duplicate_outcome_share", "early_outcome_share"):
        if not 0 <= getattr(s, name) <= 1:
            found.append(Problem(name, "must be between 0 and 1"))
    return found


def _shift_problems(s: Scenario, features: FeatureLists) -> list[Problem]:
    found = []
    if not math.isfinite(s.shift_sd):
        found.append(Problem("shift_sd", "must be a finite number"))
    for name in s.shift_features:
        if name in features.categorical:
            found.append(Problem("shift_features", f"{name!r} is categorical: use a category shift"))
        elif name not in features.numerical:
            known = ", ".join(features.numerical) or "none"
            found.append(Problem("shift_features", f"unknown feature {name!r} (numerical: {known})"))
    return found


def _category_problems(s: Scenario, features: FeatureLists) -> list[Problem]:
    found = []
    for shift in s.category_shift:
        values, shares = categories(shift.feature)
        if shift.feature not in features.categorical:
            known = ", ".join(features.categorical) or "none"
            found.append(
                Problem("category_shift", f"unknown categorical feature {shift.feature!r} ({known})")
            )
        elif shift.category not in values:
            found.append(
                Problem(
                    "category_shift",
                    f"unknown category {shift.category!r} of {shift.feature} ({', '.join(values)})",
                )
            )
        elif not math.isfinite(shift.points):
            found.append(Problem("category_shift", f"{shift}: points must be a finite number"))
        else:
            try:
                shifted_shares(shares, values.index(shift.category), shift.points)
            except ValueError as exc:
                found.append(Problem("category_shift", f"{shift}: {exc}"))
    if not found and s.category_shift:
        try:  # several shifts of one feature add up
            change_for(change_key(s))
        except ValueError as exc:
            found.append(Problem("category_shift", f"together: {exc}"))
    return found


def _quality_problems(s: Scenario) -> list[Problem]:
    if s.quality_drop == 0:
        return []
    largest = max_quality_drop(change_key(s))
    if not 0 < s.quality_drop <= largest:
        return [Problem("quality_drop", f"must be between 0 and {largest:.1f} accuracy points here")]
    return []
