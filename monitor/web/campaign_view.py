"""A campaign's numbers for the page and the feeds: its customers and summary from
``monitor.campaign.data`` (shared with the scheduled feed job, so page and history agree), plus the
lift-over-time path for the chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from connectors.store.base import Store
from monitor.campaign import CampaignSpec, CampaignSummary, sequential
from monitor.campaign.data import read_campaign, summarize_data
from monitor.campaign.stats import ArmStats, newcombe_difference

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
    data = read_campaign(store, spec, now, days)
    summary = summarize_data(spec, data)
    matured = data.matured
    treated = (data.arm == "treatment")[matured].astype(bool)
    path = lift_path(spec, data.times_ms[matured], treated, data.success[matured].astype(bool))
    return CampaignView(summary, path, data.start, data.sampled)
