"""Data-quality checks on window frames: compute the summaries, then judge with ``summaries``/``traffic``.

Frames have the shape of ``Store.read_predictions``: one column per feature, float with NaN for
numerical features, object with None for categorical ones (pandas categoricals work too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from monitor.jobs.results import CheckResult
from monitor.quality.settings import QualitySettings
from monitor.quality.summaries import (
    ValueRange,
    missing_from_counts,
    out_of_range_from_counts,
    unseen_from_counts,
)
from monitor.quality.traffic import freshness, volume_from_counts


class FeatureLists(Protocol):
    """The declared features of a model (``monitor.config_model.Features`` is one)."""

    @property
    def numerical(self) -> Sequence[str]: ...

    @property
    def categorical(self) -> Sequence[str]: ...


def missing_values(
    feature: str, current: pd.Series, reference: pd.Series, settings: QualitySettings
) -> CheckResult:
    """MISSING_VALUES of one feature (NaN and None count as missing)."""
    n_missing, reference_missing = int(current.isna().sum()), int(reference.isna().sum())
    return missing_from_counts(feature, n_missing, len(current), reference_missing, len(reference), settings)


def category_counts(values: pd.Series) -> dict[str, int]:
    """Non-null values per category, as text (categories without rows are left out)."""
    counts = values.dropna().astype(str).value_counts()
    return {str(k): int(c) for k, c in counts.items() if c > 0}


def unseen_categories(
    feature: str, current: pd.Series, reference: pd.Series, settings: QualitySettings
) -> CheckResult:
    """UNSEEN_CATEGORIES of one categorical feature, with the reference's singleton share as context."""
    reference_counts = category_counts(reference)
    n_reference = sum(reference_counts.values())
    singletons = sum(1 for c in reference_counts.values() if c == 1)
    expected = singletons / n_reference if n_reference else None
    return unseen_from_counts(
        feature,
        category_counts(current),
        reference_counts.keys(),
        n_reference,
        settings,
        reference_singleton_share=expected,
    )


def reference_range(values: pd.Series, settings: QualitySettings) -> ValueRange:
    """The reference's [range_low_quantile, range_high_quantile] over its non-null values.

    numpy's linear interpolation; ClickHouse's ``quantilesExact`` picks an order statistic instead, so
    ranges from SQL differ slightly. Either is fine as long as one reference version uses one range.
    """
    finite = _non_null(values)
    if finite.size == 0:
        return ValueRange(float("nan"), float("nan"), 0)
    low, high = np.quantile(finite, [settings.range_low_quantile, settings.range_high_quantile])
    return ValueRange(float(low), float(high), int(finite.size))


def out_of_range(
    feature: str,
    current: pd.Series,
    reference: pd.Series | ValueRange,
    settings: QualitySettings,
) -> CheckResult:
    """OUT_OF_RANGE of one numerical feature; ``reference`` is its column or a cached ``ValueRange``."""
    expected = reference if isinstance(reference, ValueRange) else reference_range(reference, settings)
    values = _non_null(current)
    n_below = int(np.count_nonzero(values < expected.low))
    n_above = int(np.count_nonzero(values > expected.high))
    return out_of_range_from_counts(feature, n_below, n_above, int(values.size), expected, settings)


def _non_null(values: pd.Series) -> npt.NDArray[np.float64]:
    array: npt.NDArray[np.float64] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return array[~np.isnan(array)]


def evaluate_quality(
    current: pd.DataFrame,
    reference: pd.DataFrame,
    features: FeatureLists,
    settings: QualitySettings,
    *,
    current_hours: float,
    reference_hours: float,
    newest_timestamp_ms: int | None,
    now_ms: int,
) -> list[CheckResult]:
    """Every quality check of one run: missing values of each feature, unseen categories of each
    categorical one, out-of-range of each numerical one, then volume and freshness.

    ``newest_timestamp_ms`` is the newest prediction of the model in the store (not only in
    ``current``: an empty window still has a last prediction), None if there never was one.
    """
    columns = [*features.numerical, *features.categorical]
    results = [missing_values(f, current[f], reference[f], settings) for f in columns]
    results += [unseen_categories(f, current[f], reference[f], settings) for f in features.categorical]
    results += [out_of_range(f, current[f], reference[f], settings) for f in features.numerical]
    results.append(volume_from_counts(len(current), current_hours, len(reference), reference_hours, settings))
    results.append(freshness(newest_timestamp_ms, now_ms, settings))
    return results
