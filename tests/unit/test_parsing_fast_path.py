"""The parser's fast paths (monitor/parsing.py) change nothing: same records, same rejects, same details.

Each step of ``parse_prediction`` returns the common, well-formed case early and otherwise runs its full
checks. These tests pin the boundary cases between the two (each table entry's expectation was captured
from the parser as it was before the fast paths), check generated valid events against a plain reading
of the contract, and pin the two facts the fast paths rely on: the field order of ``Prediction`` and
orjson refusing every unpaired surrogate escape.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config_model import ModelSpec
from monitor.events import InvalidMessage, Prediction, RejectReason
from monitor.parsing import MAX_TEXT_CHARS, MAX_UNDECLARED, ParseLimits, parse_prediction

R = RejectReason
NOW = 1_714_564_800_000  # 2024-05-01T12:00:00Z
DAY_MS = 86_400_000
LIMITS = ParseLimits(max_message_bytes=4096, max_future_ms=DAY_MS)
NUMERICAL = ("tenure", "charges", "age")
CATEGORICAL = ("plan", "region")
MODELS = {
    "churn": ModelSpec.model_validate(
        {
            "team": "growth",
            "task": "classification",
            "features": {"numerical": list(NUMERICAL), "categorical": list(CATEGORICAL)},
        }
    ),
    "ltv": ModelSpec.model_validate(
        {
            "team": "growth",
            "task": "regression",
            "features": {"numerical": ["spend"], "categorical": ["channel"]},
        }
    ),
}
SURROGATE_DETAIL = (
    "a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff); it is not UTF-8 text"
)


def event(**changes: Any) -> dict[str, Any]:
    """A valid churn prediction with all-float and all-text features; ``...`` (Ellipsis) removes a field."""
    body: dict[str, Any] = {
        "model": "churn",
        "model_version": "2024.05.1",
        "prediction_id": "p-1",
        "timestamp": NOW - 3_600_000,
        "features": {"tenure": 12.5, "charges": 70.25, "age": 41.0, "plan": "basic", "region": "eu"},
        "prediction": "churn",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def raw(body: Any) -> bytes:
    return json.dumps(body).encode("utf-8")


def parsed(**fields: Any) -> Prediction:
    """The Prediction of ``event()`` with ``fields`` changed."""
    base: dict[str, Any] = {
        "model": "churn",
        "model_version": "2024.05.1",
        "prediction_id": "p-1",
        "timestamp_ms": NOW - 3_600_000,
        "numerical": {"tenure": 12.5, "charges": 70.25, "age": 41.0},
        "categorical": {"plan": "basic", "region": "eu"},
        "prediction_label": "churn",
        "prediction_value": None,
    }
    return Prediction(**{**base, **fields})


def assert_identical(actual: Prediction, expected: Prediction) -> None:
    """Equal, and also alike where ``==`` is lenient: 1 vs 1.0, 0.0 vs -0.0, and dict key order."""
    assert actual == expected
    assert repr(actual) == repr(expected)


# --- boundary cases, expectations captured from the parser before the fast paths ---------------------

ACCEPTED = [
    pytest.param(
        raw(
            event(
                features={"tenure": 1e308, "charges": 1e308, "age": -0.0, "plan": "a" * 256, "region": "eu"}
            )
        ),
        parsed(
            numerical={"tenure": 1e308, "charges": 1e308, "age": -0.0},
            categorical={"plan": "a" * 256, "region": "eu"},
        ),
        id="finite-floats-whose-sum-overflows",
    ),
    pytest.param(
        raw(
            event(features={"tenure": 1.0, "charges": 2.0, "age": 3.0, "plan": "basic", "region": "r" * 257})
        ),
        parsed(
            numerical={"tenure": 1.0, "charges": 2.0, "age": 3.0},
            categorical={"plan": "basic", "region": None},
            nulled_features=("region",),
        ),
        id="text-one-character-too-long",
    ),
    pytest.param(
        raw(event(features={"tenure": 3, "charges": True, "age": math.nan, "plan": None})),
        parsed(
            numerical={"tenure": 3.0, "charges": None, "age": None},
            categorical={"plan": None, "region": None},
            nulled_features=("charges", "age"),
        ),
        id="int-bool-nan-null-missing",
    ),
    pytest.param(
        raw(
            event(
                features={
                    "tenure": 10**20,
                    "charges": -(2**63),
                    "age": 10**400,
                    "plan": 10**300,
                    "region": False,
                }
            )
        ),
        parsed(
            numerical={"tenure": 1e20, "charges": -9.223372036854776e18, "age": None},
            categorical={"plan": None, "region": "false"},
            nulled_features=("age", "plan"),
        ),
        id="huge-integers",
    ),
    pytest.param(
        raw(
            event(
                features={
                    "tenure": 1.5,
                    "charges": 2.5,
                    "age": 3.5,
                    "plan": 7,
                    "region": "r" * 257,
                    "zeta": 1,
                    "n" * 100: 2,
                    "alpha": None,
                }
            )
        ),
        parsed(
            numerical={"tenure": 1.5, "charges": 2.5, "age": 3.5},
            categorical={"plan": "7", "region": None},
            nulled_features=("region",),
            undeclared_features=("alpha", "n" * 64 + "...", "zeta"),
        ),
        id="categorical-int-too-long-and-undeclared",
    ),
    pytest.param(
        raw(
            event(features={"tenure": "3.5", "charges": [1.0], "age": {"v": 1}, "plan": 2.5, "region": ["x"]})
        ),
        parsed(
            numerical={"tenure": None, "charges": None, "age": None},
            categorical={"plan": None, "region": None},
            nulled_features=("tenure", "charges", "age", "plan", "region"),
        ),
        id="unusable-feature-types",
    ),
    pytest.param(
        raw(
            event(
                prediction_id=18446744073709551616,
                model_version=3,
                timestamp="2024-05-01T13:00:00.123+02:00",
                score=1,
                probabilities={"churn": 1, "stay": 0.0, "x": -0.0},
                segment={"country": "DE", "k": "v" * 256},
                campaign={"id": 7, "arm": "control"},
            )
        ),
        parsed(
            model_version="3",
            prediction_id="18446744073709551616",
            timestamp_ms=NOW - 3_600_000 + 123,
            score=1.0,
            probabilities={"churn": 1.0, "stay": 0.0, "x": -0.0},
            segment={"country": "DE", "k": "v" * 256},
            campaign_id="7",
            campaign_arm="control",
        ),
        id="integer-ids-iso-time-and-optional-fields",
    ),
    pytest.param(
        raw(
            event(
                model="ltv",
                features={"spend": 5, "channel": True},
                prediction=3,
                score=-0.0,
                campaign=None,
                segment=None,
                probabilities=None,
            )
        ),
        parsed(
            model="ltv",
            numerical={"spend": 5.0},
            categorical={"channel": "true"},
            prediction_label="3.0",
            prediction_value=3.0,
            score=-0.0,
        ),
        id="regression-with-integers-and-null-optionals",
    ),
    pytest.param(
        raw(event(prediction=1.0, timestamp=float(NOW) + 0.75)),
        parsed(timestamp_ms=NOW, prediction_label="1", prediction_value=1.0),
        id="integral-float-class-and-float-ms",
    ),
    pytest.param(
        raw(event(timestamp=NOW + DAY_MS)),
        parsed(timestamp_ms=NOW + DAY_MS),
        id="timestamp-exactly-at-the-future-limit",
    ),
]


@pytest.mark.parametrize(("message", "expected"), ACCEPTED)
def test_boundary_cases_parse_as_before(message: bytes, expected: Prediction) -> None:
    assert_identical(parse_prediction(message, MODELS, NOW, LIMITS), expected)


REJECTED = [
    pytest.param(
        raw(event(timestamp=NOW + DAY_MS + 1)),
        R.FUTURE_TIMESTAMP,
        "timestamp 2024-05-02T12:00:00Z is 1.0 days ahead of now (limit 1.0 days)",
        id="timestamp-one-ms-past-the-future-limit",
    ),
    pytest.param(
        raw(event(timestamp=978_307_200_000 - 1)),
        R.BAD_TIMESTAMP,
        "timestamp 978307199999 (epoch ms) is not between 2001 and 2200",
        id="timestamp-just-before-2001",
    ),
    pytest.param(
        raw(event(timestamp=True)),
        R.BAD_TIMESTAMP,
        "timestamp must be ISO-8601 text or epoch milliseconds, not a boolean",
        id="timestamp-bool",
    ),
    pytest.param(
        raw(event(features=None)), R.MISSING_FIELD, "required field 'features' is null", id="features-null"
    ),
    pytest.param(
        raw(event(model_version="")), R.BAD_VALUE, "model_version is an empty string", id="version-empty"
    ),
    pytest.param(
        raw(event(prediction_id="i" * 257)),
        R.BAD_VALUE,
        "prediction_id is 257 characters long; the limit is 256",
        id="id-257-characters",
    ),
    pytest.param(
        raw(event(prediction_id=1.5)),
        R.WRONG_TYPE,
        "prediction_id must be a string or integer, not a number (send it as a string)",
        id="id-float",
    ),
    pytest.param(
        raw(event(campaign={"id": "c", "arm": "Control"})),
        R.BAD_VALUE,
        "campaign.arm is 'Control'; it must be 'treatment' or 'control'",
        id="campaign-arm-case",
    ),
    pytest.param(
        raw(event(campaign={"id": "c", "arm": ["treatment"]})),
        R.BAD_VALUE,
        "campaign.arm is an array; it must be 'treatment' or 'control'",
        id="campaign-arm-array",
    ),
    pytest.param(
        raw(event(campaign={"id": "", "arm": "x"})),
        R.BAD_VALUE,
        "campaign.id is an empty string",
        id="campaign-id-checked-before-arm",
    ),
    pytest.param(
        raw(event(probabilities={"p" * 257: 0.5})),
        R.BAD_VALUE,
        "a probabilities label is 257 characters long; the limit is 256",
        id="probability-label-too-long",
    ),
    pytest.param(
        raw(event(probabilities={"a": 0.5, "b": 2})),
        R.BAD_VALUE,
        "probabilities['b'] is 2, not between 0 and 1",
        id="probability-int-2",
    ),
    pytest.param(
        raw(event(segment={"": "x"})), R.BAD_VALUE, "a segment key is an empty string", id="segment-key-empty"
    ),
    pytest.param(
        raw(event(segment={"a": "b", "k": "v" * 257})),
        R.BAD_VALUE,
        "segment['k'] is 257 characters long; the limit is 256",
        id="segment-text-too-long",
    ),
    pytest.param(
        raw(event(prediction="c" * 257)),
        R.BAD_VALUE,
        "prediction is 257 characters long; the limit is 256",
        id="class-257-characters",
    ),
    pytest.param(
        raw(event(model="ltv", features={"spend": 1.0}, prediction=math.nan)),
        R.BAD_VALUE,
        "prediction is NaN, not a finite number",
        id="regression-nan",
    ),
    pytest.param(
        b'{"model": "churn", "model_version": "1", "prediction_id": "p", "timestamp": 1714564800000, '
        b'"features": {"plan": "\\udc00x"}, "prediction": "a"}',
        R.BAD_VALUE,
        SURROGATE_DETAIL,
        id="lone-surrogate-in-a-feature",
    ),
    pytest.param(
        raw(event(prediction=[1], campaign="c", model_version=None, timestamp="x")),
        R.WRONG_TYPE,
        "prediction must be a string, integer or boolean, not an array",
        id="several-problems-the-first-check-wins",
    ),
]


@pytest.mark.parametrize(("message", "reason", "detail"), REJECTED)
def test_boundary_cases_are_rejected_as_before(message: bytes, reason: RejectReason, detail: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        parse_prediction(message, MODELS, NOW, LIMITS)
    assert (caught.value.reason, caught.value.detail) == (reason, detail)


# --- what the fast paths rely on ---------------------------------------------------------------------


def test_prediction_field_order() -> None:
    # parse_prediction passes the fields positionally: a reordering must be mirrored there.
    assert [f.name for f in dataclasses.fields(Prediction)] == [
        "model",
        "model_version",
        "prediction_id",
        "timestamp_ms",
        "numerical",
        "categorical",
        "prediction_label",
        "prediction_value",
        "score",
        "probabilities",
        "segment",
        "campaign_id",
        "campaign_arm",
        "nulled_features",
        "undeclared_features",
    ]


# Where an escape goes (at "S") in a message that is otherwise valid.
SURROGATE_SPOTS = [
    '"prediction_id": "S", "features": {}',  # a required field
    '"prediction_id": "p", "features": {"plan": "aSb"}',  # a feature value
    '"prediction_id": "p", "features": {"S": 1}',  # a key
    '"prediction_id": "p", "features": {}, "segment": {"k": "S\\\\ud800"}',  # then a "\\ud800" text
]


@pytest.mark.parametrize("spot", SURROGATE_SPOTS)
def test_every_unpaired_surrogate_escape_is_rejected(spot: str) -> None:
    # Only messages orjson refused are searched for lone surrogates: this pins that it refuses them all.
    head = '{"model": "churn", "model_version": "1", "timestamp": 1714564800000, "prediction": "a", '
    for code in range(0xD800, 0xE000):
        for escape in (f"\\u{code:04x}", f"\\u{code:04X}", f"\\u{code:04x}\\u0041", f"\\udc00\\u{code:04x}"):
            message = (head + spot.replace("S", escape) + "}").encode()
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(message)
            with pytest.raises(InvalidMessage) as caught:
                parse_prediction(message, MODELS, NOW, LIMITS)
            assert (caught.value.reason, caught.value.detail) == (R.BAD_VALUE, SURROGATE_DETAIL), message


def test_a_surrogate_pair_is_kept() -> None:
    message = raw(event(prediction_id="p-\U0001f600")).replace(b"\\ud83d\\ude00", b"\\uD83D\\uDE00")
    assert parse_prediction(message, MODELS, NOW, LIMITS).prediction_id == "p-\U0001f600"


# --- generated valid events against a plain reading of the contract ------------------------------------

FINITE = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
NUMBERS = FINITE | st.integers(-(10**18), 10**18)
# Values of any shape for a feature: numbers (finite or not), NaN-as-null, booleans, strings, containers.
FEATURE_VALUES = (
    NUMBERS
    | st.sampled_from([math.nan, math.inf, -math.inf, True, False, None, [1.0], {"v": 1}, "3.5"])
    | TEXT
    | st.sampled_from(["x" * MAX_TEXT_CHARS, "x" * (MAX_TEXT_CHARS + 1)])
)
MIN_MS = 978_307_200_000


def expected_number(value: Any) -> tuple[float | None, bool]:
    """A numerical feature's stored value and whether it counts as nulled (the contract, read plainly)."""
    if type(value) in (int, float) and math.isfinite(value):
        return float(value), False
    return None, value is not None


