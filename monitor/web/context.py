"""What the web app reads from: the config, the store, the report folder, alerts and campaigns.

The routes stay thin: they ask this object for data and hand it to the pure page builders. The store
may be given as an object or as a factory; a factory is called once, on the first request that
needs the store (so the web server starts even while the store is still down).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from fastapi import HTTPException

from connectors.store.base import ResultRow, Store
from monitor.campaign import CampaignSpec
from monitor.config_model import Config, ModelSpec
from monitor.web.campaign_view import CampaignView, campaign_view
from monitor.web.history import RunSummary, runs
from monitor.web.pages import is_open

AlertSource = Callable[[], Iterable[Mapping[str, Any]]]
StoreSource = Store | Callable[[], Store]

# How far back the overview looks for a model's latest run: near first (cheap), then wider.
LATEST_LOOKBACK_DAYS = (2, 30, 400)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class WebContext:
    """Shared, read-only state of the app; safe to use from the server's worker threads."""

    config: Config
    store_source: StoreSource
    now: Callable[[], datetime]
    report_dir: Path | None = None
    alert_source: AlertSource | None = None
    campaigns: Mapping[str, CampaignSpec] = field(default_factory=dict)
    _store: Store | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> Store:
        """The store, opened from the factory on first use."""
        with self._lock:
            if self._store is None:
                source = self.store_source
                # A Store has read_results; a factory is any other callable returning one.
                if hasattr(source, "read_results"):
                    self._store = cast(Store, source)
                else:
                    self._store = source()
            return self._store

    def model(self, name: str) -> ModelSpec:
        spec = self.config.models.get(name)
        if spec is None:
            raise HTTPException(404, "no such model")
        return spec

    def campaign(self, campaign_id: str) -> CampaignSpec:
        spec = self.campaigns.get(campaign_id)
        if spec is None:
            raise HTTPException(404, "no such campaign")
        return spec

    def results(self, model: str, days: float) -> list[ResultRow]:
        """Results of runs whose window ended in the last ``days`` (up to now, inclusive)."""
        now = self.now()
        return self.store().read_results(model, ms(now - timedelta(days=days)), ms(now) + 1)

    def latest_run(self, model: str) -> RunSummary | None:
        """The newest run within the longest look-back, searching near first."""
        for days in LATEST_LOOKBACK_DAYS:
            found = runs(self.results(model, days))
            if found:
                return found[0]
        return None

    def alerts(self) -> list[Mapping[str, Any]] | None:
        """Current alerts from the router, or None when no router runs in this process."""
        return None if self.alert_source is None else list(self.alert_source())

    def open_alerts(self, alerts: list[Mapping[str, Any]] | None, model: str) -> int | None:
        if alerts is None:
            return None
        return sum(1 for a in alerts if is_open(a) and (a.get("labels") or {}).get("model") == model)

    def campaign_view(self, campaign_id: str, days: float) -> CampaignView:
        return campaign_view(self.store(), self.campaign(campaign_id), self.now(), days)

    def report_file(self, model: str, file_name: str) -> Path:
        """The report ``file_name`` of ``model`` inside the report folder; 404 for anything else,
        including names that would leave the model's folder (``..``, links pointing outside)."""
        self.model(model)
        if self.report_dir is None or not file_name.endswith(".html") or file_name.startswith("."):
            raise HTTPException(404, "no such report")
        if "/" in file_name or "\\" in file_name or "\0" in file_name:
            raise HTTPException(404, "no such report")
        folder = (self.report_dir / model).resolve()
        path = (folder / file_name).resolve()
        if path.parent != folder or not path.is_file():
            raise HTTPException(404, "no such report")
        return path
