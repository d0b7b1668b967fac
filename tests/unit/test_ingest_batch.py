"""Pure pieces of the ingest loop: batching, the reject-rate limit, backoff, parsing by topic role."""

from __future__ import annotations

import json

import pytest

from connectors.kafka.base import Message
from monitor.config_loader import load_config
from monitor.events import DeadLetter, Outcome, Prediction, RejectReason, SourcePosition
from monitor.ingest.batch import Backoff, BatchOffsets, ParsedBatch, Parser, RejectRateLimit, TopicRoles
from monitor.parsing import ParseLimits

NOW_MS = 1_780_000_000_000


@pytest.fixture(scope="module")
def parser() -> Parser:
    config = load_config("config/monitor.yaml", env={})
    return Parser(TopicRoles("preds", "outs"), config.models, ParseLimits.from_config(config.ingest))


def message(topic: str, value: object, offset: int = 0, partition: int = 0) -> Message:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return Message(topic, partition, offset, raw, NOW_MS)


def prediction_event(pid: str = "p1") -> dict[str, object]:
    return {
        "model": "churn",
        "model_version": "v1",
        "prediction_id": pid,
        "timestamp": NOW_MS - 1000,
        "features": {"tenure_months": 3, "plan": "basic"},
        "prediction": "1",
        "score": 0.7,
    }


def test_parser_routes_by_topic_and_dead_letters_rejects(parser: Parser) -> None:
    assert isinstance(parser.parse(message("preds", prediction_event()), NOW_MS), Prediction)
    outcome = {"model": "churn", "prediction_id": "p1", "timestamp": NOW_MS, "label": "0"}
    assert isinstance(parser.parse(message("outs", outcome), NOW_MS), Outcome)
    dead = parser.parse(message("preds", b"{not json", offset=41, partition=2), NOW_MS)
    assert isinstance(dead, DeadLetter)
    assert dead.reason is RejectReason.MALFORMED_JSON
    assert dead.position == SourcePosition("preds", 2, 41)
    assert dead.raw == b"{not json"
    # An outcome sent to the predictions topic is not a prediction: rejected, never crashes.
    assert isinstance(parser.parse(message("preds", outcome), NOW_MS), DeadLetter)


def test_batch_is_due_when_full_or_old_and_tracks_next_offsets() -> None:
    batch = BatchOffsets(max_messages=3, max_seconds=2.0)
    assert not batch.is_due(100.0)
    batch.add([message("preds", prediction_event(f"p{offset}"), offset=offset) for offset in (5, 3)], 100.0)
    assert not batch.is_due(101.9)
    assert batch.is_due(102.0)
    batch.add([message("outs", b"[]", offset=9, partition=1)], now=100.5)
    assert batch.is_due(100.5)
    offsets, count = batch.take()
    assert count == 3
    assert offsets == {("preds", 0): 6, ("outs", 1): 10}
    assert batch.messages == 0 and not batch.is_due(1e9)


def test_parsed_batch_sorts_records_and_feeds_the_reject_limit(parser: Parser) -> None:
    messages = [
        message("preds", prediction_event("p1")),
        message("outs", {"model": "churn", "prediction_id": "p1", "timestamp": NOW_MS, "label": "0"}),
        message("preds", b"{not json", offset=7),
    ]
    limit = RejectRateLimit(ratio=0.5, window=3)
    parsed = ParsedBatch()
    parsed.add(parser, messages, NOW_MS - 5, limit)
    batch = parsed.take(received_ms=NOW_MS)
    assert [p.prediction_id for p in batch.predictions] == ["p1"] and len(batch.outcomes) == 1
    assert [d.position.offset for d in batch.dead_letters] == [7]
    assert batch.received_ms == NOW_MS and batch.dead_letters[0].received_ms == NOW_MS - 5
    assert not limit.tripped() and limit.reasons == {"malformed_json": 1}
    assert len(parsed.take(NOW_MS)) == 0  # take starts a new batch
    parsed.add(parser, messages[2:] * 2, NOW_MS, limit)  # 3 of the last 3 rejected
    assert limit.tripped()


def dead_letter() -> DeadLetter:
    return DeadLetter(SourcePosition("t", 0, 0), b"x", RejectReason.MALFORMED_JSON, "bad", NOW_MS)


def test_reject_limit_trips_only_over_a_full_window() -> None:
    limit = RejectRateLimit(ratio=0.9, window=10)
    for _ in range(9):
        limit.record(dead_letter())
    assert not limit.tripped()  # window not full yet
    limit.record(dead_letter())
    assert limit.tripped()
    assert "malformed_json x10" in limit.explain()


def test_reject_limit_forgets_old_messages() -> None:
    limit = RejectRateLimit(ratio=0.5, window=10)
    for _ in range(10):
        limit.record(dead_letter())
    for _ in range(6):
        limit.record(None)
    assert not limit.tripped()  # 4 of the last 10 rejected


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(max_seconds=3.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5
