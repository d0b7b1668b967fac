"""Sample-ratio mismatch: pinned to scipy's chi-square goodness of fit, warning below p = 0.001."""

from __future__ import annotations

import math

import pytest
from scipy.stats import chisquare

from monitor.campaign.srm import SRM_P_THRESHOLD, sample_ratio_check


@pytest.mark.parametrize(("n_t", "n_c", "share"), [(2390, 610, 0.8), (5100, 4900, 0.5), (850, 150, 0.8)])
def test_pinned_to_scipy_chisquare(n_t: int, n_c: int, share: float) -> None:
    total = n_t + n_c
    expected = chisquare([n_t, n_c], f_exp=[share * total, (1 - share) * total])
    result = sample_ratio_check(n_t, n_c, share)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.observed_treatment_share == pytest.approx(n_t / total)


def test_by_hand() -> None:
    # 850 vs 150 against 800 / 200: X^2 = 50^2/800 + 50^2/200 = 3.125 + 12.5 = 15.625, p = 7.7e-5
    result = sample_ratio_check(850, 150, 0.8)
    assert result.statistic == pytest.approx(15.625)
    assert result.p_value == pytest.approx(7.72e-5, rel=1e-2)
    assert result.warning


def test_threshold_is_one_in_a_thousand() -> None:
    assert SRM_P_THRESHOLD == 0.001
    # 10,000 customers at a planned 50/50: 5,150 treated gives p = 0.0027 (no warning), 5,170 gives
    # p = 0.00068 (warning).
    assert not sample_ratio_check(5150, 4850, 0.5).warning
    assert sample_ratio_check(5170, 4830, 0.5).warning
    assert not sample_ratio_check(5170, 4830, 0.5, threshold=1e-4).warning


def test_healthy_split_does_not_warn() -> None:
    assert not sample_ratio_check(8010, 1990, 0.8).warning


def test_no_customers_is_insufficient_data() -> None:
    result = sample_ratio_check(0, 0, 0.8)
    assert result.status == "insufficient_data"
    assert math.isnan(result.p_value) and not result.warning


def test_one_empty_arm_is_a_mismatch() -> None:
    assert sample_ratio_check(500, 0, 0.8).warning


def test_impossible_share_rejected() -> None:
    with pytest.raises(ValueError, match="strictly between"):
        sample_ratio_check(10, 10, 1.0)
