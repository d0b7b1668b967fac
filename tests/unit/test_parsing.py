"""Parsing raw Kafka messages into records: a table of rejects, good inputs, and property tests."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config_model import Ingest, ModelSpec
from monitor.events import InvalidMessage, Outcome, Prediction, RejectReason
from monitor.parsing import MAX_UNDECLARED, ParseLimits, parse_outcome, parse_prediction

R = RejectReason
NOW = 1_714_564_800_000  # 2024-05-01T12:00:00Z
DAY_MS = 86_400_000
LIMITS = ParseLimits(max_message_bytes=4096, max_future_ms=DAY_MS)
MODELS = {
    "churn": ModelSpec.model_validate(
        {
            "team": "growth",
            "task": "classification",
            "features": {"numerical": ["tenure", "charges", "age"], "categorical": ["plan", "region"]},
        }
    ),
    "ltv": ModelSpec.model_validate(
        {"team": "growth", "task": "regression", "features": {"numerical": ["spend"]}}
    ),
}
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def prediction(**changes: Any) -> dict[str, Any]:
    """A valid churn prediction event; a change to ``...`` (Ellipsis) removes the field."""
    event: dict[str, Any] = {
        "model": "churn",
        "model_version": "2024.05.1",
        "prediction_id": "p-1",
        "timestamp": "2024-05-01T11:00:00Z",
        "features": {"tenure": 12, "charges": 70.5, "age": 41, "plan": "basic", "region": "eu"},
        "prediction": "churn",
        "score": 0.8,
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not ...}


def outcome(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "model": "churn",
        "prediction_id": "p-1",
        "timestamp": "2024-05-01T11:30:00Z",
        "label": "churn",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not ...}


def raw(event: Any) -> bytes:
    return json.dumps(event).encode("utf-8")


def parse(event: Any) -> Prediction:
    return parse_prediction(raw(event), MODELS, NOW, LIMITS)


def features(**values: Any) -> dict[str, Any]:
    return {"tenure": 1, **values}


# --- rejects ---------------------------------------------------------------------------------------------

PREDICTION_REJECTS = [
    # (raw message, expected reason, a fragment of the detail)
    pytest.param(raw(prediction(pad="x" * 5000)), R.OVERSIZED, "bytes; the limit is 4096", id="oversized"),
    pytest.param(b"\xff" * 5000, R.OVERSIZED, "5000 bytes", id="oversized-checked-before-decoding"),
    pytest.param(b"", R.MALFORMED_JSON, "empty message", id="empty"),
    pytest.param(
        b'{"model": "churn\xff"}', R.MALFORMED_JSON, "not valid UTF-8 at byte 16", id="invalid-utf8"
    ),
    pytest.param(b'{"model": "churn"', R.MALFORMED_JSON, "not valid JSON", id="truncated-json"),
    pytest.param(raw(prediction()) + b" x", R.MALFORMED_JSON, "Extra data", id="trailing-garbage"),
    pytest.param(b"{'model': 'churn'}", R.MALFORMED_JSON, "not valid JSON", id="single-quotes"),
    pytest.param(b"[1, 2]", R.NOT_AN_OBJECT, "not an array", id="json-array"),
    pytest.param(b"null", R.NOT_AN_OBJECT, "not null", id="json-null"),
    pytest.param(b'"churn"', R.NOT_AN_OBJECT, "not a string", id="json-string"),
    pytest.param(b"42", R.NOT_AN_OBJECT, "not a number", id="json-number"),
    pytest.param(raw(prediction(model=...)), R.MISSING_FIELD, "'model' is missing", id="missing-model"),
    pytest.param(
        raw(prediction(model_version=...)), R.MISSING_FIELD, "'model_version'", id="missing-version"
    ),
    pytest.param(raw(prediction(prediction_id=...)), R.MISSING_FIELD, "'prediction_id'", id="missing-id"),
    pytest.param(raw(prediction(timestamp=...)), R.MISSING_FIELD, "'timestamp'", id="missing-timestamp"),
    pytest.param(raw(prediction(features=...)), R.MISSING_FIELD, "'features'", id="missing-features"),
    pytest.param(raw(prediction(prediction=...)), R.MISSING_FIELD, "'prediction'", id="missing-prediction"),
    pytest.param(
        raw(prediction(prediction_id=None)), R.MISSING_FIELD, "'prediction_id' is null", id="null-id"
    ),
    pytest.param(
        raw(prediction(model=7)), R.WRONG_TYPE, "model must be a string, not a number", id="model-int"
    ),
    pytest.param(
        raw(prediction(model="fraud")), R.UNKNOWN_MODEL, "'fraud' is not in the config", id="unknown"
    ),
    pytest.param(raw(prediction(model="Churn")), R.UNKNOWN_MODEL, "known: churn, ltv", id="unknown-case"),
    pytest.param(raw(prediction(model_version=1.1)), R.WRONG_TYPE, "send it as a string", id="version-float"),
    pytest.param(raw(prediction(prediction_id=True)), R.WRONG_TYPE, "not a boolean", id="id-bool"),
    pytest.param(raw(prediction(prediction_id=[1])), R.WRONG_TYPE, "not an array", id="id-array"),
    pytest.param(raw(prediction(prediction_id="")), R.BAD_VALUE, "prediction_id is an empty", id="id-empty"),
    pytest.param(raw(prediction(prediction_id="x" * 300)), R.BAD_VALUE, "300 characters", id="id-too-long"),
    pytest.param(
        raw(prediction(features=[1, 2])), R.WRONG_TYPE, "features must be an object", id="features-list"
    ),
    pytest.param(raw(prediction(timestamp=True)), R.BAD_TIMESTAMP, "not a boolean", id="timestamp-bool"),
    pytest.param(raw(prediction(timestamp={})), R.BAD_TIMESTAMP, "not an object", id="timestamp-object"),
    pytest.param(
        raw(prediction(timestamp=10**400)), R.BAD_TIMESTAMP, "far out of range", id="timestamp-huge-int"
    ),
    pytest.param(
        raw(prediction(timestamp=1_714_561_200)),
        R.BAD_TIMESTAMP,
        "looks like epoch seconds",
        id="epoch-seconds",
    ),
    pytest.param(
        raw(prediction(timestamp=1_714_561_200.5)), R.BAD_TIMESTAMP, "epoch seconds", id="epoch-seconds-float"
    ),
    pytest.param(
        raw(prediction(timestamp=1_714_561_200_000_000)),
        R.BAD_TIMESTAMP,
        "epoch microseconds",
        id="epoch-micros",
    ),
    pytest.param(raw(prediction(timestamp=0)), R.BAD_TIMESTAMP, "not between 2001 and 2200", id="epoch-zero"),
    pytest.param(raw(prediction(timestamp=-5)), R.BAD_TIMESTAMP, "is negative", id="epoch-negative"),
    pytest.param(raw(prediction(timestamp=math.nan)), R.BAD_TIMESTAMP, "NaN is not a finite", id="epoch-nan"),
    pytest.param(raw(prediction(timestamp=math.inf)), R.BAD_TIMESTAMP, "Infinity", id="epoch-infinity"),
    pytest.param(
        raw(prediction(timestamp="1970-01-01T00:00:00Z")),
        R.BAD_TIMESTAMP,
        "between 2001 and 2200",
        id="year-1970",
    ),
    pytest.param(raw(prediction(timestamp="2000-12-31T23:59:59Z")), R.BAD_TIMESTAMP, "2001", id="year-2000"),
    pytest.param(raw(prediction(timestamp="2201-01-01T00:00:00Z")), R.BAD_TIMESTAMP, "2200", id="year-2201"),
    pytest.param(
        raw(prediction(timestamp="yesterday")), R.BAD_TIMESTAMP, "'yesterday' is not ISO", id="not-iso"
    ),
    pytest.param(raw(prediction(timestamp="2024-02-30T00:00:00Z")), R.BAD_TIMESTAMP, "ISO-8601", id="feb-30"),
    pytest.param(raw(prediction(timestamp="1714561200000")), R.BAD_TIMESTAMP, "ISO-8601", id="epoch-as-text"),
    pytest.param(
        raw(prediction(timestamp="2024-05-11T12:00:00Z")),
        R.FUTURE_TIMESTAMP,
        "2024-05-11T12:00:00Z is 10.0 days ahead of now (limit 1.0 days)",
        id="10-days-future",
    ),
    pytest.param(
        raw(prediction(timestamp=NOW + DAY_MS + 1)), R.FUTURE_TIMESTAMP, "ahead", id="just-past-limit"
    ),
    pytest.param(
        raw(prediction(prediction=[1])), R.WRONG_TYPE, "prediction must be a string", id="prediction-list"
    ),
    pytest.param(raw(prediction(prediction=0.7)), R.BAD_VALUE, "scores go in score", id="class-fraction"),
    pytest.param(
        raw(prediction(prediction="")), R.BAD_VALUE, "prediction is an empty string", id="class-empty"
    ),
    pytest.param(raw(prediction(score="high")), R.WRONG_TYPE, "score must be a number", id="score-string"),
    pytest.param(raw(prediction(score=True)), R.WRONG_TYPE, "score must be a number", id="score-bool"),
    pytest.param(raw(prediction(score=math.nan)), R.BAD_VALUE, "score is NaN", id="score-nan"),
    pytest.param(raw(prediction(score=-math.inf)), R.BAD_VALUE, "-Infinity", id="score-infinity"),
    pytest.param(
        raw(prediction(probabilities=[0.2])), R.WRONG_TYPE, "probabilities must be", id="proba-list"
    ),
    pytest.param(
        raw(prediction(probabilities={"churn": "0.8"})),
        R.WRONG_TYPE,
        "probabilities['churn']",
        id="proba-text",
    ),
    pytest.param(
        raw(prediction(probabilities={"churn": 1.5})), R.BAD_VALUE, "between 0 and 1", id="proba-1.5"
    ),
    pytest.param(raw(prediction(probabilities={"a": math.nan})), R.BAD_VALUE, "NaN", id="proba-nan"),
    pytest.param(raw(prediction(probabilities={"": 0.5})), R.BAD_VALUE, "empty", id="proba-empty-label"),
    pytest.param(raw(prediction(segment="eu")), R.WRONG_TYPE, "segment must be an object", id="segment-text"),
    pytest.param(
        raw(prediction(segment={"tier": 3})), R.WRONG_TYPE, "segment['tier'] must be", id="segment-int"
    ),
    pytest.param(
        raw(prediction(segment={"tier": ""})), R.BAD_VALUE, "segment['tier'] is an empty", id="seg-empty"
    ),
    pytest.param(
        raw(prediction(campaign="c1")), R.WRONG_TYPE, "campaign must be an object", id="campaign-text"
    ),
    pytest.param(
        raw(prediction(campaign={"arm": "control"})), R.MISSING_FIELD, "'campaign.id'", id="campaign-no-id"
    ),
    pytest.param(
        raw(prediction(campaign={"id": "c1"})), R.MISSING_FIELD, "'campaign.arm'", id="campaign-no-arm"
    ),
    pytest.param(
        raw(prediction(campaign={"id": "c1", "arm": "holdout"})),
        R.BAD_VALUE,
        "campaign.arm is 'holdout'; it must be 'treatment' or 'control'",
        id="campaign-arm",
    ),
    pytest.param(raw(prediction(campaign={"id": "c", "arm": ["x"]})), R.BAD_VALUE, "an array", id="arm-list"),
    pytest.param(
        raw(prediction(model="ltv", features={"spend": 1}, prediction="high")),
        R.WRONG_TYPE,
        "prediction must be a number",
        id="regression-text",
    ),
    pytest.param(
        raw(prediction(model="ltv", features={"spend": 1}, prediction=math.nan)),
        R.BAD_VALUE,
        "prediction is NaN",
        id="regression-nan",
    ),
    pytest.param(
        raw(prediction(model="ltv", features={"spend": 1}, prediction=False)),
        R.WRONG_TYPE,
        "not a boolean",
        id="regression-bool",
    ),
    pytest.param(
        b'{"model": "churn", "model_version": "1", "prediction_id": "\\ud800", "timestamp": 1714564800000, '
        b'"features": {}, "prediction": "a"}',
        R.BAD_VALUE,
        "unpaired UTF-16 surrogate",
        id="lone-surrogate",
    ),
]


@pytest.mark.parametrize(("message", "reason", "detail"), PREDICTION_REJECTS)
def test_prediction_reject(message: bytes, reason: RejectReason, detail: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        parse_prediction(message, MODELS, NOW, LIMITS)
    assert caught.value.reason is reason, caught.value.detail
    assert detail in caught.value.detail
    assert str(caught.value) == f"{reason.value}: {caught.value.detail}"


OUTCOME_REJECTS = [
    pytest.param(raw(outcome(label=...)), R.MISSING_FIELD, "'label' is missing", id="missing-label"),
    pytest.param(raw(outcome(prediction_id=...)), R.MISSING_FIELD, "'prediction_id'", id="missing-id"),
    pytest.param(raw(outcome(model="fraud")), R.UNKNOWN_MODEL, "'fraud'", id="unknown-model"),
    pytest.param(raw(outcome(label={"a": 1})), R.WRONG_TYPE, "label must be a string", id="label-object"),
    pytest.param(
        raw(outcome(model="ltv", label="big")), R.WRONG_TYPE, "label must be a number", id="ltv-text"
    ),
    pytest.param(raw(outcome(timestamp=1_714_561_200)), R.BAD_TIMESTAMP, "epoch seconds", id="epoch-seconds"),
    pytest.param(raw(outcome(timestamp=NOW + 10 * DAY_MS)), R.FUTURE_TIMESTAMP, "10.0 days", id="future"),
    pytest.param(b"[]", R.NOT_AN_OBJECT, "not an array", id="array"),
]


@pytest.mark.parametrize(("message", "reason", "detail"), OUTCOME_REJECTS)
def test_outcome_reject(message: bytes, reason: RejectReason, detail: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        parse_outcome(message, MODELS, NOW, LIMITS)
    assert caught.value.reason is reason, caught.value.detail
    assert detail in caught.value.detail


def test_every_reason_has_a_case() -> None:
    covered = {case.values[1] for case in PREDICTION_REJECTS + OUTCOME_REJECTS}
    assert covered == set(RejectReason)


@pytest.mark.parametrize(
    "event",
    [
        prediction(model="m" * 3000),
        prediction(timestamp="2024-05-01T" + "9" * 3000),
        prediction(prediction_id=["x" * 3000]),
        prediction(campaign={"id": "c", "arm": "z" * 3000}),
        prediction(probabilities={"k" * 3000: 2.0}),
    ],
    ids=["model", "timestamp", "id", "arm", "proba-label"],
)
def test_details_never_echo_large_input(event: dict[str, Any]) -> None:
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=DAY_MS)
    with pytest.raises(InvalidMessage) as caught:
        parse_prediction(raw(event), MODELS, NOW, limits)
    assert len(caught.value.detail) < 160, caught.value.detail


def test_deep_nesting_is_malformed_not_a_crash() -> None:
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=DAY_MS)
    message = b'{"features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(InvalidMessage) as caught:
        parse_prediction(message, MODELS, NOW, limits)
    assert caught.value.reason is R.MALFORMED_JSON


def test_integer_beyond_pythons_digit_limit_is_malformed() -> None:
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=DAY_MS)
    message = b'{"timestamp": ' + b"9" * 5000 + b"}"
    with pytest.raises(InvalidMessage) as caught:
        parse_prediction(message, MODELS, NOW, limits)
    assert caught.value.reason is R.MALFORMED_JSON


# --- good inputs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "expected_ms"),
    [
        ("2024-05-01T11:00:00Z", NOW - 3_600_000),
        ("2024-05-01T11:00:00.123Z", NOW - 3_600_000 + 123),
        ("2024-05-01T13:00:00+02:00", NOW - 3_600_000),
        ("2024-05-01T06:30:00-04:30", NOW - 3_600_000),
        ("2024-05-01T11:00:00", NOW - 3_600_000),  # no zone: UTC
        ("2024-05-01 11:00:00.999999", NOW - 3_600_000 + 999),  # truncated to the millisecond
        (NOW - 3_600_000, NOW - 3_600_000),
        (float(NOW - 3_600_000) + 0.9, NOW - 3_600_000),
        (NOW + DAY_MS, NOW + DAY_MS),  # exactly at the future limit
        ("2001-01-01T00:00:00Z", 978_307_200_000),
    ],
    ids=[
        "z",
        "z-millis",
        "offset",
        "negative-offset",
        "naive",
        "space-micros",
        "ms-int",
        "ms-float",
        "limit",
        "2001",
    ],
)
def test_timestamp_forms(timestamp: str | int | float, expected_ms: int) -> None:
    assert parse(prediction(timestamp=timestamp)).timestamp_ms == expected_ms


def test_full_prediction() -> None:
    event = prediction(
        prediction_id=42,
        model_version=3,
        probabilities={"churn": 0.8, "stay": 0.2},
        segment={"country": "DE"},
        campaign={"id": "winback-may", "arm": "treatment"},
        trace_id="ignored",
    )
    assert parse(event) == Prediction(
        model="churn",
        model_version="3",
        prediction_id="42",
        timestamp_ms=NOW - 3_600_000,
        numerical={"tenure": 12.0, "charges": 70.5, "age": 41.0},
        categorical={"plan": "basic", "region": "eu"},
        prediction_label="churn",
        prediction_value=None,
        score=0.8,
        probabilities={"churn": 0.8, "stay": 0.2},
        segment={"country": "DE"},
        campaign_id="winback-may",
        campaign_arm="treatment",
    )


def test_optional_fields_may_be_null_or_absent() -> None:
    parsed = parse(prediction(score=None, probabilities=None, segment=None, campaign=None))
    assert (parsed.score, parsed.probabilities, parsed.segment, parsed.campaign_id) == (None, {}, {}, None)
    assert parse(prediction(score=...)).score is None


def test_unusable_numerical_values_are_nulled_and_counted() -> None:
    message = (
        b'{"model": "churn", "model_version": "1", "prediction_id": "p", "timestamp": 1714564800000, '
        b'"prediction": "stay", "features": {"tenure": NaN, "charges": Infinity, "age": -Infinity}}'
    )
    parsed = parse_prediction(message, MODELS, NOW, LIMITS)
    assert parsed.numerical == {"tenure": None, "charges": None, "age": None}
    assert parsed.nulled_features == ("tenure", "charges", "age")


@pytest.mark.parametrize(
    "value",
    ["3.5", True, [1.0], {"v": 1}, 10**400],
    ids=["numeric-text", "bool", "list", "object", "huge-int"],
)
def test_non_number_for_numerical_feature_is_nulled(value: Any) -> None:
    parsed = parse(prediction(features=features(charges=value)))
    assert parsed.numerical["charges"] is None
    assert parsed.nulled_features == ("charges",)


def test_missing_and_null_features_are_none_but_not_counted() -> None:
    parsed = parse(prediction(features={"tenure": None, "plan": None}))
    assert parsed.numerical == {"tenure": None, "charges": None, "age": None}
    assert parsed.categorical == {"plan": None, "region": None}
    assert parsed.nulled_features == ()
    assert parsed.undeclared_features == ()


def test_columns_follow_declaration_order() -> None:
    parsed = parse(prediction(features={"region": "us", "age": 3, "plan": "pro", "tenure": 1}))
    assert list(parsed.numerical) == ["tenure", "charges", "age"]
    assert list(parsed.categorical) == ["plan", "region"]


@pytest.mark.parametrize(
    ("value", "expected", "nulled"),
    [
        ("pro", "pro", ()),
        (3, "3", ()),
        (True, "true", ()),
        (False, "false", ()),
        (2.5, None, ("plan",)),
        ("p" * 300, None, ("plan",)),
        ([1], None, ("plan",)),
        (None, None, ()),
    ],
    ids=["text", "int", "true", "false", "float", "too-long", "list", "null"],
)
def test_categorical_values(value: Any, expected: str | None, nulled: tuple[str, ...]) -> None:
    parsed = parse(prediction(features=features(plan=value)))
    assert parsed.categorical["plan"] == expected
    assert parsed.nulled_features == nulled


def test_undeclared_features_are_counted_sorted_and_capped() -> None:
    extra = {f"x{i:03d}": i for i in range(MAX_UNDECLARED + 10)}
    parsed = parse(prediction(features=features(zeta=1, alpha="a", **extra)))
    assert len(parsed.undeclared_features) == MAX_UNDECLARED
    assert parsed.undeclared_features[:2] == ("alpha", "x000")
    assert "tenure" not in parsed.undeclared_features
    assert parse(prediction(features=features(**{"n" * 100: 1}))).undeclared_features == ("n" * 64 + "...",)


@pytest.mark.parametrize(
    ("value", "label", "number"),
    [("churn", "churn", None), (1, "1", 1.0), (1.0, "1", 1.0), (True, "true", 1.0), (False, "false", 0.0)],
    ids=["text", "int", "integral-float", "true", "false"],
)
def test_classification_prediction(value: Any, label: str, number: float | None) -> None:
    parsed = parse(prediction(prediction=value))
    assert (parsed.prediction_label, parsed.prediction_value) == (label, number)


@pytest.mark.parametrize(("value", "label"), [(12.5, "12.5"), (3, "3.0"), (-0.25, "-0.25")])
def test_regression_prediction(value: float, label: str) -> None:
    parsed = parse(prediction(model="ltv", features={"spend": "9"}, prediction=value))
    assert (parsed.prediction_label, parsed.prediction_value) == (label, float(value))
    assert parsed.numerical == {"spend": None}
    assert parsed.nulled_features == ("spend",)


def test_campaign_control_arm() -> None:
    parsed = parse(prediction(campaign={"id": 7, "arm": "control"}))
    assert (parsed.campaign_id, parsed.campaign_arm) == ("7", "control")


def test_astral_characters_are_kept() -> None:
    # json.dumps escapes them as surrogate pairs (\ud83d\ude00): valid, unlike a lone surrogate.
    assert parse(prediction(prediction_id="p-\U0001f600")).prediction_id == "p-\U0001f600"


def test_outcomes() -> None:
    assert parse_outcome(raw(outcome()), MODELS, NOW, LIMITS) == Outcome(
        model="churn", prediction_id="p-1", timestamp_ms=NOW - 1_800_000, label="churn", label_value=None
    )
    parsed = parse_outcome(raw(outcome(label=True, prediction_id=9)), MODELS, NOW, LIMITS)
    assert (parsed.prediction_id, parsed.label, parsed.label_value) == ("9", "true", 1.0)
    parsed = parse_outcome(raw(outcome(model="ltv", label=120)), MODELS, NOW, LIMITS)
    assert (parsed.label, parsed.label_value) == ("120.0", 120.0)


def test_limits_from_config() -> None:
    ingest = Ingest.model_validate({"max_message_bytes": 2048, "max_future_seconds": 60})
    assert ParseLimits.from_config(ingest) == ParseLimits(max_message_bytes=2048, max_future_ms=60_000)


# --- properties ------------------------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FEATURE_NAMES = ["tenure", "charges", "age", "plan", "region", "spend", "other"]
# For each field, values of any shape, biased towards the shapes its checks look into.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "model": st.sampled_from(["churn", "ltv", "nope"]) | JSON_SCALARS,
    "model_version": JSON_VALUES,
    "prediction_id": JSON_VALUES,
    "timestamp": st.integers(0, 10**16) | st.floats() | st.text(max_size=30) | JSON_VALUES,
    "features": st.dictionaries(
        st.sampled_from(FEATURE_NAMES) | st.text(max_size=5), JSON_VALUES, max_size=6
    ),
    "prediction": JSON_VALUES,
    "label": JSON_VALUES,
    "score": JSON_VALUES,
    "probabilities": st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3) | JSON_VALUES,
    "segment": st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3) | JSON_VALUES,
    "campaign": st.fixed_dictionaries({}, optional={"id": JSON_VALUES, "arm": JSON_VALUES}) | JSON_VALUES,
}


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event (for either parser) with up to three fields replaced by anything, or removed.

    Mutating a valid event gets past the first checks, so every field's own checks are exercised.
    """
    campaign = {"id": "c", "arm": "control"}
    event = prediction(label="churn", probabilities={"churn": 0.5}, segment={"k": "v"}, campaign=campaign)
    if draw(st.booleans()):
        event.update(model="ltv", prediction=3.5, label=2)
    for name in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=3, unique=True)):
        if draw(st.booleans()):
            event[name] = draw(FIELD_VALUES[name])
        else:
            event.pop(name, None)
    return event


