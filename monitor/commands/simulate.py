"""``monitor simulate``: send simulated prediction and outcome traffic to the configured Kafka topics.

Pacing: ``rate`` is predictions per second (event time then runs at wall-clock speed when the
interval is the default 1000/rate); the outcomes and broken messages between two predictions go out
as they come, and outcomes left after the last prediction are sent as fast as possible.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from kafka.errors import KafkaError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.kafka.producer import DeliveryError, JsonProducer
from connectors.local_services import create_topics
from monitor.commands.output import configure_logging, load_or_report
from monitor.config_model import Config
from monitor.simulation import Scenario, SimEvent, check_scenario, generate, parse_category_shifts

log = logging.getLogger("monitor.simulate")

EXIT_OK, EXIT_FAILED, EXIT_BAD_OPTIONS, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_INTERVAL_MS = 100.0
FLUSH_TIMEOUT_S = 60.0
# Scenario fields whose command-line option is not simply --field-name.
_OPTION_OF = {"outcome_delay_ms": "--outcome-delay-s"}


@dataclass(frozen=True)
class SimulateOptions:
    """The ``simulate`` command's options, as ``monitor.cli`` passes them."""

    model: str
    count: int
    rate: float
    start: str | None
    interval_ms: float | None
    drift_at: int | None
    shift_features: tuple[str, ...]
    shift_sd: float
    category_shift: str | None
    quality_drop: float
    outcome_delay_s: float
    invalid_share: float
    seed: int


class OptionError(ValueError):
    """Options that cannot run; each line says which option and why."""


def build_scenario(options: SimulateOptions, config: Config, now_ms: int) -> Scenario:
    """The scenario the options describe, checked against the model's features. Raises OptionError."""
    if options.model not in config.models:
        known = ", ".join(sorted(config.models)) or "none"
        raise OptionError(f"--model: model {options.model!r} is not in the config (models: {known})")
    if not (math.isfinite(options.rate) and options.rate >= 0):
        raise OptionError("--rate: must be zero (as fast as possible) or a positive number")
    try:
        shifts = parse_category_shifts(options.category_shift)
    except ValueError as exc:
        raise OptionError(f"--category-shift: {exc}") from None
    scenario = Scenario(
        model=options.model,
        count=options.count,
        start_ms=_start_ms(options.start, now_ms),
        interval_ms=_interval_ms(options),
        drift_at=options.drift_at,
        shift_features=options.shift_features,
        shift_sd=options.shift_sd,
        category_shift=shifts,
        quality_drop=options.quality_drop,
        outcome_delay_ms=options.outcome_delay_s * 1000.0,
        invalid_share=options.invalid_share,
        seed=options.seed,
    )
    problems = check_scenario(scenario, config.models[options.model].features)
    if problems:
        lines = (
            f"{_OPTION_OF.get(p.field, '--' + p.field.replace('_', '-'))}: {p.message}" for p in problems
        )
        raise OptionError("\n".join(lines))
    return scenario


