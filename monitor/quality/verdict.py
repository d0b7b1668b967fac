"""Building quality results: a verdict, or "insufficient data" with the reason."""

from __future__ import annotations

import math
from collections.abc import Mapping

from monitor.jobs.results import Check, CheckResult, Status


def verdict(
    check: Check,
    metric: str,
    value: float,
    threshold: float,
    breach: bool,
    feature: str = "",
    details: Mapping[str, object] | None = None,
) -> CheckResult:
    """BREACH when ``breach`` else OK."""
    status = Status.BREACH if breach else Status.OK
    return CheckResult(check, metric, float(value), float(threshold), status, feature, dict(details or {}))


def insufficient(
    check: Check, metric: str, reason: str, feature: str = "", details: Mapping[str, object] | None = None
) -> CheckResult:
    """No verdict: value and threshold NaN, ``details["reason"]`` says why."""
    evidence = {**(details or {}), "reason": reason}
    return CheckResult(check, metric, math.nan, math.nan, Status.INSUFFICIENT_DATA, feature, evidence)


def too_few(n: int, min_rows: int, what: str) -> str | None:
    """Why ``n`` rows of ``what`` cannot support a verdict, or None when there are enough."""
    if n >= min_rows:
        return None
    return f"{what} has no rows" if n == 0 else f"{what} has {n} rows, fewer than the minimum {min_rows}"
