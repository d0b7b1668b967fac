"""The feed row of a summary, what its interval concludes, and the one-line view of a row."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from monitor.campaign import CampaignSummary, summarize, to_row
from monitor.campaign.feed import (
    BETTER,
    INCONCLUSIVE,
    INTERIM,
    NO_INTERVAL,
    WORSE,
    feed_line,
    feed_row,
    points,
    verdict,
)
from monitor.campaign.stats import Interval
from tests.unit.campaign.builders import END, spec, summary


def with_lift(s: CampaignSummary, lower: float, upper: float) -> CampaignSummary:
    return replace(s, absolute_lift=Interval((lower + upper) / 2, lower, upper, "test", 0.05))


def test_verdict_follows_the_interval_against_zero() -> None:
    s = summary()
    assert verdict(s) == BETTER  # a 10-point effect on 4000 customers
    assert verdict(with_lift(s, -0.2, -0.01)) == WORSE
    assert verdict(with_lift(s, -0.01, 0.02)) == INCONCLUSIVE
    assert verdict(summary(n=6)) == NO_INTERVAL


def test_fixed_horizon_is_interim_until_the_planned_size() -> None:
    early = summary(inference="fixed_horizon", planned_sample_size=10_000)
    assert early.absolute_lift.lower > 0 and verdict(early) == INTERIM
    reached = summary(inference="fixed_horizon", planned_sample_size=2_000)
    assert verdict(reached) == BETTER


def test_feed_row_carries_the_headline_and_the_whole_summary() -> None:
    s = summary()
    start = END - timedelta(days=90)
    row = feed_row(s, start, END, created_ms=123)
    flat = to_row(s)
    assert (row.campaign, row.model, row.inference) == ("winback", "churn", "always_valid")
    assert (row.period_start_ms, row.period_end_ms) == (
        int(start.timestamp() * 1000),
        int(END.timestamp() * 1000),
    )
    assert row.maturity_cutoff_ms == int((END - timedelta(days=30)).timestamp() * 1000)
    assert (row.n_treatment, row.n_control, row.n_matured) == (s.treatment.n, s.control.n, 4000)
    assert row.absolute_lift_lower == pytest.approx(flat["absolute_lift_lower"])
    assert row.relative_lift_upper == pytest.approx(flat["relative_lift_upper"])
    assert (row.verdict, row.conclusive, row.srm_warning, row.created_ms) == (BETTER, True, False, 123)
    assert json.loads(row.summary_json)["treatment"]["n"] == s.treatment.n


def test_an_empty_period_gives_nan_not_errors() -> None:
    empty = summarize(
        spec(), arm=[], success=[], matured=[], maturity_cutoff=END, score=np.array([], dtype=float)
    )
    row = feed_row(empty, END - timedelta(days=90), END, created_ms=1)
    assert math.isnan(row.rate_treatment) and math.isnan(row.absolute_lift_lower)
    assert (row.verdict, row.conclusive, row.n_matured) == (NO_INTERVAL, False, 0)
    assert json.loads(row.summary_json)["campaign"] == "winback"  # valid JSON: no NaN in it
    assert "lift n/a" in feed_line(row) and "no interval yet" in feed_line(row)


def test_feed_line_shows_arms_interval_and_verdict() -> None:
    row = feed_row(summary(), END - timedelta(days=90), END, created_ms=1)
    line = feed_line(row)
    assert line.startswith(
        f"campaign winback: matured treatment {row.n_treatment:,} / control {row.n_control:,}"
    )
    assert "(assigned before May 02 00:00 UTC)" in line
    assert f"[{points(row.absolute_lift_lower)}, {points(row.absolute_lift_upper)}]" in line
    assert "conclusive: the treatment works" in line
    assert "SAMPLE RATIO MISMATCH" in feed_line(replace(row, srm_warning=True))


def test_points_are_signed_percentage_points() -> None:
    assert (points(0.031), points(-0.2), points(math.nan)) == ("+3.1 pp", "-20.0 pp", "n/a")
