"""`monitor routes test` and `monitor silence add|list|expire` through the real CLI (embedded store)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

runner = CliRunner()


def test_routes_test_shows_the_owning_team_and_the_platform_route() -> None:
    result = runner.invoke(app, ["routes", "test", "--labels", "model=churn,check=feature_drift"])
    assert result.exit_code == 0, result.output
    assert "#growth-ml-alerts" in result.output and "growth" in result.output
    result = runner.invoke(app, ["routes", "test", "--labels", "model=churn,check=job_failing"])
    assert "ml-platform" in result.output and "#growth-ml-alerts" not in result.output


def test_routes_test_rejects_malformed_labels() -> None:
    result = runner.invoke(app, ["routes", "test", "--labels", "model"])
    assert result.exit_code == 2


def test_silence_add_list_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_STORE_URL", f"chdb://{tmp_path}/chdb")
    added = runner.invoke(app, ["silence", "add", "model=churn", "check=~.*drift", "--duration", "1h"])
    assert added.exit_code == 0, added.output
    silence_id = re.search(r"silence (\w+) active", added.output).group(1)  # type: ignore[union-attr]
    listed = runner.invoke(app, ["silence", "list"])
    assert silence_id in listed.output and "active" in listed.output
    assert runner.invoke(app, ["silence", "expire", silence_id]).exit_code == 0
    assert silence_id not in runner.invoke(app, ["silence", "list"]).output
    assert "expired" in runner.invoke(app, ["silence", "list", "--expired"]).output
    assert runner.invoke(app, ["silence", "expire", "nope"]).exit_code == 1


def test_silence_with_a_bad_matcher_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_STORE_URL", f"chdb://{tmp_path}/chdb")
    result = runner.invoke(app, ["silence", "add", "model=~(unclosed"])
    assert result.exit_code == 2
