"""``monitor ingest`` (and, for now, ``monitor run``): wire config, Kafka, store and the pipeline."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from connectors.kafka.source import KafkaSettings, KafkaSource
from connectors.store.base import Store, StoreUnavailable
from connectors.store.factory import open_store, redact_url
from monitor.commands.output import configure_logging, load_or_report
from monitor.config_model import Config
from monitor.ingest.batch import Backoff, Parser, RejectRateExceeded, RejectRateLimit, TopicRoles
from monitor.ingest.pipeline import IngestPipeline, PipelineSettings
from monitor.ingest.process_writer import ProcessWriter
from monitor.ingest.processor import BatchProcessor
from monitor.ingest.report import IngestStats
from monitor.ingest.worker import WorkerSpec
from monitor.ingest.writers import BatchWriter, ThreadWriter, WorkerFailed
from monitor.metrics import serve_metrics
from monitor.parsing import ParseLimits

log = logging.getLogger("monitor.ingest")

EXIT_REJECT_LIMIT = 3
EXIT_UNCOMMITTED = 4
EXIT_WRITER_FAILED = 5


def pipeline_settings(config: Config) -> PipelineSettings:
    """The pipeline's knobs from the config file."""
    return PipelineSettings(
        batch_max_messages=config.kafka.batch.max_messages,
        batch_max_seconds=config.kafka.batch.max_seconds,
        retry_max_seconds=config.ingest.retry_max_seconds,
    )


def writer_mode(config: Config) -> str:
    """``process`` or ``thread``: ``ingest.writer``, with ``auto`` resolved by the store's scheme (a
    worker process only for a ClickHouse server; the embedded chDB store is in-process only)."""
    if config.ingest.writer != "auto":
        return config.ingest.writer
    return "process" if config.store.url.get_secret_value().startswith("clickhouse:") else "thread"


def build_writer(config: Config, store: Store) -> BatchWriter:
    """The writer of ``writer_mode``: a worker process with its own connection, or a thread on ``store``."""
    limit = config.ingest.reject_limit
    if writer_mode(config) == "process":
        url = config.store.url.get_secret_value()
        level = logging.getLogger().getEffectiveLevel()
        return ProcessWriter(WorkerSpec(url, build_parser(config), limit.ratio, limit.window, level))
    processor = BatchProcessor(build_parser(config), store, RejectRateLimit(limit.ratio, limit.window))
    return ThreadWriter(processor)


def kafka_settings(config: Config) -> KafkaSettings:
    k = config.kafka
    return KafkaSettings(
        bootstrap=k.bootstrap,
        topics=(k.topics.predictions, k.topics.outcomes),
        group_id=k.group_id,
        session_timeout_ms=k.session_timeout_ms,
        heartbeat_interval_ms=k.heartbeat_interval_ms,
        fetch_max_wait_ms=k.fetch_max_wait_ms,
    )


def build_parser(config: Config) -> Parser:
    roles = TopicRoles(config.kafka.topics.predictions, config.kafka.topics.outcomes)
    return Parser(roles, config.models, ParseLimits.from_config(config.ingest))


def wait_for_store(store: Store, retry_max_seconds: float, give_up: float | None = None) -> None:
    """Create the schema, retrying with backoff while the store is unreachable."""
    backoff, started = Backoff(retry_max_seconds), time.monotonic()
    while True:
        try:
            store.ensure_schema()
            return
        except StoreUnavailable as exc:
            if give_up is not None and time.monotonic() - started > give_up:
                raise
            delay = backoff.next_delay()
            log.warning("store unavailable at start-up (%s); retrying in %.1f s", exc, delay)
            time.sleep(delay)


def run_ingest(config_path: Path, max_messages: int | None, idle_exit: float | None, quiet: bool) -> int:
    """Run the ingest until stopped; returns the process exit code."""
    console = Console(stderr=True)
    configure_logging(console)
    config = load_or_report(config_path)
    if config is None:
        return 1
    url = config.store.url.get_secret_value()
    log.info(
        "store %s, kafka %s, topics %s + %s",
        redact_url(url),
        config.kafka.bootstrap,
        config.kafka.topics.predictions,
        config.kafka.topics.outcomes,
    )
    store = open_store(url)
    try:
        wait_for_store(store, config.ingest.retry_max_seconds)
        return consume(config, store, console, max_messages, idle_exit, quiet)
    finally:
        store.close()