def parses_or_rejects(message: bytes) -> None:
    for parser in (parse_prediction, parse_outcome):
        try:
            parser(message, MODELS, NOW, LIMITS)
        except InvalidMessage as exc:
            assert isinstance(exc.reason, RejectReason)
            assert 0 < len(exc.detail) < 200
            hypothesis.event(f"{parser.__name__}: {exc.reason.value}")
        else:
            hypothesis.event(f"{parser.__name__}: parsed")


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_are_rejected(message: bytes) -> None:
    parses_or_rejects(message)


@PROPERTY_SETTINGS
@given(JSON_VALUES)
def test_arbitrary_json_parses_or_is_rejected(value: Any) -> None:
    parses_or_rejects(json.dumps(value).encode("utf-8"))


@PROPERTY_SETTINGS
@given(mutated_events())
def test_mutated_events_parse_or_are_rejected(value: dict[str, Any]) -> None:
    parses_or_rejects(json.dumps(value).encode("utf-8"))


TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
MIN_MS, MAX_MS = 978_307_200_000, NOW + DAY_MS


@st.composite
def valid_events(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A valid churn prediction (as JSON data) and its timestamp in epoch milliseconds."""
    ms = draw(st.integers(MIN_MS, MAX_MS))
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    zone = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
    iso = moment.astimezone(zone).isoformat(timespec="milliseconds")
    declared = {
        "tenure": draw(st.none() | FINITE | st.integers(-(10**15), 10**15)),
        "charges": draw(FINITE),
        "plan": draw(st.none() | TEXT),
    }
    event = {
        "model": "churn",
        "model_version": draw(TEXT),
        "prediction_id": draw(TEXT | st.integers()),
        "timestamp": draw(st.sampled_from([ms, iso, float(ms)])),
        "features": {**declared, **draw(st.dictionaries(TEXT.filter(lambda n: n not in declared), FINITE))},
        "prediction": draw(TEXT | st.integers(-1000, 1000) | st.booleans()),
    }
    return event, ms


@PROPERTY_SETTINGS
@given(valid_events())
def test_valid_events_round_trip(generated: tuple[dict[str, Any], int]) -> None:
    event, ms = generated
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=DAY_MS)
    parsed = parse_prediction(raw(event), MODELS, NOW, limits)
    assert parsed.model == "churn"
    assert parsed.prediction_id == str(event["prediction_id"])
    assert parsed.model_version == event["model_version"]
    assert parsed.timestamp_ms == ms
    tenure = event["features"]["tenure"]
    assert parsed.numerical == {
        "tenure": None if tenure is None else float(tenure),
        "charges": event["features"]["charges"],
        "age": None,
    }
    assert parsed.categorical == {"plan": event["features"]["plan"], "region": None}
    assert parsed.nulled_features == ()
    undeclared = sorted(set(event["features"]) - {"tenure", "charges", "plan"})
    assert (
        list(parsed.undeclared_features) == [n if len(n) <= 64 else n[:64] + "..." for n in undeclared][:50]
    )
