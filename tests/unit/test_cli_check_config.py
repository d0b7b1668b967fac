"""``monitor check-config`` and ``monitor config-schema`` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.commands.check_config import config_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "config"
SCHEMA_FILE = ROOT / "config" / "monitor.schema.json"


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    # check-config applies the process environment; a developer's shell must not change the results.
    for variable in ("MONITOR_KAFKA_BOOTSTRAP", "MONITOR_STORE_URL", "MONITOR_CONFIG"):
        monkeypatch.delenv(variable, raising=False)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_good_config_exits_0() -> None:
    path = FIXTURES / "good" / "minimal.yaml"
    code, out, err = invoke("check-config", str(path))
    assert code == 0
    assert out == f"OK: {path}: 1 model, 1 team\n"
    assert err == ""


def test_config_option_is_used_without_an_argument() -> None:
    path = FIXTURES / "good" / "everything.yaml"
    code, out, _ = invoke("check-config", "--config", str(path))
    assert (code, out) == (0, f"OK: {path}: 2 models, 2 teams\n")


def test_bad_config_prints_file_line_message_and_exits_1() -> None:
    path = FIXTURES / "bad" / "undefined_teams.yaml"
    code, out, err = invoke("check-config", str(path))
    assert code == 1
    assert out.splitlines() == [
        f"{path}:8: models.churn.team: team 'growht' is not defined under `teams`",
        f"{path}:13: models.fraud.team: team 'risk' is not defined under `teams`",
    ]
    assert err == f"2 errors in {path}\n"


def test_messages_with_brackets_are_printed_verbatim(tmp_path: Path) -> None:
    # Rich would swallow "[key]" as markup; the plain output must keep it.
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\nteams:\n  1:\n    slack_channel: '#x'\nmodels: {}\n", encoding="utf-8")
    code, out, _ = invoke("check-config", str(path))
    assert code == 1
    assert f"{path}:3: teams.1.[key]: Input should be a valid string" in out.splitlines()


def test_store_password_is_not_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_STORE_URL", "clickhouse://u:s3cret@h:9000/db?bad")
    code, out, err = invoke("check-config", str(FIXTURES / "good" / "minimal.yaml"))
    assert code == 1
    assert "MONITOR_STORE_URL" in out
    assert "s3cret" not in out + err


def test_config_schema_goes_to_stdout() -> None:
    code, out, _ = invoke("config-schema")
    assert code == 0
    assert out == schema_text()
    assert json.loads(out)["title"].startswith("Model monitor configuration")


def test_config_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert invoke("config-schema", "--output", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == schema_text()


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "config/monitor.schema.json is stale: regenerate it with "
        "`monitor config-schema --output config/monitor.schema.json`"
    )


def test_schema_describes_every_field_and_hides_no_default() -> None:
    schema = config_schema()
    nodes = [schema, *schema["$defs"].values()]
    undescribed = [
        f"{node.get('title')}.{name}"
        for node in nodes
        for name, field in node["properties"].items()
        if "description" not in field
    ]
    assert not undescribed
    assert schema["$defs"]["Store"]["properties"]["url"]["default"] == "chdb://.monitor/chdb"
