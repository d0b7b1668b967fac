"""The bot token never reaches logs, exception texts, results, reprs or the stand-in's records
(Alertmanager's ``notify/test`` idea: prove it, with every failure path exercised at DEBUG level)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from connectors.slack import SlackReceiver, receiver_from_env
from connectors.slack.delivery import DeliveryResult, classify
from connectors.slack.standin import SlackStandIn
from tests.unit.slack.conftest import CHANNEL, FAST, TOKEN, drift, notification

Scenario = Callable[[SlackStandIn], None]
SCENARIOS: dict[str, Scenario] = {
    "rate limited": lambda s: s.rate_limit(times=2, retry_after=0),
    "server error": lambda s: s.server_error(times=2),
    "outage 503": lambda s: s.down_for(0.1),
    "connection dropped": lambda s: s.down_for(0.1, drop=True),
    "connection refused": lambda s: s.stop(),
    "auth failure": lambda s: None,  # the stand-in below expects another token
    "channel error": lambda s: s.api_error("not_in_channel"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_token_appears_nowhere(
    name: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # slack_sdk's debug logs included
    texts: list[str] = []

    def recording_classify(error: Exception, method: str) -> DeliveryResult:
        texts.extend([str(error), repr(error), repr(error.args), str(error.__cause__ or "")])
        return classify(error, method)

    monkeypatch.setattr("connectors.slack.receiver.classify", recording_classify)
    expected = "xoxb-other" if name == "auth failure" else TOKEN
    with SlackStandIn(token=expected, channels={CHANNEL}) as standin:
        receiver = SlackReceiver(TOKEN, standin.base_url, {"growth": (CHANNEL, None)}, backoff=FAST)
        SCENARIOS[name](standin)
        results = [receiver.send(notification((drift("age"),)), retry_for=0.25), receiver.check()]
        records = repr(standin.calls)

    assert texts  # a failure was met and classified
    seen = [caplog.text, *texts, records, *map(repr, results), repr(receiver), str(vars(receiver))]
    seen += list(capsys.readouterr())
    leaks = [text for text in seen if TOKEN in text]
    assert not leaks


def test_secret_types_redact_themselves() -> None:
    receiver = receiver_from_env({}, {"SLACK_BOT_TOKEN": TOKEN})
    assert isinstance(receiver, SlackReceiver)
    assert TOKEN not in f"{receiver!r} {receiver} {vars(receiver)}"