def consume(
    config: Config,
    store: Store,
    console: Console,
    max_messages: int | None,
    idle_exit: float | None,
    quiet: bool,
) -> int:
    """Run the pipeline on the configured topics into ``store``; progress and summary on ``console``."""
    holder: list[IngestPipeline] = []  # the source needs the pipeline's revoke hook, and vice versa

    def on_revoke() -> None:
        if holder:
            holder[0].on_partitions_revoked()

    source = KafkaSource(kafka_settings(config), on_revoke=on_revoke)
    pipeline = IngestPipeline(source, build_writer(config, store), pipeline_settings(config))
    holder.append(pipeline)
    _stop_on_signals(pipeline)
    serve_metrics(config.ingest.metrics_port)
    started = time.monotonic()
    try:
        live = Live(console=console, refresh_per_second=2, transient=True)
        with live if not quiet else contextlib.nullcontext():
            stats = pipeline.run(max_messages, idle_exit, on_progress=_progress(live, started, quiet))
    except RejectRateExceeded as exc:
        log.error("ingest stopped: %s", exc)
        _summary(console, pipeline.stats, time.monotonic() - started)
        return EXIT_REJECT_LIMIT
    except WorkerFailed as exc:
        log.error("ingest stopped, nothing unwritten was committed: %s", exc)
        _summary(console, pipeline.stats, time.monotonic() - started)
        return EXIT_WRITER_FAILED
    finally:
        source.close()
    _summary(console, stats, time.monotonic() - started)
    return EXIT_UNCOMMITTED if stats.uncommitted_at_exit else 0


def run_service(config_path: Path, report_dir: Path | None = None) -> int:
    """``monitor run``: ingest in the foreground; scheduled checks, campaign feeds and digests, the alert
    router and the pages in the background."""
    from monitor.commands.alerting import build_campaign_jobs, build_notifier, build_router, serve_pages
    from monitor.jobs.runner import JobRunner
    from monitor.jobs.scheduler import ModelScheduler

    console = Console(stderr=True)
    configure_logging(console)
    config = load_or_report(config_path)
    if config is None:
        return 1
    reports = report_dir or Path(config.web.report_dir)
    url = config.store.url.get_secret_value()
    store = open_store(url)
    # The embedded store can be open once per process: jobs, router and pages share it. A server gets a
    # second connection so a long query never holds up ingest writes.
    jobs_store = store if url.startswith("chdb:") else open_store(url)
    try:
        wait_for_store(store, config.ingest.retry_max_seconds)
        notifier = build_notifier(config, Path(config.web.alerts_file))
        router = build_router(config, jobs_store, Path(config.web.alerts_file), notifier=notifier).start()
        # Digests go out through the router's notifier, from the leading process only.
        campaigns = build_campaign_jobs(config, jobs_store, notifier, router.leadership.is_leader)
        runner = JobRunner(config, jobs_store, reports)
        scheduler = ModelScheduler(config, runner, router, campaigns=campaigns)
        scheduler.start()
        pages = None
        try:
            try:
                pages = serve_pages(config, jobs_store, reports)
            except OSError as exc:  # a port in use: stop cleanly, with the reason
                log.error("cannot serve the pages on %s:%d: %s", config.web.host, config.web.port, exc)
                return 1
            return consume(config, store, console, max_messages=None, idle_exit=None, quiet=False)
        finally:
            if pages is not None:
                pages.stop()
            scheduler.shutdown()
            router.stop()
    finally:
        if jobs_store is not store:
            jobs_store.close()
        store.close()


def _stop_on_signals(pipeline: IngestPipeline) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "received %s: writing the current batch and committing before exit", signal.Signals(signum).name
        )
        pipeline.stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _progress(live: Live, started: float, quiet: bool):  # type: ignore[no-untyped-def]
    last_log = [started]

    def show(stats: IngestStats) -> None:
        elapsed = max(time.monotonic() - started, 1e-9)
        line = (
            f"messages {stats.messages:,} ({stats.messages / elapsed:,.0f}/s) | predictions "
            f"{stats.predictions:,} | outcomes {stats.outcomes:,} | dead letters {stats.dead_letters:,}"
            f" | lag {'?' if stats.lag is None else f'{stats.lag:,}'}"
            + (f" | store errors {stats.store_errors}" if stats.store_errors else "")
        )
        if quiet:
            if time.monotonic() - last_log[0] >= 10:
                last_log[0] = time.monotonic()
                log.info(line)
        else:
            live.update(line)

    return show


def _summary(console: Console, stats: IngestStats, elapsed: float) -> None:
    table = Table(title="ingest summary", show_header=False)
    rows = [
        ("messages consumed", f"{stats.messages:,}"),
        ("rate", f"{stats.messages / max(elapsed, 1e-9):,.0f} msg/s over {elapsed:.1f} s"),
        ("predictions written", f"{stats.predictions:,}"),
        ("outcomes written", f"{stats.outcomes:,}"),
        ("dead letters written", f"{stats.dead_letters:,}"),
        ("batches", f"{stats.batches:,}"),
        ("feature values nulled (NaN/inf/wrong type)", f"{stats.nulled_values:,}"),
        ("undeclared feature values dropped", f"{stats.undeclared_features:,}"),
        ("store errors (retried)", f"{stats.store_errors:,}"),
    ]
    rows += [(f"  rejected: {reason}", f"{n:,}") for reason, n in stats.rejects.most_common()]
    if stats.uncommitted_at_exit:
        rows.append(("NOT written, will be re-read", f"{stats.uncommitted_at_exit:,}"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
