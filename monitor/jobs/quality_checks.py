"""Data-quality checks of a run, fed from the store's exact window summaries (and samples for ranges)."""

from __future__ import annotations

from monitor.config_model import ModelSpec
from monitor.jobs.drift import WindowData, non_null
from monitor.jobs.results import CheckResult
from monitor.jobs.windows import RunWindows
from monitor.quality.frames import out_of_range, reference_range
from monitor.quality.summaries import missing_from_counts, unseen_from_counts
from monitor.quality.traffic import freshness, volume_from_counts

HOUR_MS = 3_600_000


def evaluate(
    spec: ModelSpec, windows: RunWindows, reference: WindowData, current: WindowData
) -> list[CheckResult]:
    """Missing values, unseen categories, out-of-range values, volume and freshness of the current window.

    Freshness is judged at the run's time (the window's end), so a backfill of past windows says
    whether data was fresh then, not now.
    """
    settings = spec.monitoring.quality
    ref, cur = reference.stats, current.stats
    results = [
        missing_from_counts(f, cur.nulls.get(f, 0), cur.rows, ref.nulls.get(f, 0), ref.rows, settings)
        for f in (*spec.features.numerical, *spec.features.categorical)
    ]
    for feature in spec.features.categorical:
        counts = ref.categories.get(feature, {})
        singletons = sum(1 for n in counts.values() if n == 1) / max(non_null(ref, feature), 1)
        results.append(
            unseen_from_counts(
                feature,
                cur.categories.get(feature, {}),
                counts.keys(),
                non_null(ref, feature),
                settings,
                reference_singleton_share=singletons,
            )
        )
    for feature in spec.features.numerical:
        if feature in reference.sample and feature in current.sample:
            expected = reference_range(reference.sample[feature], settings)
            results.append(out_of_range(feature, current.sample[feature], expected, settings))
    if windows.reference.reference_id is None:  # a loaded training set has no traffic rate to compare
        hours = (windows.current.end_ms - windows.current.start_ms) / HOUR_MS
        reference_hours = (windows.reference.end_ms - windows.reference.start_ms) / HOUR_MS
        results.append(volume_from_counts(cur.rows, hours, ref.rows, reference_hours, settings))
    results.append(freshness(cur.newest_ms, windows.current.end_ms, settings))
    return results
