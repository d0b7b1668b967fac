"""One contract for every store: the ClickHouse server (18.16 here) and embedded chDB answer alike."""

from __future__ import annotations

import shutil
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from connectors.local_services import ClickHouseServer, free_port
from connectors.store.base import Counts, FeatureSelection, Store, StoreUnavailable, WindowSpec, WriteBatch
from connectors.store.clickhouse import ClickHouseStore
from connectors.store.factory import open_store
from connectors.store.sqlstore import SqlStore
from monitor.events import DeadLetter, Outcome, Prediction, RejectReason, SourcePosition

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z, a whole second
MINUTE = 60_000
NO_FEATURES = FeatureSelection()
PREDICTION_COLUMNS = [
    "prediction_id",
    "timestamp",
    "model_version",
    "prediction",
    "prediction_value",
    "score",
    "campaign_id",
    "campaign_arm",
]
LABEL_COLUMNS = ["label", "label_value", "outcome_timestamp"]


def prediction(pid: str, timestamp_ms: int = T0, model: str = "churn", **changes: Any) -> Prediction:
    values: dict[str, Any] = {
        "model": model,
        "model_version": "v1",
        "prediction_id": pid,
        "timestamp_ms": timestamp_ms,
        "numerical": {"age": 41.5, "income": None, "tenure": 3.0},
        "categorical": {"city": "Paris", "plan": None},
        "prediction_label": "1",
        "prediction_value": 1.0,
        "score": 0.75,
        "probabilities": {"0": 0.25, "1": 0.75},
        "segment": {"region": "eu"},
        "campaign_id": None,
        "campaign_arm": None,
        "nulled_features": ("income",),
    }
    values.update(changes)
    return Prediction(**values)


def outcome(pid: str, label: str = "1", timestamp_ms: int = T0 + MINUTE, model: str = "churn") -> Outcome:
    return Outcome(model=model, prediction_id=pid, timestamp_ms=timestamp_ms, label=label, label_value=None)


def dead_letter(offset: int, raw: bytes, reason: RejectReason, received_ms: int = T0) -> DeadLetter:
    position = SourcePosition(topic="predictions", partition=2, offset=offset)
    return DeadLetter(
        position=position, raw=raw, reason=reason, detail="why: ünïcode", received_ms=received_ms
    )


