"""Turn raw Kafka message bytes into Prediction / Outcome records. Pure: no I/O, ``now_ms`` is injected.

Two tiers of bad input (STYLE 4): a message that breaks the contract raises ``InvalidMessage`` with a
reason and a short detail, and is dead-lettered; a declared feature whose value is unusable becomes
``None`` and is named in ``nulled_features``. Any other exception from here is a bug.

Decisions where the contract (DESIGN.md, "Contracts") leaves room:

- ``prediction_id``, ``model_version`` and ``campaign.id`` accept a string or an integer (kept as its
  decimal text). A float is rejected: ``1.10`` arrives as ``1.1``, so it cannot be an identifier.
- A numeric string ("3.5") for a numerical feature is *not* coerced: it is nulled and counted like any
  other non-number, so a producer that changed its encoding shows up in the null rates.
- Categorical features keep strings; integers and booleans become text (``true``/``false``); anything
  else (floats, lists, objects, strings over 256 characters) is nulled and counted.
- Timestamp problems of any kind (type, format, range) are ``bad_timestamp``; naive ISO times are UTC.
- Classification classes are strings, integers, booleans (``true``/``false``) or integral floats
  (``1.0`` is class ``1``). Regression values must be finite numbers; their text is ``repr(float)``.
- ``null`` for an optional field means absent; ``null`` for a required field is ``missing_field``.
- Unknown top-level fields are ignored, so producers can add fields before the service reads them.
- A string holding an unpaired UTF-16 surrogate escape (``"\\ud800"``) is rejected: it cannot be
  written as UTF-8 and would otherwise crash the store writer on every retry.

``parse_prediction`` runs for every ingested message, so most steps first test the common, well-formed
case inline and return it; only when that test fails do they run their full checks, which alone decide
every reject and its detail. A fast path never rejects, and never accepts what the full checks would
change (tests/unit/test_parsing_fast_path.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from monitor.config_model import Ingest, ModelSpec
from monitor.events import InvalidMessage, Outcome, Prediction, RejectReason

_MIN_MS = 978_307_200_000  # 2001-01-01T00:00:00Z: anything earlier is a clock or unit bug
_MAX_MS = 7_289_654_400_000  # 2201-01-01T00:00:00Z: years after 2200 are absurd
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

MAX_TEXT_CHARS = 256  # identifiers, labels, segment and categorical values
MAX_UNDECLARED = 50  # undeclared feature names kept per prediction
_BIG_INT = 10**MAX_TEXT_CHARS  # a categorical integer with more digits than this is nulled
_MAX_NAME_CHARS = 64  # an undeclared feature name is truncated to this
_SHOW_CHARS = 40  # how much of an offending value a detail quotes
_ARMS = frozenset(("treatment", "control"))
_MISSING: Any = object()
_JSON_KINDS = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Size and clock limits applied to every message."""

    max_message_bytes: int
    max_future_ms: int

    @classmethod
    def from_config(cls, ingest: Ingest) -> ParseLimits:
        """The limits configured under ``ingest``."""
        return cls(ingest.max_message_bytes, ingest.max_future_seconds * 1000)


def parse_prediction(
    raw: bytes, models: Mapping[str, ModelSpec], now_ms: int, limits: ParseLimits
) -> Prediction:
    """Parse a prediction event; raises InvalidMessage when it breaks the contract.

    The order of the steps decides which reject a message with several problems gets.
    """
    obj = _decode(raw, limits)
    name, spec = _model(obj, models)
    declared = spec.features
    nulled: list[str] = []
    features = _features(obj)
    numerical, seen_num = _numerical(features, declared.numerical, nulled)
    categorical, seen_cat = _categorical(features, declared.categorical, nulled)
    undeclared = _undeclared(features, spec) if len(features) > seen_num + seen_cat else ()
    label, value = _class_or_value(_required(obj, "prediction"), spec.task, "prediction")
    campaign_id, campaign_arm = _campaign(obj.get("campaign"))
    # Positional, in field order: keywords cost ~0.5 µs a message. test_parsing_fast_path pins the order.
    return Prediction(
        name,  # model
        _identifier(obj, "model_version"),
        _identifier(obj, "prediction_id"),
        _timestamp(obj, now_ms, limits),
        numerical,
        categorical,
        label,  # prediction_label
        value,  # prediction_value
        _score(obj.get("score")),
        _probabilities(obj.get("probabilities")),
        _segment(obj.get("segment")),
        campaign_id,
        campaign_arm,
        tuple(nulled),  # nulled_features
        undeclared,  # undeclared_features
    )


