"""Pure pieces of the ingest loop: collecting a batch of messages, parsing it into a write batch, the
reject-rate limit, backoff.

Nothing here does I/O or reads a clock: callers pass ``now`` values, so tests can drive time.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from connectors.kafka.base import Message, TopicPartition
from connectors.store.base import WriteBatch
from monitor.config_model import ModelSpec
from monitor.events import DeadLetter, InvalidMessage, Outcome, Prediction, SourcePosition
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction


@dataclass(frozen=True)
class TopicRoles:
    """Which topic carries which kind of event."""

    predictions: str
    outcomes: str


@dataclass
class Parser:
    """Parses a message by the role of its topic; rejects become dead letters, never exceptions."""

    roles: TopicRoles
    models: Mapping[str, ModelSpec]
    limits: ParseLimits

    def parse(self, message: Message, now_ms: int) -> Prediction | Outcome | DeadLetter:
        parse: Callable[..., Prediction | Outcome] = (
            parse_prediction if message.topic == self.roles.predictions else parse_outcome
        )
        try:
            return parse(message.value, self.models, now_ms, self.limits)
        except InvalidMessage as exc:
            position = SourcePosition(message.topic, message.partition, message.offset)
            return DeadLetter(position, message.value, exc.reason, exc.detail, now_ms)


@dataclass
class MessageBatch:
    """Collects polled messages, unparsed, until the batch is full or old enough to hand over."""

    max_messages: int
    max_seconds: float
    messages: list[Message] = field(default_factory=list)
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    started_at: float | None = None

    def add(self, messages: Sequence[Message], now: float) -> None:
        """Append one poll's messages (in partition order, as the source returns them)."""
        if not messages:
            return
        self.messages.extend(messages)
        offsets = self.next_offsets
        for m in messages:
            tp = (m.topic, m.partition)
            if m.offset >= offsets.get(tp, 0):
                offsets[tp] = m.offset + 1
        if self.started_at is None:
            self.started_at = now

    def __len__(self) -> int:
        return len(self.messages)

    def is_due(self, now: float) -> bool:
        """Full, or holding messages for longer than ``max_seconds``."""
        if len(self.messages) >= self.max_messages:
            return True
        return self.started_at is not None and now - self.started_at >= self.max_seconds

    def take(self) -> tuple[list[Message], dict[TopicPartition, int]]:
        """The messages to write, and the offsets to commit once they are durable; starts a new batch."""
        result = (self.messages, self.next_offsets)
        self.messages, self.next_offsets, self.started_at = [], {}, None
        return result


class RejectRateExceeded(RuntimeError):
    """Nearly every recent message was rejected: the producer is misconfigured. Ingest stops loudly."""


@dataclass
class RejectRateLimit:
    """Trips when more than ``ratio`` of the last ``window`` messages were rejected."""

    ratio: float
    window: int
    _recent: deque[bool] = field(default_factory=deque)
    _rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def record(self, rejected: DeadLetter | None) -> None:
        self._recent.append(rejected is not None)
        self._rejected += rejected is not None
        if rejected is not None:
            self.reasons[rejected.reason.value] += 1
        if len(self._recent) > self.window:
            self._rejected -= self._recent.popleft()

    def tripped(self) -> bool:
        return len(self._recent) >= self.window and self._rejected > self.ratio * self.window

    def explain(self) -> str:
        top = ", ".join(f"{reason} x{n}" for reason, n in self.reasons.most_common(3))
        return (
            f"{self._rejected} of the last {len(self._recent)} messages were rejected "
            f"(limit {self.ratio:.0%}); most common reasons: {top}. Check the producers' event format."
        )


def parse_batch(
    parser: Parser, messages: Sequence[Message], received_ms: int, limit: RejectRateLimit
) -> WriteBatch:
    """The write batch of ``messages`` (each parsed as of ``received_ms``), every one recorded in ``limit``.

    ``received_ms`` is also the batch's version: parsing the same messages again with the same value
    gives the same rows, so a retried or replayed batch is the same write."""
    predictions: list[Prediction] = []
    outcomes: list[Outcome] = []
    dead_letters: list[DeadLetter] = []
    parse, record = parser.parse, limit.record
    for message in messages:
        parsed = parse(message, received_ms)
        if isinstance(parsed, Prediction):
            predictions.append(parsed)
            record(None)
        elif isinstance(parsed, Outcome):
            outcomes.append(parsed)
            record(None)
        else:
            dead_letters.append(parsed)
            record(parsed)
    return WriteBatch(predictions, outcomes, dead_letters, received_ms)


@dataclass
class Backoff:
    """Exponential backoff between store retries: 0.5 s, 1 s, 2 s ... capped at ``max_seconds``."""

    max_seconds: float
    first_seconds: float = 0.5
    attempts: int = 0

    def next_delay(self) -> float:
        delay = min(self.max_seconds, self.first_seconds * 2.0**self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0
