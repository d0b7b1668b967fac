"""A model's checks end to end on the ClickHouse server and on chDB, with the simulator's traffic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.store.base import Store
from connectors.store.factory import open_store
from monitor.config_model import Config
from monitor.jobs.results import Check, Status
from monitor.jobs.runner import JobRunner
from tests.integration.job_data import HOUR, SHIFTED, START, fill, job_config


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
