"""One run of a model's checks at a time ``at``: read summaries from the store, judge, keep history.

The statistics themselves are pure (``drift``, ``monitor.performance``, ``monitor.quality``); this module
only decides what to read, caches the reference's summaries and labeled sample per reference version,
writes the results (idempotent per window) and the evidence report, and hands alert candidates on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from connectors.store.base import PREDICTION, SCORE, FeatureSelection, ResultRow, Store, WindowSpec
from monitor.config_model import Config, ModelSpec
from monitor.jobs.drift import Column, WindowData, bin_edges
from monitor.jobs.judge import Histograms, drift_columns, judge
from monitor.jobs.report import report_path, write_report
from monitor.jobs.results import Check, CheckResult, Status
from monitor.jobs.windows import RunWindows, plan_windows

log = logging.getLogger(__name__)

LABELED_SAMPLE = 200_000  # labeled rows per window for performance: accuracy's error at this n is ~0.001
REFERENCE_CACHE = 32  # reference versions kept in memory (one per model is the common case)


@dataclass(frozen=True)
class RunResult:
    """What one run found, with where its evidence is."""

    model: str
    run_id: str
    windows: RunWindows
    results: list[CheckResult]
    report: Path | None = None
    seconds: float = 0.0

    @property
    def breaches(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.BREACH]


def run_id(model: str, window_end_ms: int) -> str:
    """Stable id of a model's run for a window: a re-run of the same window has the same id."""
    return hashlib.sha256(f"{model}:{window_end_ms}".encode()).hexdigest()[:16]


