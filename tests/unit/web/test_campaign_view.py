"""The campaign's customers from store samples, its summary and lift path (a fake store, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
import pandas as pd
import pytest

from connectors.store.base import Store
from monitor.campaign import CampaignSpec, sequential
from monitor.campaign.stats import ArmStats, newcombe_difference
from monitor.web.campaign_view import campaign_view, lift_path
from tests.unit.web.fakes import FakeStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SPEC = CampaignSpec.model_validate(
    {"id": "winback", "model": "churn", "success_label": "0", "maturity_days": 7, "team": "growth"}
)


def customers(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    """n customers over the 30 days before NOW; the last week has not matured; every 10th has no outcome
    yet; a few rows belong to another campaign or to none."""
    rng = np.random.default_rng(seed)
    times = [
        NOW - timedelta(days=30) + timedelta(minutes=int(m)) for m in np.sort(rng.integers(0, 30 * 1440, n))
    ]
    treated = rng.random(n) < 0.8
    retained = rng.random(n) < np.where(treated, 0.7, 0.6)
    frame = pd.DataFrame(
        {
            "prediction_id": [f"p{i}" for i in range(n)],
            "timestamp": pd.to_datetime(times, utc=True),
            "score": rng.random(n),
            "campaign_id": ["winback"] * n,
            "campaign_arm": np.where(treated, "treatment", "control"),
            "label": np.where(retained, "0", "1").astype(object),
        }
    )
    frame.loc[::10, "label"] = None
    frame.loc[5::50, "campaign_id"] = "other"
    frame.loc[7::50, "campaign_id"] = None
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)  # the store's order is not time


def store(frame: pd.DataFrame) -> Store:
    return cast(Store, FakeStore(customers=frame))


def test_summary_counts_only_matured_customers_of_the_campaign() -> None:
    frame = customers()
    view = campaign_view(store(frame), SPEC, NOW, days=60)
    ours = frame[frame["campaign_id"] == "winback"]
    matured = ours[ours["label"].notna() & (ours["timestamp"] < NOW - timedelta(days=7))]
    s = view.summary
    assert (s.n_assigned, s.n_matured) == (len(ours), len(matured))
    treated = matured[matured["campaign_arm"] == "treatment"]
    assert s.treatment.n == len(treated) and s.treatment.successes == int((treated["label"] == "0").sum())
    assert s.maturity_cutoff == NOW - timedelta(days=7) and view.sampled is False
    assert view.path.n[-1] == len(matured) and view.path.times_ms == sorted(view.path.times_ms)
    assert view.path.lower[-1] == pytest.approx(s.absolute_lift.lower)
    assert s.uplift is not None and len(s.uplift.deciles) == 10


def test_an_empty_period_gives_an_empty_path() -> None:
    view = campaign_view(store(customers()), SPEC, NOW + timedelta(days=400), days=30)
    assert view.summary.n_assigned == 0 and view.path.n == []


def test_always_valid_path_has_no_bounds_before_the_minimum_counts() -> None:
    rng = np.random.default_rng(0)
    treated, won = rng.random(3000) < 0.8, rng.random(3000) < 0.6
    path = lift_path(SPEC, np.arange(3000, dtype=np.int64), treated, won)
    assert path.n[0] == 1 and path.n[-1] == 3000 and len(path.n) == 60
    assert path.lower[0] is None and path.upper[0] is None
    expected = sequential.always_valid_difference(treated, won, SPEC.planned_treatment_share, SPEC.alpha)
    assert (path.lower[-1], path.upper[-1]) == pytest.approx((expected.lower, expected.upper))


def test_fixed_horizon_path_uses_newcombe_intervals() -> None:
    fixed = SPEC.model_copy(update={"inference": "fixed_horizon", "planned_sample_size": 5000})
    rng = np.random.default_rng(2)
    treated, won = rng.random(500) < 0.8, rng.random(500) < 0.6
    path = lift_path(fixed, np.arange(500, dtype=np.int64), treated, won)
    arm_t = ArmStats("treatment", int(treated.sum()), int(won[treated].sum()))
    arm_c = ArmStats("control", int((~treated).sum()), int(won[~treated].sum()))
    interval = newcombe_difference(arm_t, arm_c, fixed.alpha)
    assert (path.lower[-1], path.upper[-1]) == pytest.approx((interval.lower, interval.upper))
    assert path.estimate[-1] == pytest.approx(arm_t.rate - arm_c.rate)
