"""The event stream: prediction and outcome messages, in event-time order, as Kafka would carry them.

Outcomes are scheduled when their prediction's block is drawn and wait in a heap until the stream
reaches their event time, so with a delay longer than the prediction interval they naturally come
after later predictions. Broken messages (``invalid_share``) are interleaved from their own random
stream, so the valid events are the same whatever share is asked for.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from monitor.simulation.invalid import broken_copy
from monitor.simulation.model import ARM_NAMES
from monitor.simulation.sampling import BLOCK_ROWS, CHANNELS, COUNTRIES, Block, block_rng, iter_blocks
from monitor.simulation.scenario import FeatureLists, Scenario
from monitor.simulation.world import INTEGER_FEATURES, FloatArray

Kind = Literal["predictions", "outcomes"]
CAMPAIGN_ID = "winback"
DELAY_JITTER_SIGMA = 0.3  # log-normal jitter of the outcome delay (median = the requested delay)
RETRY_MEAN_MS = 30_000.0  # a duplicated outcome is re-sent this long after the first copy, on average

_OUTCOMES, _INVALID = 4, 5  # generator sub-streams (see sampling)
# Heap order at equal event time: early outcomes, then the prediction, then normal outcomes.
_EARLY, _PREDICTION, _LATE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One message to send. ``key`` is the prediction id (so a prediction and its outcome share a
    partition number); ``event_ms`` orders the stream. ``reason`` is the reject reason an invalid
    message should get; ``duplicate`` marks the second copy of an outcome; ``early`` an outcome sent
    before its prediction."""

    kind: Kind
    key: bytes
    value: bytes
    event_ms: int
    index: int
    valid: bool = True
    reason: str | None = None
    duplicate: bool = False
    early: bool = False


def generate(scenario: Scenario, features: FeatureLists) -> Iterator[SimEvent]:
    """Every message of the scenario, in event-time order. Pure and deterministic for a seed.

    ``features`` are the model's declared features; the predictions carry exactly those.
    """
    breaker = _Breaker(scenario)
    pending: list[tuple[int, int, int, SimEvent]] = []
    sequence = 0
    for block in iter_blocks(scenario, features, scenario.count):
        for event, order in _outcomes(scenario, block):
            heapq.heappush(pending, (event.event_ms, order, sequence, event))
            sequence += 1
        for prediction in _predictions(scenario, block):
            while pending and pending[0][:2] < (prediction.event_ms, _PREDICTION):
                yield from breaker.emit(heapq.heappop(pending)[3])
            yield from breaker.emit(prediction)
    while pending:
        yield from breaker.emit(heapq.heappop(pending)[3])


def _predictions(scenario: Scenario, block: Block) -> Iterator[SimEvent]:
    numerical = {name: _numbers(name, values) for name, values in block.numerical.items()}
    categorical = {
        name: np.array(block.labels[name], dtype=object)[codes].tolist()
        for name, codes in block.categorical.items()
    }
    columns = {**numerical, **categorical}
    names = tuple(columns)
    scored = block.scored
    scores = np.round(scored.score, 5).tolist()
    countries = np.array(COUNTRIES[0], dtype=object)[block.country].tolist()
    channels = np.array(CHANNELS[0], dtype=object)[block.channel].tolist()
    rows = zip(
        block.timestamp_ms.tolist(), scores, scored.prediction.tolist(), scored.arm.tolist(), strict=True
    )
    for row, (ts, score, predicted, arm) in enumerate(rows):
        index = block.start + row
        prediction_id = scenario.prediction_id(index)
        event: dict[str, object] = {
            "model": scenario.model,
            "model_version": scenario.model_version,
            "prediction_id": prediction_id,
            "timestamp": ts,
            "features": {name: columns[name][row] for name in names},
            "prediction": "1" if predicted else "0",
            "score": score,
            "probabilities": {"0": round(1.0 - score, 5), "1": score},
            "segment": {"country": countries[row], "channel": channels[row]},
        }
        if arm >= 0:
            event["campaign"] = {"id": CAMPAIGN_ID, "arm": ARM_NAMES[arm]}
        yield SimEvent("predictions", prediction_id.encode(), _dump(event), ts, index)


def _numbers(name: str, values: FloatArray) -> list[float | int | None]:
    """JSON values of a numerical column: null for missing, integers for whole counts."""
    as_list: list[float] = np.round(values, 4).tolist()
    if name in INTEGER_FEATURES:
        return [None if v != v else int(v) if v.is_integer() else v for v in as_list]
    return [None if v != v else v for v in as_list]


def _outcomes(scenario: Scenario, block: Block) -> Iterator[tuple[SimEvent, int]]:
    """The block's outcome messages (not yet in order), each with its heap tie-break order."""
    rng = block_rng(scenario, block.start // BLOCK_ROWS, _OUTCOMES)
    n, draws = len(block), BLOCK_ROWS  # always draw a full block, so a prefix is stable
    arrives = rng.random(draws)[:n] >= scenario.missing_outcome_share
    delay = scenario.outcome_delay_ms * np.exp(rng.normal(0.0, DELAY_JITTER_SIGMA, draws)[:n])
    twice = rng.random(draws)[:n] < scenario.duplicate_outcome_share
    retry = 1 + np.round(rng.exponential(RETRY_MEAN_MS, draws)[:n])
    early = rng.random(draws)[:n] < scenario.early_outcome_share
    lead = np.floor(rng.random(draws)[:n] * scenario.interval_ms)
    ts = block.timestamp_ms
    previous = scenario.start_ms + np.round((np.arange(n) + block.start - 1) * scenario.interval_ms)
    # An early outcome lands between the previous prediction and its own, so the stream stays ordered.
    when = np.where(early, np.maximum(ts - lead, previous), ts + np.round(delay)).astype(np.int64)
    labels = block.scored.label.tolist()
    for row in np.flatnonzero(arrives).tolist():
        index = block.start + row
        key = scenario.prediction_id(index).encode()
        value = _dump(
            {
                "model": scenario.model,
                "prediction_id": scenario.prediction_id(index),
                "timestamp": int(when[row]),
                "label": "1" if labels[row] else "0",
            }
        )
        first = SimEvent("outcomes", key, value, int(when[row]), index, early=bool(early[row]))
        yield first, _EARLY if early[row] else _LATE
        if twice[row]:
            again = SimEvent("outcomes", key, value, int(when[row] + retry[row]), index, duplicate=True)
            yield again, _LATE


class _Breaker:
    """Interleaves broken messages: after each valid one, k broken ones with P(k) = (1 - s) s^k, so
    that a share s of all messages is broken."""

    def __init__(self, scenario: Scenario) -> None:
        self._share = scenario.invalid_share
        self._rng = np.random.default_rng([scenario.seed, _INVALID])
        self._seed = scenario.seed
        self._counts: list[int] = []
        self._made = 0

    def emit(self, event: SimEvent) -> Iterator[SimEvent]:
        yield event
        if self._share <= 0:
            return
        if not self._counts:
            self._counts = (self._rng.geometric(1.0 - self._share, 4096) - 1).tolist()
        for _ in range(self._counts.pop()):
            bad_id = f"{self._seed}-bad-{self._made}"
            self._made += 1
            value, reason = broken_copy(event.value, bad_id, self._rng)
            yield SimEvent(event.kind, bad_id.encode(), value, event.event_ms, -1, valid=False, reason=reason)


def _dump(event: dict[str, object]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()