@pytest.fixture(params=[pytest.param("clickhouse", marks=pytest.mark.integration), "chdb"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh, empty store with its schema, of each kind."""
    opened = open_store(request.getfixturevalue(f"{request.param}_url"))
    opened.ensure_schema()
    yield opened
    opened.close()


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["prediction_id"])


def test_ensure_schema_is_idempotent(store: Store) -> None:
    store.ensure_schema()
    store.ensure_schema()
    store.ping()
    assert store.counts() == Counts()


def test_empty_batch_is_a_no_op(store: Store) -> None:
    store.write(WriteBatch(received_ms=T0))
    assert store.counts() == Counts()
    assert store.read_dead_letters() == []
    frame = store.read_predictions("churn", T0, T0 + MINUTE, FeatureSelection(["age"], ["city"]))
    assert list(frame.columns) == [*PREDICTION_COLUMNS, "age", "city"]
    assert len(frame) == 0
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert frame["age"].dtype == "float64"


def test_read_predictions_selects_features_in_the_order_asked(store: Store) -> None:
    campaign = {"campaign_id": "spring", "campaign_arm": "treatment"}
    store.write(
        WriteBatch(
            predictions=[prediction("p1", T0 + 5, **campaign), prediction("p2", T0 + 7, score=None)],
            received_ms=T0,
        )
    )
    features = FeatureSelection(
        numerical=["tenure", "income", "age", "unknown"], categorical=["plan", "city"]
    )
    frame = store.read_predictions("churn", T0, T0 + MINUTE, features)
    assert list(frame.columns) == [*PREDICTION_COLUMNS, "tenure", "income", "age", "unknown", "plan", "city"]
    assert ids(frame) == ["p1", "p2"]
    first = frame.iloc[0]
    assert first["timestamp"] == pd.Timestamp(T0 + 5, unit="ms", tz="UTC")
    assert (first["model_version"], first["prediction"], first["prediction_value"]) == ("v1", "1", 1.0)
    assert (first["campaign_id"], first["campaign_arm"], first["score"]) == ("spring", "treatment", 0.75)
    assert (first["tenure"], first["age"], first["city"]) == (3.0, 41.5, "Paris")
    assert frame["income"].isna().all() and frame["unknown"].isna().all()
    assert list(frame["plan"]) == [None, None] and list(frame["campaign_arm"]) == ["treatment", None]
    assert pd.isna(frame.iloc[1]["score"])
    expected = {"timestamp": "datetime64[ns, UTC]", "score": "float64", "income": "float64", "plan": "object"}
    assert {column: str(frame[column].dtype) for column in expected} == expected


def test_time_range_is_start_inclusive_end_exclusive(store: Store) -> None:
    start, end = T0 + 500, T0 + 2 * MINUTE + 300  # mid-second bounds: seconds alone are not enough
    times = {"before": start - 100, "first": start, "last": end - 1, "at_end": end, "later": end + MINUTE}
    store.write(WriteBatch(predictions=[prediction(pid, t) for pid, t in times.items()], received_ms=T0))
    assert ids(store.read_predictions("churn", start, end, NO_FEATURES)) == ["first", "last"]
    assert ids(store.read_predictions("other", start, end, NO_FEATURES)) == []


def test_the_same_batch_written_twice_is_read_once(store: Store) -> None:
    batch = WriteBatch(
        predictions=[prediction("p1"), prediction("p2")],
        outcomes=[outcome("p1")],
        dead_letters=[dead_letter(7, b"{oops", RejectReason.MALFORMED_JSON)],
        received_ms=T0,
    )
    store.write(batch)
    once = store.counts()
    store.write(batch)
    store.write(WriteBatch(batch.predictions, batch.outcomes, batch.dead_letters, received_ms=T0 + 1))
    assert (
        store.counts()
        == once
        == Counts(predictions=2, outcomes=1, dead_letters=1, dead_letters_by_reason={"malformed_json": 1})
    )
    assert ids(store.read_predictions("churn", T0, T0 + 1, NO_FEATURES)) == ["p1", "p2"]
    assert ids(store.read_labeled("churn", T0, T0 + 1, NO_FEATURES, T0 + MINUTE)) == ["p1"]
    assert len(store.read_dead_letters()) == 1


def test_a_prediction_sent_again_with_another_time_is_read_at_the_latest(store: Store) -> None:
    store.write(WriteBatch(predictions=[prediction("p1", T0)], received_ms=T0))
    store.write(WriteBatch(predictions=[prediction("p1", T0 + 10 * MINUTE)], received_ms=T0 + 1))
    assert ids(store.read_predictions("churn", T0, T0 + 1, NO_FEATURES)) == []
    assert ids(store.read_predictions("churn", T0, T0 + 11 * MINUTE, NO_FEATURES)) == ["p1"]


def test_read_labeled_joins_the_latest_outcome_of_mature_predictions(store: Store) -> None:
    store.write(WriteBatch(outcomes=[outcome("early", "0")], received_ms=T0))  # before its prediction
    predictions = [prediction(pid, T0 + i) for i, pid in enumerate(["early", "twice", "none", "young"])]
    store.write(WriteBatch(predictions=predictions, received_ms=T0 + 1))
    store.write(WriteBatch(outcomes=[outcome("twice", "0"), outcome("young")], received_ms=T0 + 2))
    store.write(WriteBatch(outcomes=[outcome("twice", "1", T0 + 2 * MINUTE)], received_ms=T0 + 3))
    frame = store.read_labeled("churn", T0, T0 + MINUTE, FeatureSelection(["age"], ["city"]), T0 + 3)
    assert list(frame.columns) == [*PREDICTION_COLUMNS, "age", "city", *LABEL_COLUMNS]
    assert ids(frame) == ["early", "twice"]
    assert list(frame["label"]) == ["0", "1"]
    assert list(frame["outcome_timestamp"]) == list(
        pd.to_datetime([T0 + MINUTE, T0 + 2 * MINUTE], unit="ms", utc=True)
    )
    assert frame["label_value"].isna().all() and list(frame["age"]) == [41.5, 41.5]
    assert str(frame["outcome_timestamp"].dtype) == "datetime64[ns, UTC]"
    assert store.counts() == Counts(predictions=4, outcomes=3)


def test_labeled_reads_of_a_model_without_outcomes_are_empty_with_their_columns(store: Store) -> None:
    """A model with no outcome at all skips the join (an outcome of another model does not count)."""
    store.write(WriteBatch(predictions=[prediction("p1"), prediction("p2", model="fraud")], received_ms=T0))
    store.write(WriteBatch(outcomes=[outcome("p2", model="fraud")], received_ms=T0 + 1))
    features = FeatureSelection(["age"], ["city"])
    window = WindowSpec("churn", T0, T0 + MINUTE)
    for frame in (
        store.read_labeled("churn", T0, T0 + MINUTE, features, T0 + 3 * MINUTE),
        store.sample(window, features, 10, T0 + 3 * MINUTE),
    ):
        assert list(frame.columns) == [*PREDICTION_COLUMNS, "age", "city", *LABEL_COLUMNS]
        assert frame.empty
        assert str(frame["outcome_timestamp"].dtype) == "datetime64[ns, UTC]"
        assert str(frame["age"].dtype) == "float64"
    # The first outcome of the model makes its labeled rows readable.
    store.write(WriteBatch(outcomes=[outcome("p1")], received_ms=T0 + 2))
    assert ids(store.read_labeled("churn", T0, T0 + MINUTE, features, T0 + 3 * MINUTE)) == ["p1"]
    assert ids(store.sample(window, features, 10, T0 + 3 * MINUTE)) == ["p1"]


@pytest.mark.parametrize("order", ["in time order", "reversed"])
def test_of_two_outcomes_in_one_batch_the_later_event_wins(store: Store, order: str) -> None:
    """Two outcomes of one prediction can arrive in one batch, from two partitions, in either order."""
    store.write(WriteBatch(predictions=[prediction("p3", T0)], received_ms=T0))
    pair = [outcome("p3", "0", T0 + MINUTE), outcome("p3", "1", T0 + 2 * MINUTE)]
    store.write(WriteBatch(outcomes=pair if order == "in time order" else pair[::-1], received_ms=T0 + 1))
    frame = store.read_labeled("churn", T0, T0 + MINUTE, FeatureSelection(), T0 + 3 * MINUTE)
    assert list(frame["label"]) == ["1"]
    assert store.counts().outcomes == 1
    # An older outcome received later does not replace the newer one.
    store.write(WriteBatch(outcomes=[outcome("p3", "0", T0 + MINUTE)], received_ms=T0 + 5))
    frame = store.read_labeled("churn", T0, T0 + MINUTE, FeatureSelection(), T0 + 3 * MINUTE)
    assert list(frame["label"]) == ["1"]


def test_counts_filter_by_model(store: Store) -> None:
    batch = WriteBatch(
        predictions=[prediction("p1"), prediction("p2"), prediction("p1", model="fraud")],
        outcomes=[outcome("p1", model="fraud")],
        received_ms=T0,
    )
    store.write(batch)
    assert store.counts("churn") == Counts(predictions=2, outcomes=0)
    assert store.counts("fraud") == Counts(predictions=1, outcomes=1)
    assert store.counts() == Counts(predictions=3, outcomes=1)
    assert store.counts("nobody") == Counts()


def test_dead_letters_keep_their_bytes_exactly_and_once(store: Store) -> None:
    malformed, oversized = RejectReason.MALFORMED_JSON, RejectReason.OVERSIZED
    letters = [
        dead_letter(0, b"\xff\xfe\x00not utf-8\xc3(", malformed, T0),
        dead_letter(1, b"", malformed, T0 + 1),
        dead_letter(2, bytes(range(256)), malformed, T0 + 2),
        dead_letter(3, "'; DROP TABLE x; --é".encode(), oversized, T0 + 3),
    ]
    store.write(WriteBatch(dead_letters=letters, received_ms=T0))  # a batch of dead letters only
    store.write(WriteBatch(dead_letters=letters[:2], received_ms=T0 + 9))  # a replay
    assert store.read_dead_letters() == letters[::-1]  # newest first
    assert store.read_dead_letters(limit=1) == [letters[-1]]
    assert store.counts() == Counts(
        dead_letters=4, dead_letters_by_reason={"malformed_json": 3, "oversized": 1}
    )


@pytest.mark.integration
def test_clickhouse_survives_a_server_restart() -> None:
    server = ClickHouseServer().start()
    store = ClickHouseStore(server.url)
    try:
        store.ensure_schema()
        store.write(WriteBatch(predictions=[prediction("p1")], received_ms=T0))
        assert server.process is not None
        server.process.kill()  # a crash, not a clean stop: and no wait for a graceful shutdown
        server.process.wait()
        with pytest.raises(StoreUnavailable):
            store.write(WriteBatch(predictions=[prediction("p2")], received_ms=T0))
        server.start()
        store.write(WriteBatch(predictions=[prediction("p2")], received_ms=T0))
        assert store.counts() == Counts(predictions=2)
    finally:
        store.close()
        if server.process is not None:
            server.process.kill()
        server.remove()


def test_clickhouse_unreachable_fails_fast_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    password = "s3cr3t-Pa55"
    store = ClickHouseStore(f"clickhouse://monitor:{password}@127.0.0.1:{free_port()}/monitor")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        store.ping()
    assert time.monotonic() - started < 10
    assert "127.0.0.1" in str(raised.value)
    chain = "".join(traceback.format_exception(raised.value))
    for text in (str(raised.value), repr(raised.value), repr(store), chain, caplog.text):
        assert password not in text
    store.close()


def test_open_store_rejects_unknown_schemes_without_the_password() -> None:
    with pytest.raises(ValueError, match="unknown store URL") as raised:
        open_store("postgres://admin:hunter2@db:5432/x")
    assert "hunter2" not in str(raised.value)
    assert "admin:***@db:5432" in str(raised.value)


def test_chdb_url_may_be_relative(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("chdb://data/store")
    try:
        store.ensure_schema()
        store.write(WriteBatch(predictions=[prediction("p1")], received_ms=T0))
        assert store.counts() == Counts(predictions=1)
    finally:
        store.close()
    assert (tmp_path / "data" / "store").is_dir()
    shutil.rmtree(tmp_path / "data")


def test_names_are_escaped_or_refused(store: Store) -> None:
    odd_model = "it's a \\ model"
    store.write(WriteBatch(predictions=[prediction("p1", model=odd_model)], received_ms=T0))
    assert ids(store.read_predictions(odd_model, T0, T0 + 1, NO_FEATURES)) == ["p1"]
    assert store.counts(odd_model) == Counts(predictions=1)
    for bad in (
        FeatureSelection(["age') OR 1=1 --"]),
        FeatureSelection(["score"]),
        FeatureSelection(["a"], ["a"]),
    ):
        with pytest.raises(ValueError):
            store.read_predictions(odd_model, T0, T0 + 1, bad)


def test_a_window_across_a_change_of_declared_features_reads_each_row_by_its_layout(store: Store) -> None:
    # The model's features changed between two ingests: "income" left, "visits" came, the order moved.
    before = prediction("old", T0 + 1)
    after = prediction(
        "new",
        T0 + 2,
        numerical={"visits": 7.0, "tenure": 4.0, "age": 30.0},
        categorical={"plan": "gold", "city": "Rome"},
    )
    store.write(WriteBatch(predictions=[before], received_ms=T0))
    store.write(WriteBatch(predictions=[after], received_ms=T0))
    features = FeatureSelection(numerical=["age", "tenure", "income", "visits"], categorical=["city", "plan"])
    frame = store.read_predictions("churn", T0, T0 + MINUTE, features).set_index("prediction_id")
    assert frame.loc["old", ["age", "tenure"]].tolist() == [41.5, 3.0]
    assert frame.loc["new", ["age", "tenure", "visits"]].tolist() == [30.0, 4.0, 7.0]
    assert pd.isna(frame.loc["old", "visits"]) and pd.isna(frame.loc["new", "income"])
    assert frame.loc["old", ["city", "plan"]].tolist() == ["Paris", None]
    assert frame.loc["new", ["city", "plan"]].tolist() == ["Rome", "gold"]
    window = WindowSpec("churn", T0, T0 + MINUTE)
    stats = store.window_stats(window, features)
    assert (stats.minimum["age"], stats.maximum["age"], stats.nulls["visits"]) == (30.0, 41.5, 1)
    assert stats.categories["city"] == {"Paris": 1, "Rome": 1}
    # A store opened later (no layouts cached) resolves them from the feature_layouts table.
    assert isinstance(store, SqlStore)
    store._layouts.clear()
    store._window_layouts.clear()
    assert store.sample(window, features, 10).set_index("prediction_id").loc["new", "visits"] == 7.0


def test_ensure_schema_refuses_a_predictions_table_of_the_first_layout(store: Store) -> None:
    assert isinstance(store, SqlStore)
    store._execute(f"DROP TABLE {store.database}.predictions")
    store._execute(
        f"CREATE TABLE {store.database}.predictions (model String, num_names Array(String))"
        " ENGINE = MergeTree ORDER BY model"
    )
    with pytest.raises(RuntimeError, match="older version of this service"):
        store.ensure_schema()
