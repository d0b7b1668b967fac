"""``monitor reference load MODEL FILE``: load a training set (Parquet or CSV) as a model's reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from rich.console import Console

from connectors.store.factory import open_store
from monitor.commands.output import configure_logging, load_or_report
from monitor.config_model import ModelSpec

RESERVED = {"prediction_id", "timestamp", "prediction", "score", "label"}


def read_table(path: Path) -> pd.DataFrame:
    """A Parquet or CSV file as a frame (by its suffix). Raises ValueError for other formats."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".gz") or path.name.lower().endswith(".csv.gz"):
        return pd.read_csv(path)
    raise ValueError(f"{path.name}: expected a .parquet or .csv file")


def check_columns(frame: pd.DataFrame, spec: ModelSpec) -> tuple[list[str], list[str]]:
    """(declared features missing from the file, columns that are neither features nor reserved)."""
    declared = [*spec.features.numerical, *spec.features.categorical]
    missing = [f for f in declared if f not in frame.columns]
    extra = [c for c in frame.columns if c not in declared and c not in RESERVED]
    return missing, extra


def load_reference(config_path: Path, model: str, file: Path, reference_id: str) -> int:
    """Load ``file`` as ``reference_id`` of ``model``; exit 0, or 1 with a clear error."""
    console = Console(stderr=True)
    configure_logging(console)
    config = load_or_report(config_path)
    if config is None:
        return 1
    spec = config.models.get(model)
    if spec is None:
        print(
            f"error: model {model!r} is not in the config (models: {', '.join(config.models)})",
            file=sys.stderr,
        )
        return 1
    try:
        frame = read_table(file)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {file}: {exc}", file=sys.stderr)
        return 1
    missing, extra = check_columns(frame, spec)
    if len(missing) == len(spec.features.numerical) + len(spec.features.categorical):
        print(f"error: {file.name} has none of {model}'s declared features", file=sys.stderr)
        return 1
    if missing:
        console.print(
            f"[yellow]warning: no column for {len(missing)} declared feature(s): {', '.join(missing)}"
        )
    # Only declared features and the reserved columns are stored, like ingest does with events.
    keep = [c for c in frame.columns if c not in extra]
    if extra:
        console.print(f"[yellow]ignoring {len(extra)} undeclared column(s): {', '.join(extra[:10])}")
    store = open_store(config.store.url.get_secret_value())
    try:
        store.ensure_schema()
        with console.status(f"loading {len(frame):,} rows into reference {reference_id!r} of {model}"):
            rows = store.load_reference(model, reference_id, frame[keep])
    finally:
        store.close()
    print(
        f"loaded {rows:,} rows as reference {reference_id!r} of model {model}; use it with "
        f"monitoring.reference: {{kind: file, reference_id: {reference_id}}}"
    )
    return 0