def expected_text(value: Any) -> tuple[str | None, bool]:
    """A categorical feature's stored value and whether it counts as nulled."""
    if type(value) is str and len(value) <= MAX_TEXT_CHARS:
        return value, False
    if type(value) is bool:
        return ("true" if value else "false"), False
    if type(value) is int:
        return str(value), False
    return None, value is not None


@st.composite
def valid_events(draw: st.DrawFn) -> tuple[dict[str, Any], Prediction]:
    """A valid churn prediction (as JSON data) with the Prediction the contract gives it."""
    # Mostly well-formed features (the fast path), sometimes any value or none (the full checks).
    features: dict[str, Any] = {}
    for names, usual in ((NUMERICAL, NUMBERS), (CATEGORICAL, TEXT)):
        for name in names:
            kind = draw(st.sampled_from(["usual"] * 6 + ["any", "missing"]))
            if kind != "missing":
                features[name] = draw(usual if kind == "usual" else FEATURE_VALUES)
    undeclared_names = (TEXT | st.text(min_size=60, max_size=80)).filter(
        lambda n: n not in NUMERICAL + CATEGORICAL
    )
    extra = draw(st.dictionaries(undeclared_names, FEATURE_VALUES, max_size=3))
    order = draw(st.permutations([*features, *extra]))
    features = {name: {**features, **extra}[name] for name in order}

    ms = draw(st.integers(MIN_MS, NOW + DAY_MS))
    zone = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
    iso = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)).astimezone(zone)
    timestamp = draw(st.sampled_from([ms, float(ms), iso.isoformat(timespec="milliseconds")]))
    prediction_id = draw(TEXT | st.integers(0, 10**18))
    label = draw(TEXT | st.integers(-1000, 1000) | st.booleans())
    body: dict[str, Any] = {
        "model": "churn",
        "model_version": draw(TEXT),
        "prediction_id": prediction_id,
        "timestamp": timestamp,
        "features": features,
        "prediction": label,
    }
    score = draw(st.none() | st.floats(0, 1) | st.sampled_from([0, 1]))
    probabilities = draw(
        st.none() | st.dictionaries(TEXT, st.floats(0, 1) | st.sampled_from([0, 1]), max_size=3)
    )
    segment = draw(st.none() | st.dictionaries(TEXT, TEXT, max_size=3))
    campaign: dict[str, Any] | None = draw(
        st.none()
        | st.fixed_dictionaries(
            {"id": TEXT | st.integers(0, 99), "arm": st.sampled_from(["treatment", "control"])}
        )
    )
    for key, value in (
        ("score", score),
        ("probabilities", probabilities),
        ("segment", segment),
        ("campaign", campaign),
    ):
        if value is not None or draw(st.booleans()):  # null and absent mean the same
            body[key] = value

    numerical = {name: expected_number(features.get(name)) for name in NUMERICAL}
    categorical = {name: expected_text(features.get(name)) for name in CATEGORICAL}
    undeclared = sorted(name for name in features if name not in NUMERICAL + CATEGORICAL)
    expected = Prediction(
        model="churn",
        model_version=body["model_version"],
        prediction_id=str(prediction_id),
        timestamp_ms=ms,
        numerical={name: value for name, (value, _) in numerical.items()},
        categorical={name: value for name, (value, _) in categorical.items()},
        prediction_label=str(label).lower() if type(label) is bool else str(label),
        prediction_value=None if type(label) is str else float(label),
        score=None if score is None else float(score),
        probabilities={k: float(p) for k, p in (probabilities or {}).items()},
        segment=segment or {},
        campaign_id=None if campaign is None else str(campaign["id"]),
        campaign_arm=None if campaign is None else campaign["arm"],
        nulled_features=tuple(name for name, (_, nulled) in {**numerical, **categorical}.items() if nulled),
        undeclared_features=tuple(n if len(n) <= 64 else n[:64] + "..." for n in undeclared)[:MAX_UNDECLARED],
    )
    return body, expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_events())
def test_generated_valid_events_parse_as_the_contract_says(
    generated: tuple[dict[str, Any], Prediction],
) -> None:
    body, expected = generated
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=DAY_MS)
    assert_identical(parse_prediction(raw(body), MODELS, NOW, limits), expected)