def parse_outcome(raw: bytes, models: Mapping[str, ModelSpec], now_ms: int, limits: ParseLimits) -> Outcome:
    """Parse an outcome event; raises InvalidMessage when it breaks the contract."""
    obj = _decode(raw, limits)
    name, spec = _model(obj, models)
    label, value = _class_or_value(_required(obj, "label"), spec.task, "label")
    return Outcome(
        model=name,
        prediction_id=_identifier(obj, "prediction_id"),
        timestamp_ms=_timestamp(obj, now_ms, limits),
        label=label,
        label_value=value,
    )


# Identifier fields: an integer id too long for orjson must not silently become a float.
ID_FIELDS = ("prediction_id", "model_version")


# --- the message as a whole -------------------------------------------------------------------------


def _decode(raw: bytes, limits: ParseLimits) -> dict[str, Any]:
    # Size first: decoding a huge message is exactly the cost the limit exists to avoid.
    if len(raw) > limits.max_message_bytes:
        detail = f"message is {len(raw)} bytes; the limit is {limits.max_message_bytes}"
        raise InvalidMessage(RejectReason.OVERSIZED, detail)
    if not raw:
        raise InvalidMessage(RejectReason.MALFORMED_JSON, "empty message")
    slowly = False
    try:
        # orjson is ~3x faster and takes nearly every message. What it refuses (NaN/Infinity literals,
        # lone surrogates, huge integers, invalid UTF-8, deep nesting) goes the json way, which accepts
        # NaN literals (they become nulls later) and explains the rest precisely.
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj, slowly = _decode_slowly(raw), True
    if type(obj) is dict and _has_float_id(obj):
        # orjson turns integers beyond 64 bits into floats; json keeps them
        obj, slowly = _decode_slowly(raw), True
    if type(obj) is not dict:
        raise InvalidMessage(
            RejectReason.NOT_AN_OBJECT, f"the message must be a JSON object, not {_kind(obj)}"
        )
    # Only json lets a lone surrogate through (orjson refuses every one: test_parsing_fast_path pins
    # that), and only a \ud... escape can produce one, so the costly check runs only then. Skipping it
    # for orjson's objects also saves searching ~1 KB twice, which cost more than the rest of _decode.
    if slowly and (b"\\ud" in raw or b"\\uD" in raw) and not _utf8_safe(obj):
        detail = "a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff); it is not UTF-8 text"
        raise InvalidMessage(RejectReason.BAD_VALUE, detail)
    return obj


def _has_float_id(obj: dict[str, Any]) -> bool:
    # A loop, not any() over a generator: that costs twice as much, on every message.
    for key in ID_FIELDS:  # noqa: SIM110
        if type(obj.get(key)) is float:
            return True
    return False


