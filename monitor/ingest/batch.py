"""Pure pieces of the ingest loop: the batch's offsets, its parsed records, the reject-rate limit, backoff.

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
class BatchOffsets:
    """What the loop keeps of the batch being built: how many messages, since when, and the offsets to
    commit once it is durable (the messages themselves are with the writer)."""

    max_messages: int
    max_seconds: float
    messages: int = 0
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    started_at: float | None = None

    def add(self, messages: Sequence[Message], now: float) -> None:
        """Count one poll's messages in."""
        if not messages:
            return
        offsets = self.next_offsets
        for m in messages:
            tp = (m.topic, m.partition)
            if m.offset >= offsets.get(tp, 0):
                offsets[tp] = m.offset + 1
        self.messages += len(messages)
        if self.started_at is None:
            self.started_at = now

    def is_due(self, now: float) -> bool:
        """Full, or holding messages for longer than ``max_seconds``."""
        if self.messages >= self.max_messages:
            return True
        return self.started_at is not None and now - self.started_at >= self.max_seconds

    def take(self) -> tuple[dict[TopicPartition, int], int]:
        """The offsets to commit once the batch is durable, and its message count; starts a new batch."""
        result = (self.next_offsets, self.messages)
        self.next_offsets, self.messages, self.started_at = {}, 0, None
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


@dataclass
class ParsedBatch:
    """The records of the batch being built, parsed as its messages arrive."""

    predictions: list[Prediction] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def add(self, parser: Parser, messages: Sequence[Message], now_ms: int, limit: RejectRateLimit) -> None:
        """Parse ``messages`` as of ``now_ms`` (a reject's receive time), each recorded in ``limit``."""
        predictions, outcomes, dead_letters = self.predictions, self.outcomes, self.dead_letters
        parse, record = parser.parse, limit.record
        for message in messages:
            parsed = parse(message, now_ms)
            if isinstance(parsed, Prediction):
                predictions.append(parsed)
                record(None)
            elif isinstance(parsed, Outcome):
                outcomes.append(parsed)
                record(None)
            else:
                dead_letters.append(parsed)
                record(parsed)

    def take(self, received_ms: int) -> WriteBatch:
        """The write batch, versioned ``received_ms``; starts a new batch."""
        batch = WriteBatch(self.predictions, self.outcomes, self.dead_letters, received_ms)
        self.predictions, self.outcomes, self.dead_letters = [], [], []
        return batch


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
