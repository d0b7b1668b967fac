"""Data quality: missing values, unseen categories, out-of-range values, volume and freshness.

Pure (numpy/pandas, no I/O, ``now_ms`` passed in). Every check has a summary form (``*_from_counts``,
``freshness``) that takes numbers a store can compute in SQL, and a frame form that computes those
numbers from window DataFrames and calls it. ``evaluate_quality`` runs them all for one model.
"""

from monitor.quality.frames import (
    evaluate_quality,
    missing_values,
    out_of_range,
    reference_range,
    unseen_categories,
)
from monitor.quality.settings import QualitySettings
from monitor.quality.summaries import (
    ValueRange,
    missing_from_counts,
    out_of_range_from_counts,
    unseen_from_counts,
)
from monitor.quality.traffic import freshness, volume_from_counts

__all__ = [
    "QualitySettings",
    "ValueRange",
    "evaluate_quality",
    "freshness",
    "missing_from_counts",
    "missing_values",
    "out_of_range",
    "out_of_range_from_counts",
    "reference_range",
    "unseen_categories",
    "unseen_from_counts",
    "volume_from_counts",
]