def _decode_slowly(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidMessage(RejectReason.MALFORMED_JSON, f"not valid UTF-8 at byte {exc.start}") from None
    except RecursionError:
        raise InvalidMessage(RejectReason.MALFORMED_JSON, "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer longer than Python's digit limit
        raise InvalidMessage(RejectReason.MALFORMED_JSON, f"not valid JSON: {_clip(str(exc), 120)}") from None


def _utf8_safe(obj: Any) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _model(obj: dict[str, Any], models: Mapping[str, ModelSpec]) -> tuple[str, ModelSpec]:
    name = obj.get("model")
    if type(name) is str:
        spec = models.get(name)
        if spec is not None:
            return name, spec  # fast path: a known model
    name = _required(obj, "model")
    if type(name) is not str:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"model must be a string, not {_kind(name)}")
    spec = models.get(name)
    if spec is None:
        known = ", ".join(sorted(models)[:5]) + (", ..." if len(models) > 5 else "")
        detail = f"model {_show(name)} is not in the config (known: {known or 'none'})"
        raise InvalidMessage(RejectReason.UNKNOWN_MODEL, detail)
    return name, spec


def _required(obj: dict[str, Any], key: str) -> Any:
    value = obj.get(key)
    if value is None:
        state = "is null" if key in obj else "is missing"
        raise InvalidMessage(RejectReason.MISSING_FIELD, f"required field {key!r} {state}")
    return value


def _identifier(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if type(value) is str and 0 < len(value) <= MAX_TEXT_CHARS:
        return value  # fast path: a usable string
    return _id_text(_required(obj, key), key)


def _id_text(value: Any, where: str) -> str:
    kind = type(value)
    if kind is int:
        return _text(str(value), where)
    if kind is not str:
        hint = " (send it as a string)" if kind is float else ""
        raise InvalidMessage(
            RejectReason.WRONG_TYPE, f"{where} must be a string or integer, not {_kind(value)}{hint}"
        )
    return _text(value, where)


def _text(value: str, where: str) -> str:
    if not value:
        raise InvalidMessage(RejectReason.BAD_VALUE, f"{where} is an empty string")
    if len(value) > MAX_TEXT_CHARS:
        detail = f"{where} is {len(value)} characters long; the limit is {MAX_TEXT_CHARS}"
        raise InvalidMessage(RejectReason.BAD_VALUE, detail)
    return value


# --- timestamps -------------------------------------------------------------------------------------


def _timestamp(obj: dict[str, Any], now_ms: int, limits: ParseLimits) -> int:
    value = obj.get("timestamp")
    if type(value) is int and _MIN_MS <= value < _MAX_MS and value <= now_ms + limits.max_future_ms:
        return value  # fast path: epoch milliseconds, in range and not in the future
    value = _required(obj, "timestamp")
    kind = type(value)
    if kind is str:
        ms = _iso_ms(value)
    elif kind is int or kind is float:
        ms = _epoch_ms(value)
    else:
        detail = f"timestamp must be ISO-8601 text or epoch milliseconds, not {_kind(value)}"
        raise InvalidMessage(RejectReason.BAD_TIMESTAMP, detail)
    if ms > now_ms + limits.max_future_ms:
        ahead = _duration(ms - now_ms)
        detail = f"timestamp {_iso(ms)} is {ahead} ahead of now (limit {_duration(limits.max_future_ms)})"
        raise InvalidMessage(RejectReason.FUTURE_TIMESTAMP, detail)
    return ms


def _iso_ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        detail = f"timestamp {_show(text)} is not ISO-8601 text (e.g. 2024-05-01T12:00:00Z)"
        raise InvalidMessage(RejectReason.BAD_TIMESTAMP, detail) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the contract's default zone
    # Integer arithmetic: moment.timestamp() * 1000 can land a millisecond off.
    ms: int = (moment - _EPOCH) // _ONE_MS
    if not _MIN_MS <= ms < _MAX_MS:
        raise InvalidMessage(
            RejectReason.BAD_TIMESTAMP, f"timestamp {_show(text)} is not between 2001 and 2200"
        )
    return ms


def _epoch_ms(value: float) -> int:
    if type(value) is int and not -_BIG_INT < value < _BIG_INT:  # math.isfinite would overflow
        raise InvalidMessage(RejectReason.BAD_TIMESTAMP, f"timestamp {_show(value)} is far out of range")
    if not math.isfinite(value):
        raise InvalidMessage(RejectReason.BAD_TIMESTAMP, f"timestamp {_show(value)} is not a finite number")
    if _MIN_MS <= value < _MAX_MS:
        return int(value)
    if _MIN_MS <= value * 1000 < _MAX_MS:
        detail = f"timestamp {_show(value)} looks like epoch seconds; send epoch milliseconds"
    elif _MIN_MS <= value / 1000 < _MAX_MS:
        detail = f"timestamp {_show(value)} looks like epoch microseconds; send epoch milliseconds"
    elif value < 0:
        detail = f"timestamp {_show(value)} is negative"
    else:
        detail = f"timestamp {_show(value)} (epoch ms) is not between 2001 and 2200"
    raise InvalidMessage(RejectReason.BAD_TIMESTAMP, detail)


def _iso(ms: int) -> str:
    return (_EPOCH + ms * _ONE_MS).isoformat(timespec="seconds").replace("+00:00", "Z")


def _duration(ms: int) -> str:
    seconds = ms / 1000
    for unit, size in (("days", 86_400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.1f} seconds"


# --- features ---------------------------------------------------------------------------------------


def _features(obj: dict[str, Any]) -> dict[str, Any]:
    features = obj.get("features")
    if type(features) is dict:
        return features  # fast path
    features = _required(obj, "features")
    if type(features) is not dict:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"features must be an object, not {_kind(features)}")
    return features


def _numerical(
    features: dict[str, Any], names: tuple[str, ...], nulled: list[str]
) -> tuple[dict[str, float | None], int]:
    """Declared numerical features as floats (None when missing or unusable), and how many were sent.

    This runs for every feature of every message, so the common case, every feature sent as a usable
    number, takes a loop that does the least per feature: a subscript (a missing feature ends it) and a
    type test. Finiteness is tested once, on the sum: a float sum is finite only if every term is (a sum
    that merely overflows takes the full loop too). Anything else takes the full loop.
    """
    values: dict[str, float | None] = {}
    try:
        for name in names:
            value = features[name]
            if type(value) is not float:
                if type(value) is not int or not -1e308 < value < 1e308:
                    break
                value = float(value)
            values[name] = value
        else:
            total = sum(values.values())  # type: ignore[arg-type]  # no None in values here
            if total - total == 0.0:  # false for NaN and +-inf
                return values, len(names)
    except KeyError:
        pass
    return _each_numerical(features, names, nulled)


def _each_numerical(
    features: dict[str, Any], names: tuple[str, ...], nulled: list[str]
) -> tuple[dict[str, float | None], int]:
    """``_numerical``, feature by feature: nulls and counts what is unusable."""
    values: dict[str, float | None] = {}
    seen = 0
    for name in names:
        value = features.get(name, _MISSING)
        if value is _MISSING:
            values[name] = None
            continue
        seen += 1
        kind = type(value)
        if kind is float and value - value == 0.0:  # false for NaN and +-inf
            values[name] = value
        elif kind is int and -1e308 < value < 1e308:  # float() of a huger int overflows
            values[name] = float(value)
        else:
            values[name] = None
            if value is not None:
                nulled.append(name)
    return values, seen


def _categorical(
    features: dict[str, Any], names: tuple[str, ...], nulled: list[str]
) -> tuple[dict[str, str | None], int]:
    """Declared categorical features as text (None when missing or unusable), and how many were sent.

    The common case (each feature sent as a string of up to 256 characters) as in ``_numerical``.
    """
    values: dict[str, str | None] = {}
    try:
        for name in names:
            value = features[name]
            if type(value) is not str or len(value) > MAX_TEXT_CHARS:
                break
            values[name] = value
        else:
            return values, len(names)
    except KeyError:
        pass
    return _each_categorical(features, names, nulled)


def _each_categorical(
    features: dict[str, Any], names: tuple[str, ...], nulled: list[str]
) -> tuple[dict[str, str | None], int]:
    """``_categorical``, feature by feature: converts integers and booleans, nulls and counts the rest."""
    values: dict[str, str | None] = {}
    seen = 0
    for name in names:
        value = features.get(name, _MISSING)
        if value is _MISSING:
            values[name] = None
            continue
        seen += 1
        kind = type(value)
        if kind is str and len(value) <= MAX_TEXT_CHARS:
            values[name] = value
        elif kind is bool:
            values[name] = "true" if value else "false"
        elif kind is int and -_BIG_INT < value < _BIG_INT:
            values[name] = str(value)
        else:
            values[name] = None
            if value is not None:
                nulled.append(name)
    return values, seen


def _undeclared(features: dict[str, Any], spec: ModelSpec) -> tuple[str, ...]:
    declared = {*spec.features.numerical, *spec.features.categorical}
    names = sorted(name for name in features if name not in declared)
    return tuple(_clip(name, _MAX_NAME_CHARS) for name in names[:MAX_UNDECLARED])


# --- prediction, label and optional fields -----------------------------------------------------------


def _class_or_value(value: Any, task: str, where: str) -> tuple[str, float | None]:
    """The text and numeric value of a prediction or label, by the model's task."""
    kind = type(value)
    if task == "regression":
        if kind is float and value - value == 0.0:  # fast path: a finite float (NaN - NaN is NaN)
            return repr(value), value
        number = _finite(value, where)
        return repr(number), number
    if kind is str and 0 < len(value) <= MAX_TEXT_CHARS:
        return value, None  # fast path: a usable class name
    return _class(value, where)


def _class(value: Any, where: str) -> tuple[str, float | None]:
    kind = type(value)
    if kind is str:
        return _text(value, where), None
    if kind is bool:
        return ("true", 1.0) if value else ("false", 0.0)
    if kind is int:
        return _text(str(value), where), float(value) if -1e308 < value < 1e308 else None
    if kind is float and value - value == 0.0 and value == int(value):
        return _text(str(int(value)), where), value
    if kind is float:
        detail = (
            f"{where} {_show(value)} is not a class (send a string, integer or boolean; scores go in score)"
        )
        raise InvalidMessage(RejectReason.BAD_VALUE, detail)
    raise InvalidMessage(
        RejectReason.WRONG_TYPE, f"{where} must be a string, integer or boolean, not {_kind(value)}"
    )


def _finite(value: Any, where: str) -> float:
    kind = type(value)
    if kind is not int and kind is not float:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"{where} must be a number, not {_kind(value)}")
    if kind is int and not -1e308 < value < 1e308:
        raise InvalidMessage(RejectReason.BAD_VALUE, f"{where} {_show(value)} is too large")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidMessage(RejectReason.BAD_VALUE, f"{where} is {_show(value)}, not a finite number")
    return number


def _score(value: Any) -> float | None:
    if type(value) is float and value - value == 0.0:
        return value  # fast path: a finite float
    return None if value is None else _finite(value, "score")


def _probabilities(value: Any) -> dict[str, float]:
    if value is None:
        return {}
    if type(value) is not dict:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"probabilities must be an object, not {_kind(value)}")
    for label, p in value.items():
        if type(p) is not float or not 0.0 <= p <= 1.0 or not 0 < len(label) <= MAX_TEXT_CHARS:
            break
    else:
        return value  # fast path: floats in [0, 1] under usable labels need no copy
    result: dict[str, float] = {}
    for label, p in value.items():
        number = _finite(p, f"probabilities[{_show(label)}]") if type(p) is not float else p
        if not 0.0 <= number <= 1.0:  # also false for NaN
            detail = f"probabilities[{_show(label)}] is {_show(p)}, not between 0 and 1"
            raise InvalidMessage(RejectReason.BAD_VALUE, detail)
        result[_text(label, "a probabilities label")] = number
    return result