@dataclass
class JobRunner:
    """Runs models' checks against one store. Not thread-safe: the scheduler runs one job at a time."""

    config: Config
    store: Store
    report_dir: Path | None = None
    wall_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    _reference_cache: OrderedDict[tuple[object, ...], WindowData] = field(default_factory=OrderedDict)
    _labeled_reference_cache: OrderedDict[tuple[object, ...], pd.DataFrame] = field(
        default_factory=OrderedDict
    )

    def run(self, model: str, at_ms: int, report: bool = True) -> RunResult:
        """Run every check of ``model`` for the window ending at ``at_ms`` and keep the results."""
        started = time.monotonic()
        spec = self.config.models[model]
        windows = plan_windows(model, spec.monitoring, at_ms)
        try:
            results, current, reference = self._checks(spec, windows)
            results.append(CheckResult(Check.JOB, "run", 0.0, 0.0, Status.OK))
        except Exception as exc:  # a failing job is a result ("job failing"), never a dead scheduler
            log.exception("checks of %s for the window ending %s failed", model, at_ms)
            error = f"{type(exc).__name__}: {exc}"[:500]
            results, current, reference = (
                [CheckResult(Check.JOB, "run", 1.0, 0.0, Status.ERROR, details={"error": error})],
                None,
                None,
            )
        identity = run_id(model, at_ms)
        path = None
        if report and self.report_dir is not None and current is not None and reference is not None:
            features = spec.features
            path = write_report(
                report_path(self.report_dir, model, at_ms),
                reference.sample,
                current.sample,
                features.numerical,
                features.categorical,
            )
        self.store.write_results(self._rows(model, identity, windows, results, path))
        return RunResult(model, identity, windows, results, path, time.monotonic() - started)

    def _checks(
        self, spec: ModelSpec, windows: RunWindows
    ) -> tuple[list[CheckResult], WindowData, WindowData]:
        sample_size = spec.monitoring.drift.sample_size
        features = FeatureSelection(
            (*spec.features.numerical, SCORE), (*spec.features.categorical, PREDICTION)
        )
        current = self._window(windows.current, features, sample_size)
        reference = self._reference(windows, features, sample_size)
        histograms = self._histograms(drift_columns(spec, current), reference, current, windows)
        labels = FeatureSelection((), ())
        matured = windows.matured_before_ms
        labeled_current = self.store.sample(windows.labeled_current, labels, LABELED_SAMPLE, matured)
        labeled_reference = self._labeled_reference(windows, labels)
        results = judge(spec, windows, reference, current, histograms, labeled_reference, labeled_current)
        return results, current, reference

    def _window(self, window: WindowSpec, features: FeatureSelection, sample_size: int) -> WindowData:
        stats = self.store.window_stats(window, features)
        sample = self.store.sample(window, features, sample_size, window_rows=stats.rows)
        return WindowData(stats, sample)

    def _reference(self, windows: RunWindows, features: FeatureSelection, sample_size: int) -> WindowData:
        key = (*windows.reference_key, tuple(features.numerical), tuple(features.categorical), sample_size)
        cached = self._reference_cache.get(key)
        if cached is None:
            cached = self._window(windows.reference, features, sample_size)
            self._reference_cache[key] = cached
            while len(self._reference_cache) > REFERENCE_CACHE:
                self._reference_cache.popitem(last=False)
        else:
            self._reference_cache.move_to_end(key)
        return cached

    def _labeled_reference(self, windows: RunWindows, labels: FeatureSelection) -> pd.DataFrame:
        """The reference's labeled sample, cached per reference version like ``_reference``.

        The key leaves out ``matured_before_ms`` (the run time, different on every run): that is only
        right once every reference prediction is older than the label delay, when its outcomes are
        mature and the cut at ``matured_before_ms`` keeps the whole reference. So it is cached only
        for a loaded set (its labels are in the file) or a time reference ending no later than the
        labeled current window; a reference whose labels may still be arriving is read every run.
        """
        matured = windows.matured_before_ms
        settled = windows.reference.reference_id is not None or (
            windows.reference.end_ms <= windows.labeled_current.end_ms
        )
        if not settled:
            return self.store.sample(windows.reference, labels, LABELED_SAMPLE, matured)
        key = (*windows.reference_key, tuple(labels.numerical), tuple(labels.categorical), LABELED_SAMPLE)
        cached = self._labeled_reference_cache.get(key)
        if cached is None:
            cached = self.store.sample(windows.reference, labels, LABELED_SAMPLE, matured)
            self._labeled_reference_cache[key] = cached
            while len(self._labeled_reference_cache) > REFERENCE_CACHE:
                self._labeled_reference_cache.popitem(last=False)
        else:
            self._labeled_reference_cache.move_to_end(key)
        return cached

    def _histograms(
        self, columns: list[Column], reference: WindowData, current: WindowData, windows: RunWindows
    ) -> Histograms:
        edges = bin_edges(columns, reference, current)
        if not edges:
            return {}
        as_lists: dict[str, Sequence[float]] = {
            name: [float(e) for e in values] for name, values in edges.items()
        }
        ref_counts = self.store.histogram(windows.reference, as_lists)
        cur_counts = self.store.histogram(windows.current, as_lists)
        return {name: (ref_counts[name], cur_counts[name]) for name in edges}

    def _rows(
        self, model: str, identity: str, windows: RunWindows, results: list[CheckResult], report: Path | None
    ) -> list[ResultRow]:
        created = self.wall_ms()
        rows = []
        for r in results:
            details = dict(r.details)
            if report is not None:
                details["report"] = str(report)
            rows.append(
                ResultRow(
                    model,
                    identity,
                    windows.current.start_ms,
                    windows.current.end_ms,
                    r.check.value,
                    r.feature,
                    r.metric,
                    _finite(r.value),
                    _finite(r.threshold),
                    r.status.value,
                    json.dumps(_plain(details), default=str, allow_nan=False, sort_keys=True),
                    created,
                )
            )
        return rows


def _plain(value: object) -> object:
    """JSON-safe copy: NaN and infinities (no value) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _finite(value: float) -> float:
    # NaN (no verdict) is stored as NaN; infinities (e.g. "never received") as the largest float.
    if math.isinf(value):
        return math.copysign(1.7976931348623157e308, value)
    return value
