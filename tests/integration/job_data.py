"""Simulated churn traffic with a known drift, and a config that checks it: shared by job and router tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectors.store.base import Store, WriteBatch
from monitor.config_loader import load_config
from monitor.config_model import Config
from monitor.events import Outcome, Prediction
from monitor.jobs.windows import iso_ms
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction
from monitor.simulation import Scenario, generate, parse_category_shifts

START = iso_ms("2026-11-01T00:00:00Z")
HOUR = 3_600_000
SHIFTED = ("tenure_months", "monthly_charges", "support_calls_30d")


def job_config(tmp_path: Path, store_url: str) -> Config:
    shipped = yaml.safe_load(Path("config/monitor.yaml").read_text())
    churn = shipped["models"]["churn"]
    churn["monitoring"] = {
        "window": "4h",
        "reference": {"kind": "fixed", "start": "2026-11-01T00:00:00Z", "end": "2026-11-01T20:00:00Z"},
        "label_delay": "2h",
        "schedule": {"every": "1h"},
    }
    shipped["store"]["url"] = store_url
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return load_config(path, env={})


def fill(
    store: Store, config: Config, count: int = 20_000, shift_features: tuple[str, ...] = SHIFTED
) -> None:
    """Two days of churn traffic (with campaign arms); features, a category share and accuracy change at
    hour 24."""
    scenario = Scenario(
        count=count,
        start_ms=START,
        interval_ms=48 * HOUR / count,
        drift_at=count // 2,
        shift_features=shift_features,
        shift_sd=0.5,
        category_shift=parse_category_shifts("plan=premium:15"),
        quality_drop=12.0,
        outcome_delay_ms=HOUR,
    )
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=10**12)
    predictions: list[Prediction] = []
    outcomes: list[Outcome] = []
    for event in generate(scenario, config.models["churn"].features):
        if event.kind == "predictions":
            predictions.append(parse_prediction(event.value, config.models, START + 50 * HOUR, limits))
        else:
            outcomes.append(parse_outcome(event.value, config.models, START + 50 * HOUR, limits))
    store.write(WriteBatch(predictions, outcomes, (), received_ms=1))