def _segment(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if type(value) is not dict:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"segment must be an object, not {_kind(value)}")
    for key, text in value.items():
        if type(text) is not str or not 0 < len(text) <= MAX_TEXT_CHARS or not 0 < len(key) <= MAX_TEXT_CHARS:
            break
    else:
        return value  # fast path: usable keys and texts, checked without a call per key
    for key, text in value.items():
        if type(text) is not str:
            raise InvalidMessage(
                RejectReason.WRONG_TYPE, f"segment[{_show(key)}] must be a string, not {_kind(text)}"
            )
        _text(key, "a segment key")
        if not text or len(text) > MAX_TEXT_CHARS:  # the label is built only for the error
            _text(text, f"segment[{_show(key)}]")
    return value


def _campaign(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if type(value) is not dict:
        raise InvalidMessage(RejectReason.WRONG_TYPE, f"campaign must be an object, not {_kind(value)}")
    campaign_id, arm = value.get("id"), value.get("arm")
    if (
        type(campaign_id) is str
        and 0 < len(campaign_id) <= MAX_TEXT_CHARS
        and type(arm) is str
        and arm in _ARMS
    ):
        return campaign_id, arm  # fast path: a usable id and arm
    campaign_id = _id_text(_required_in(value, "id", "campaign"), "campaign.id")
    arm = _required_in(value, "arm", "campaign")
    if type(arm) is not str or arm not in _ARMS:
        raise InvalidMessage(
            RejectReason.BAD_VALUE, f"campaign.arm is {_show(arm)}; it must be 'treatment' or 'control'"
        )
    return campaign_id, arm


def _required_in(obj: dict[str, Any], key: str, parent: str) -> Any:
    value = obj.get(key)
    if value is None:
        raise InvalidMessage(
            RejectReason.MISSING_FIELD, f"required field '{parent}.{key}' is missing or null"
        )
    return value


# --- details ----------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return _JSON_KINDS.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    """A short rendering of a JSON value for a detail: never the whole input."""
    if type(value) is str:
        return repr(_clip(value, _SHOW_CHARS))  # repr escapes control characters and surrogates
    if value is None or type(value) in (bool, int, float):
        return _clip(json.dumps(value), _SHOW_CHARS)  # JSON spelling: true, null, NaN
    return _kind(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
