"""``monitor campaign report ID [--digest]`` through the real CLI app, on a chDB store with simulated traffic:
the summary table, the digest printed without a token and posted to the Slack stand-in with one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.slack.standin import SlackStandIn
from connectors.store.base import WriteBatch
from connectors.store.factory import open_store
from monitor.cli import app
from monitor.config_loader import load_config
from monitor.jobs.windows import iso_ms
from tests.integration.campaign_data import simulate

AT = "2026-11-02T06:00:00Z"
TOKEN = "xoxb-cli-campaign-token"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped config on a filled chDB store, the campaign maturing after 6 hours."""
    for variable in ("MONITOR_STORE_URL", "MONITOR_CONFIG", "SLACK_BOT_TOKEN", "MONITOR_WEB_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    data = yaml.safe_load(Path("config/monitor.yaml").read_text())
    data["store"]["url"] = f"chdb://{tmp_path}/chdb"
    data["web"] = {"alerts_file": str(tmp_path / "alerts.jsonl")}
    data["campaigns"]["winback"]["maturity_days"] = 0.25
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data))
    config = load_config(path, env={})
    store = open_store(config.store.url.get_secret_value())
    store.ensure_schema()
    predictions, outcomes = simulate(config)
    store.write(WriteBatch(predictions, outcomes, (), received_ms=1))
    store.close()  # one chDB directory per process at a time: the command opens it again
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["campaign", "report", *args])
    return result.exit_code, result.stdout


def test_report_prints_the_summary_and_writes_nothing(config_file: Path) -> None:
    code, out = invoke("winback", "--config", str(config_file), "--at", AT)
    assert code == 0, out
    for text in ("campaign winback", "treatment", "control", "absolute lift", "verdict", "maturity cut-off"):
        assert text in out
    assert "2026-11-02 00:00 UTC" in out  # the cut-off: 6 hours before --at
    store = open_store(f"chdb://{config_file.parent}/chdb")
    try:
        assert store.read_campaign_feed("winback", 0, iso_ms(AT) + 1) == []
    finally:
        store.close()
    assert not (config_file.parent / "alerts.jsonl").exists()


def test_digest_without_a_token_is_printed_and_recorded(config_file: Path) -> None:
    code, out = invoke("winback", "--config", str(config_file), "--at", AT, "--digest")
    assert code == 0, out
    assert "--- Slack #growth-ml-alerts (Campaign winback: digest) ---" in out
    (record,) = [json.loads(line) for line in (config_file.parent / "alerts.jsonl").read_text().splitlines()]
    assert record["kind"] == "digest" and record["receiver"] == "growth"


def test_digest_with_a_token_goes_to_slack_with_a_page_link(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SlackStandIn(token=TOKEN, channels={"growth-ml-alerts"}) as standin:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("MONITOR_SLACK_BASE_URL", standin.base_url)
        monkeypatch.setenv("MONITOR_WEB_BASE_URL", "https://monitor.example.com")
        code, out = invoke("winback", "--config", str(config_file), "--at", AT, "--digest")
        assert code == 0, out
        (message,) = standin.messages.values()
    assert message["text"].startswith("Campaign winback: digest")
    assert "https://monitor.example.com/campaigns/winback" in json.dumps(message["blocks"])
    assert TOKEN not in out


def test_digest_that_cannot_be_delivered_exits_2(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SlackStandIn(token="xoxb-another") as standin:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("MONITOR_SLACK_BASE_URL", standin.base_url)
        assert invoke("winback", "--config", str(config_file), "--at", AT, "--digest")[0] == 2


def test_unknown_campaign_and_bad_time_exit_1(config_file: Path) -> None:
    assert invoke("spring", "--config", str(config_file))[0] == 1
    assert invoke("winback", "--config", str(config_file), "--at", "yesterday")[0] == 1
