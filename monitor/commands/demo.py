"""``monitor demo``: the whole system on this machine, with no outside services.

1. starts a tansu broker on loopback and opens the embedded chDB store under ``data_dir``;
2. sends two days of simulated churn-model traffic: normal, then 12 hours with three features shifted,
   the premium plan's share up 15 points and accuracy down 10 points, then normal again;
3. ingests it (the real pipeline: parse, batch, durable write, commit);
4. replays the scheduler over those two days: the model's checks run every two hours of event time,
   the results go to the alert router, and the router's notifications are printed (or posted to Slack
   when ``SLACK_BOT_TOKEN`` is set). The drift becomes one grouped alert for the owning team, and it
   resolves once the traffic is normal again.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from connectors.local_services import ServiceError, TansuBroker
from connectors.store.factory import open_store
from monitor.commands.alerting import build_router
from monitor.commands.ingest import consume
from monitor.commands.output import configure_logging, print_config_error
from monitor.commands.simulate import send_scenario
from monitor.config_loader import DEFAULT_CONFIG_PATH, ConfigError, load_config
from monitor.config_model import Config
from monitor.jobs.runner import JobRunner, RunResult
from monitor.jobs.scheduler import submit_run
from monitor.simulation import Scenario, parse_category_shifts

HOUR_MS = 3_600_000
SHIFTED = ("tenure_months", "monthly_charges", "support_calls_30d")
STEP_HOURS = 2


def phases(count: int, start_ms: int) -> list[Scenario]:
    """Normal for 24 h, drifted for 12 h, normal for 12 h (different seeds: different customers)."""
    per_hour = count / 48
    normal = Scenario(
        count=int(24 * per_hour),
        start_ms=start_ms,
        interval_ms=HOUR_MS / per_hour,
        seed=1,
        outcome_delay_ms=HOUR_MS,
    )
    drifted = Scenario(
        count=int(12 * per_hour),
        start_ms=start_ms + 24 * HOUR_MS,
        interval_ms=HOUR_MS / per_hour,
        seed=2,
        drift_at=0,
        shift_features=SHIFTED,
        shift_sd=0.5,
        category_shift=parse_category_shifts("plan=premium:15"),
        quality_drop=10.0,
        outcome_delay_ms=HOUR_MS,
        invalid_share=0.01,
    )
    recovered = Scenario(
        count=int(12 * per_hour),
        start_ms=start_ms + 36 * HOUR_MS,
        interval_ms=HOUR_MS / per_hour,
        seed=3,
        outcome_delay_ms=HOUR_MS,
    )
    return [normal, drifted, recovered]


def demo_config(config_path: Path, data_dir: Path, bootstrap: str, start_ms: int) -> Config:
    """The shipped config with the demo's broker and store, and checks sized for the demo's traffic:
    2-hour windows, the first 20 hours as the reference, labels mature after 2 hours. Written to
    ``data_dir/monitor.yaml`` so it can be read (and reused with `monitor evaluate`)."""
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["kafka"]["bootstrap"] = bootstrap
    data["store"]["url"] = f"chdb://{data_dir / 'chdb'}"
    data["ingest"]["metrics_port"] = 0
    reference_end = datetime.fromtimestamp((start_ms + 20 * HOUR_MS) / 1000, UTC)
    data["models"]["churn"]["monitoring"] = {
        "window": f"{STEP_HOURS}h",
        "reference": {"kind": "fixed", "start": _iso(start_ms), "end": reference_end.isoformat()},
        "label_delay": "2h",
        "schedule": {"every": f"{STEP_HOURS}h"},
    }
    path = data_dir / "monitor.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_config(path, env={})


def run_demo(data_dir: Path, count: int, config_path: Path = DEFAULT_CONFIG_PATH) -> int:
    """Run the demo end to end; returns the process exit code."""
    console = Console(stderr=True)
    configure_logging(console)
    data_dir = data_dir.resolve()
    shutil.rmtree(data_dir / "chdb", ignore_errors=True)  # each run starts from an empty store
    shutil.rmtree(data_dir / "reports", ignore_errors=True)
    (data_dir / "alerts.jsonl").unlink(missing_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]1/4  Kafka-protocol broker (tansu) on loopback, embedded chDB store")
    try:
        broker = TansuBroker().start(log_dir=data_dir)
    except ServiceError as exc:
        console.print(f"[red]cannot start the demo broker: {exc}")
        return 1
    try:
        return _run(console, config_path, broker, data_dir, count)
    finally:
        broker.stop()


def _run(console: Console, config_path: Path, broker: TansuBroker, data_dir: Path, count: int) -> int:
    started = time.monotonic()
    now_ms = int(time.time() * 1000)
    start_ms = (now_ms - 50 * HOUR_MS) // HOUR_MS * HOUR_MS
    try:
        config = demo_config(config_path, data_dir, broker.bootstrap, start_ms)
    except ConfigError as exc:
        print_config_error(exc)
        return 1
    console.rule(f"[bold]2/4  simulating {count:,} predictions over 48 h; drift from hour 24 to hour 36")
    for scenario in phases(count, start_ms):
        if code := send_scenario(config, scenario, rate=0.0, console=console):
            return code
    console.rule("[bold]3/4  ingesting into the embedded chDB store")
    store = open_store(config.store.url.get_secret_value())
    try:
        store.ensure_schema()
        if code := consume(config, store, console, max_messages=None, idle_exit=3.0, quiet=False):
            return code
        console.rule(f"[bold]4/4  the checks every {STEP_HOURS} h of event time, and the alert router")
        runs = _replay(config, store, data_dir, start_ms)
    finally:
        store.close()
    _summary(Console(), runs, data_dir, time.monotonic() - started)
    return 0


def _replay(config: Config, store, data_dir: Path, start_ms: int) -> list[RunResult]:  # type: ignore[no-untyped-def]
    """The scheduler's runs over the simulated two days, in order, with the router stepping in between."""
    router = build_router(config, store, data_dir / "alerts.jsonl")
    runner = JobRunner(config, store, data_dir / "reports")
    runs = []
    for hour in range(22, 49, STEP_HOURS):
        at_ms = start_ms + hour * HOUR_MS
        run = runner.run("churn", at_ms)
        runs.append(run)
        breached = sorted(
            {f"{r.check.value}:{r.feature}" if r.feature else r.check.value for r in run.breaches}
        )
        print(
            f"[hour {hour:2d}] {len(run.results)} checks, {len(breached)} breached"
            + (f": {', '.join(breached)}" if breached else ""),
            flush=True,
        )
        when = datetime.fromtimestamp(at_ms / 1000, UTC)
        submit_run(config, router, run, when)
        router.step(when)
        router.step(when + timedelta(minutes=6))  # past group_wait and group_interval
    return runs


def _summary(console: Console, runs: list[RunResult], data_dir: Path, seconds: float) -> None:
    table = Table(title=f"demo summary ({seconds:.0f} s)", show_header=False)
    notifications = (
        (data_dir / "alerts.jsonl").read_text().splitlines() if (data_dir / "alerts.jsonl").exists() else []
    )
    rows = [
        (
            "check runs",
            f"{len(runs)} every {STEP_HOURS} h of event time ({sum(len(r.results) for r in runs):,} results)",
        ),
        ("runs with breaches", ", ".join(_hour(r) for r in runs if r.breaches) or "none"),
        ("notifications sent", f"{len(notifications)} (see {data_dir / 'alerts.jsonl'})"),
        ("evidence reports", str(data_dir / "reports" / "churn")),
        (
            "config used",
            f"{data_dir / 'monitor.yaml'} (reuse it: monitor evaluate churn --config FILE)",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _hour(run: RunResult) -> str:
    return datetime.fromtimestamp(run.windows.current.end_ms / 1000, UTC).strftime("%d %H:%M")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()
