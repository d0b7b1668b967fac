"""The Slack receiver: one Block Kit message per group, edited in place as the group changes.

Retries follow Alertmanager's ``retry_stage``: retryable failures are tried again with exponential
backoff (never sooner than Slack's ``Retry-After``) until the deadline, then returned as retryable so the
caller keeps the notification pending: a Slack outage delays a notification, it never drops it.
slack_sdk's own retry handlers are off, because they sleep without regard to the deadline.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from pydantic import SecretStr
from slack_sdk import WebClient

from alerts.notify_log import Notification, Reason
from connectors.slack.blocks import Block, Rendered, render
from connectors.slack.delivery import (
    DELIVERY_ERRORS,
    UPDATE_GONE,
    Backoff,
    Channels,
    DeliveryResult,
    Destination,
    FailureKind,
    MessageRef,
    classify,
)

__all__ = [
    "BASE_URL_ENV",
    "POST_NEW_ON",
    "Backoff",
    "Destination",
    "SlackReceiver",
]  # Backoff, Destination: re-exported

log = logging.getLogger(__name__)

BASE_URL_ENV = "MONITOR_SLACK_BASE_URL"
# New firing alerts and reminders are posted anew so the channel is notified; an edit is silent.
POST_NEW_ON: frozenset[str] = frozenset({Reason.NEW_FIRING, Reason.REPEAT})


class SlackReceiver:
    """Sends notifications to each receiver's channel with slack_sdk's WebClient.

    ``token``: the bot token (kept as a SecretStr; never logged, never in results or reprs).
    ``base_url``: the Web API root; default ``$MONITOR_SLACK_BASE_URL``, else Slack's.
    ``retry_for``: default seconds ``send`` keeps retrying. ``sleep`` / ``clock`` are injectable for tests.
    Holds no state between calls (a client per attempt), so one instance may serve several threads.
    """

    DEFAULT_BASE_URL = WebClient.BASE_URL

    def __init__(
        self,
        token: SecretStr | str,
        base_url: str | None = None,
        channels: Channels | None = None,
        *,
        retry_for: float = 60.0,
        backoff: Backoff | None = None,
        request_timeout: float = 10.0,
        post_new_on: Collection[str] = POST_NEW_ON,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        self.base_url = base_url or os.environ.get(BASE_URL_ENV) or self.DEFAULT_BASE_URL
        self.channels = {name: Destination(*dest) for name, dest in (channels or {}).items()}
        self.retry_for = retry_for
        self.backoff = backoff or Backoff()
        self.request_timeout = request_timeout
        self.post_new_on = frozenset(post_new_on)
        self._sleep, self._clock = sleep, clock

    def __repr__(self) -> str:
        return f"SlackReceiver(base_url={self.base_url!r}, receivers={sorted(self.channels)!r})"

    def send(
        self,
        notification: Notification,
        previous: MessageRef | None = None,
        *,
        retry_for: float | None = None,
    ) -> DeliveryResult:
        """Post the group's message, or edit ``previous`` (the ref a former result returned) when the
        notification updates or resolves it. Retries retryable failures for ``retry_for`` seconds."""
        dest = self.channels.get(notification.receiver)
        if dest is None:
            reason = f"no Slack channel configured for receiver {notification.receiver!r}"
            return DeliveryResult.failed(FailureKind.CONFIG, reason)
        rendered = render(notification, dest.mention)
        if rendered.truncated:
            log.warning(
                "Slack message for %s truncated: %d alerts omitted (group %s)",
                notification.receiver, rendered.omitted, notification.group_key,
            )  # fmt: skip
        edit = previous if self._edits(notification) else None
        deadline = self._clock() + (self.retry_for if retry_for is None else retry_for)
        result = self._with_retries(
            lambda timeout: self._once(dest.channel, rendered, edit, timeout), deadline
        )
        return replace(result, truncated=rendered.truncated)

    def post_digest(
        self, receiver: str, title: str, text: str, blocks: Sequence[Block], *, retry_for: float | None = None
    ) -> DeliveryResult:
        """Post a report (a campaign digest) to ``receiver``'s channel: always a new message, with the
        retries and deadline of ``send``. ``title`` names it in the log; ``text`` is the fallback."""
        dest = self.channels.get(receiver)
        if dest is None:
            return DeliveryResult.failed(
                FailureKind.CONFIG, f"no Slack channel configured for receiver {receiver!r}"
            )
        msg = Rendered(list(blocks), text)
        deadline = self._clock() + (self.retry_for if retry_for is None else retry_for)
        result = self._with_retries(lambda timeout: self._once(dest.channel, msg, None, timeout), deadline)
        if result.ok:
            log.info("posted %r to %s (%s)", title, receiver, dest.channel)
        return result

    def check(self, retry_for: float = 0.0) -> DeliveryResult:
        """``auth.test``: is the token valid and Slack reachable? For start-up checks."""
        return self._with_retries(lambda timeout: self._call_auth_test(timeout), self._clock() + retry_for)

    def _edits(self, notification: Notification) -> bool:
        return notification.is_update and notification.reason not in self.post_new_on

    def _with_retries(self, attempt: Callable[[float], DeliveryResult], deadline: float) -> DeliveryResult:
        n = 0
        while True:
            n += 1
            result = replace(attempt(self._timeout(deadline)), attempts=n)
            if result.ok or not result.retryable:
                if not result.ok:
                    log.error("Slack delivery failed, not retrying: %s", result.reason)
                return result
            wait = max(self.backoff.delay(n), result.retry_after or 0.0)
            if self._clock() + wait > deadline:
                log.warning("Slack delivery failed after %d attempts, will retry later: %s", n, result.reason)
                return result
            log.info("Slack delivery attempt %d failed (%s), retrying in %.2fs", n, result.reason, wait)
            self._sleep(wait)

    def _timeout(self, deadline: float) -> float:
        # Each request gets at most the time left (at least 1 s, so a last attempt can still answer).
        return max(min(self.request_timeout, deadline - self._clock()), 1.0)

    def _once(self, channel: str, msg: Rendered, edit: MessageRef | None, timeout: float) -> DeliveryResult:
        client = self._client(timeout)
        if edit is not None:
            result = self._call(client.chat_update, "chat.update", channel=edit.channel, ts=edit.ts, msg=msg)
            if result.ok or result.code not in UPDATE_GONE:
                return result
            log.info("Slack message %s is gone (%s); posting a new one", edit.ts, result.reason)
        return self._call(client.chat_postMessage, "chat.postMessage", channel=channel, msg=msg)

    def _call(
        self, method: Callable[..., object], name: str, *, channel: str, msg: Rendered, ts: str | None = None
    ) -> DeliveryResult:
        extra = {"ts": ts} if ts is not None else {}
        try:
            response = method(channel=channel, text=msg.text, blocks=msg.blocks, link_names=True, **extra)
        except DELIVERY_ERRORS as error:
            return classify(error, name)
        ref = MessageRef(str(response["channel"]), str(response["ts"]))  # type: ignore[index]
        return DeliveryResult(ok=True, ref=ref, method=name)

    def _call_auth_test(self, timeout: float) -> DeliveryResult:
        try:
            self._client(timeout).auth_test()
        except DELIVERY_ERRORS as error:
            return classify(error, "auth.test")
        return DeliveryResult(ok=True, method="auth.test")

    def _client(self, timeout: float) -> WebClient:
        # A client per attempt: its timeout is the time left before the deadline, and no shared state.
        return WebClient(
            token=self._token.get_secret_value(),
            base_url=self.base_url,
            timeout=math.ceil(timeout),
            retry_handlers=[],
        )
