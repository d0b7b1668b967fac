"""The decay verdict: is a metric worse than its reference value by more than the allowed drop?"""

from __future__ import annotations

import math
from collections.abc import Mapping

from monitor.jobs.results import Check, CheckResult, Status
from monitor.performance.settings import Mode


def decay_limit(reference_value: float, allowed_drop: float, mode: Mode, higher_is_better: bool) -> float:
    """The worst acceptable value: reference -/+ allowed_drop (absolute) or allowed_drop * |reference|.

    Relative mode scales by ``|reference|`` so that a negative reference (an R² below 0) still moves the
    limit in the bad direction.
    """
    step = allowed_drop if mode == "absolute" else allowed_drop * abs(reference_value)
    return reference_value - step if higher_is_better else reference_value + step


def compare_to_reference(
    metric: str,
    current_value: float,
    reference_value: float,
    allowed_drop: float,
    mode: Mode = "absolute",
    higher_is_better: bool = True,
    *,
    details: Mapping[str, object] | None = None,
) -> CheckResult:
    """A PERFORMANCE result for ``metric``: BREACH when the current value is worse than the limit.

    ``value`` is the current value and ``threshold`` the limit computed from the reference; a value
    exactly at the limit is OK. ``details`` gains ``reference``, ``drop`` (positive = worse),
    ``relative_drop`` (drop / |reference|, NaN for a zero reference), ``allowed_drop``, ``mode`` and
    ``higher_is_better``. A NaN on either side gives INSUFFICIENT_DATA, never a verdict.
    """
    evidence: dict[str, object] = {
        **(details or {}),
        "reference": reference_value,
        "allowed_drop": allowed_drop,
        "mode": mode,
        "higher_is_better": higher_is_better,
    }
    if math.isnan(current_value) or math.isnan(reference_value):
        side = "current" if math.isnan(current_value) else "reference"
        evidence.setdefault("reason", f"the {side} value of {metric} is undefined")
        return performance_result(metric, current_value, math.nan, Status.INSUFFICIENT_DATA, evidence)
    limit = decay_limit(reference_value, allowed_drop, mode, higher_is_better)
    drop = reference_value - current_value if higher_is_better else current_value - reference_value
    evidence["drop"] = drop
    evidence["relative_drop"] = drop / abs(reference_value) if reference_value else math.nan
    worse = current_value < limit if higher_is_better else current_value > limit
    return performance_result(metric, current_value, limit, Status.BREACH if worse else Status.OK, evidence)


def performance_result(
    metric: str, value: float, threshold: float, status: Status, details: Mapping[str, object]
) -> CheckResult:
    """A PERFORMANCE check result (model level: no feature)."""
    return CheckResult(Check.PERFORMANCE, metric, float(value), float(threshold), status, "", dict(details))


def insufficient(metric: str, reason: str, details: Mapping[str, object] | None = None) -> CheckResult:
    """No verdict for ``metric``: value and threshold NaN, ``details["reason"]`` says why."""
    return performance_result(
        metric, math.nan, math.nan, Status.INSUFFICIENT_DATA, {**(details or {}), "reason": reason}
    )
