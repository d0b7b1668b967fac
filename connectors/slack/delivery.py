"""Where messages go, what a delivery attempt returns, the backoff between attempts, and which Slack
failures are worth retrying (Alertmanager's ``notify/util.go``: every failure says whether it is
retryable and why).

Retryable: rate limited (HTTP 429, honouring ``Retry-After``), Slack-side errors (5xx, ``internal_error``)
and the network (refused, reset, timed out). Not retryable: auth, channel and payload errors, which
need a person to fix the token, invite the bot or fix the message; retrying them only floods the log.
"""

from __future__ import annotations

import http.client
import random
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, NamedTuple, Protocol
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from alerts.notify_log import Notification

AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission"}
    | {"missing_scope", "not_allowed_token_type", "ekm_access_denied", "team_access_not_granted"}
)
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action"})
SERVER_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# A message that cannot be edited (deleted, or too old) is posted again instead.
UPDATE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
NETWORK_ERRORS = (URLError, ConnectionError, TimeoutError, socket.timeout, http.client.HTTPException)
DELIVERY_ERRORS = (SlackApiError, *NETWORK_ERRORS)


class FailureKind(StrEnum):
    AUTH = "auth"
    CHANNEL = "channel"
    CLIENT = "client"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    CONNECTION = "connection"
    CONFIG = "config"


RETRYABLE = frozenset({FailureKind.RATE_LIMITED, FailureKind.SERVER, FailureKind.CONNECTION})


class MessageRef(NamedTuple):
    """Where a posted message lives: Slack's channel ID and the message ``ts``. The caller persists it per
    group key and passes it back, so later notifications of the group edit the same message."""

    channel: str
    ts: str


class Destination(NamedTuple):
    """Where a receiver's messages go, and whom critical alerts ping."""

    channel: str
    mention: str | None = None


# Receiver name -> where its messages go; plain (channel, mention) tuples are accepted.
Channels = Mapping[str, Destination | tuple[str, str | None]]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``initial * factor**(attempt-1)`` capped at ``maximum``, +/- ``jitter`` share."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 60.0
    jitter: float = 0.2

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        base = min(self.initial * self.factor ** max(attempt - 1, 0), self.maximum)
        return base * (1 + self.jitter * (2 * rand() - 1))


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of ``send``. On failure, ``retryable`` tells the caller to keep the notification pending
    (retry later, after ``retry_after`` seconds if Slack said so) or to report it to a person."""

    ok: bool
    ref: MessageRef | None = None
    kind: FailureKind | None = None
    reason: str = ""
    code: str = ""
    retry_after: float | None = None
    attempts: int = 0
    method: str = ""
    truncated: bool = False

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @classmethod
    def failed(
        cls, kind: FailureKind, reason: str, code: str = "", retry_after: float | None = None
    ) -> DeliveryResult:
        return cls(ok=False, kind=kind, reason=reason, code=code, retry_after=retry_after)


class Notifier(Protocol):
    """A receiver integration: the Slack one and the console one share it."""

    def send(
        self,
        notification: Notification,
        previous: MessageRef | None = None,
        *,
        retry_for: float | None = None,
    ) -> DeliveryResult:
        """Deliver ``notification``; edit ``previous`` when the notification updates that message."""


def classify(error: Exception, method: str) -> DeliveryResult:
    """One of ``DELIVERY_ERRORS`` as a failed result with its kind and reason (the exception text is not
    kept: a reason names the method, the Slack error code and the HTTP status or network error)."""
    if isinstance(error, SlackApiError):
        result = classify_api_error(error.response.status_code, _error_code(error), error.response.headers)
    else:
        detail = getattr(error, "reason", None) or error
        result = DeliveryResult.failed(FailureKind.CONNECTION, f"{type(error).__name__}: {detail}")
    return replace(result, reason=f"{method}: {result.reason}", method=method)


def classify_api_error(status: int, code: str, headers: Mapping[str, Any]) -> DeliveryResult:
    """A Slack Web API answer that is not ``ok``, by HTTP status and Slack error code."""
    reason = f"slack error {code or 'unknown'} (HTTP {status})"
    if status == 429 or code == "ratelimited":
        return DeliveryResult.failed(FailureKind.RATE_LIMITED, reason, code, retry_after_of(headers))
    if status >= 500 or code in SERVER_ERRORS:
        return DeliveryResult.failed(FailureKind.SERVER, reason, code, retry_after_of(headers))
    if code in AUTH_ERRORS:
        return DeliveryResult.failed(FailureKind.AUTH, reason, code)
    if code in CHANNEL_ERRORS:
        return DeliveryResult.failed(FailureKind.CHANNEL, reason, code)
    return DeliveryResult.failed(FailureKind.CLIENT, reason, code)


def retry_after_of(headers: Mapping[str, Any]) -> float | None:
    """Seconds from a ``Retry-After`` header (any case; slack_sdk may give a list), None if absent or bad."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(first), 0.0)
            except (TypeError, ValueError):
                return None
    return None


def _error_code(error: SlackApiError) -> str:
    data = error.response.data
    return str(data.get("error", "")) if isinstance(data, dict) else ""
