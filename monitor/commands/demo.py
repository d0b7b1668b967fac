"""``monitor demo``: the whole system on this machine, with no outside services.

1. starts a tansu broker on loopback and opens the embedded chDB store under ``data_dir``;
2. sends two days of simulated churn-model traffic: normal, then 12 hours with three features shifted,
   the premium plan's share up 15 points and accuracy down 10 points, then normal again;
3. ingests it (the real pipeline: parse, batch, durable write, commit);
4. replays the scheduler over those two days: the model's checks run every two hours of event time,
   the results go to the alert router, and the router's notifications are printed (or posted to Slack
   when ``SLACK_BOT_TOKEN`` is set). The drift becomes one grouped alert for the owning team, and it
   resolves once the traffic is normal again. Every few steps the campaign feed job writes its row
   (outcomes mature after a few hours of event time here) and a line shows the campaign filling up;
   at the end the campaign's digest goes to its team, and the pages are a ``monitor run`` away.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from connectors.local_services import ServiceError, TansuBroker
from connectors.store.factory import open_store
from monitor.campaign.feed import VERDICT_TEXT, feed_line
from monitor.campaign.job import CampaignJobs, FeedUpdate
from monitor.commands.alerting import build_campaign_jobs, build_notifier, build_router
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
FIRST_CHECK_HOUR = 22  # the reference is the first 20 hours: checks start once a window follows it
CAMPAIGN_EVERY_HOURS = 4  # a campaign line every 4 hours of event time, from before outcomes mature
CAMPAIGN_MATURITY_HOURS = 6  # outcomes count after 6 hours here (30 days in the shipped config)


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
    2-hour windows, the first 20 hours as the reference, labels mature after 2 hours, campaign outcomes
    after ``CAMPAIGN_MATURITY_HOURS``. Written to
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
    for campaign in (data.get("campaigns") or {}).values():
        campaign["maturity_days"] = CAMPAIGN_MATURITY_HOURS / 24
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
        replay = _replay(config, store, data_dir, start_ms)
    finally:
        store.close()
    _summary(Console(), config, replay, data_dir, time.monotonic() - started)
    return 0


def _replay(config: Config, store, data_dir: Path, start_ms: int) -> Replay:  # type: ignore[no-untyped-def]
    """The scheduler's runs over the simulated two days, in order, with the router stepping in between,
    and every few steps the campaign feed job; at the end each campaign's digest goes to its team."""
    notifier = build_notifier(config, data_dir / "alerts.jsonl")
    router = build_router(config, store, data_dir / "alerts.jsonl", notifier=notifier)
    runner = JobRunner(config, store, data_dir / "reports")
    campaigns = build_campaign_jobs(config, store, notifier)
    replay = Replay([], {})
    for hour in range(CAMPAIGN_EVERY_HOURS, 49, STEP_HOURS):
        when = datetime.fromtimestamp((start_ms + hour * HOUR_MS) / 1000, UTC)
        if hour % CAMPAIGN_EVERY_HOURS == 0:
            _campaign_lines(campaigns, hour, when, replay)
        if hour < FIRST_CHECK_HOUR:
            continue
        run = runner.run("churn", start_ms + hour * HOUR_MS)
        replay.runs.append(run)
        breached = sorted(
            {f"{r.check.value}:{r.feature}" if r.feature else r.check.value for r in run.breaches}
        )
        print(
            f"[hour {hour:2d}] {len(run.results)} checks, {len(breached)} breached"
            + (f": {', '.join(breached)}" if breached else ""),
            flush=True,
        )
        submit_run(config, router, run, when)
        router.step(when)
        router.step(when + timedelta(minutes=6))  # past group_wait and group_interval
    for update in replay.feeds.values():
        campaigns.post_digest(update)
    return replay


@dataclass
class Replay:
    """What the replay did: the model's runs and the latest feed update of each campaign."""

    runs: list[RunResult]
    feeds: dict[str, FeedUpdate]


def _campaign_lines(jobs: CampaignJobs, hour: int, when: datetime, replay: Replay) -> None:
    """The feed job of every campaign at ``when`` (its row goes to the history), one line each."""
    for campaign_id in jobs.campaigns:
        update = jobs.update_feed(campaign_id, when)
        replay.feeds[campaign_id] = update
        print(f"[hour {hour:2d}] {feed_line(update.row)}", flush=True)


def _summary(console: Console, config: Config, replay: Replay, data_dir: Path, seconds: float) -> None:
    runs = replay.runs
    table = Table(title=f"demo summary ({seconds:.0f} s)", show_header=False)
    alerts_file = data_dir / "alerts.jsonl"
    records = (
        [json.loads(line) for line in alerts_file.read_text().splitlines()] if alerts_file.exists() else []
    )
    notifications = [r for r in records if r.get("kind") != "digest"]
    rows = [
        (
            "check runs",
            f"{len(runs)} every {STEP_HOURS} h of event time ({sum(len(r.results) for r in runs):,} results)",
        ),
        ("runs with breaches", ", ".join(_hour(r) for r in runs if r.breaches) or "none"),
        ("notifications sent", f"{len(notifications)} (see {alerts_file})"),
        ("evidence reports", str(data_dir / "reports" / "churn")),
    ]
    for campaign_id, update in replay.feeds.items():
        row = update.row
        rows.append(
            (
                f"campaign {campaign_id}",
                f"{row.n_matured:,} matured outcomes, {VERDICT_TEXT.get(row.verdict, row.verdict)}; "
                "feed rows in the store's campaign_feed table, digest sent to team "
                f"{update.spec.team}",
            )
        )
    config_file = _shown(data_dir / "monitor.yaml")
    rows.append(("config used", f"{config_file} (reuse it: monitor evaluate churn --config FILE)"))
    first = next(iter(replay.feeds), None)
    url = f"http://{config.web.host}:{config.web.port}/" + (f"campaigns/{first}" if first else "")
    # The demo's broker is gone by then: that ingest retries in vain, while the pages and jobs run.
    rows.append(("pages", f"monitor run --config {config_file}, then {url} (Ctrl-C to stop)"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when under it (what a user types), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _hour(run: RunResult) -> str:
    return datetime.fromtimestamp(run.windows.current.end_ms / 1000, UTC).strftime("%d %H:%M")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()
