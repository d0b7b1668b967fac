"""Typed records for the event contracts (see DESIGN.md, "Contracts").

These are the values that flow from the parser to the stores. They hold plain Python values only, so
both stores and the pure computations can use them without knowing about Kafka or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RejectReason(StrEnum):
    """Why a message was sent to the dead-letter table. The values are stored and exported as labels."""

    OVERSIZED = "oversized"
    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    UNKNOWN_MODEL = "unknown_model"
    BAD_VALUE = "bad_value"


class InvalidMessage(Exception):
    """A message that breaks the contract. It is dead-lettered with its reason; ingest goes on."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Prediction:
    """One model prediction, validated against the model's declared features.

    ``numerical`` and ``categorical`` hold exactly the declared features (in declaration order), with
    ``None`` where a value was missing, null, or not a finite number (counted in ``nulled_features``).
    """

    model: str
    model_version: str
    prediction_id: str
    timestamp_ms: int
    numerical: dict[str, float | None]
    categorical: dict[str, str | None]
    prediction_label: str
    prediction_value: float | None
    score: float | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    segment: dict[str, str] = field(default_factory=dict)
    campaign_id: str | None = None
    campaign_arm: str | None = None
    nulled_features: tuple[str, ...] = ()
    undeclared_features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The real outcome of a prediction. It may arrive late, twice, or before its prediction."""

    model: str
    prediction_id: str
    timestamp_ms: int
    label: str
    label_value: float | None


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where a message came from: enough to find it again in Kafka."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected message, kept whole (raw bytes) with the reason it was rejected."""

    position: SourcePosition
    raw: bytes
    reason: RejectReason
    detail: str
    received_ms: int
