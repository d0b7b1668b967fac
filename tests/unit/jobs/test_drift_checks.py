"""Drift checks from window summaries equal the statistics on the raw rows (and so Evidently's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectors.store.base import PREDICTION, SCORE
from monitor.jobs.drift import (
    WindowData,
    bin_edges,
    dataset_drift,
    drift_checks,
    feature_columns,
    prediction_column,
)
from monitor.jobs.frames import frame_histograms, window_from_frame
from monitor.jobs.results import Check, Status
from monitor.jobs.settings import DriftSettings, MethodChoice
from monitor.stats.guards import run_guarded
from monitor.stats.result import ColumnType

NUMERICAL = ("x", "y")
CATEGORICAL = ("plan",)


def window(rows: pd.DataFrame) -> WindowData:
    """What the store would return for these rows (exact summaries, the whole frame as sample)."""
    return window_from_frame(rows, NUMERICAL, CATEGORICAL)


def frame(n: int, seed: int, shift: float = 0.0, premium: float = 0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(10 + shift * 2, 2, n),
            "y": rng.exponential(3, n),
            "plan": rng.choice(["basic", "standard", "premium"], n, p=[0.5, 0.5 - premium, premium]).astype(
                object
            ),
            "score": rng.uniform(0, 1, n),
            "prediction": rng.choice(["0", "1"], n).astype(object),
        }
    )


def histograms(columns, reference: WindowData, current: WindowData):  # type: ignore[no-untyped-def]
    return frame_histograms(bin_edges(columns, reference, current), reference.sample, current.sample)


@pytest.mark.parametrize(
    ("numerical", "categorical"),
    [
        ("psi", "psi"),
        ("jensenshannon", "jensenshannon"),
        ("wasserstein", "chisquare"),
        ("ks", "kl_div"),
        ("hellinger", "hellinger"),
    ],
)
def test_scores_equal_the_methods_on_raw_rows(numerical: str, categorical: str) -> None:
    settings = DriftSettings(
        numerical=MethodChoice(method=numerical),
        categorical=MethodChoice(method=categorical),
        outlier_fence_iqr=None,
    )
    reference, current = window(frame(3000, 1)), window(frame(2000, 2, shift=0.1, premium=0.3))
    columns = feature_columns(settings, NUMERICAL, CATEGORICAL)
    results = drift_checks(settings, columns, reference, current, histograms(columns, reference, current))
    for result, column in zip(results, columns, strict=True):
        raw = run_guarded(
            column.choice.method,
            reference.sample[column.name].to_numpy(),
            current.sample[column.name].to_numpy(),
            column_type=column.column_type,
        )
        assert result.feature == column.name
        assert result.value == pytest.approx(raw.score, rel=1e-9, abs=1e-12)
        assert (result.status is Status.BREACH) == raw.drifted


def test_value_bins_when_the_reference_has_few_distinct_values() -> None:
    settings = DriftSettings(numerical=MethodChoice(method="psi"), outlier_fence_iqr=None)
    rng = np.random.default_rng(3)
    ref_rows, cur_rows = frame(2000, 4), frame(2000, 5)
    ref_rows["x"] = rng.poisson(2, 2000).astype(float)
    cur_rows["x"] = rng.poisson(2.6, 2000).astype(float)
    reference, current = window(ref_rows), window(cur_rows)
    columns = feature_columns(settings, ("x",), ())
    (result,) = drift_checks(settings, columns, reference, current, histograms(columns, reference, current))
    raw = run_guarded(
        "psi", ref_rows["x"].to_numpy(), cur_rows["x"].to_numpy(), column_type=ColumnType.NUMERICAL
    )
    assert result.value == pytest.approx(raw.score, rel=1e-9)


def test_small_windows_give_insufficient_data_not_drift() -> None:
    settings = DriftSettings(min_rows=500)
    reference, current = window(frame(3000, 1)), window(frame(50, 2, shift=3.0))
    columns = feature_columns(settings, NUMERICAL, CATEGORICAL)
    results = drift_checks(settings, columns, reference, current, histograms(columns, reference, current))
    assert {r.status for r in results} == {Status.INSUFFICIENT_DATA}
    assert "50 current" in str(results[0].details["reason"])
    assert dataset_drift(settings, results).status is Status.INSUFFICIENT_DATA


def test_all_null_feature_is_insufficient_data() -> None:
    settings = DriftSettings()
    cur_rows = frame(2000, 2)
    cur_rows["x"] = np.nan
    reference, current = window(frame(2000, 1)), window(cur_rows)
    columns = feature_columns(settings, NUMERICAL, CATEGORICAL)
    results = {r.feature: r for r in drift_checks(settings, columns, reference, current, {})}
    assert results["x"].status is Status.INSUFFICIENT_DATA
    assert results["y"].status is Status.OK


def test_an_extreme_reference_outlier_does_not_hide_a_shift() -> None:
    ref_rows, cur_rows = frame(5000, 1), frame(5000, 2, shift=0.25)  # x moves by 0.25 sd... and 0.5 sd below
    cur_rows["x"] += 1.0
    ref_rows.loc[0, "x"] = 1e9
    columns = feature_columns(DriftSettings(), ("x",), ())
    reference, current = window(ref_rows), window(cur_rows)
    fenced = drift_checks(DriftSettings(), columns, reference, current, {})[0]
    unfenced = drift_checks(DriftSettings(outlier_fence_iqr=None), columns, reference, current, {})[0]
    assert unfenced.status is Status.OK  # Evidently's wasserstein: std blown up by one value
    assert fenced.status is Status.BREACH
    assert fenced.details["outliers_left_out_reference"] == 1


def test_unseen_categories_are_named() -> None:
    cur_rows = frame(2000, 2)
    cur_rows.loc[:199, "plan"] = "enterprise"
    reference, current = window(frame(2000, 1)), window(cur_rows)
    settings = DriftSettings()
    (result,) = drift_checks(settings, feature_columns(settings, (), CATEGORICAL), reference, current, {})
    assert result.details["unseen_categories"] == {"enterprise": pytest.approx(0.1)}
    assert result.status is Status.BREACH


def test_dataset_drift_share() -> None:
    settings = DriftSettings(dataset_drift_share=0.5)
    reference, current = window(frame(3000, 1)), window(frame(3000, 2, shift=1.0, premium=0.45))
    columns = feature_columns(settings, NUMERICAL, CATEGORICAL)
    results = drift_checks(settings, columns, reference, current, histograms(columns, reference, current))
    summary = dataset_drift(settings, results)
    assert summary.check is Check.DATASET_DRIFT
    assert summary.value == pytest.approx(2 / 3)
    assert summary.status is Status.BREACH
    assert summary.details["drifted_features"] == ["plan", "x"]


def test_prediction_drift_uses_the_score_or_else_the_class() -> None:
    settings = DriftSettings()
    with_score = window(frame(1000, 1))
    assert prediction_column(settings, with_score).name == SCORE
    no_score_rows = frame(1000, 1)
    no_score_rows["score"] = np.nan
    column = prediction_column(settings, window(no_score_rows))
    assert column.name == PREDICTION
    assert column.column_type is ColumnType.CATEGORICAL


def test_the_fence_of_a_mostly_zero_count_keeps_its_values_and_its_drift() -> None:
    """A count that is 0 for most rows has an IQR of 0: a quartile fence would drop every non-zero value
    (scoring 0, or turning a real shift into 'insufficient data'); a wider quantile range is used."""
    rng = np.random.default_rng(5)
    ref_rows, cur_rows = frame(5000, 1), frame(5000, 2)
    ref_rows["x"] = rng.poisson(0.2, 5000).astype(float)
    cur_rows["x"] = rng.poisson(0.6, 5000).astype(float)
    columns = feature_columns(DriftSettings(), ("x",), ())
    reference, current = window(ref_rows), window(cur_rows)
    fenced = drift_checks(DriftSettings(), columns, reference, current, {})[0]
    unfenced = drift_checks(DriftSettings(outlier_fence_iqr=None), columns, reference, current, {})[0]
    assert fenced.status is Status.BREACH
    assert fenced.value == pytest.approx(unfenced.value)
    assert "outliers_left_out_current" not in fenced.details
