"""Pure views of a model's results history (``ResultRow`` lists): runs, series per chart, JSON.

No I/O: the app reads the rows from the store and hands them here. A run is one window end; its
evidence report is named in the rows' ``details["report"]`` and linked only when it lies in the
model's own folder of the report directory.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from connectors.store.base import ResultRow
from monitor.campaign import export
from monitor.jobs.results import Check, Status

DRIFT_CHECKS = (Check.FEATURE_DRIFT, Check.DATASET_DRIFT, Check.PREDICTION_DRIFT)
PERFORMANCE_CHECKS = (Check.PERFORMANCE,)
QUALITY_CHECKS = (
    Check.MISSING_VALUES,
    Check.UNSEEN_CATEGORIES,
    Check.OUT_OF_RANGE,
    Check.VOLUME,
    Check.FRESHNESS,
)
LARGEST_SHOWN = 1e300  # the runner stores "infinite" (e.g. never received) as the largest float


@dataclass(frozen=True)
class RunSummary:
    """One run: its window, when it was written, how many results had each status, its report."""

    window_start_ms: int
    window_end_ms: int
    created_ms: int
    run_id: str
    statuses: dict[str, int]
    report: str | None = None  # file name inside the model's report folder
    error: str = ""

    @property
    def status(self) -> str:
        """The run's headline: error, else breach, else insufficient data, else ok."""
        for status in (Status.ERROR, Status.BREACH, Status.INSUFFICIENT_DATA):
            if self.statuses.get(status.value):
                return status.value
        return Status.OK.value


@dataclass
class Series:
    """One line of a chart: a feature's (or the model's) values and thresholds over window ends."""

    name: str
    x: list[int] = field(default_factory=list)
    value: list[float | None] = field(default_factory=list)
    threshold: list[float | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)


def shown(value: float) -> float | None:
    """A value a chart or JSON can carry: None for NaN (no verdict) and the stored "infinite"."""
    return value if math.isfinite(value) and abs(value) < LARGEST_SHOWN else None


def details_of(row: ResultRow) -> dict[str, Any]:
    """The row's details object; an unreadable one becomes empty rather than breaking a page."""
    try:
        parsed = json.loads(row.details or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def report_name(row: ResultRow) -> str | None:
    """The report file's name if the row names one inside its model's folder, else None."""
    path = details_of(row).get("report")
    if not isinstance(path, str) or not path:
        return None
    pure = PurePath(path)
    return pure.name if pure.parent.name == row.model else None


def runs(rows: list[ResultRow]) -> list[RunSummary]:
    """The runs in ``rows``, newest window first."""
    by_end: dict[int, list[ResultRow]] = defaultdict(list)
    for row in rows:
        by_end[row.window_end_ms].append(row)
    summaries = []
    for end, group in sorted(by_end.items(), reverse=True):
        reports = [name for name in map(report_name, group) if name]
        errors = [str(details_of(r).get("error", "")) for r in group if r.status == Status.ERROR.value]
        summaries.append(
            RunSummary(
                window_start_ms=group[0].window_start_ms,
                window_end_ms=end,
                created_ms=max(r.created_ms for r in group),
                run_id=group[0].run_id,
                statuses=dict(Counter(r.status for r in group)),
                report=reports[0] if reports else None,
                error="; ".join(e for e in errors if e),
            )
        )
    return summaries


def series_by_chart(rows: list[ResultRow], checks: tuple[Check, ...]) -> dict[tuple[str, str], list[Series]]:
    """Per (check, metric) of ``checks``, in that order, one series per feature (rows oldest first)."""
    wanted = [c.value for c in checks]
    charts: dict[tuple[str, str], dict[str, Series]] = {}
    for row in sorted(rows, key=lambda r: (wanted.index(r.check) if r.check in wanted else -1, r.metric)):
        if row.check not in wanted:
            continue
        lines = charts.setdefault((row.check, row.metric), {})
        line = lines.setdefault(row.feature, Series(row.feature or row.metric))
        line.x.append(row.window_end_ms)
        line.value.append(shown(row.value))
        line.threshold.append(shown(row.threshold))
        line.status.append(row.status)
    for lines in charts.values():
        for line in lines.values():
            order = sorted(range(len(line.x)), key=line.x.__getitem__)
            line.x, line.value = [line.x[i] for i in order], [line.value[i] for i in order]
            line.threshold, line.status = [line.threshold[i] for i in order], [line.status[i] for i in order]
    return {key: list(lines.values()) for key, lines in charts.items()}


def result_json(row: ResultRow) -> dict[str, Any]:
    """One row for the JSON feed: details parsed, non-finite numbers as null."""
    plain = asdict(row)
    plain["value"], plain["threshold"] = shown(row.value), shown(row.threshold)
    details = details_of(row)
    details.pop("report", None)  # a path on the server's disk: the feed gives its URL instead
    plain["details"] = export.plain(details)  # a NaN that slipped into details becomes null
    name = report_name(row)
    plain["report_url"] = f"/reports/{row.model}/{name}" if name else None
    return plain
