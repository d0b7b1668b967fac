"""The ``monitor`` command line. Each command imports its work lazily so ``monitor --help`` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.config_loader import DEFAULT_CONFIG_PATH

app = typer.Typer(
    name="monitor",
    help="Model monitoring: ingest predictions and outcomes from Kafka into ClickHouse, detect drift and "
    "decay, and alert the owning team.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="Config file (YAML).", envvar="MONITOR_CONFIG")
]


@app.command("check-config")
def check_config(
    file: Annotated[Path | None, typer.Argument(help="Config file to check (default: --config).")] = None,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Validate a config file; print every error as file:line: message and exit 1 if there is any."""
    from monitor.commands.check_config import check_config as run

    raise typer.Exit(run(file or config))


@app.command("config-schema")
def config_schema(
    output: Annotated[Path | None, typer.Option(help="Write the schema here instead of stdout.")] = None,
) -> None:
    """Print the JSON schema of the config file (kept in config/monitor.schema.json)."""
    from monitor.commands.check_config import write_schema

    write_schema(output)


@app.command()
def ingest(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    max_messages: Annotated[
        int | None, typer.Option(help="Stop after this many messages (all written and committed).")
    ] = None,
    idle_exit: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without a new message.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No live progress line; log lines only.")] = False,
) -> None:
    """Consume predictions and outcomes into the store until stopped (Ctrl-C / SIGTERM flush first)."""
    from monitor.commands.ingest import run_ingest

    raise typer.Exit(run_ingest(config, max_messages=max_messages, idle_exit=idle_exit, quiet=quiet))


@app.command()
def simulate(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    model: Annotated[str, typer.Option(help="Model name from the config.")] = "churn",
    count: Annotated[int, typer.Option(help="Number of prediction events.")] = 10_000,
    rate: Annotated[float, typer.Option(help="Events per second to send; 0 = as fast as possible.")] = 0.0,
    start: Annotated[
        str | None, typer.Option(help="Event time of the first prediction (ISO-8601); default: now.")
    ] = None,
    interval_ms: Annotated[
        float | None, typer.Option(help="Event-time step between predictions; default 1000/rate or 100.")
    ] = None,
    drift_at: Annotated[
        int | None, typer.Option(help="Index of the first prediction with the injected changes.")
    ] = None,
    shift_features: Annotated[
        str, typer.Option(help="Comma-separated numerical features whose mean shifts at --drift-at.")
    ] = "",
    shift_sd: Annotated[float, typer.Option(help="Size of the mean shift in standard deviations.")] = 0.5,
    category_shift: Annotated[
        str | None, typer.Option(help="FEATURE=CATEGORY:POINTS, e.g. plan=premium:10 (share +10 points).")
    ] = None,
    quality_drop: Annotated[
        float, typer.Option(help="Accuracy points the model loses at --drift-at (e.g. 5).")
    ] = 0.0,
    outcome_delay_s: Annotated[
        float, typer.Option(help="Event-time delay between a prediction and its outcome (seconds).")
    ] = 3600.0,
    invalid_share: Annotated[float, typer.Option(help="Share of deliberately malformed messages.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same traffic).")] = 7,
) -> None:
    """Send realistic prediction and delayed outcome events to Kafka, optionally with injected drift."""
    from monitor.commands.simulate import SimulateOptions, run_simulate

    options = SimulateOptions(
        model=model,
        count=count,
        rate=rate,
        start=start,
        interval_ms=interval_ms,
        drift_at=drift_at,
        shift_features=tuple(f for f in shift_features.split(",") if f),
        shift_sd=shift_sd,
        category_shift=category_shift,
        quality_drop=quality_drop,
        outcome_delay_s=outcome_delay_s,
        invalid_share=invalid_share,
        seed=seed,
    )
    raise typer.Exit(run_simulate(config, options))


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the embedded store keeps its data.")] = Path(
        "demo-data"
    ),
    count: Annotated[int, typer.Option(help="Prediction events the simulator sends (over 48 h).")] = 48_000,
) -> None:
    """The whole system on this machine with no outside services: a tansu broker, chDB, the simulator
    with a drift injected for 12 hours, ingest, the model's checks and the alert router; the drift
    becomes one grouped alert for the owning team and resolves when the traffic is normal again."""
    from monitor.commands.demo import run_demo

    raise typer.Exit(run_demo(data_dir=data_dir, count=count))


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="Model name from the config.")],
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    at: Annotated[
        str | None, typer.Option(help="End of the window to check (ISO-8601, UTC); default: now.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Backfill: end of the first window (ISO-8601).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Backfill: end of the last window.")] = None,
    every: Annotated[str, typer.Option(help="Backfill: step between window ends (e.g. 1h).")] = "1h",
    report: Annotated[
        bool, typer.Option(help="Write an Evidently HTML report per run (under --report-dir).")
    ] = True,
    report_dir: Annotated[Path, typer.Option(help="Where reports are written.")] = Path("reports"),
) -> None:
    """Run a model's drift, quality and performance checks once now (or for past windows) and print them."""
    from monitor.commands.evaluate import run_evaluate

    raise typer.Exit(run_evaluate(config, model, at, start, end, every, report, report_dir))


