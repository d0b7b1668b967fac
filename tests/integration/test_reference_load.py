"""`monitor reference load` from Parquet and CSV, then checks against the loaded set (embedded store)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.store.factory import open_store
from monitor.cli import app
from monitor.config_loader import load_config
from monitor.jobs.results import Check, Status
from monitor.jobs.runner import JobRunner
from monitor.simulation import Scenario, sample_frame
from tests.integration.job_data import HOUR, START, fill

runner = CliRunner()


def config_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(Path("config/monitor.yaml").read_text())
    data["store"]["url"] = f"chdb://{tmp_path}/chdb"
    data["models"]["churn"]["monitoring"] = {
        "window": "4h",
        "reference": {"kind": "file", "reference_id": "train"},
    }
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def training(n: int = 5000) -> object:
    frame = sample_frame(Scenario(count=n, start_ms=START, seed=11))
    return frame.drop(columns=["arm", "true_probability", "country", "channel", "drifted"], errors="ignore")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_load_then_check_against_the_training_set(tmp_path: Path, suffix: str) -> None:
    path = config_file(tmp_path)
    frame = training()
    file = tmp_path / f"train{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(file)
    else:
        frame.to_csv(file, index=False)
    result = runner.invoke(
        app, ["reference", "load", "churn", str(file), "--id", "train", "--config", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "loaded 5,000 rows" in result.output
    config = load_config(path, env={})
    store = open_store(config.store.url.get_secret_value())
    try:
        fill(store, config)
        run = JobRunner(config, store).run("churn", START + 30 * HOUR, report=False)
    finally:
        store.close()
    drift = {r.feature: r.status for r in run.results if r.check is Check.FEATURE_DRIFT}
    assert drift["tenure_months"] is Status.BREACH  # the drifted traffic against the training data
    assert drift["age"] is Status.OK
    assert not [r for r in run.results if r.status is Status.ERROR]


def test_a_file_without_the_model_s_features_is_refused(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    file = tmp_path / "other.csv"
    file.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["reference", "load", "churn", str(file), "--config", str(path)])
    assert result.exit_code == 1
    assert "none of churn's declared features" in result.output
    assert (
        runner.invoke(
            app, ["reference", "load", "churn", str(tmp_path / "x.json"), "--config", str(path)]
        ).exit_code
        == 1
    )
