"""The human evidence of a run: an Evidently HTML report on bounded samples of both windows.

Evidently is heavy (seconds to import, hundreds of MB): it is imported here, lazily, only when a report
is written, never by ingest or ``monitor --help``. Verdicts never come from this report (they come from
``monitor.jobs.drift`` and friends); a failing report is logged and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

REPORT_ROWS = 2000  # per window: enough for readable charts, small enough to render in a second or two


def report_path(directory: Path, model: str, window_end_ms: int) -> Path:
    """Where the report of a model's run ending at ``window_end_ms`` lives (one file per run)."""
    return directory / model / f"{window_end_ms}.html"


def write_report(
    path: Path,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    keep: int = 48,
) -> Path | None:
    """Render Evidently's DataDriftPreset for the two samples to ``path``; None if it could not."""
    # Evidently fails the whole report on an all-null column: leave those out, they have nothing to show.
    usable = {c for c in [*numerical, *categorical] if _has_values(reference, c) and _has_values(current, c)}
    numerical = [c for c in numerical if c in usable]
    categorical = [c for c in categorical if c in usable]
    if reference.empty or current.empty or not (numerical or categorical):
        return None
    try:
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        columns = [*numerical, *categorical]
        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(_bounded(current[columns]), data_definition=definition),
            Dataset.from_pandas(_bounded(reference[columns]), data_definition=definition),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(path))
    except Exception as exc:  # evidence is best effort: Evidently fails on some edge data (PLATFORM.md)
        log.warning("could not write the Evidently report %s: %s", path.name, exc)
        return None
    _prune(path.parent, keep)
    return path


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame and bool(frame[column].notna().any())


def _bounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sample(REPORT_ROWS, random_state=0) if len(frame) > REPORT_ROWS else frame


def _prune(directory: Path, keep: int) -> None:
    """Keep the newest ``keep`` reports of a model (each is a few MB of self-contained HTML)."""
    reports = sorted(directory.glob("*.html"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
    for old in reports[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
