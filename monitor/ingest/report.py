"""What a durable batch did (``BatchReport``), and the run's totals and metrics built from those reports.

A report is made where the batch is written (the writer thread, or the worker process) and is small and
picklable, so the process that consumes and commits never walks a batch's records to count them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from connectors.store.base import WriteBatch
from monitor import metrics


@dataclass(frozen=True)
class BatchReport:
    """One durable batch: rows per table, rejects by reason, feature values nulled or dropped by model,
    how long the store write took, and the reject limit's verdict after parsing it (None: not tripped)."""

    predictions: int
    outcomes: int
    dead_letters: int
    rejects: dict[str, int]
    nulled: dict[str, int]
    undeclared: dict[str, int]
    seconds: float
    reject_limit: str | None = None

    @classmethod
    def of(cls, batch: WriteBatch, seconds: float, reject_limit: str | None = None) -> BatchReport:
        nulled: Counter[str] = Counter()
        undeclared: Counter[str] = Counter()
        for p in batch.predictions:
            if p.nulled_features:
                nulled[p.model] += len(p.nulled_features)
            if p.undeclared_features:
                undeclared[p.model] += len(p.undeclared_features)
        return cls(
            predictions=len(batch.predictions),
            outcomes=len(batch.outcomes),
            dead_letters=len(batch.dead_letters),
            rejects=dict(Counter(d.reason.value for d in batch.dead_letters)),
            nulled=dict(nulled),
            undeclared=dict(undeclared),
            seconds=seconds,
            reject_limit=reject_limit,
        )


@dataclass
class IngestStats:
    """What the run did so far. Row counts are counted once their batch is durable."""

    messages: int = 0
    predictions: int = 0
    outcomes: int = 0
    dead_letters: int = 0
    batches: int = 0
    store_errors: int = 0
    nulled_values: int = 0
    undeclared_features: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    lag: int | None = None
    uncommitted_at_exit: int = 0

    def record_written(self, report: BatchReport) -> None:
        self.batches += 1
        self.predictions += report.predictions
        self.outcomes += report.outcomes
        self.dead_letters += report.dead_letters
        self.nulled_values += sum(report.nulled.values())
        self.undeclared_features += sum(report.undeclared.values())
        self.rejects.update(report.rejects)


def export_written(report: BatchReport) -> None:
    """Add a durable batch to the Prometheus metrics (in the process that serves ``/metrics``)."""
    metrics.INGEST_BATCH_SECONDS.observe(report.seconds)
    metrics.INGEST_ROWS_WRITTEN.labels("predictions").inc(report.predictions)
    metrics.INGEST_ROWS_WRITTEN.labels("outcomes").inc(report.outcomes)
    metrics.INGEST_ROWS_WRITTEN.labels("dead_letters").inc(report.dead_letters)
    for reason, count in report.rejects.items():
        metrics.INGEST_REJECTS.labels(reason).inc(count)
    for model, count in report.nulled.items():
        metrics.INGEST_NULLED_VALUES.labels(model).inc(count)
    for model, count in report.undeclared.items():
        metrics.INGEST_UNDECLARED_FEATURES.labels(model).inc(count)
