"""The stand-in answers like Slack's Web API to slack_sdk, and records what it received."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from connectors.slack.standin import SlackStandIn
from tests.unit.slack.conftest import CHANNEL, TOKEN


def client(standin: SlackStandIn, token: str = TOKEN) -> WebClient:
    return WebClient(token=token, base_url=standin.base_url, timeout=5, retry_handlers=[])


def test_post_and_update_answer_with_channel_id_and_increasing_ts(standin: SlackStandIn) -> None:
    assert standin.base_url.endswith("/api/")
    web = client(standin)
    first = web.chat_postMessage(channel=f"#{CHANNEL}", text="one")
    second = web.chat_postMessage(channel=CHANNEL, text="two", blocks=[{"type": "divider"}])
    assert first["channel"] == second["channel"] == standin.channel_id(CHANNEL)
    assert float(first["ts"]) < float(second["ts"])
    web.chat_update(channel=first["channel"], ts=first["ts"], text="one, edited")
    assert standin.messages[(first["channel"], first["ts"])]["text"] == "one, edited"
    assert [c.method for c in standin.calls] == ["chat.postMessage", "chat.postMessage", "chat.update"]
    assert standin.calls[1].blocks == [{"type": "divider"}]
    assert all("Authorization" not in c.headers and TOKEN not in str(c) for c in standin.calls)


def test_slack_errors(standin: SlackStandIn) -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: client(standin, "xoxb-nope").auth_test(), "invalid_auth"),
        (lambda: client(standin).chat_postMessage(channel="elsewhere", text="x"), "channel_not_found"),
        (lambda: client(standin).chat_update(channel=CHANNEL, ts="1.0", text="x"), "message_not_found"),
        (lambda: client(standin).api_call("chat.delete"), "unknown_method"),
    ]
    for call, code in cases:
        with pytest.raises(SlackApiError) as caught:
            call()
        assert caught.value.response["error"] == code
    assert client(standin).auth_test()["ok"]


def test_faults_on_demand_then_recovery(standin: SlackStandIn) -> None:
    standin.rate_limit(times=1, retry_after=3)
    standin.server_error(times=1, status=502)
    standin.api_error("fatal_error")
    web = client(standin)
    statuses = []
    for _ in range(3):
        with pytest.raises(SlackApiError) as caught:
            web.chat_postMessage(channel=CHANNEL, text="x")
        statuses.append(caught.value.response.status_code)
    assert statuses == [429, 502, 200]
    assert caught.value.response["error"] == "fatal_error"
    assert standin.calls[0].status == 429
    assert web.chat_postMessage(channel=CHANNEL, text="x")["ok"]


def test_rate_limit_sends_retry_after(standin: SlackStandIn) -> None:
    standin.rate_limit(retry_after=2)
    with pytest.raises(SlackApiError) as caught:
        client(standin).chat_postMessage(channel=CHANNEL, text="x")
    assert caught.value.response.headers["Retry-After"] == "2"


def test_any_channel_by_default_and_token_as_form_parameter() -> None:
    with SlackStandIn(token="t") as standin:
        web = WebClient(base_url=standin.base_url, retry_handlers=[])
        assert web.api_call("chat.postMessage", params={"token": "t", "channel": "any", "text": "hi"})["ok"]
        assert "token" not in standin.calls[0].params
