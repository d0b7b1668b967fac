"""A campaign's numbers for the page and the feeds: read its customers from the store, then the pure
``monitor.campaign`` statistics, plus the lift-over-time path for the chart.

The reads are bounded: both use the store's hash sample (the same rows every time), so a campaign
larger than ``SAMPLE_ROWS`` is judged on a random subset, and the page says so. Every matured
prediction of the prediction sample is also in the labeled sample (same hash order, a subset of rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from connectors.store.base import FeatureSelection, Store, WindowSpec
from monitor.campaign import CampaignSpec, CampaignSummary, sequential, success_from_labels, summarize
from monitor.campaign.stats import ArmStats, newcombe_difference

SAMPLE_ROWS = 500_000  # per read; the base columns only, so well under 100 MB
PATH_POINTS = 60  # points of the lift-over-time chart: enough for a smooth line, small pages


@dataclass(frozen=True)
class LiftPath:
    """The absolute lift and its interval after successive matured customers, at their assignment time.
    Bounds are None where the interval is not given yet (too few outcomes)."""

    times_ms: list[int]
    n: list[int]
    estimate: list[float | None]
    lower: list[float | None]
    upper: list[float | None]


@dataclass(frozen=True)
class CampaignView:
    """What the campaign page and feeds show: the summary, its path, and how the data were read."""

    summary: CampaignSummary
    path: LiftPath
    start: datetime
    sampled: bool  # the period held more rows than one bounded read returns


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def read_customers(
    store: Store, spec: CampaignSpec, start: datetime, end: datetime, cutoff: datetime
) -> tuple[pd.DataFrame, bool]:
    """The campaign's customers in assignment order with ``label`` (None where not matured)."""
    window = WindowSpec(spec.model, int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    none = FeatureSelection()
    rows = store.sample(window, none, SAMPLE_ROWS)
    labeled = store.sample(window, none, SAMPLE_ROWS, matured_before_ms=int(cutoff.timestamp() * 1000))
    sampled = len(rows) >= SAMPLE_ROWS or len(labeled) >= SAMPLE_ROWS
    rows = rows[rows["campaign_id"] == spec.id]
    labels = labeled[labeled["campaign_id"] == spec.id].set_index("prediction_id")["label"]
    rows = rows.sort_values(["timestamp", "prediction_id"], kind="stable").reset_index(drop=True)
    rows["label"] = rows["prediction_id"].map(labels)
    return rows, sampled


def lift_path(
    spec: CampaignSpec,
    times_ms: npt.NDArray[np.int64],
    treated: npt.NDArray[np.bool_],
    won: npt.NDArray[np.bool_],
) -> LiftPath:
    """The lift after each of ``PATH_POINTS`` evenly spaced prefixes of the matured stream, with the
    campaign's own inference: the confidence sequence (always valid), or the Newcombe interval, which
    before the planned sample size is only an interim look (the page says so)."""
    size = int(treated.size)
    if size == 0:
        return LiftPath([], [], [], [], [])
    points = np.unique(np.linspace(1, size, num=min(PATH_POINTS, size)).round().astype(int))
    always = spec.inference == "always_valid"
    if always:
        tuning = spec.planned_sample_size or sequential.DEFAULT_TUNING_N
        seq = sequential.difference_path(treated, won, spec.planned_treatment_share, spec.alpha, tuning)
    est, low, up = [], [], []
    for k in points:
        t, y = treated[:k], won[:k]
        arm_t = ArmStats("treatment", int(t.sum()), int(y[t].sum()))
        arm_c = ArmStats("control", int((~t).sum()), int(y[~t].sum()))
        est.append(_number(arm_t.rate - arm_c.rate))
        if always and sequential.too_few(arm_t, arm_c) is None:
            low.append(_number(float(seq.lower[k - 1])))
            up.append(_number(float(seq.upper[k - 1])))
        elif not always and arm_t.n and arm_c.n:
            interval = newcombe_difference(arm_t, arm_c, spec.alpha)
            low.append(_number(interval.lower))
            up.append(_number(interval.upper))
        else:
            low.append(None)
            up.append(None)
    return LiftPath([int(times_ms[k - 1]) for k in points], [int(k) for k in points], est, low, up)


def campaign_view(store: Store, spec: CampaignSpec, now: datetime, days: float) -> CampaignView:
    """Summarize the campaign over the ``days`` before ``now``, counting outcomes matured by now."""
    start = now - timedelta(days=days)
    cutoff = now - timedelta(days=spec.maturity_days)
    rows, sampled = read_customers(store, spec, start, now, cutoff)
    matured = rows["label"].notna().to_numpy()
    labels = rows["label"].where(rows["label"].notna(), None).to_numpy(dtype=object)
    success = np.where(matured, success_from_labels(labels, spec), np.nan)
    arm = rows["campaign_arm"].to_numpy(dtype=object)
    score = rows["score"].to_numpy(dtype=np.float64)
    summary = summarize(spec, arm=arm, success=success, matured=matured, maturity_cutoff=cutoff, score=score)
    treated = (arm == "treatment")[matured]
    epoch = pd.Timestamp(0, tz="UTC")
    times = ((rows["timestamp"] - epoch) // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64)[matured]
    path = lift_path(spec, times, treated.astype(bool), success[matured].astype(bool))
    return CampaignView(summary, path, start, sampled)
