"""Per-feature quality verdicts from summaries a store can compute in SQL without moving rows.

* missing values: ``countIf(isNull(f))`` and ``count()`` of each window;
* unseen categories: ``f, count() GROUP BY f`` on current and the reference's distinct values;
* out of range: the reference's ``quantilesExact(q_low, q_high)(f)`` and ``count(f)`` (a
  ``ValueRange``, cacheable per reference version), then ``countIf(f < low)``, ``countIf(f > high)``
  and ``count(f)`` on current.

``frames.py`` computes the same summaries from DataFrames and calls these functions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from monitor.jobs.results import Check, CheckResult
from monitor.quality.settings import QualitySettings
from monitor.quality.verdict import insufficient, too_few, verdict

MAX_NAMED_CATEGORIES = 20  # unseen categories named in details (largest share first); others counted


class ValueRange(NamedTuple):
    """A numerical feature's expected range in the reference, and how many values it came from."""

    low: float
    high: float
    n: int


def _sizes_reason(n_current: int, n_reference: int, min_rows: int) -> str | None:
    return too_few(n_current, min_rows, "the current window") or too_few(
        n_reference, min_rows, "the reference"
    )


def missing_from_counts(
    feature: str, n_missing: int, n: int, reference_missing: int, reference_n: int, settings: QualitySettings
) -> CheckResult:
    """MISSING_VALUES: breach when the current missing share exceeds the reference's share plus
    ``missing_increase_max`` (or ``missing_share_max`` when set and lower). ``n`` counts all rows."""
    reason = _sizes_reason(n, reference_n, settings.min_rows)
    if reason is not None:
        sizes = {"n": n, "n_reference": reference_n}
        return insufficient(Check.MISSING_VALUES, "missing_share", reason, feature, sizes)
    share, reference_share = n_missing / n, reference_missing / reference_n
    limit = reference_share + settings.missing_increase_max
    if settings.missing_share_max is not None:
        limit = min(limit, settings.missing_share_max)
    details = {"n": n, "n_missing": n_missing, "reference_share": reference_share}
    return verdict(Check.MISSING_VALUES, "missing_share", share, limit, share > limit, feature, details)


def unseen_from_counts(
    feature: str,
    current_counts: Mapping[str, int],
    reference_categories: Collection[str],
    n_reference: int,
    settings: QualitySettings,
    *,
    reference_singleton_share: float | None = None,
) -> CheckResult:
    """UNSEEN_CATEGORIES: breach when categories never seen in the reference make up more than
    ``unseen_share_max`` of the current non-null values.

    ``current_counts``: non-null current values per category; ``n_reference``: non-null reference
    values. ``details["unseen_categories"]`` names them with their share, largest first.
    ``reference_singleton_share`` (reference values whose category occurs once, over ``n_reference``)
    is the Good-Turing estimate of the unseen share to expect by chance; given, it goes in details.
    """
    n = sum(current_counts.values())
    reason = _sizes_reason(n, n_reference, settings.min_rows)
    if reason is not None:
        details = {"n_values": n, "n_reference": n_reference}
        return insufficient(Check.UNSEEN_CATEGORIES, "unseen_share", reason, feature, details)
    known = set(reference_categories)
    unseen = sorted(((c, k) for k, c in current_counts.items() if k not in known and c > 0), reverse=True)
    share = sum(c for c, _ in unseen) / n
    evidence: dict[str, object] = {
        "unseen_categories": {k: c / n for c, k in unseen[:MAX_NAMED_CATEGORIES]},
        "n_unseen_categories": len(unseen),
        "n_values": n,
    }
    if reference_singleton_share is not None:
        evidence["expected_unseen_share"] = reference_singleton_share
    limit = settings.unseen_share_max
    return verdict(Check.UNSEEN_CATEGORIES, "unseen_share", share, limit, share > limit, feature, evidence)


def out_of_range_from_counts(
    feature: str, n_below: int, n_above: int, n: int, reference_range: ValueRange, settings: QualitySettings
) -> CheckResult:
    """OUT_OF_RANGE: breach when more than ``out_of_range_share_max`` of the ``n`` non-null current
    values lie below ``reference_range.low`` or above ``reference_range.high`` (the ends are in range)."""
    reason = _sizes_reason(n, reference_range.n, settings.min_rows)
    if reason is not None:
        details = {"n_values": n, "n_reference": reference_range.n}
        return insufficient(Check.OUT_OF_RANGE, "out_of_range_share", reason, feature, details)
    share = (n_below + n_above) / n
    evidence = {
        "low": reference_range.low,
        "high": reference_range.high,
        "below_share": n_below / n,
        "above_share": n_above / n,
        "n_values": n,
    }
    limit = settings.out_of_range_share_max
    return verdict(Check.OUT_OF_RANGE, "out_of_range_share", share, limit, share > limit, feature, evidence)
