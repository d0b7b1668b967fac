"""The window methods of the store contract (summaries, histograms, samples, result history, reference
sets), pinned on the ClickHouse server (18.16 here) and on embedded chDB alike."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from connectors.store import schema
from connectors.store.base import (
    PREDICTION,
    SCORE,
    FeatureSelection,
    ResultRow,
    Store,
    WindowSpec,
    WindowStats,
    WriteBatch,
)
from connectors.store.factory import open_store
from connectors.store.reference import reference_columns
from connectors.store.sqlstore import SqlStore
from tests.integration.test_store_contract import (
    LABEL_COLUMNS,
    MINUTE,
    PREDICTION_COLUMNS,
    T0,
    ids,
    outcome,
    prediction,
)
from tests.integration.test_store_contract import store as store  # the fixture, of each kind

WINDOW = WindowSpec("churn", T0, T0 + MINUTE)
FEATURES = FeatureSelection(["age", "income", "absent", SCORE], ["city", "plan", PREDICTION])


def row(pid: str, offset_ms: int, age: float | None, income: float | None, **changes: Any) -> Any:
    """A prediction at ``T0 + offset_ms`` with the given numerical features."""
    return prediction(pid, T0 + offset_ms, numerical={"age": age, "income": income}, **changes)


def three_rows() -> list[Any]:
    return [
        row("p1", 1, 10.0, None, categorical={"city": "Paris", "plan": None}, score=0.2),
        row("p2", 2, 30.0, 5.0, categorical={"city": "Paris", "plan": "gold"}, prediction_label="0"),
        row("p3", 3, None, 7.0, categorical={"city": "Lyon", "plan": "gold"}, score=None),
    ]


def test_window_stats_are_exact_and_count_each_row_once(store: Store) -> None:
    rows = three_rows()
    outside = [row("late", MINUTE, 99.0, 99.0), row("other", 5, 99.0, 99.0, model="fraud")]
    store.write(WriteBatch(predictions=rows + outside, received_ms=T0))
    store.write(WriteBatch(predictions=rows, received_ms=T0))  # the same batch again
    store.write(WriteBatch(predictions=[row("p1", 1, 10.0, None, score=0.2)], received_ms=T0 + 1))
    stats = store.window_stats(WINDOW, FEATURES)
    assert stats == WindowStats(
        rows=3,
        oldest_ms=T0 + 1,
        newest_ms=T0 + 3,
        nulls={"age": 1, "income": 1, "absent": 3, SCORE: 1, "city": 0, "plan": 1, PREDICTION: 0},
        minimum={"age": 10.0, "income": 5.0, SCORE: 0.2},
        maximum={"age": 30.0, "income": 7.0, SCORE: 0.75},
        categories={"city": {"Lyon": 1, "Paris": 2}, "plan": {"gold": 2}, PREDICTION: {"0": 1, "1": 2}},
    )


def test_window_stats_read_the_prediction_as_a_number_when_asked_so(store: Store) -> None:
    store.write(WriteBatch(predictions=three_rows(), received_ms=T0))
    stats = store.window_stats(WINDOW, FeatureSelection(numerical=[PREDICTION]))
    assert (stats.minimum[PREDICTION], stats.maximum[PREDICTION], stats.nulls[PREDICTION]) == (1.0, 1.0, 0)
    with pytest.raises(ValueError):
        store.window_stats(WINDOW, FeatureSelection(categorical=[SCORE]))
    with pytest.raises(ValueError):
        store.window_stats(WINDOW, FeatureSelection(["age') OR 1=1 --"]))


def test_window_stats_of_an_empty_window(store: Store) -> None:
    store.write(WriteBatch(predictions=three_rows(), received_ms=T0))
    stats = store.window_stats(WindowSpec("churn", T0 + MINUTE, T0 + 2 * MINUTE), FEATURES)
    nulls = dict.fromkeys(["age", "income", "absent", SCORE, "city", "plan", PREDICTION], 0)
    empty_categories: dict[str, dict[str, int]] = {"city": {}, "plan": {}, PREDICTION: {}}
    assert stats == WindowStats(0, None, None, nulls, {}, {}, empty_categories)
    assert store.window_stats(WindowSpec("nobody"), FeatureSelection()).rows == 0


def numeric_rows(values: dict[str, np.ndarray]) -> list[Any]:
    """One prediction per position; NaN is sent as a missing value (None)."""
    size = len(next(iter(values.values())))
    return [
        prediction(
            f"r{i}",
            T0 + i,
            numerical={name: None if np.isnan(v[i]) else float(v[i]) for name, v in values.items()},
            score=float(values["x"][i]) if not np.isnan(values["x"][i]) else None,
        )
        for i in range(size)
    ]


def test_histogram_equals_numpy(store: Store) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=400)
    x[:20] = np.nan
    x[20:40] = [-1.0, 0.0, 1.0, 0.5, 2.0] * 4  # exactly on edges, including the first and last
    whole = rng.integers(0, 6, size=400).astype(float)  # integer-valued data on integer edges
    whole[::50] = np.nan
    store.write(WriteBatch(predictions=numeric_rows({"x": x, "whole": whole}), received_ms=T0))
    edges: dict[str, Sequence[float]] = {
        "x": [-1.0, 0.0, 0.1 + 0.2, 0.5, 1.0, 2.0],  # values below -1 and above 2 are left out
        "whole": [0.0, 1.0, 2.0, 2.0, 3.0, 5.0],  # a repeated edge: an empty bin, as in numpy
        SCORE: list(np.quantile(x[~np.isnan(x)], [0, 0.25, 0.5, 0.75, 1])),  # data values as edges
        "tiny": [0.0, 5e-324, 1.0],  # a subnormal edge
    }
    counts = store.histogram(WindowSpec("churn", T0, T0 + 400), edges)
    data = {"x": x, "whole": whole, SCORE: x, "tiny": np.full(400, np.nan)}
    kept = {name: values[~np.isnan(values)] for name, values in data.items()}
    expected = {name: np.histogram(kept[name], bins=e)[0].tolist() for name, e in edges.items()}
    assert counts == expected
    assert sum(counts["x"]) < 380  # some values really were outside the edges
    empty = store.histogram(WindowSpec("churn", 0, T0), {"x": [0.0, 1.0, 2.0]})
    assert empty == {"x": [0, 0]} and store.histogram(WINDOW, {}) == {}


@pytest.mark.parametrize("edges", [[1.0], [2.0, 1.0], [0.0, math.nan], [0.0, math.inf]])
def test_histogram_refuses_bad_edges(store: Store, edges: list[float]) -> None:
    with pytest.raises(ValueError):
        store.histogram(WINDOW, {"age": edges})


def test_sample_is_deterministic_bounded_and_whole_when_small(store: Store) -> None:
    store.write(WriteBatch(predictions=[prediction(f"p{i}", T0 + i) for i in range(60)], received_ms=T0))
    features = FeatureSelection(["age", SCORE], ["city", PREDICTION])
    full = store.read_predictions("churn", T0, T0 + MINUTE, FeatureSelection(["age"], ["city"]))
    first = store.sample(WINDOW, features, 10)
    assert list(first.columns) == [*PREDICTION_COLUMNS, "age", "city"]
    assert len(first) == 10 and first["prediction_id"].is_unique
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 10), first)
    chosen = full[full["prediction_id"].isin(first["prediction_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, chosen)  # the rows as the full read has them, in its order
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 60), full)
    assert len(store.sample(WINDOW, features, 0)) == 0
    # More rows in the window only displace rows that hash after them: the rest of the sample stays.
    store.write(WriteBatch(predictions=[prediction(f"q{i}", T0 + i) for i in range(60)], received_ms=T0))
    again = set(store.sample(WINDOW, features, 10)["prediction_id"])
    assert set(first["prediction_id"]) >= {pid for pid in again if pid.startswith("p")}


def test_a_sample_of_a_window_counted_small_is_the_whole_window_read_without_ranking(store: Store) -> None:
    store.write(WriteBatch(predictions=[prediction(f"p{i}", T0 + 59 - i) for i in range(60)], received_ms=T0))
    features = FeatureSelection(["age", SCORE], ["city", PREDICTION])
    full = store.read_predictions("churn", T0, T0 + MINUTE, FeatureSelection(["age"], ["city"]))
    rows = store.window_stats(WINDOW, features).rows
    assert rows == 60
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 60, window_rows=rows), full)
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 100, window_rows=rows), full)
    # A count above the limit takes the hash sample, as without one.
    ranked = store.sample(WINDOW, features, 10)
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 10, window_rows=rows), ranked)
    # Rows that arrived after the count: still at most ``limit`` rows, the oldest.
    oldest = store.sample(WINDOW, features, 10, window_rows=5)
    pd.testing.assert_frame_equal(oldest, full.head(10))
    # Reference sets alike, in the file's order.
    reference = WindowSpec("churn", reference_id="training")
    store.load_reference("churn", "training", reference_frame(9))
    whole = store.sample(reference, features, 100, window_rows=9)
    pd.testing.assert_frame_equal(whole, store.sample(reference, features, 100))
    pd.testing.assert_frame_equal(store.sample(reference, features, 4, window_rows=3), whole.head(4))


def test_labeled_sample_takes_matured_labeled_rows(store: Store) -> None:
    store.write(WriteBatch(predictions=[prediction(f"p{i}", T0 + i) for i in range(40)], received_ms=T0))
    store.write(WriteBatch(outcomes=[outcome(f"p{i}", str(i % 2)) for i in range(0, 40, 2)], received_ms=T0))
    features = FeatureSelection(["age"], ["city"])
    labeled = store.read_labeled("churn", T0, T0 + MINUTE, features, T0 + 30)
    sample = store.sample(WINDOW, features, 5, matured_before_ms=T0 + 30)
    assert list(sample.columns) == list(labeled.columns)
    assert len(sample) == 5 and set(sample["prediction_id"]) <= set(labeled["prediction_id"])
    pd.testing.assert_frame_equal(store.sample(WINDOW, features, 100, matured_before_ms=T0 + 30), labeled)


@pytest.mark.integration
def test_both_stores_sample_the_same_rows(clickhouse_url: str, chdb_url: str) -> None:
    picked = []
    for url in (clickhouse_url, chdb_url):
        opened = open_store(url)
        try:
            opened.ensure_schema()
            rows = [prediction(f"id-{i}", T0 + i) for i in range(200)]
            opened.write(WriteBatch(predictions=rows, received_ms=T0))
            picked.append(list(opened.sample(WINDOW, FeatureSelection(), 20)["prediction_id"]))
        finally:
            opened.close()
    assert picked[0] == picked[1] and len(picked[0]) == 20


def result(window_end_ms: int, feature: str, value: float, created_ms: int, **changes: Any) -> ResultRow:
    values: dict[str, Any] = {
        "model": "churn",
        "run_id": f"run-{created_ms}",
        "window_start_ms": window_end_ms - MINUTE,
        "window_end_ms": window_end_ms,
        "check": "feature_drift",
        "feature": feature,
        "metric": "psi",
        "value": value,
        "threshold": 0.2,
        "status": "ok",
        "details": '{"reference": "r1"}',
        "created_ms": created_ms,
    }
    values.update(changes)
    return ResultRow(**values)


def test_results_are_history_and_a_rerun_replaces_its_rows(store: Store) -> None:
    first_run = [result(T0, "age", 0.1, T0), result(T0, "city", 0.3, T0, status="breach")]
    later = [result(T0 + MINUTE, "age", math.nan, T0 + MINUTE, status="insufficient_data")]
    store.write_results(first_run + later + [result(T0, "age", 9.0, T0, model="fraud")])
    store.write_results(first_run)  # the same rows again
    rerun = [result(T0, "age", 0.15, T0 + 5), result(T0, "city", 0.35, T0 + 5)]
    store.write_results(rerun)
    store.write_results([])
    read = store.read_results("churn", T0, T0 + 2 * MINUTE)
    assert read[:2] == rerun
    assert len(read) == 3 and read[2].window_end_ms == T0 + MINUTE and math.isnan(read[2].value)
    assert read[2].status == "insufficient_data" and read[2].details == '{"reference": "r1"}'
    assert store.read_results("churn", T0 + 1, T0 + MINUTE) == []  # the window end is the key
    assert [r.value for r in store.read_results("fraud", 0, T0 + 1)] == [9.0]


def reference_frame(size: int, shift: float = 0.0) -> pd.DataFrame:
    ages = [math.nan] + [float(i) + shift for i in range(1, size)]  # the first age is missing
    return pd.DataFrame(
        {
            "age": ages[:size],
            "city": (["Paris", "Lyon", None] * size)[:size],
            "prediction": ([1, 0] * size)[:size],
            "score": np.linspace(0.0, 1.0, size),
            "label": (["1", None, "0"] * size)[:size],
        }
    )


def test_reference_sets_are_loaded_replaced_and_read_like_windows(store: Store) -> None:
    reference = WindowSpec("churn", reference_id="training")
    features = FeatureSelection(["age", SCORE], ["city", PREDICTION])
    assert store.window_stats(reference, features).rows == 0
    assert store.load_reference("churn", "training", reference_frame(9)) == 9
    store.load_reference("churn", "other", reference_frame(4, shift=100.0))
    stats = store.window_stats(reference, features)
    assert (stats.rows, stats.oldest_ms, stats.nulls["age"], stats.nulls["city"]) == (9, None, 1, 3)
    assert (stats.minimum["age"], stats.maximum["age"], stats.maximum[SCORE]) == (1.0, 8.0, 1.0)
    assert stats.categories == {"city": {"Lyon": 3, "Paris": 3}, PREDICTION: {"0": 4, "1": 5}}
    assert store.histogram(reference, {"age": [0.0, 4.0, 8.0]}) == {"age": [3, 5]}

    sample = store.sample(reference, features, 100)
    assert list(sample.columns) == [*PREDICTION_COLUMNS, "age", "city"]
    assert list(sample["prediction_id"]) == [str(i) for i in range(9)]  # the file's order
    assert sample["timestamp"].isna().all() and list(sample["prediction"][:2]) == ["1", "0"]
    labeled = store.sample(reference, features, 100, matured_before_ms=0)
    assert list(labeled["label"]) == ["1", "0", "1", "0", "1", "0"]
    assert list(labeled.columns) == [*PREDICTION_COLUMNS, "age", "city", *LABEL_COLUMNS]
    assert len(store.sample(reference, features, 4)) == 4

    assert store.load_reference("churn", "training", reference_frame(5, shift=50.0)) == 5  # a replacement
    stats = store.window_stats(reference, features)
    assert (stats.rows, stats.minimum["age"], stats.maximum["age"]) == (5, 51.0, 54.0)
    assert store.window_stats(WindowSpec("churn", reference_id="other"), features).rows == 4
    assert store.window_stats(WindowSpec("fraud", reference_id="training"), features).rows == 0


def test_a_reference_load_is_read_whole_or_not_at_all(store: Store) -> None:
    assert isinstance(store, SqlStore)
    reference = WindowSpec("churn", reference_id="training")
    store.load_reference("churn", "training", reference_frame(6))
    # Rows of a load that failed before its end (no entry in reference_sets) are never read.
    stray = reference_columns("churn", "training", 2**62, reference_frame(3, shift=500.0))
    store._insert(schema.REFERENCE_ROWS, schema.REFERENCE_COLUMNS, stray)
    assert store.window_stats(reference, FeatureSelection(["age"])).maximum == {"age": 5.0}
    assert store.load_reference("churn", "training", reference_frame(0)) == 0  # an empty set replaces too
    assert store.window_stats(reference, FeatureSelection(["age"])).rows == 0
    store.load_reference("churn", "training", reference_frame(2, shift=10.0))  # above the stray version
    assert list(store.sample(reference, FeatureSelection(["age"]), 10)["age"].fillna(-1.0)) == [-1.0, 11.0]


@pytest.mark.integration
def test_window_summaries_of_200k_rows_take_about_a_second_on_the_server(clickhouse_url: str) -> None:
    size, names, categories = 200_000, [f"n{j}" for j in range(20)], [f"c{j}" for j in range(5)]
    rng = np.random.default_rng(3)
    values = rng.normal(size=(size, 20)).round(3)
    values[rng.random(size=(size, 20)) < 0.01] = np.nan
    classes = rng.integers(0, 8, size=(size, 5))
    rows = [
        prediction(
            f"id{i}",
            T0 + i,
            numerical={
                n: None if math.isnan(v) else v for n, v in zip(names, values[i].tolist(), strict=True)
            },
            categorical={c: f"v{k}" for c, k in zip(categories, classes[i].tolist(), strict=True)},
        )
        for i in range(size)
    ]
    store = open_store(clickhouse_url)
    try:
        store.ensure_schema()
        for first in range(0, size, 50_000):
            store.write(WriteBatch(predictions=rows[first : first + 50_000], received_ms=T0))
        window = WindowSpec("churn", T0, T0 + size)
        edges: dict[str, Sequence[float]] = {n: list(np.linspace(-3.0, 3.0, 11)) for n in names}
        started = time.perf_counter()
        stats = store.window_stats(window, FeatureSelection(names, [*categories, PREDICTION]))
        summarised = time.perf_counter()
        counts = store.histogram(window, edges)
        finished = time.perf_counter()
    finally:
        store.close()
    print(
        f"\n{size} rows, 20 numerical + 5 categorical features on ClickHouse 18.16:"
        f" window_stats {summarised - started:.2f} s, histogram (20 x 10 bins) {finished - summarised:.2f} s"
    )
    assert stats.rows == size and stats.nulls["n0"] == int(np.isnan(values[:, 0]).sum())
    assert counts["n7"] == np.histogram(values[:, 7][~np.isnan(values[:, 7])], bins=edges["n7"])[0].tolist()
    assert finished - started < 4.0  # measured about 1-1.5 s on 2 shared cores


# Window reads skip FINAL when the window holds no duplicate prediction ids (sql.unique_window_sql).
DUPLICATE_EDGES: dict[str, Sequence[float]] = {"age": [0.0, 20.0, 40.0, 60.0], SCORE: [0.0, 0.5, 1.0]}


def window_reads(store: Store) -> tuple[WindowStats, dict[str, list[int]], pd.DataFrame, pd.DataFrame]:
    """Everything a job reads from ``WINDOW``: stats, histogram, sample and labeled sample."""
    return (
        store.window_stats(WINDOW, FEATURES),
        store.histogram(WINDOW, DUPLICATE_EDGES),
        store.sample(WINDOW, FEATURES, 100),
        store.sample(WINDOW, FEATURES, 100, matured_before_ms=T0 + MINUTE),
    )


def needs_final(store: Store, window: WindowSpec = WINDOW) -> bool:
    assert isinstance(store, SqlStore)
    return store._needs_final(window)


def assert_same_reads(
    got: tuple[WindowStats, dict[str, list[int]], pd.DataFrame, pd.DataFrame],
    expected: tuple[WindowStats, dict[str, list[int]], pd.DataFrame, pd.DataFrame],
) -> None:
    assert got[:2] == expected[:2]
    pd.testing.assert_frame_equal(got[2], expected[2])
    pd.testing.assert_frame_equal(got[3], expected[3])


def test_a_window_with_duplicates_reads_each_prediction_once(store: Store) -> None:
    store.write(WriteBatch(predictions=three_rows(), outcomes=[outcome("p1"), outcome("p2")], received_ms=T0))
    # p2 again, later and with another age: every read sees it once, at its latest version
    store.write(
        WriteBatch(predictions=[row("p2", 2, 50.0, 5.0, categorical={"city": "Paris"})], received_ms=T0 + 1)
    )
    assert needs_final(store)
    stats, counts, sample, labeled = window_reads(store)
    assert (stats.rows, stats.maximum["age"], stats.categories["city"]) == (3, 50.0, {"Lyon": 1, "Paris": 2})
    assert counts == {"age": [1, 0, 1], SCORE: [1, 1]}
    assert ids(sample) == ["p1", "p2", "p3"] and list(sample["age"].fillna(-1.0)) == [10.0, 50.0, -1.0]
    assert ids(labeled) == ["p1", "p2"] and list(labeled["age"]) == [10.0, 50.0]


def test_a_newer_version_outside_the_window_takes_the_row_out_of_it(store: Store) -> None:
    # Not a duplicate inside the time range, but FINAL replaces the old version: the check must see it.
    store.write(WriteBatch(predictions=three_rows(), received_ms=T0))
    store.write(WriteBatch(predictions=[row("p3", 10 * MINUTE, 1.0, 1.0)], received_ms=T0 + 1))
    assert needs_final(store)
    assert store.window_stats(WINDOW, FEATURES).rows == 2
    assert ids(store.sample(WINDOW, FEATURES, 100)) == ["p1", "p2"]


def test_a_window_without_duplicates_reads_what_final_reads(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [*three_rows(), row("late", MINUTE, 99.0, 99.0), row("other", 5, 99.0, 99.0, model="fraud")]
    store.write(WriteBatch(predictions=rows, outcomes=[outcome("p1"), outcome("p3")], received_ms=T0))
    store.write(
        WriteBatch(predictions=[row("late", MINUTE, 98.0, 98.0)], received_ms=T0 + 1)
    )  # not in WINDOW
    assert not needs_final(store)
    fast = window_reads(store)
    monkeypatch.setattr(store, "_needs_final", lambda window: True)
    assert_same_reads(fast, window_reads(store))
    assert fast[0].rows == 3 and ids(fast[2]) == ["p1", "p2", "p3"] and ids(fast[3]) == ["p1", "p3"]


def test_a_write_forgets_that_a_window_had_no_duplicates(store: Store) -> None:
    store.write(WriteBatch(predictions=three_rows(), received_ms=T0))
    assert store.window_stats(WINDOW, FEATURES).rows == 3
    assert not needs_final(store)  # cached for the next reads of the same window
    store.write(WriteBatch(predictions=[row("p1", 1, 70.0, None)], received_ms=T0 + 1))
    stats = store.window_stats(WINDOW, FEATURES)
    assert (stats.rows, stats.maximum["age"]) == (3, 70.0)
    assert store.histogram(WINDOW, DUPLICATE_EDGES)["age"] == [0, 1, 0]
    assert ids(store.sample(WINDOW, FEATURES, 100)) == ["p1", "p2", "p3"]
    assert needs_final(store)
