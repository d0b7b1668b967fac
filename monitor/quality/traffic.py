"""Model-level quality verdicts on traffic: volume against the reference's rate, and freshness.

Both need only counts, window lengths and the newest timestamp (``count()``, ``max(timestamp)``).
``now_ms`` is passed in: nothing here reads a clock.
"""

from __future__ import annotations

import math

from monitor.jobs.results import Check, CheckResult
from monitor.quality.settings import QualitySettings
from monitor.quality.verdict import insufficient, verdict

_MS_PER_SECOND = 1000.0


def volume_from_counts(
    n_current: int, current_hours: float, n_reference: int, reference_hours: float, settings: QualitySettings
) -> CheckResult:
    """VOLUME: current rows over the rows expected at the reference's average hourly rate.

    ``value`` is that ratio; breach below ``volume_drop_factor`` or above ``volume_spike_factor``;
    ``threshold`` is the factor on the side the ratio is on. INSUFFICIENT_DATA when the reference is
    empty or fewer than ``volume_min_expected_rows`` rows are expected. The reference's average hides
    daily cycles: the factors are wide for that reason.
    """
    if current_hours <= 0 or reference_hours <= 0:
        raise ValueError("window lengths must be positive")
    expected = n_reference / reference_hours * current_hours
    details: dict[str, object] = {
        "n_current": n_current,
        "expected_rows": expected,
        "reference_rows_per_hour": n_reference / reference_hours,
    }
    if expected < settings.volume_min_expected_rows:
        reason = f"{expected:.1f} rows expected, fewer than the minimum {settings.volume_min_expected_rows:g}"
        return insufficient(Check.VOLUME, "volume_ratio", reason, details=details)
    ratio = n_current / expected
    drop, spike = settings.volume_drop_factor, settings.volume_spike_factor
    if ratio < drop or ratio > spike:
        details["direction"] = "drop" if ratio < drop else "spike"
    threshold = drop if ratio < 1.0 else spike
    return verdict(Check.VOLUME, "volume_ratio", ratio, threshold, "direction" in details, details=details)


def freshness(newest_timestamp_ms: int | None, now_ms: int, settings: QualitySettings) -> CheckResult:
    """FRESHNESS: seconds since the newest prediction; breach above ``freshness_max_age_seconds``.

    ``None`` (no prediction at all) is a breach with an infinite age: a model that never sent data is
    the extreme of a stale feed. A newest timestamp in the future (producer clock skew) counts as age 0.
    """
    limit = settings.freshness_max_age_seconds
    if newest_timestamp_ms is None:
        reason = {"reason": "no prediction has been received"}
        return verdict(Check.FRESHNESS, "age_seconds", math.inf, limit, True, details=reason)
    age = (now_ms - newest_timestamp_ms) / _MS_PER_SECOND
    details: dict[str, object] = {"newest_timestamp_ms": newest_timestamp_ms, "now_ms": now_ms}
    if age < 0:
        details["future_by_seconds"] = -age
    return verdict(Check.FRESHNESS, "age_seconds", max(age, 0.0), limit, age > limit, details=details)
