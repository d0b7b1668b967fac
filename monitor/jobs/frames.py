"""Window summaries from in-memory frames: what the store would compute, for benchmarks and tests.

``window_from_frame`` builds the same ``WindowData`` the store returns (exact stats, the frame as the
sample); ``frame_histograms`` counts the frames into planned bins like the store's histogram. With
them the pure judging code runs on simulated windows without a store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from connectors.store.base import PREDICTION, SCORE, WindowStats
from monitor.jobs.drift import WindowData

SAMPLE_COLUMN = {SCORE: "score", PREDICTION: "prediction"}


def window_from_frame(
    frame: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    timestamp_column: str | None = None,
) -> WindowData:
    """Exact summaries of ``frame`` (columns named like the store's read methods) and the frame itself."""
    numeric = [*numerical, SCORE]
    nulls: dict[str, int] = {}
    minimum: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for name in [*numeric, *categorical, PREDICTION]:
        column = SAMPLE_COLUMN.get(name, name)
        values = frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
        nulls[name] = int(values.isna().sum())
        if name in numeric and values.notna().any():
            minimum[name], maximum[name] = float(values.min()), float(values.max())
    categories = {
        name: {
            str(k): int(v) for k, v in frame[SAMPLE_COLUMN.get(name, name)].dropna().value_counts().items()
        }
        for name in [*categorical, PREDICTION]
        if SAMPLE_COLUMN.get(name, name) in frame
    }
    times = frame[timestamp_column] if timestamp_column and timestamp_column in frame else None
    oldest = int(times.min()) if times is not None and len(times) else None
    newest = int(times.max()) if times is not None and len(times) else None
    return WindowData(WindowStats(len(frame), oldest, newest, nulls, minimum, maximum, categories), frame)


def frame_histograms(
    edges: Mapping[str, npt.NDArray[np.float64]], reference: pd.DataFrame, current: pd.DataFrame
) -> dict[str, tuple[list[int], list[int]]]:
    """Counts of both frames in each column's bins (numpy's convention: the last bin is closed)."""
    counts = {}
    for name, bins in edges.items():
        column = SAMPLE_COLUMN.get(name, name)
        ref = np.histogram(pd.to_numeric(reference[column]).dropna(), bins)[0]
        cur = np.histogram(pd.to_numeric(current[column]).dropna(), bins)[0]
        counts[name] = (ref.tolist(), cur.tolist())
    return counts
