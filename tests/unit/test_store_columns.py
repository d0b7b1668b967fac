"""Columnar insert data: schema order, exact values, epoch seconds, raw bytes untouched, feature layouts;
reference sets converted with ingest's conventions; the pure parts of the window SQL (exact literals,
feature picks by layout position)."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from connectors.store import schema
from connectors.store.base import PREDICTION, SCORE, FeatureSelection, ResultRow
from connectors.store.chdb import arrow_stream
from connectors.store.columns import (
    dead_letter_columns,
    epoch_second,
    outcome_columns,
    prediction_columns,
    prediction_data,
    result_columns,
)
from connectors.store.factory import chdb_path, redact_url
from connectors.store.layouts import FeatureLayout, WindowLayouts, layout_columns, layout_id, window_layouts
from connectors.store.reference import reference_columns, reference_layout
from connectors.store.sql import float_literal
from connectors.store.sql_windows import checked_edges, pick
from monitor.events import DeadLetter, Outcome, Prediction, RejectReason, SourcePosition

T0 = 1_700_000_000_123
RAW = b"\xff\x00{\xc3(not utf-8\x00"


def prediction(pid: str = "p1", **changes: Any) -> Prediction:
    values: dict[str, Any] = {
        "model": "churn",
        "model_version": "v2",
        "prediction_id": pid,
        "timestamp_ms": T0,
        "numerical": {"age": 41.5, "income": None},
        "categorical": {"city": None, "plan": "gold"},
        "prediction_label": "yes",
        "prediction_value": None,
        "score": 0.9,
        "probabilities": {"no": 0.1, "yes": 0.9},
        "segment": {"region": "eu", "tier": "a"},
        "campaign_id": "spring",
        "campaign_arm": "control",
        "nulled_features": ("income",),
        "undeclared_features": ("extra",),
    }
    values.update(changes)
    return Prediction(**values)


def named(columns: tuple[tuple[str, str], ...], data: list[list[Any]]) -> dict[str, list[Any]]:
    assert len(data) == len(columns)
    return {name: values for (name, _), values in zip(columns, data, strict=True)}


def test_prediction_columns_follow_the_schema_order() -> None:
    data = named(schema.PREDICTION_COLUMNS, prediction_columns([prediction("p1"), prediction("p2")], 99))
    assert data["prediction_id"] == ["p1", "p2"]
    assert data["feature_layout"] == [layout_id(("age", "income"), ("city", "plan"))] * 2
    assert data["num_values"][0] == [41.5, None] and data["cat_values"][0] == [None, "gold"]
    assert (data["proba_labels"][0], data["proba_values"][0]) == (["no", "yes"], [0.1, 0.9])
    assert (data["segment_keys"][0], data["segment_values"][0]) == (["region", "tier"], ["eu", "a"])
    assert data["prediction"] == ["yes", "yes"] and data["prediction_value"] == [None, None]
    assert (data["campaign_id"][0], data["campaign_arm"][0], data["score"][0]) == ("spring", "control", 0.9)
    assert (data["nulled_features"][0], data["undeclared_features"][0]) == (["income"], ["extra"])
    assert data["timestamp_ms"] == [T0, T0] and data["received_ms"] == [99, 99]
    assert data["event_time"][0] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC).timestamp()


def test_prediction_layouts_are_registered_once_per_model_and_names() -> None:
    other = prediction("p3", numerical={"age": 1.0})
    predictions = [prediction("p1"), prediction("p2"), other, prediction("p4", model="fraud")]
    columns, layouts = prediction_data(predictions, 99)
    assert columns == prediction_columns(predictions, 99)
    churn = FeatureLayout(("age", "income"), ("city", "plan"))
    assert layouts == {
        ("churn", churn.id): churn,
        ("churn", layout_id(("age",), ("city", "plan"))): FeatureLayout(("age",), ("city", "plan")),
        ("fraud", churn.id): churn,
    }
    data = named(schema.FEATURE_LAYOUT_COLUMNS, layout_columns({("churn", churn.id): churn}, 5))
    assert data == {
        "model": ["churn"],
        "layout": [churn.id],
        "num_names": [["age", "income"]],
        "cat_names": [["city", "plan"]],
        "created_ms": [5],
    }


def test_layout_ids_are_stable_64_bit_hashes_of_the_names_in_order() -> None:
    assert layout_id(("a", "b"), ("c",)) == 0x1970_D0BE_F4A2_93AE  # pinned: stored ids must never change
    assert layout_id(("a", "b"), ("c",)) == layout_id(("a", "b"), ("c",))
    different = {layout_id(("a", "b"), ("c",)), layout_id(("b", "a"), ("c",)), layout_id(("a",), ("b", "c"))}
    assert len(different) == 3 and layout_id((), ()) != layout_id(("",), ())


def test_outcome_columns_follow_the_schema_order() -> None:
    outcome = Outcome(model="churn", prediction_id="p1", timestamp_ms=T0, label="yes", label_value=1.0)
    data = named(schema.OUTCOME_COLUMNS, outcome_columns([outcome], 7))
    assert data == {
        "model": ["churn"],
        "prediction_id": ["p1"],
        "event_time": [T0 // 1000],
        "timestamp_ms": [T0],
        "label": ["yes"],
        "label_value": [1.0],
        "received_ms": [7],
        "version": [T0],  # the event time: the later outcome of a prediction wins
    }


def test_dead_letter_columns_keep_raw_bytes_and_their_own_receive_time() -> None:
    letter = DeadLetter(SourcePosition("outcomes", 3, 1234), RAW, RejectReason.BAD_VALUE, "no", T0)
    data = named(schema.DEAD_LETTER_COLUMNS, dead_letter_columns([letter], received_ms=5))
    assert data["raw"] == [RAW] and isinstance(data["raw"][0], bytes)
    assert (data["topic"], data["partition"], data["offset"]) == (["outcomes"], [3], [1234])
    assert (data["reason"], data["detail"]) == (["bad_value"], ["no"])
    assert data["received_ms"] == [T0] and data["received_time"] == [T0 // 1000]


@pytest.mark.parametrize("build", [prediction_columns, outcome_columns, dead_letter_columns])
def test_no_rows_give_empty_columns(build: Any) -> None:
    assert all(column == [] for column in build([], 1)) and len(build([], 1)) > 5


@pytest.mark.parametrize(
    ("millis", "expected"),
    [
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1999, datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)),
        (-1, datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),  # floor, not truncation
    ],
)
def test_epoch_second_floors(millis: int, expected: datetime) -> None:
    assert epoch_second(millis) == expected.timestamp()


def test_arrow_stream_carries_bytes_nulls_and_times_exactly() -> None:
    letter = DeadLetter(SourcePosition("t", 0, 1), RAW, RejectReason.OVERSIZED, "é", T0)
    table = pa.ipc.open_stream(
        arrow_stream(schema.DEAD_LETTER_COLUMNS, dead_letter_columns([letter]))
    ).read_all()
    assert table.column("raw").to_pylist() == [RAW]
    assert table.column("detail").to_pylist() == ["é".encode()]
    assert table.column("received_time").to_pylist() == [datetime.fromtimestamp(T0 // 1000, tz=UTC)]
    predictions = pa.ipc.open_stream(
        arrow_stream(schema.PREDICTION_COLUMNS, prediction_columns([prediction()], 1))
    ).read_all()
    assert predictions.column("num_values").to_pylist() == [[41.5, None]]
    assert predictions.column("cat_values").to_pylist() == [[None, b"gold"]]
    assert predictions.column("prediction_value").to_pylist() == [None]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("clickhouse://u:pw@h:9000/db", "clickhouse://u:***@h:9000/db"),
        ("clickhouse://u:p@ss/w:rd@h/db", "clickhouse://u:***@h/db"),
        ("clickhouse://u@h/db", "clickhouse://u@h/db"),
        ("clickhouse://h:9000/db", "clickhouse://h:9000/db"),
        ("u:secret@h", "u:***@h"),
    ],
)
def test_redact_url_hides_any_password(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("url", "path"), [("chdb:///abs/dir", "/abs/dir"), ("chdb://rel", "rel"), ("chdb://rel/sub", "rel/sub")]
)
def test_chdb_path(url: str, path: str) -> None:
    assert chdb_path(url) == path


def test_result_columns_follow_the_fields_of_result_row() -> None:
    assert [name for name, _ in schema.RESULT_COLUMNS] == [f.name for f in fields(ResultRow)]
    row = ResultRow("churn", "run", 1, 2, "feature_drift", "age", "psi", 0.5, 0.2, "ok", "{}", 3)
    data = named(schema.RESULT_COLUMNS, result_columns([row, row]))
    assert data["window_end_ms"] == [2, 2] and data["details"] == ["{}", "{}"]
    assert result_columns([]) == [[] for _ in schema.RESULT_COLUMNS]


def test_reference_columns_use_the_conventions_of_ingest() -> None:
    frame = pd.DataFrame(
        {
            "age": [1.5, np.nan, np.inf],
            "visits": [1, 2, 3],
            "city": ["Paris", None, np.nan],
            "member": [True, False, True],
            "code": pd.Series([7, None, 9.0], dtype=object),
            "prediction": [1, 0, 1],
            "score": [0.25, None, 0.5],
            "label": [2.5, np.nan, 3.0],
            "timestamp": pd.to_datetime([T0, None, 0], unit="ms", utc=True),
        }
    )
    data = named(schema.REFERENCE_COLUMNS, reference_columns("churn", "train", 9, frame, first_row=5))
    assert data["row_number"] == [5, 6, 7] and data["prediction_id"] == ["5", "6", "7"]
    assert data["version"] == [9, 9, 9] and data["model_version"] == ["", "", ""]
    layout = FeatureLayout(("age", "visits"), ("city", "member", "code"))
    assert reference_layout(frame) == layout and data["feature_layout"] == [layout.id] * 3
    assert data["num_values"] == [[1.5, 1.0], [None, 2.0], [None, 3.0]]  # non-finite -> NULL
    assert data["cat_values"] == [["Paris", "true", "7"], [None, "false", None], [None, "true", "9"]]
    assert (data["prediction"], data["prediction_value"]) == (["1", "0", "1"], [1.0, 0.0, 1.0])
    assert (data["label"], data["label_value"]) == (["2.5", None, "3"], [2.5, None, 3.0])
    assert data["score"] == [0.25, None, 0.5] and data["timestamp_ms"] == [T0, None, 0]
    assert data["campaign_id"] == [None, None, None]


def test_reference_columns_keep_given_ids_and_refuse_unusable_names() -> None:
    frame = pd.DataFrame({"prediction_id": [11, 12], "timestamp": [T0, T0 + 1], "label": ["a", "b"]})
    data = named(schema.REFERENCE_COLUMNS, reference_columns("m", "r", 1, frame))
    assert data["prediction_id"] == ["11", "12"] and data["timestamp_ms"] == [T0, T0 + 1]
    assert (data["label"], data["label_value"]) == (["a", "b"], [None, None])
    assert data["prediction"] == [None, None] and data["feature_layout"] == [layout_id((), ())] * 2
    with pytest.raises(ValueError):
        reference_columns("m", "r", 1, pd.DataFrame({"Unnamed: 0": [1]}))


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (0.1, "0.1"),
        (-2.0, "-2.0"),
        (1e300, "1e+300"),
        (5e-324, "reinterpretAsFloat64(unhex('0100000000000000'))"),
    ],
)
def test_float_literal_is_exact(value: float, literal: str) -> None:
    assert float_literal(value) == literal


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_float_literal_refuses_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError):
        float_literal(value)


ONE_LAYOUT = WindowLayouts({7: FeatureLayout(("income", "age"), ("plan", "city"))})


def test_window_features_map_pseudo_features_and_refuse_bad_selections() -> None:
    numerical, categorical = pick(FeatureSelection(["age", SCORE], ["city", PREDICTION]), ONE_LAYOUT)
    assert [(p.name, p.expression, p.alias) for p in numerical + categorical] == [
        ("age", "num_values[2]", "_f0"),
        (SCORE, "score", "_f1"),
        ("city", "cat_values[2]", "_f2"),
        (PREDICTION, "prediction", "_f3"),
    ]
    assert pick(FeatureSelection([PREDICTION]), ONE_LAYOUT)[0][0].expression == "prediction_value"
    for bad in (FeatureSelection(["a"], ["a"]), FeatureSelection([], [SCORE]), FeatureSelection(["x'"])):
        with pytest.raises(ValueError):
            pick(bad, ONE_LAYOUT)
    assert checked_edges("x", (0, 1, 1, 2)) == [0.0, 1.0, 1.0, 2.0]


def test_features_are_picked_by_position_in_each_layout_of_the_window() -> None:
    # Absent everywhere, or no rows at all: a typed NULL.
    assert ONE_LAYOUT.numerical_value("plan") == "CAST(NULL AS Nullable(Float64))"
    assert WindowLayouts({}).categorical_value("plan") == "CAST(NULL AS Nullable(String))"
    two = WindowLayouts({9: FeatureLayout(("age",), ()), 7: FeatureLayout(("income", "age"), ())})
    assert two.numerical_value("age") == "num_values[transform(feature_layout, [7, 9], [2, 1], 0)]"
    assert two.numerical_value("income") == "num_values[transform(feature_layout, [7, 9], [1, 0], 0)]"
    same = WindowLayouts({1: FeatureLayout(("age", "x"), ()), 2: FeatureLayout(("age",), ())})
    assert same.numerical_value("age") == "num_values[1]"


def test_a_window_layout_that_was_never_registered_fails_loudly() -> None:
    known = {7: FeatureLayout(("a",), ())}
    assert window_layouts([7], known, "m").by_id == known
    with pytest.raises(LookupError, match="8"):
        window_layouts([7, 8], known, "m")
