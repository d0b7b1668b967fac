"""Without a token: the console receiver prints the message and appends it as JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

from alerts.notify_log import Reason
from connectors.slack import ConsoleReceiver, SlackReceiver, receiver_from_env
from tests.unit.slack.conftest import T0, drift, notification


def test_prints_and_appends_json_lines(tmp_path: Path) -> None:
    out, path = io.StringIO(), tmp_path / "alerts.jsonl"
    console = ConsoleReceiver({"growth": ("ml-growth", None)}, path, out)
    first = console.send(notification((drift("age"),)))
    second = console.send(
        notification(resolved=(drift("age").resolve(T0),), seq=2, reason=Reason.ALL_RESOLVED), first.ref
    )
    assert first.ok and second.ok and second.ref == first.ref
    assert "--- Slack ml-growth ---\n:large_orange_circle: churn: feature age drifted" in out.getvalue()
    assert "--- Slack ml-growth (update) ---\n:white_check_mark: churn: resolved" in out.getvalue()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["updates"] for r in records] == [None, first.ref.ts if first.ref else None]
    assert records[0]["channel"] == "ml-growth" and records[0]["blocks"][0]["type"] == "header"


def test_the_environment_chooses_the_receiver(tmp_path: Path) -> None:
    channels = {"growth": ("ml-growth", None)}
    assert isinstance(receiver_from_env(channels, {}), ConsoleReceiver)
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "MONITOR_SLACK_BASE_URL": "http://127.0.0.1:9/api/"}
    slack = receiver_from_env(channels, env)
    assert isinstance(slack, SlackReceiver) and slack.base_url == "http://127.0.0.1:9/api/"