@app.command()
def run(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    report_dir: Annotated[
        Path | None, typer.Option(help="Where the jobs write their reports (default: web.report_dir).")
    ] = None,
) -> None:
    """The main job: ingest, every model's scheduled checks, the alert router, the pages and /metrics."""
    from monitor.commands.ingest import run_service

    raise typer.Exit(run_service(config, report_dir))


reference_app = typer.Typer(help="Reference sets a model's windows are compared with.", no_args_is_help=True)
app.add_typer(reference_app, name="reference")


@reference_app.command("load")
def reference_load(
    model: Annotated[str, typer.Argument(help="Model name from the config.")],
    file: Annotated[Path, typer.Argument(help="Training data: .parquet or .csv, one column per feature.")],
    reference_id: Annotated[
        str, typer.Option("--id", help="Name of the set (replaces one of the same name).")
    ] = ("training"),
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Load a training file as a model's reference (columns: declared features, optionally prediction,
    score, label); select it with `monitoring.reference: {kind: file, reference_id: ...}`."""
    from monitor.commands.reference import load_reference

    raise typer.Exit(load_reference(config, model, file, reference_id))


routes_app = typer.Typer(help="Inspect the alert route tree.", no_args_is_help=True)
silence_app = typer.Typer(help="Mute alerts by label matchers for a while.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaign-effectiveness feeds (treatment vs control).", no_args_is_help=True)
app.add_typer(routes_app, name="routes")
app.add_typer(silence_app, name="silence")
app.add_typer(campaign_app, name="campaign")


@campaign_app.command("report")
def campaign_report(
    campaign_id: Annotated[str, typer.Argument(metavar="ID", help="Campaign id from the config.")],
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    digest: Annotated[
        bool,
        typer.Option(help="Also post the digest to the owning team (Slack, or printed without a token)."),
    ] = False,
    days: Annotated[float, typer.Option(min=0.01, help="How many days back from the end to include.")] = 90.0,
    at: Annotated[str | None, typer.Option(help="End of the period (ISO-8601, UTC); default: now.")] = None,
) -> None:
    """Compute a campaign's summary now (matured outcomes only) and print it: arms, lift with its
    interval, whether it is conclusive, the maturity cut-off and the sample-ratio check."""
    from monitor.commands.campaign import run_report

    raise typer.Exit(run_report(config, campaign_id, digest, days, at))


@routes_app.command("test")
def routes_test(
    labels: Annotated[
        str, typer.Option(help="Alert labels, e.g. model=churn,check=feature_drift,severity=warning")
    ],
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Print which receivers (and Slack channels) an alert with these labels would reach."""
    from monitor.commands.routing import routes_test as run

    raise typer.Exit(run(config, labels))


@silence_app.command("add")
def silence_add(
    matchers: Annotated[list[str], typer.Argument(help="Label matchers, e.g. model=churn check=~.*drift")],
    duration: Annotated[str, typer.Option(help="How long, e.g. 2h or 1d.")] = "2h",
    author: Annotated[str, typer.Option(help="Who silences.")] = "cli",
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """Silence alerts matching all MATCHERS for --duration."""
    from monitor.commands.routing import silence_add as run

    raise typer.Exit(run(config, matchers, duration, author, comment))


@silence_app.command("list")
def silence_list(
    expired: Annotated[bool, typer.Option(help="Also show expired silences.")] = False,
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """List silences."""
    from monitor.commands.routing import silence_list as run

    raise typer.Exit(run(config, expired))


@silence_app.command("expire")
def silence_expire(
    silence_id: Annotated[str, typer.Argument(help="The id `silence list` shows.")],
    config: ConfigOption = DEFAULT_CONFIG_PATH,
) -> None:
    """End a silence now."""
    from monitor.commands.routing import silence_expire as run

    raise typer.Exit(run(config, silence_id))


def main() -> None:
    """Console-script entry point."""
    app()
