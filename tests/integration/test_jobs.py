"""A model's checks end to end on the ClickHouse server and on chDB, with the simulator's traffic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from connectors.store.base import Store, WriteBatch
from connectors.store.factory import open_store
from monitor.config_loader import load_config
from monitor.config_model import Config
from monitor.events import Outcome, Prediction
from monitor.jobs.results import Check, Status
from monitor.jobs.runner import JobRunner
from monitor.jobs.windows import iso_ms
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction
from monitor.simulation import Scenario, generate, parse_category_shifts

START = iso_ms("2026-11-01T00:00:00Z")
HOUR = 3_600_000
SHIFTED = ("tenure_months", "monthly_charges", "support_calls_30d")


def job_config(tmp_path: Path, store_url: str) -> Config:
    shipped = yaml.safe_load(Path("config/monitor.yaml").read_text())
    churn = shipped["models"]["churn"]
    churn["monitoring"] = {
        "window": "4h",
        "reference": {"kind": "fixed", "start": "2026-11-01T00:00:00Z", "end": "2026-11-01T20:00:00Z"},
        "label_delay": "2h",
        "schedule": {"every": "1h"},
    }
    shipped["store"]["url"] = store_url
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return load_config(path, env={})


def fill(store: Store, config: Config) -> None:
    """Two days of churn traffic; features, a category share and accuracy change at hour 24."""
    count = 20_000
    scenario = Scenario(
        count=count,
        start_ms=START,
        interval_ms=48 * HOUR / count,
        drift_at=count // 2,
        shift_features=SHIFTED,
        shift_sd=0.5,
        category_shift=parse_category_shifts("plan=premium:15"),
        quality_drop=12.0,
        outcome_delay_ms=HOUR,
    )
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=10**12)
    predictions: list[Prediction] = []
    outcomes: list[Outcome] = []
    for event in generate(scenario, config.models["churn"].features):
        if event.kind == "predictions":
            predictions.append(parse_prediction(event.value, config.models, START + 50 * HOUR, limits))
        else:
            outcomes.append(parse_outcome(event.value, config.models, START + 50 * HOUR, limits))
    store.write(WriteBatch(predictions, outcomes, (), received_ms=1))


@pytest.fixture(params=["chdb", pytest.param("clickhouse", marks=pytest.mark.integration)])
def filled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    url = request.getfixturevalue("chdb_url" if request.param == "chdb" else "clickhouse_url")
    config = job_config(tmp_path, url)
    store = open_store(url)
    store.ensure_schema()
    fill(store, config)
    yield config, store
    store.close()


def statuses(results, check: Check) -> dict[str, Status]:  # type: ignore[no-untyped-def]
    return {r.feature: r.status for r in results if r.check is check}


def test_quiet_window_then_drifted_window(filled: tuple[Config, Store], tmp_path: Path) -> None:
    config, store = filled
    runner = JobRunner(config, store, report_dir=tmp_path / "reports")
    quiet = runner.run("churn", START + 22 * HOUR, report=False)
    assert statuses(quiet.results, Check.JOB) == {"": Status.OK}
    drift = statuses(quiet.results, Check.FEATURE_DRIFT)
    assert len(drift) == 25 and Status.BREACH not in drift.values(), quiet.breaches
    quiet_performance = {r.metric: r.status for r in quiet.results if r.check is Check.PERFORMANCE}
    assert quiet_performance["accuracy"] is Status.OK

    drifted = runner.run("churn", START + 30 * HOUR, report=True)
    feature_drift = statuses(drifted.results, Check.FEATURE_DRIFT)
    for feature in (*SHIFTED, "plan"):
        assert feature_drift[feature] is Status.BREACH, feature
    performance = {r.metric: r.status for r in drifted.results if r.check is Check.PERFORMANCE}
    assert performance["accuracy"] is Status.BREACH
    assert drifted.report is not None and drifted.report.stat().st_size > 10_000


def test_history_is_kept_and_reruns_replace_it(filled: tuple[Config, Store]) -> None:
    config, store = filled
    runner = JobRunner(config, store)
    first = runner.run("churn", START + 30 * HOUR, report=False)
    runner.run("churn", START + 30 * HOUR, report=False)
    runner.run("churn", START + 31 * HOUR, report=False)
    rows = store.read_results("churn", START, START + 48 * HOUR)
    assert len(rows) == 2 * len(first.results)
    assert {r.window_end_ms for r in rows} == {START + 30 * HOUR, START + 31 * HOUR}
    assert {r.run_id for r in rows if r.window_end_ms == START + 30 * HOUR} == {first.run_id}


def test_empty_window_is_insufficient_data_never_drift(filled: tuple[Config, Store]) -> None:
    config, store = filled
    run = JobRunner(config, store).run("churn", START + 60 * HOUR, report=False)  # after the traffic ended
    drift = statuses(run.results, Check.FEATURE_DRIFT)
    assert set(drift.values()) == {Status.INSUFFICIENT_DATA}
    assert statuses(run.results, Check.FRESHNESS)[""] is Status.BREACH
    assert statuses(run.results, Check.JOB) == {"": Status.OK}
