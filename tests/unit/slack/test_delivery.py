"""Which failures are retryable, and why (table-driven, no network)."""

from __future__ import annotations

import http.client
from urllib.error import URLError

import pytest

from connectors.slack.delivery import Backoff, FailureKind, classify, classify_api_error, retry_after_of


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable"),
    [
        (429, "ratelimited", FailureKind.RATE_LIMITED, True),
        (200, "ratelimited", FailureKind.RATE_LIMITED, True),
        (500, "", FailureKind.SERVER, True),
        (503, "service_unavailable", FailureKind.SERVER, True),
        (200, "internal_error", FailureKind.SERVER, True),
        (200, "invalid_auth", FailureKind.AUTH, False),
        (200, "not_authed", FailureKind.AUTH, False),
        (200, "account_inactive", FailureKind.AUTH, False),
        (200, "channel_not_found", FailureKind.CHANNEL, False),
        (200, "not_in_channel", FailureKind.CHANNEL, False),
        (200, "invalid_blocks", FailureKind.CLIENT, False),
        (200, "msg_too_long", FailureKind.CLIENT, False),
        (400, "", FailureKind.CLIENT, False),
    ],
)
def test_api_errors(status: int, code: str, kind: FailureKind, retryable: bool) -> None:
    result = classify_api_error(status, code, {})
    assert (result.ok, result.kind, result.retryable, result.code) == (False, kind, retryable, code)
    assert f"HTTP {status}" in result.reason


@pytest.mark.parametrize(
    "error",
    [
        URLError(ConnectionRefusedError(111, "Connection refused")),
        ConnectionResetError(104, "reset"),
        TimeoutError("timed out"),
        http.client.RemoteDisconnected("closed"),
    ],
)
def test_network_errors_are_retryable(error: Exception) -> None:
    result = classify(error, "chat.postMessage")
    assert result.kind is FailureKind.CONNECTION and result.retryable
    assert result.reason.startswith("chat.postMessage: ")


def test_retry_after_header_in_any_case_and_shape() -> None:
    assert retry_after_of({"Retry-After": "3"}) == 3.0
    assert retry_after_of({"retry-after": ["2"]}) == 2.0
    assert retry_after_of({"Retry-After": "soon"}) is None
    assert retry_after_of({}) is None
    assert classify_api_error(429, "ratelimited", {"Retry-After": "7"}).retry_after == 7.0


def test_backoff_grows_to_its_maximum_with_bounded_jitter() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, maximum=5.0, jitter=0.2)
    assert [backoff.delay(n, lambda: 0.5) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert backoff.delay(1, lambda: 0.0) == pytest.approx(0.8)
    assert backoff.delay(1, lambda: 1.0) == pytest.approx(1.2)
