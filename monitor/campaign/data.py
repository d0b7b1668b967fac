"""A campaign's customers read from the store, and their summary over a period.

The one place campaign data are read: the web page and feeds (``monitor.web.campaign_view``), the
scheduled feed and digest job (``monitor.campaign.job``) and ``monitor campaign report`` all call it,
so the page, the feed history and the digest agree. The store is reached through the ``Store``
interface only; the statistics stay in the pure modules.

The reads are bounded: both use the store's hash sample (the same rows every time), so a campaign
larger than ``SAMPLE_ROWS`` is judged on a random subset, and ``sampled`` says so. Every matured
prediction of the prediction sample is also in the labeled sample (same hash order, a subset of rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from connectors.store.base import FeatureSelection, Store, WindowSpec
from monitor.campaign.config import CampaignSpec
from monitor.campaign.summary import CampaignSummary, success_from_labels, summarize

SAMPLE_ROWS = 500_000  # per read; the base columns only, so well under 100 MB
DEFAULT_DAYS = 90  # how far back a period reaches by default (the page's default too)


def ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


def maturity_cutoff(spec: CampaignSpec, end: datetime) -> datetime:
    """Customers assigned before this moment have a final outcome at ``end``."""
    return end - timedelta(days=spec.maturity_days)


@dataclass(frozen=True)
class CampaignData:
    """The campaign's customers in a period, one entry per customer in assignment order.

    ``success`` is 1.0/0.0 where ``matured`` and NaN elsewhere; ``score`` is NaN where missing.
    ``sampled``: the period held more rows than one bounded read returns."""

    start: datetime
    end: datetime
    cutoff: datetime
    arm: npt.NDArray[np.object_]
    matured: npt.NDArray[np.bool_]
    success: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]
    times_ms: npt.NDArray[np.int64]
    sampled: bool


def read_customers(
    store: Store, spec: CampaignSpec, start: datetime, end: datetime, cutoff: datetime
) -> tuple[pd.DataFrame, bool]:
    """The campaign's customers in assignment order with ``label`` (None where not matured)."""
    window = WindowSpec(spec.model, ms(start), ms(end))
    none = FeatureSelection()
    rows = store.sample(window, none, SAMPLE_ROWS)
    labeled = store.sample(window, none, SAMPLE_ROWS, matured_before_ms=ms(cutoff))
    sampled = len(rows) >= SAMPLE_ROWS or len(labeled) >= SAMPLE_ROWS
    rows = rows[rows["campaign_id"] == spec.id]
    labels = labeled[labeled["campaign_id"] == spec.id].set_index("prediction_id")["label"]
    rows = rows.sort_values(["timestamp", "prediction_id"], kind="stable").reset_index(drop=True)
    rows["label"] = rows["prediction_id"].map(labels)
    return rows, sampled


def read_campaign(
    store: Store, spec: CampaignSpec, end: datetime, days: float = DEFAULT_DAYS
) -> CampaignData:
    """The customers assigned in the ``days`` before ``end``, with the outcomes matured by ``end``."""
    start, cutoff = end - timedelta(days=days), maturity_cutoff(spec, end)
    rows, sampled = read_customers(store, spec, start, end, cutoff)
    matured = rows["label"].notna().to_numpy(dtype=bool)
    labels = rows["label"].where(rows["label"].notna(), None).to_numpy(dtype=object)
    epoch = pd.Timestamp(0, tz="UTC")
    return CampaignData(
        start=start,
        end=end,
        cutoff=cutoff,
        arm=rows["campaign_arm"].to_numpy(dtype=object),
        matured=matured,
        success=np.where(matured, success_from_labels(labels, spec), np.nan),
        score=rows["score"].to_numpy(dtype=np.float64),
        times_ms=((rows["timestamp"] - epoch) // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64),
        sampled=sampled,
    )


def summarize_data(spec: CampaignSpec, data: CampaignData) -> CampaignSummary:
    """The pure summary of the customers read, counting matured outcomes only."""
    return summarize(
        spec,
        arm=data.arm,
        success=data.success,
        matured=data.matured,
        maturity_cutoff=data.cutoff,
        score=data.score,
    )
