"""The store interface: what ingest writes and what the jobs read, whatever holds the data.

Two implementations share one schema (``schema.py``) and one contract test suite:
``ClickHouseStore`` (a server, through clickhouse-driver) and ``ChdbStore`` (embedded chDB).
Writes are idempotent: writing the same rows twice leaves one copy visible to every read method, so a
batch whose write failed half-way is simply written again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from monitor.events import DeadLetter, Outcome, Prediction

if TYPE_CHECKING:
    import pandas as pd


class StoreUnavailable(Exception):
    """The store cannot be reached or refused the write for a passing reason. Retrying may succeed."""


@dataclass(frozen=True)
class WriteBatch:
    """Everything one ingest batch writes. Empty parts are skipped."""

    predictions: Sequence[Prediction] = ()
    outcomes: Sequence[Outcome] = ()
    dead_letters: Sequence[DeadLetter] = ()
    received_ms: int = 0  # when the batch was written: the version of replaced rows

    def __len__(self) -> int:
        return len(self.predictions) + len(self.outcomes) + len(self.dead_letters)


@dataclass(frozen=True)
class FeatureSelection:
    """Which declared features a read returns as columns (others are not read at all)."""

    numerical: Sequence[str] = ()
    categorical: Sequence[str] = ()


@dataclass(frozen=True)
class Counts:
    """Distinct rows visible in the store (after deduplication)."""

    predictions: int = 0
    outcomes: int = 0
    dead_letters: int = 0
    dead_letters_by_reason: dict[str, int] = field(default_factory=dict)


# Pseudo-feature names the window methods accept besides declared features: the model's score
# (numerical) and its predicted class (categorical), for prediction drift.
SCORE = "@score"
PREDICTION = "@prediction"


@dataclass(frozen=True)
class WindowSpec:
    """Rows the window methods read: a model's predictions with ``start_ms <= timestamp < end_ms``,
    or, when ``reference_id`` is set, the rows of that loaded reference set (times ignored)."""

    model: str
    start_ms: int = 0
    end_ms: int = 0
    reference_id: str | None = None


@dataclass(frozen=True)
class WindowStats:
    """Exact summaries of a window, computed in the store (no rows move).

    ``nulls`` covers every selected feature; ``minimum``/``maximum`` the numerical ones with at least
    one non-null value; ``categories`` maps each categorical feature to its non-null value counts.
    """

    rows: int
    oldest_ms: int | None
    newest_ms: int | None
    nulls: dict[str, int]
    minimum: dict[str, float]
    maximum: dict[str, float]
    categories: dict[str, dict[str, int]]


@dataclass(frozen=True)
class ResultRow:
    """One check result of one run, as kept in the ``check_results`` history table.

    A run is identified by (model, window_end_ms): writing the same run again replaces its rows.
    """

    model: str
    run_id: str
    window_start_ms: int
    window_end_ms: int
    check: str
    feature: str
    metric: str
    value: float
    threshold: float
    status: str
    details: str  # JSON object
    created_ms: int


@dataclass(frozen=True)
class CampaignFeedRow:
    """One campaign's headline over one period, as kept in the ``campaign_feed`` history table.

    A row is identified by (campaign, period_end_ms): writing the same period again replaces it.
    Counts are matured outcomes (customers assigned before ``maturity_cutoff_ms`` with an outcome);
    rates, lifts and bounds are NaN where there is no value yet. ``verdict`` is what the interval
    says (``monitor.campaign.feed``); ``summary_json`` is the whole summary, for readers that need more.
    """

    campaign: str
    period_start_ms: int
    period_end_ms: int
    maturity_cutoff_ms: int
    model: str
    inference: str
    alpha: float
    n_assigned: int
    n_matured: int
    n_treatment: int
    n_control: int
    successes_treatment: int
    successes_control: int
    rate_treatment: float
    rate_control: float
    absolute_lift: float
    absolute_lift_lower: float
    absolute_lift_upper: float
    relative_lift: float
    relative_lift_lower: float
    relative_lift_upper: float
    verdict: str
    conclusive: bool
    srm_p_value: float
    srm_warning: bool
    warnings: str
    summary_json: str
    created_ms: int


class Store(Protocol):
    """A place to keep predictions, outcomes and dead letters, and to read windows of them back."""

    def ensure_schema(self) -> None:
        """Create the database and tables if missing. Safe to call at every start-up."""

    def ping(self) -> None:
        """Return if the store answers; raise StoreUnavailable if not."""

    def write(self, batch: WriteBatch) -> None:
        """Durably write a batch (one columnar insert per table). Raises StoreUnavailable to be retried."""

    def read_predictions(
        self, model: str, start_ms: int, end_ms: int, features: FeatureSelection
    ) -> pd.DataFrame:
        """Predictions of ``model`` with ``start_ms <= timestamp < end_ms``, each once.

        Columns: ``prediction_id``, ``timestamp`` (UTC datetime64), ``model_version``, ``prediction``
        (label as text), ``prediction_value`` (float or NaN), ``score`` (float or NaN), ``campaign_id``,
        ``campaign_arm`` (text or None), then one column per selected feature (float with NaN for
        numerical, object with None for categorical), in the order asked for.
        """
        ...

    def read_labeled(
        self, model: str, start_ms: int, end_ms: int, features: FeatureSelection, matured_before_ms: int
    ) -> pd.DataFrame:
        """Like ``read_predictions``, restricted to predictions that have an outcome and were made
        before ``matured_before_ms`` (their labels are mature), plus ``label`` (text),
        ``label_value`` (float or NaN) and ``outcome_timestamp``. The latest outcome of a prediction wins.
        """
        ...

    def counts(self, model: str | None = None) -> Counts:
        """Distinct predictions/outcomes (of one model, or all) and dead letters, by reason."""
        ...

    def read_dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """The most recent dead letters, newest first, each once."""
        ...

    def window_stats(self, window: WindowSpec, features: FeatureSelection) -> WindowStats:
        """Row count, time span, null counts, min/max and category counts of a window (exact)."""
        ...

    def histogram(self, window: WindowSpec, edges: dict[str, Sequence[float]]) -> dict[str, list[int]]:
        """Per numerical feature, non-null value counts in the bins of its ``edges``
        (``e[i] <= x < e[i+1]``; the last bin also takes ``x == e[-1]``; values outside are not counted).
        """
        ...

    def sample(
        self,
        window: WindowSpec,
        features: FeatureSelection,
        limit: int,
        matured_before_ms: int | None = None,
        window_rows: int | None = None,
    ) -> pd.DataFrame:
        """At most ``limit`` rows of the window, chosen by a hash of the prediction id (the same rows
        every time; all rows when the window is smaller). Columns as ``read_predictions``; with
        ``matured_before_ms``, only labeled rows as ``read_labeled``. Memory stays bounded by ``limit``.

        ``window_rows``: the window's row count when the caller has just counted it (``window_stats``).
        At most ``limit`` means the sample is the whole window, read without ranking rows by hash.
        """
        ...

    def write_results(self, rows: Sequence[ResultRow]) -> None:
        """Keep check results as history (idempotent per model, window end, check, feature, metric)."""

    def read_results(self, model: str, start_ms: int, end_ms: int) -> list[ResultRow]:
        """Results of runs whose window ends in ``[start_ms, end_ms)``, oldest first, each once."""
        ...

    def write_campaign_feed(self, rows: Sequence[CampaignFeedRow]) -> None:
        """Keep campaign feed rows as history (idempotent per campaign and period end: the row written
        last, by ``created_ms``, wins)."""

    def read_campaign_feed(self, campaign: str, start_ms: int, end_ms: int) -> list[CampaignFeedRow]:
        """Feed rows of ``campaign`` whose period ends in ``[start_ms, end_ms)``, oldest first, each once."""
        ...

    def load_reference(self, model: str, reference_id: str, frame: pd.DataFrame) -> int:
        """Store a reference set (e.g. training data) read from a file; replaces a set of the same id.
        ``frame`` has one column per declared feature, optionally ``prediction``, ``score``, ``label``.
        Returns the number of rows stored."""
        ...

    def load_state(self, namespace: str) -> dict[str, str]:
        """The alert router's saved values in ``namespace`` (newest version of each live key)."""
        ...

    def save_state(self, namespace: str, items: Mapping[str, str | None], version: int) -> None:
        """Save values by key (None deletes the key); the highest ``version`` of a key wins."""

    def close(self) -> None:
        """Release connections. The object is not used afterwards."""
