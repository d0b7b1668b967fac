"""Columnar insert data: schema order, exact values, UTC seconds, raw bytes untouched."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from connectors.store import schema
from connectors.store.chdb import arrow_stream
from connectors.store.columns import (
    dead_letter_columns,
    outcome_columns,
    prediction_columns,
    utc_second,
)
from connectors.store.factory import chdb_path, redact_url
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
    assert data["num_names"][0] == ["age", "income"] and data["num_values"][0] == [41.5, None]
    assert data["cat_names"][0] == ["city", "plan"] and data["cat_values"][0] == [None, "gold"]
    assert (data["proba_labels"][0], data["proba_values"][0]) == (["no", "yes"], [0.1, 0.9])
    assert (data["segment_keys"][0], data["segment_values"][0]) == (["region", "tier"], ["eu", "a"])
    assert data["prediction"] == ["yes", "yes"] and data["prediction_value"] == [None, None]
    assert (data["campaign_id"][0], data["campaign_arm"][0], data["score"][0]) == ("spring", "control", 0.9)
    assert (data["nulled_features"][0], data["undeclared_features"][0]) == (["income"], ["extra"])
    assert data["timestamp_ms"] == [T0, T0] and data["received_ms"] == [99, 99]
    assert data["event_time"][0] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_outcome_columns_follow_the_schema_order() -> None:
    outcome = Outcome(model="churn", prediction_id="p1", timestamp_ms=T0, label="yes", label_value=1.0)
    data = named(schema.OUTCOME_COLUMNS, outcome_columns([outcome], 7))
    assert data == {
        "model": ["churn"],
        "prediction_id": ["p1"],
        "event_time": [utc_second(T0)],
        "timestamp_ms": [T0],
        "label": ["yes"],
        "label_value": [1.0],
        "received_ms": [7],
    }


def test_dead_letter_columns_keep_raw_bytes_and_their_own_receive_time() -> None:
    letter = DeadLetter(SourcePosition("outcomes", 3, 1234), RAW, RejectReason.BAD_VALUE, "no", T0)
    data = named(schema.DEAD_LETTER_COLUMNS, dead_letter_columns([letter], received_ms=5))
    assert data["raw"] == [RAW] and isinstance(data["raw"][0], bytes)
    assert (data["topic"], data["partition"], data["offset"]) == (["outcomes"], [3], [1234])
    assert (data["reason"], data["detail"]) == (["bad_value"], ["no"])
    assert data["received_ms"] == [T0] and data["received_time"] == [utc_second(T0)]


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
def test_utc_second_floors_to_an_aware_utc_second(millis: int, expected: datetime) -> None:
    assert utc_second(millis) == expected and utc_second(millis).tzinfo is UTC


def test_arrow_stream_carries_bytes_nulls_and_times_exactly() -> None:
    letter = DeadLetter(SourcePosition("t", 0, 1), RAW, RejectReason.OVERSIZED, "é", T0)
    table = pa.ipc.open_stream(
        arrow_stream(schema.DEAD_LETTER_COLUMNS, dead_letter_columns([letter]))
    ).read_all()
    assert table.column("raw").to_pylist() == [RAW]
    assert table.column("detail").to_pylist() == ["é".encode()]
    assert table.column("received_time").to_pylist() == [utc_second(T0)]
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
