"""The Slack receiver against the in-process stand-in: post, edit in place, retries to a deadline."""

from __future__ import annotations

import time

from alerts.notify_log import Reason
from connectors.slack import FailureKind, MessageRef, SlackReceiver
from connectors.slack.standin import SlackStandIn
from tests.unit.slack.conftest import CHANNEL, FAST, TOKEN, drift, notification


def test_posts_then_updates_the_same_message_on_resolve(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    firing = (drift("age"), drift("income"), drift("tenure"))
    first = receiver.send(notification(firing))
    assert first.ok and first.method == "chat.postMessage" and first.ref is not None
    assert first.ref.channel == standin.channel_id(CHANNEL)

    resolved = tuple(a.resolve(a.starts_at) for a in firing)  # type: ignore[arg-type]
    second = receiver.send(notification(resolved=resolved, seq=2, reason=Reason.ALL_RESOLVED), first.ref)

    assert second.ok and second.method == "chat.update" and second.ref == first.ref
    assert [c.method for c in standin.successful()] == ["chat.postMessage", "chat.update"]
    (message,) = standin.messages.values()
    assert message["text"].startswith(":white_check_mark: churn: resolved")


def test_new_firing_alerts_are_posted_anew_so_the_channel_hears_of_them(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    first = receiver.send(notification((drift("age"),)))
    more = notification((drift("age"), drift("income")), seq=2, reason=Reason.NEW_FIRING)
    second = receiver.send(more, first.ref)
    assert second.method == "chat.postMessage" and second.ref != first.ref


def test_an_update_of_a_deleted_message_posts_a_new_one(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    gone = MessageRef(standin.channel_id(CHANNEL), "1600000000.000001")
    result = receiver.send(notification((drift("age"),), seq=2, reason=Reason.NEWLY_RESOLVED), gone)
    assert result.ok and result.method == "chat.postMessage"
    assert [c.error for c in standin.calls] == ["message_not_found", None]


def test_rate_limit_waits_for_retry_after_then_delivers_once(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    standin.rate_limit(times=1, retry_after=1)
    started = time.monotonic()
    result = receiver.send(notification((drift("age"),)))
    assert time.monotonic() - started >= 1.0
    assert result.ok and result.attempts == 2
    assert [c.status for c in standin.calls] == [429, 200]
    assert len(standin.messages) == 1


def test_server_errors_are_retried_with_backoff(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    standin.server_error(times=2)
    result = receiver.send(notification((drift("age"),)))
    assert result.ok and result.attempts == 3
    assert [c.status for c in standin.calls] == [500, 500, 200]


def test_unknown_channel_is_reported_not_retried(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    result = receiver.send(notification((drift("age"),), receiver="lost"))
    assert not result.ok and not result.retryable
    assert (result.kind, result.code, result.attempts) == (FailureKind.CHANNEL, "channel_not_found", 1)
    assert len(standin.calls) == 1


def test_invalid_token_is_reported_not_retried(standin: SlackStandIn) -> None:
    wrong = SlackReceiver("xoxb-wrong", standin.base_url, {"growth": (CHANNEL, None)}, backoff=FAST)
    result = wrong.send(notification((drift("age"),)))
    assert (result.ok, result.retryable, result.kind, result.code) == (
        False,
        False,
        FailureKind.AUTH,
        "invalid_auth",
    )
    assert len(standin.calls) == 1
    assert not wrong.check().ok and SlackReceiver(TOKEN, standin.base_url).check().ok


def test_outage_beyond_the_deadline_is_retryable_and_a_later_send_delivers_once(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    standin.down_for(0.8, drop=True)
    note = notification((drift("age"),))
    started = time.monotonic()
    failed = receiver.send(note, retry_for=0.3)
    assert time.monotonic() - started < 0.8
    assert not failed.ok and failed.retryable and failed.kind is FailureKind.CONNECTION
    assert failed.attempts >= 2 and not standin.messages

    time.sleep(max(0.0, started + 0.85 - time.monotonic()))
    delivered = receiver.send(note)
    assert delivered.ok and delivered.attempts == 1
    assert len(standin.messages) == 1 and len(standin.successful("chat.postMessage")) == 1


def test_a_503_outage_is_retried_until_slack_is_back(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    standin.down_for(0.3)
    result = receiver.send(notification((drift("age"),)))
    assert result.ok and result.attempts >= 2
    assert {c.status for c in standin.calls} == {503, 200}


def test_connection_refused_is_retryable(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    standin.stop()
    result = receiver.send(notification((drift("age"),)), retry_for=0.1)
    assert not result.ok and result.retryable and result.kind is FailureKind.CONNECTION
    standin.start()  # same port: Slack is back
    assert receiver.send(notification((drift("age"),))).ok


def test_sixty_alerts_are_truncated_to_the_block_limit(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    result = receiver.send(notification(tuple(drift(f"f{i:02d}") for i in range(60))))
    assert result.ok and result.truncated
    (call,) = standin.calls
    assert call.blocks is not None and len(call.blocks) <= 50
    shown = sum("feature drift" in str(b) for b in call.blocks)
    assert any(f"… and {60 - shown} more" in str(b) for b in call.blocks)
    assert f"… and {60 - shown} more" in (call.text or "")


def test_a_retry_after_beyond_the_deadline_returns_at_once_with_the_wait(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    standin.rate_limit(times=1, retry_after=120)
    started = time.monotonic()
    result = receiver.send(notification((drift("age"),)), retry_for=5.0)
    assert time.monotonic() - started < 1.0
    assert result.retryable and result.kind is FailureKind.RATE_LIMITED and result.retry_after == 120.0


def test_an_update_without_a_known_message_is_posted(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    result = receiver.send(notification((drift("age"),), seq=3, reason=Reason.NEWLY_RESOLVED), None)
    assert result.ok and result.method == "chat.postMessage"


def test_a_receiver_without_a_channel_is_a_config_failure(receiver: SlackReceiver) -> None:
    result = receiver.send(notification((drift("age"),), receiver="nobody"))
    assert (result.ok, result.kind, result.retryable) == (False, FailureKind.CONFIG, False)
