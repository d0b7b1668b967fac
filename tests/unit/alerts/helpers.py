"""Shared values for the alert router tests: a fixed clock origin and small builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from alerts.config import AlertingConfig
from alerts.model import Alert

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
ROUTES = Path(__file__).resolve().parents[2] / "fixtures" / "routes"


def at(seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> datetime:
    """The injected clock: T0 plus an offset."""
    return T0 + timedelta(seconds=seconds, minutes=minutes, hours=hours)


def alert(
    model: str = "churn",
    team: str = "growth",
    check: str = "feature_drift",
    feature: str = "",
    severity: str = "warning",
    starts_at: datetime = T0,
    ends_at: datetime | None = None,
    **labels: str,
) -> Alert:
    base = {"model": model, "team": team, "check": check, "feature": feature, "severity": severity}
    return Alert({**base, **labels}, {"summary": f"{check} {feature}"}, starts_at=starts_at, ends_at=ends_at)


def config(text: str = "{}") -> AlertingConfig:
    return AlertingConfig.model_validate(yaml.safe_load(text))


def load_fixture(name: str) -> Any:
    return yaml.safe_load((ROUTES / name).read_text(encoding="utf-8"))
