"""``monitor evaluate MODEL``: run a model's checks once (or backfill past windows) and print them."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from alerts.sink import PrintingSink
from connectors.store.factory import open_store
from monitor.commands.output import configure_logging, load_or_report
from monitor.config_base import parse_duration
from monitor.config_model import Config
from monitor.jobs.results import Status
from monitor.jobs.runner import JobRunner, RunResult
from monitor.jobs.scheduler import submit_run
from monitor.jobs.windows import iso_ms

STATUS_STYLE = {"ok": "green", "breach": "bold red", "insufficient_data": "yellow", "error": "bold magenta"}
DEFAULT_REPORT_DIR = Path("reports")


def run_evaluate(
    config_path: Path,
    model: str,
    at: str | None,
    start: str | None,
    end: str | None,
    every: str,
    report: bool,
    report_dir: Path = DEFAULT_REPORT_DIR,
) -> int:
    """Print one run's results, or a backfill's summary; exit 0, or 1 for errors in the inputs."""
    console = Console()
    configure_logging(Console(stderr=True))
    config = load_or_report(config_path)
    if config is None:
        return 1
    if model not in config.models:
        print(
            f"error: model {model!r} is not in the config (models: {', '.join(config.models)})",
            file=sys.stderr,
        )
        return 1
    try:
        times = _times(at, start, end, every)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    store = open_store(config.store.url.get_secret_value())
    try:
        store.ensure_schema()
        runner = JobRunner(config, store, report_dir if report else None)
        if len(times) == 1:
            run = runner.run(model, times[0], report=report)
            _submit(config, run)
            console.print(results_table(run))
        else:
            console.print(backfill_table(_backfill(console, runner, config, model, times, report)))
    finally:
        store.close()
    return 0


def _times(at: str | None, start: str | None, end: str | None, every: str) -> list[int]:
    if start or end:
        if not (start and end):
            raise ValueError("--from and --to go together")
        first, last, step = iso_ms(start), iso_ms(end), int(parse_duration(every) * 1000)
        if last < first:
            raise ValueError("--to is before --from")
        return list(range(first, last + 1, step))
    return [iso_ms(at) if at else int(time.time() * 1000)]


def _submit(config: Config, run: RunResult) -> None:
    submit_run(
        config, PrintingSink(sys.stderr), run, datetime.fromtimestamp(run.windows.current.end_ms / 1000, UTC)
    )


def _backfill(
    console: Console, runner: JobRunner, config: Config, model: str, times: list[int], report: bool
) -> list[RunResult]:
    runs = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"backfilling {model}", total=len(times))
        for at_ms in times:
            runs.append(runner.run(model, at_ms, report=report))
            progress.advance(task)
    return runs


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def results_table(run: RunResult) -> Table:
    """One line per check of a run, breaches first."""
    w = run.windows
    title = (
        f"{run.model}: window {_when(w.current.start_ms)} .. {_when(w.current.end_ms)} UTC "
        f"({len(run.breaches)} breaches, {run.seconds:.1f} s)"
    )
    table = Table(title=title, caption=f"evidence: {run.report}" if run.report else None)
    for name in ("check", "feature", "metric", "value", "threshold", "status"):
        table.add_column(name, justify="right" if name in ("value", "threshold") else "left")
    order = {Status.BREACH: 0, Status.ERROR: 1, Status.INSUFFICIENT_DATA: 2, Status.OK: 3}
    for r in sorted(run.results, key=lambda r: (order[r.status], r.check.value, r.feature)):
        style = STATUS_STYLE[r.status.value]
        note = r.details.get("reason") or r.details.get("error") or ""
        table.add_row(
            r.check.value,
            r.feature,
            r.metric,
            f"{r.value:.4g}",
            f"{r.threshold:.4g}",
            f"[{style}]{r.status.value}[/]" + (f" ({str(note)[:60]})" if note else ""),
        )
    return table


def backfill_table(runs: list[RunResult]) -> Table:
    """One line per window: how many checks breached, and which."""
    table = Table(title=f"backfill: {len(runs)} windows")
    for name in ("window end (UTC)", "breaches", "insufficient", "errors", "what breached"):
        table.add_column(name)
    for run in runs:
        counts = {s: sum(1 for r in run.results if r.status is s) for s in Status}
        what = ", ".join(
            sorted({f"{r.check.value}:{r.feature}" if r.feature else r.check.value for r in run.breaches})
        )
        table.add_row(
            _when(run.windows.current.end_ms),
            str(counts[Status.BREACH]),
            str(counts[Status.INSUFFICIENT_DATA]),
            str(counts[Status.ERROR]),
            what[:100],
        )
    return table
