"""The campaign digest: its Block Kit rendering, and its posting by both receivers (the Slack one
against the in-process stand-in, with the retries and deadline of alert messages)."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.slack import ConsoleReceiver, FailureKind, SlackReceiver
from connectors.slack.digest import digest_title, render_digest
from connectors.slack.standin import SlackStandIn
from monitor.campaign import CampaignSummary
from monitor.campaign.srm import sample_ratio_check
from tests.unit.campaign.builders import summary
from tests.unit.slack.conftest import CHANNEL, TOKEN

PAGE = "https://monitor.example.com/campaigns/winback"


def blocks_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def skewed() -> CampaignSummary:
    s = summary()
    return replace(
        s, srm=sample_ratio_check(700, 300, 0.8), warnings=("sample ratio mismatch: 70.0% treated",)
    )


def test_headline_shows_lift_interval_and_that_it_is_conclusive() -> None:
    s = summary()
    rendered = render_digest(s, PAGE)
    header, headline, arms, cutoff, button = rendered.blocks
    assert header["text"]["text"] == ":bar_chart: Campaign winback: digest"
    text = headline["text"]["text"]
    assert text.startswith("*Lift +") and " pp* [+" in text
    assert "95% always-valid confidence sequence" in text
    assert ":white_check_mark: conclusive: the treatment works" in text
    assert [f["text"].split(":")[0] for f in arms["fields"]] == ["Treatment", "Control"]
    assert f"{s.treatment.n:,} matured" in arms["fields"][0]["text"]
    assert "customers assigned before <!date^" in cutoff["elements"][0]["text"]
    assert button["elements"][0]["url"] == PAGE
    assert (
        rendered.text.startswith("Campaign winback: digest\nLift +")
        and "2026-05-02 00:00 UTC" in rendered.text
    )


def test_inconclusive_and_empty_campaigns_say_so() -> None:
    weak = render_digest(summary(effect=0.0, n=300))
    assert "not conclusive yet: the interval includes no effect" in blocks_text(weak.blocks)
    empty = render_digest(summary(n=6))
    assert "no interval yet" in blocks_text(empty.blocks) and "Lift" in empty.text


def test_sample_ratio_mismatch_is_a_warning_block() -> None:
    rendered = render_digest(skewed())
    warnings = [b for b in rendered.blocks if ":warning:" in blocks_text([b])]
    assert len(warnings) == 1 and "Sample ratio mismatch: 70.0% treated, planned 80.0%" in blocks_text(
        warnings
    )
    assert "WARNING: Sample ratio mismatch" in rendered.text
    assert "sample ratio mismatch: 70.0%" not in blocks_text(rendered.blocks)  # said once, not twice


def test_no_button_without_a_web_address() -> None:
    for url in (None, "", "javascript:alert(1)"):
        assert all(b["type"] != "actions" for b in render_digest(summary(), url).blocks)


def test_slack_receiver_posts_the_digest_to_the_team_channel(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    rendered = render_digest(summary(), PAGE)
    result = receiver.post_digest("growth", digest_title(summary()), rendered.text, rendered.blocks)
    assert result.ok and result.method == "chat.postMessage" and result.ref is not None
    (message,) = standin.messages.values()
    assert message["channel"] == CHANNEL and message["blocks"] == rendered.blocks
    assert message["text"] == rendered.text


def test_digest_delivery_retries_like_alerts(standin: SlackStandIn, receiver: SlackReceiver) -> None:
    standin.server_error(times=2)
    rendered = render_digest(summary())
    result = receiver.post_digest("growth", "digest", rendered.text, rendered.blocks)
    assert result.ok and result.attempts == 3 and len(standin.messages) == 1
    standin.down_for(5.0)
    late = receiver.post_digest("growth", "digest", rendered.text, rendered.blocks, retry_for=0.2)
    assert not late.ok and late.retryable and late.kind is FailureKind.SERVER


def test_unknown_team_and_unknown_channel_are_not_retried(
    standin: SlackStandIn, receiver: SlackReceiver
) -> None:
    nobody = receiver.post_digest("nobody", "digest", "t", [])
    assert (nobody.ok, nobody.kind) == (False, FailureKind.CONFIG) and not standin.calls
    lost = receiver.post_digest("lost", "digest", "t", [])
    assert (lost.kind, lost.attempts) == (FailureKind.CHANNEL, 1)


def test_the_token_stays_out_of_logs_and_results(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = SlackReceiver(TOKEN, standin.base_url, {"growth": (CHANNEL, None)}, retry_for=0.2)
    standin.api_error("invalid_auth")
    result = wrong.post_digest("growth", "digest", "text", [])
    assert not result.ok and result.kind is FailureKind.AUTH
    assert TOKEN not in caplog.text + repr(result) + repr(standin.calls)


def test_console_receiver_prints_and_records_the_digest(tmp_path: Path) -> None:
    out, path = io.StringIO(), tmp_path / "alerts.jsonl"
    console = ConsoleReceiver({"growth": ("ml-growth", None)}, path, out)
    rendered = render_digest(summary())
    result = console.post_digest("growth", "Campaign winback: digest", rendered.text, rendered.blocks)
    assert result.ok
    assert out.getvalue().startswith("--- Slack ml-growth (Campaign winback: digest) ---\nCampaign winback")
    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert (record["kind"], record["receiver"], record["blocks"]) == ("digest", "growth", rendered.blocks)
