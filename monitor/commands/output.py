"""Terminal output shared by the commands: logging set-up and config error printing."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from monitor.config_loader import ConfigError, load_config
from monitor.config_model import Config


def configure_logging(console: Console, level: int = logging.INFO) -> None:
    """Log to stderr through rich; kafka-python's chatter is kept to warnings."""
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=console, show_path=False, rich_tracebacks=False)],
        force=True,
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("clickhouse_driver").setLevel(logging.WARNING)


def print_config_error(exc: ConfigError) -> None:
    """Every config problem as `file:line: message`, plain text (no markup), then a count."""
    for issue in exc.issues:
        print(issue, file=sys.stdout)
    print(f"{len(exc.issues)} error(s) in the config; nothing was started.", file=sys.stderr)


def load_or_report(path: Path) -> Config | None:
    """The config at ``path``, or None after printing every error (the caller exits 1)."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print_config_error(exc)
        return None
