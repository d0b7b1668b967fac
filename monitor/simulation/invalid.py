"""Deliberately broken messages, for the dead-letter path. Each names the reject reason it should get.

A broken message is made from a valid one of the same topic, with its own prediction id
(``f"{seed}-bad-{n}"``) so it can never be mistaken for, or deduplicated with, a valid event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

Breaker = Callable[[dict[str, Any], np.random.Generator], tuple[bytes, str]]

UNKNOWN_MODEL = "no-such-model"
_REQUIRED: dict[str, tuple[str, ...]] = {
    "predictions": ("model", "prediction_id", "timestamp", "features", "prediction"),
    "outcomes": ("model", "prediction_id", "timestamp", "label"),
}


def _dump(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _truncated(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    raw = _dump(event)
    return raw[: int(rng.integers(1, len(raw) - 1))], "malformed_json"


def _not_utf8(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    return b"\xff\xfe" + _dump(event), "malformed_json"


def _array(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    return _dump([event]), "not_an_object"


def _missing(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    kind = "predictions" if "features" in event else "outcomes"
    fields = _REQUIRED[kind]
    del event[fields[int(rng.integers(len(fields)))]]
    return _dump(event), "missing_field"


def _wrong_type(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    if "features" in event:
        event["features"] = "n/a"
    else:
        event["label"] = {"value": event["label"]}
    return _dump(event), "wrong_type"


def _bad_timestamp(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    event["timestamp"] = str(rng.choice(["yesterday", "2024-02-30T25:61:00Z", ""]))
    return _dump(event), "bad_timestamp"


def _unknown_model(event: dict[str, Any], rng: np.random.Generator) -> tuple[bytes, str]:
    event["model"] = UNKNOWN_MODEL
    return _dump(event), "unknown_model"


BREAKERS: tuple[Breaker, ...] = (
    _truncated,
    _not_utf8,
    _array,
    _missing,
    _wrong_type,
    _bad_timestamp,
    _unknown_model,
)


def broken_copy(valid: bytes, bad_id: str, rng: np.random.Generator) -> tuple[bytes, str]:
    """A broken version of the valid message ``valid``, and the reject reason it should get."""
    event = json.loads(valid)
    event["prediction_id"] = bad_id
    breaker = BREAKERS[int(rng.integers(len(BREAKERS)))]
    return breaker(event, rng)
