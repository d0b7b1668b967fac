"""``monitor demo``: the whole system on this machine, with no outside services.

Starts a tansu broker on loopback, opens the embedded chDB store under ``data_dir``, sends two days of
simulated churn-model traffic with a drift injected half way (a feature shift, a category-share change
and a drop in accuracy), ingests it, and shows what the store now holds on either side of the drift.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from connectors.local_services import ServiceError, TansuBroker
from connectors.store.base import FeatureSelection, Store
from connectors.store.factory import open_store
from monitor.commands.ingest import consume
from monitor.commands.output import configure_logging, print_config_error
from monitor.commands.simulate import send_scenario
from monitor.config_loader import DEFAULT_CONFIG_PATH, ConfigError, load_config
from monitor.config_model import Config
from monitor.simulation import Scenario, parse_category_shifts

HOUR_MS = 3_600_000
SPAN_MS = 48 * HOUR_MS
SHIFTED = ("tenure_months", "monthly_charges", "support_calls_30d")


def demo_scenario(count: int, now_ms: int) -> Scenario:
    """Two days of traffic ending an hour ago; everything changes at the half-way point."""
    return Scenario(
        model="churn",
        count=count,
        start_ms=now_ms - SPAN_MS - HOUR_MS,
        interval_ms=SPAN_MS / count,
        drift_at=count // 2,
        shift_features=SHIFTED,
        shift_sd=0.5,
        category_shift=parse_category_shifts("plan=premium:10"),
        quality_drop=5.0,
        invalid_share=0.01,
        outcome_delay_ms=HOUR_MS,
    )


def demo_config(config_path: Path, bootstrap: str, store_dir: Path) -> Config:
    """The shipped config pointed at the demo's broker and store, with the metrics port off."""
    env = {"MONITOR_KAFKA_BOOTSTRAP": bootstrap, "MONITOR_STORE_URL": f"chdb://{store_dir}"}
    config = load_config(config_path, env=env)
    return config.model_copy(update={"ingest": config.ingest.model_copy(update={"metrics_port": 0})})


def run_demo(data_dir: Path, count: int, config_path: Path = DEFAULT_CONFIG_PATH) -> int:
    """Run the demo end to end; returns the process exit code."""
    console = Console(stderr=True)
    configure_logging(console)
    data_dir = data_dir.resolve()
    store_dir = data_dir / "chdb"
    shutil.rmtree(store_dir, ignore_errors=True)  # each run starts from an empty store
    data_dir.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]1/4  Kafka-protocol broker (tansu) on loopback")
    try:
        broker = TansuBroker().start(log_dir=data_dir)
    except ServiceError as exc:
        console.print(f"[red]cannot start the demo broker: {exc}")
        return 1
    try:
        return _run(console, config_path, broker, store_dir, count)
    finally:
        broker.stop()


def _run(console: Console, config_path: Path, broker: TansuBroker, store_dir: Path, count: int) -> int:
    try:
        config = demo_config(config_path, broker.bootstrap, store_dir)
    except ConfigError as exc:
        print_config_error(exc)
        return 1
    now_ms = int(time.time() * 1000)
    scenario = demo_scenario(count, now_ms)
    console.rule(f"[bold]2/4  simulating {count:,} predictions of model churn, drift half way")
    code = send_scenario(config, scenario, rate=0.0, console=console)
    if code:
        return code
    console.rule("[bold]3/4  ingesting into the embedded chDB store")
    store = open_store(config.store.url.get_secret_value())
    try:
        store.ensure_schema()
        code = consume(config, store, console, max_messages=None, idle_exit=3.0, quiet=False)
        if code:
            return code
        console.rule("[bold]4/4  what the store holds")
        _show_store(Console(), store, scenario, now_ms)
    finally:
        store.close()
    return 0


def _show_store(console: Console, store: Store, scenario: Scenario, now_ms: int) -> None:
    counts = store.counts("churn")
    console.print(
        f"predictions {counts.predictions:,} | outcomes {counts.outcomes:,} | dead letters "
        f"{counts.dead_letters:,} ({', '.join(f'{r} {n}' for r, n in counts.dead_letters_by_reason.items())})"
    )
    drift_ms = scenario.timestamp_ms(scenario.drift_at or 0)
    start, end = scenario.timestamp_ms(0), scenario.timestamp_ms(scenario.count - 1) + 1
    features = FeatureSelection(SHIFTED, ("plan",))
    before = store.read_labeled("churn", start, drift_ms, features, now_ms)
    after = store.read_labeled("churn", drift_ms, end, features, now_ms)
    table = Table(title=f"injected at {_iso(drift_ms)}: before vs after, as read back from the store")
    for column in ("measure", "before", "after"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for name in SHIFTED:
        table.add_row(f"mean {name}", f"{before[name].mean():.2f}", f"{after[name].mean():.2f}")
    premium = [(frame["plan"] == "premium").mean() for frame in (before, after)]
    accuracy = [(frame["prediction"] == frame["label"]).mean() for frame in (before, after)]
    table.add_row("share plan=premium", *(f"{share:.1%}" for share in premium))
    table.add_row("accuracy (matured outcomes)", *(f"{share:.1%}" for share in accuracy))
    table.add_row("labeled predictions", f"{len(before):,}", f"{len(after):,}")
    console.print(table)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
