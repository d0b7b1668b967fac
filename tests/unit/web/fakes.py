"""An in-memory stand-in for the few store methods the web app calls (unit tests reach no store)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from connectors.store.base import FeatureSelection, ResultRow, StoreUnavailable, WindowSpec

HOUR = 3_600_000


def result(end_ms: int, check: str = "feature_drift", feature: str = "age", **changes: object) -> ResultRow:
    """A history row with sensible defaults."""
    values: dict[str, object] = {
        "model": "churn",
        "run_id": f"run-{end_ms}",
        "window_start_ms": end_ms - 4 * HOUR,
        "window_end_ms": end_ms,
        "check": check,
        "feature": feature,
        "metric": "psi",
        "value": 0.05,
        "threshold": 0.2,
        "status": "ok",
        "details": "{}",
        "created_ms": end_ms + 1000,
    }
    values.update(changes)
    return ResultRow(**values)  # type: ignore[arg-type]


def with_report(row: ResultRow, path: str) -> ResultRow:
    """``row`` naming an evidence report at ``path``."""
    return ResultRow(**{**row.__dict__, "details": json.dumps({"report": path})})


@dataclass
class FakeStore:
    """Results and customer frames held in memory; ``down`` makes ``ping`` fail."""

    results: list[ResultRow] = field(default_factory=list)
    customers: pd.DataFrame | None = None
    down: bool = False

    def ping(self) -> None:
        if self.down:
            raise StoreUnavailable("store down")

    def read_results(self, model: str, start_ms: int, end_ms: int) -> list[ResultRow]:
        rows = [r for r in self.results if r.model == model and start_ms <= r.window_end_ms < end_ms]
        return sorted(rows, key=lambda r: r.window_end_ms)

    def sample(
        self,
        window: WindowSpec,
        features: FeatureSelection,
        limit: int,
        matured_before_ms: int | None = None,
        window_rows: int | None = None,
    ) -> pd.DataFrame:
        frame = self.customers if self.customers is not None else pd.DataFrame()
        start = pd.Timestamp(window.start_ms, unit="ms", tz="UTC")
        end = pd.Timestamp(window.end_ms, unit="ms", tz="UTC")
        frame = frame[(frame["timestamp"] >= start) & (frame["timestamp"] < end)]
        if matured_before_ms is not None:
            cutoff = pd.Timestamp(matured_before_ms, unit="ms", tz="UTC")
            frame = frame[frame["label"].notna() & (frame["timestamp"] < cutoff)]
        else:
            frame = frame.drop(columns=["label"])
        return frame.head(limit).reset_index(drop=True)

    def close(self) -> None:
        pass