def _start_ms(start: str | None, now_ms: int) -> int:
    if start is None:
        return now_ms
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        raise OptionError(f"--start: {start!r} is not ISO-8601 (e.g. 2024-05-01T12:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def _interval_ms(options: SimulateOptions) -> float:
    if options.interval_ms is not None:
        return options.interval_ms
    return 1000.0 / options.rate if options.rate > 0 else DEFAULT_INTERVAL_MS


@dataclass
class Tally:
    """What was sent, by kind."""

    predictions: int = 0
    outcomes: int = 0
    duplicates: int = 0
    early: int = 0
    invalid: int = 0

    @property
    def messages(self) -> int:
        return self.predictions + self.outcomes + self.invalid

    def add(self, event: SimEvent) -> None:
        if not event.valid:
            self.invalid += 1
        elif event.kind == "predictions":
            self.predictions += 1
        else:
            self.outcomes += 1
            self.duplicates += event.duplicate
            self.early += event.early


class Producer(Protocol):
    """What the sender needs from a Kafka producer (``JsonProducer`` in production)."""

    def send(self, topic: str, key: bytes, value: bytes) -> None: ...


def send_all(
    producer: Producer,
    events: Iterable[SimEvent],
    topics: dict[str, str],
    rate: float,
    progress: Progress,
    tally: Tally,
) -> None:
    """Send every event to its topic, pacing valid predictions at ``rate`` per second (0: no pacing).
    ``tally`` counts what was handed to the producer, also when sending stops half way."""
    task = progress.add_task("sending", total=None, messages=0, speed="")
    started = time.monotonic()
    for event in events:
        if rate > 0 and event.valid and event.kind == "predictions":
            _wait_until(started + tally.predictions / rate)
        producer.send(topics[event.kind], event.key, event.value)
        tally.add(event)
        if tally.messages % 500 == 0:
            _show(progress, task, tally, started)
    _show(progress, task, tally, started)


def _wait_until(moment: float) -> None:
    # Sleeping only when well ahead keeps pacing cheap at high rates.
    ahead = moment - time.monotonic()
    if ahead > 0.005:
        time.sleep(ahead)


def _show(progress: Progress, task: TaskID, tally: Tally, started: float) -> None:
    speed = tally.messages / max(time.monotonic() - started, 1e-9)
    progress.update(task, completed=tally.predictions, messages=tally.messages, speed=f"{speed:,.0f}")


def _progress(console: Console, count: int) -> Progress:
    return Progress(
        TextColumn("[bold]sending"),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{count:,} predictions"),
        TextColumn("{task.fields[messages]:,} messages, {task.fields[speed]} msg/s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def run_simulate(config_path: Path, options: SimulateOptions) -> int:
    """Send the simulated traffic to the configured topics; returns the process exit code.

    0: everything was acknowledged; 1: config error, Kafka unreachable or messages not delivered;
    2: bad options; 130: interrupted (what was queued is flushed first).
    """
    console = Console(stderr=True)
    configure_logging(console)
    # gzip of a full 256 KB batch on the producer's I/O thread trips kafka-python's 100 ms "blocking"
    # warning on a busy 2-core machine; it is expected here, not a problem.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    config = load_or_report(config_path)
    if config is None:
        return EXIT_FAILED
    now_ms = int(time.time() * 1000)
    try:
        scenario = build_scenario(options, config, now_ms)
    except OptionError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_OPTIONS
    warning = future_warning(scenario, options.rate, now_ms, config.ingest.max_future_seconds)
    if warning:
        log.warning("%s", warning)
    return send_scenario(config, scenario, options.rate, console)


def future_warning(scenario: Scenario, rate: float, now_ms: int, max_future_s: int) -> str | None:
    """A warning when the last events will be further ahead of the clock than ingest accepts."""
    sending_ms = 1000.0 * scenario.count / rate if rate > 0 else 0.0
    last_ms = scenario.timestamp_ms(scenario.count - 1) + scenario.outcome_delay_ms
    ahead_h = (last_ms - now_ms - sending_ms) / 3_600_000
    if ahead_h * 3600 <= max_future_s:
        return None
    return (
        f"the last events are about {ahead_h:.1f} h ahead of the clock; ingest dead-letters timestamps "
        f"more than {max_future_s / 3600:g} h ahead as future_timestamp (use --start or --interval-ms)"
    )


def send_scenario(config: Config, scenario: Scenario, rate: float, console: Console) -> int:
    """Create the topics if missing and send the scenario's events; returns the exit code."""
    bootstrap = config.kafka.bootstrap
    topics = {"predictions": config.kafka.topics.predictions, "outcomes": config.kafka.topics.outcomes}
    try:
        create_topics(bootstrap, list(topics.values()), config.kafka.partitions)
        producer = JsonProducer(bootstrap)
    except KafkaError as exc:
        log.error("cannot use Kafka at %s: %r", bootstrap, exc)
        return EXIT_FAILED
    log.info(
        "sending %s predictions of %s to %s + %s on %s",
        f"{scenario.count:,}",
        scenario.model,
        topics["predictions"],
        topics["outcomes"],
        bootstrap,
    )
    started, code, tally = time.monotonic(), EXIT_OK, Tally()
    events = generate(scenario, config.models[scenario.model].features)
    try:
        with _progress(console, scenario.count) as progress:
            send_all(producer, events, topics, rate, progress, tally)
    except KeyboardInterrupt:
        log.warning("interrupted: flushing what was queued")
        code = EXIT_INTERRUPTED
    except KafkaError as exc:  # e.g. the send buffer stayed full: the broker stopped taking messages
        log.error("sending failed: %r", exc)
        code = EXIT_FAILED
    try:
        producer.flush(FLUSH_TIMEOUT_S)
    except DeliveryError as exc:
        log.error("%s", exc)
        code = EXIT_FAILED
    finally:
        producer.close()
    print_summary(Console(), scenario, topics, tally, time.monotonic() - started)
    return code


def print_summary(
    console: Console, scenario: Scenario, topics: dict[str, str], tally: Tally, elapsed: float
) -> None:
    """What was sent, where the drift is, and how fast."""
    lost = tally.predictions - (tally.outcomes - tally.duplicates)
    rows = [
        ("model", scenario.model),
        ("topics", f"{topics['predictions']} + {topics['outcomes']}"),
        ("predictions", f"{tally.predictions:,}"),
        (
            "outcomes",
            f"{tally.outcomes:,} ({tally.duplicates:,} duplicates, {tally.early:,} early, "
            f"{lost:,} never sent)",
        ),
        ("invalid messages", f"{tally.invalid:,}"),
        ("drift", _drift_text(scenario)),
        (
            "event time",
            f"{_iso(scenario.timestamp_ms(0))} .. {_iso(scenario.timestamp_ms(scenario.count - 1))}",
        ),
        ("elapsed", f"{elapsed:.1f} s, {tally.messages / max(elapsed, 1e-9):,.0f} msg/s"),
    ]
    table = Table(title="simulate summary", show_header=False)
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _drift_text(scenario: Scenario) -> str:
    if scenario.drift_at is None or not scenario.has_changes:
        return "none"
    changes = []
    if scenario.shift_features and scenario.shift_sd:
        changes.append(f"{', '.join(scenario.shift_features)} {scenario.shift_sd:+g} sd")
    changes += [f"{shift} points" for shift in scenario.category_shift]
    if scenario.quality_drop:
        changes.append(f"accuracy -{scenario.quality_drop:g} points")
    at = scenario.drift_at
    return f"at prediction {at:,} ({_iso(scenario.timestamp_ms(at))}): {'; '.join(changes)}"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
