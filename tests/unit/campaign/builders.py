"""Campaign summaries built from synthetic customers, for the feed, digest and job tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from monitor.campaign import CampaignSpec, CampaignSummary, summarize

END = datetime(2026, 6, 1, tzinfo=UTC)
BASE: dict[str, Any] = {"id": "winback", "model": "churn", "success_label": "0", "maturity_days": 30}


def spec(**changes: Any) -> CampaignSpec:
    return CampaignSpec.model_validate({**BASE, "team": "growth", **changes})


def summary(effect: float = 0.1, n: int = 4000, seed: int = 0, **changes: Any) -> CampaignSummary:
    """``n`` matured customers, 80% treated; the treated succeed ``effect`` more often."""
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < 0.8
    success = rng.random(n) < 0.5 + treated * effect
    return summarize(
        spec(**changes),
        arm=np.where(treated, "treatment", "control"),
        success=success,
        matured=np.ones(n, dtype=bool),
        maturity_cutoff=END - timedelta(days=30),
        score=rng.random(n),
    )
