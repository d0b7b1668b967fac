"""Performance decay: metrics pinned against scikit-learn, the guards, and the decay verdicts."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sklearn import metrics as skm

from monitor.jobs.results import Check, CheckResult, Status
from monitor.performance import (
    MetricLimit,
    PerformanceSettings,
    compare_to_reference,
    decay_limit,
    evaluate_performance,
    resolve_positive_label,
)
from monitor.performance import classification as cls
from monitor.performance import regression as reg

RNG_SEED = 20240601


def _binary(n: int, seed: int = RNG_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels 'churn'/'stay', predictions right ~80% of the time, scores rounded to 2 places (ties)."""
    rng = np.random.default_rng(seed)
    is_churn = rng.random(n) < 0.3
    score = np.clip(np.round(0.3 + 0.35 * is_churn + rng.normal(0, 0.2, n), 2), 0.0, 1.0)
    y = np.where(is_churn, "churn", "stay")
    p = np.where(score > 0.5, "churn", "stay")
    return y, p, score


def _frame(labels: object, predictions: object, scores: object = None) -> pd.DataFrame:
    labels_array = np.asarray(labels, dtype=object)
    n = labels_array.size
    return pd.DataFrame(
        {
            "prediction": np.asarray(predictions, dtype=object),
            "prediction_value": np.full(n, np.nan),
            "score": np.full(n, np.nan) if scores is None else np.asarray(scores, dtype=np.float64),
            "label": labels_array,
            "label_value": np.full(n, np.nan),
        }
    )


def _regression_frame(y: object, p: object) -> pd.DataFrame:
    y_array, p_array = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return pd.DataFrame(
        {
            "prediction": [repr(v) for v in p_array],
            "prediction_value": p_array,
            "score": np.nan,
            "label": [repr(v) for v in y_array],
            "label_value": y_array,
        }
    )


def _reason(result: CheckResult) -> str:
    return str(result.details["reason"])


def _by_metric(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.metric: r for r in results}


# --- metrics pinned against sklearn ----------------------------------------------------------------


def test_binary_metrics_equal_sklearn() -> None:
    y, p, score = _binary(3000)
    is_pos = y == "churn"
    prf = cls.prf_from_counts(cls.confusion(is_pos, p == "churn"))
    assert cls.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert prf.precision == pytest.approx(skm.precision_score(y, p, pos_label="churn"))
    assert prf.recall == pytest.approx(skm.recall_score(y, p, pos_label="churn"))
    assert prf.f1 == pytest.approx(skm.f1_score(y, p, pos_label="churn"))
    assert cls.roc_auc(is_pos, score) == pytest.approx(skm.roc_auc_score(is_pos, score), abs=1e-12)
    assert cls.log_loss(is_pos, score) == pytest.approx(skm.log_loss(is_pos, score), rel=1e-12)


def test_roc_auc_ties_get_half_credit_like_sklearn() -> None:
    is_pos = np.array([True, False, True, False, True])
    scores = np.array([0.5, 0.5, 0.5, 0.5, 0.9])  # all-tied block plus one clear positive
    assert cls.roc_auc(is_pos, scores) == pytest.approx(skm.roc_auc_score(is_pos, scores))
    assert cls.roc_auc(is_pos, np.full(5, 0.3)) == 0.5  # constant scores: a coin


def test_log_loss_clips_certain_mistakes_like_sklearn() -> None:
    is_pos = np.array([True, False, True, False])
    scores = np.array([0.0, 1.0, 1.0, 0.0])  # two certain mistakes: log(eps) each, not infinity
    ours = cls.log_loss(is_pos, scores)
    assert ours == pytest.approx(skm.log_loss(is_pos, scores), rel=1e-12)
    assert ours == pytest.approx(-math.log(cls.LOG_LOSS_EPS) / 2, rel=1e-9)


def test_zero_division_is_zero_like_sklearn() -> None:
    y = np.array(["a", "a", "b", "b"])
    never_positive = np.array(["b", "b", "b", "b"])
    prf = cls.prf_from_counts(cls.confusion(y == "a", never_positive == "a"))
    assert prf == (0.0, 0.0, 0.0)
    assert skm.precision_score(y, never_positive, pos_label="a", zero_division=0) == 0.0


def test_macro_metrics_equal_sklearn_over_the_label_classes() -> None:
    rng = np.random.default_rng(RNG_SEED)
    y = rng.choice(["a", "b", "c"], 2000, p=[0.5, 0.3, 0.2])
    p = np.where(rng.random(2000) < 0.7, y, rng.choice(["a", "b", "c", "zzz"], 2000))
    classes = ["a", "b", "c"]  # "zzz" is never a label: it only counts as a miss
    ours = cls.macro_prf(y, p, classes)
    for value, func in zip(ours, (skm.precision_score, skm.recall_score, skm.f1_score), strict=True):
        assert value == pytest.approx(func(y, p, labels=classes, average="macro"))
    # sklearn's default adds "zzz" as a fourth class with precision and recall 0
    assert skm.f1_score(y, p, average="macro", zero_division=0) < ours.f1


def test_regression_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(RNG_SEED)
    y = rng.normal(-5.0, 10.0, 4000)  # about 70% negative targets
    p = y + rng.normal(0.5, 2.0, 4000)
    assert reg.mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p))
    assert reg.rmse(y, p) == pytest.approx(skm.root_mean_squared_error(y, p))
    assert reg.r2(y, p) == pytest.approx(skm.r2_score(y, p))
    # sklearn divides by max(|y|, eps): equal to ours when no target is 0, negative ones included
    assert reg.mape(y, p).value == pytest.approx(skm.mean_absolute_percentage_error(y, p))


def test_mape_on_negative_targets_by_hand_and_against_evidently_formula() -> None:
    y = np.array([-100.0, -50.0, 200.0])
    p = np.array([-90.0, -60.0, 180.0])
    expected = (10 / 100 + 10 / 50 + 20 / 200) / 3  # 0.1333...
    result = reg.mape(y, p)
    assert result.value == pytest.approx(expected) and (result.n_used, result.n_zero_targets) == (3, 0)
    # Evidently 0.7.23 divides by max(y, eps): each negative target contributes |err| / 2.2e-16
    evidently_style = np.mean(np.abs(p - y) / np.maximum(y, np.finfo(np.float64).eps))
    assert evidently_style > 1e15


def test_mape_excludes_and_counts_zero_targets() -> None:
    y = np.array([0.0, 10.0, -20.0, 0.0])
    p = np.array([1.0, 11.0, -18.0, -3.0])
    result = reg.mape(y, p)
    assert result.value == pytest.approx((0.1 + 0.1) / 2) and (result.n_used, result.n_zero_targets) == (2, 2)
    assert skm.mean_absolute_percentage_error(y, p) > 1e15  # sklearn: |ŷ| / eps for each y = 0
    assert math.isnan(reg.mape(np.zeros(3), np.ones(3)).value)


def test_r2_of_constant_targets_is_undefined() -> None:
    assert math.isnan(reg.r2(np.full(4, 3.0), np.array([1.0, 2.0, 3.0, 4.0])))
    assert skm.r2_score(np.full(4, 3.0), np.array([1.0, 2.0, 3.0, 4.0])) == 0.0  # sklearn's convention


# --- decay verdicts ---------------------------------------------------------------------------------


def test_absolute_drop_higher_is_better() -> None:
    ok = compare_to_reference("accuracy", 0.78, 0.80, 0.03)
    assert (ok.check, ok.metric, ok.status) == (Check.PERFORMANCE, "accuracy", Status.OK)
    assert ok.threshold == pytest.approx(0.77) and ok.value == 0.78
    assert ok.details["reference"] == 0.80 and ok.details["drop"] == pytest.approx(0.02)
    breach = compare_to_reference("accuracy", 0.75, 0.80, 0.03)
    assert breach.status is Status.BREACH and breach.details["drop"] == pytest.approx(0.05)
    assert compare_to_reference("accuracy", 0.95, 0.80, 0.03).status is Status.OK  # better is fine


def test_value_exactly_at_the_limit_is_ok() -> None:
    assert compare_to_reference("f1", 0.5, 0.75, 0.25).status is Status.OK
    assert compare_to_reference("mae", 1.5, 1.0, 0.5, "relative", higher_is_better=False).status is Status.OK


def test_relative_drop_lower_is_better() -> None:
    result = compare_to_reference("mae", 11.5, 10.0, 0.1, "relative", higher_is_better=False)
    assert result.status is Status.BREACH and result.threshold == pytest.approx(11.0)
    assert result.details["relative_drop"] == pytest.approx(0.15)
    assert compare_to_reference("mae", 9.0, 10.0, 0.1, "relative", False).status is Status.OK
    assert compare_to_reference("log_loss", 0.45, 0.40, 0.03, "absolute", False).status is Status.BREACH


def test_relative_limit_moves_the_bad_way_for_a_negative_reference() -> None:
    assert decay_limit(-0.2, 0.5, "relative", higher_is_better=True) == pytest.approx(-0.3)
    assert decay_limit(0.0, 0.5, "relative", higher_is_better=False) == 0.0


def test_undefined_side_gives_insufficient_data() -> None:
    for current, reference in ((math.nan, 0.8), (0.8, math.nan)):
        result = compare_to_reference("roc_auc", current, reference, 0.03)
        assert result.status is Status.INSUFFICIENT_DATA and "undefined" in _reason(result)


# --- evaluate_performance: frames, guards ------------------------------------------------------------

SETTINGS = PerformanceSettings(min_rows=100)
ALL_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
ALL_CLASSIFICATION = PerformanceSettings.model_validate(
    {"min_rows": 100, "classification_metrics": {m: {"allowed_drop": 0.05} for m in ALL_METRICS}}
)


def test_classification_end_to_end_matches_sklearn() -> None:
    y, p, score = _binary(3000)
    ry, rp, rscore = _binary(3000, seed=1)
    results = _by_metric(
        evaluate_performance(
            "classification", _frame(y, p, score), _frame(ry, rp, rscore), _positive(ALL_CLASSIFICATION)
        )
    )
    assert tuple(results) == ALL_METRICS
    assert results["f1"].value == pytest.approx(skm.f1_score(y, p, pos_label="churn"))
    assert results["f1"].details["reference"] == pytest.approx(skm.f1_score(ry, rp, pos_label="churn"))
    assert results["roc_auc"].value == pytest.approx(skm.roc_auc_score(y == "churn", score))
    assert results["log_loss"].value == pytest.approx(skm.log_loss(y == "churn", score))
    assert all(r.status is Status.OK for r in results.values())
    assert results["accuracy"].details["current_n_rows"] == 3000


def _positive(settings: PerformanceSettings, label: str = "churn") -> PerformanceSettings:
    return settings.model_copy(update={"positive_label": label})


def test_a_fall_in_accuracy_breaches() -> None:
    y, p, score = _binary(3000)
    wrong = np.random.default_rng(3).random(3000) < 0.15  # flip 15% of the predictions
    worse = np.where(wrong, np.where(p == "churn", "stay", "churn"), p)
    results = _by_metric(
        evaluate_performance(
            "classification", _frame(y, worse, score), _frame(y, p, score), _positive(SETTINGS)
        )
    )
    assert results["accuracy"].status is Status.BREACH and results["roc_auc"].status is Status.OK


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        ([], "no labeled rows"),
        (["churn", "stay"] * 20, "40 labeled rows, fewer than the minimum 100"),
        (["stay"] * 200, "single class ('stay')"),
        ([None] * 200, "no labeled rows"),
    ],
)
def test_current_window_guards(labels: list[str | None], reason: str) -> None:
    ry, rp, rscore = _binary(500)
    current = _frame(labels, ["stay"] * len(labels), [0.2] * len(labels))
    results = evaluate_performance("classification", current, _frame(ry, rp, rscore), _positive(SETTINGS))
    assert [r.metric for r in results] == ["accuracy", "f1", "roc_auc"]
    for result in results:
        assert result.status is Status.INSUFFICIENT_DATA and math.isnan(result.value)
        assert _reason(result).startswith("current window: ") and reason in _reason(result)


def test_reference_guard_and_positive_class_absent() -> None:
    y, p, score = _binary(500)
    reference = _frame(["no", "yes"] * 100, ["no"] * 200)  # positive 'churn' is in no label
    result = evaluate_performance("classification", _frame(y, p, score), reference, _positive(SETTINGS))[0]
    assert result.status is Status.INSUFFICIENT_DATA
    assert _reason(result) == "reference: no label is the positive class 'churn': class metrics are undefined"


def test_score_guards() -> None:
    y, p, score = _binary(500)
    few_scores = np.where(np.arange(500) < 50, score, np.nan)
    results = _by_metric(
        evaluate_performance(
            "classification", _frame(y, p, few_scores), _frame(y, p, score), _positive(ALL_CLASSIFICATION)
        )
    )
    assert results["accuracy"].status is Status.OK
    assert "50 rows with a score" in _reason(results["roc_auc"])
    logits = _frame(y, p, score * 10 - 5)
    results = _by_metric(
        evaluate_performance("classification", logits, logits, _positive(ALL_CLASSIFICATION))
    )
    assert results["roc_auc"].status is Status.OK  # any score ranks
    assert "not probabilities" in _reason(results["log_loss"])


def test_multiclass_is_macro_and_names_unknown_predictions() -> None:
    rng = np.random.default_rng(RNG_SEED)
    y = rng.choice(["a", "b", "c"], 600)
    p = np.where(rng.random(600) < 0.8, y, "other")
    results = _by_metric(
        evaluate_performance("classification", _frame(y, p), _frame(y, y), ALL_CLASSIFICATION)
    )
    classes = ["a", "b", "c"]
    assert results["f1"].value == pytest.approx(skm.f1_score(y, p, labels=classes, average="macro"))
    assert results["f1"].details["positive_label"] is None
    assert results["f1"].details["current_unknown_predicted_classes"] == {"other": int(np.sum(p == "other"))}
    assert "needs a positive class" in _reason(results["roc_auc"])


def test_positive_label_resolution() -> None:
    zero_one, booleans = _frame(["0", "1"], ["1", "1"]), _frame(["true", "false"], ["true", None])
    assert resolve_positive_label(None, zero_one, zero_one) == "1"
    assert resolve_positive_label(None, booleans) == "true"
    assert resolve_positive_label(None, zero_one, booleans) is None
    assert resolve_positive_label(None, _frame(["1", "2"], ["1", "2"])) is None
    assert resolve_positive_label("2", zero_one) == "2"


def test_regression_end_to_end_with_guards() -> None:
    rng = np.random.default_rng(RNG_SEED)
    y = rng.normal(-5.0, 10.0, 1000)
    y[:10] = 0.0
    p = y + rng.normal(0.0, 1.0, 1000)
    settings = SETTINGS.model_copy(
        update={
            "regression_metrics": {
                "mae": MetricLimit(allowed_drop=0.1, mode="relative"),
                "mape": MetricLimit(allowed_drop=0.1, mode="relative"),
                "r2": MetricLimit(allowed_drop=0.05),
            }
        }
    )
    worse = _regression_frame(y, y + rng.normal(0.0, 1.5, 1000))
    results = _by_metric(evaluate_performance("regression", worse, _regression_frame(y, p), settings))
    assert results["mae"].status is Status.BREACH
    assert results["mape"].details["current_n_zero_targets"] == 10
    constant = _regression_frame(np.full(200, 2.0), np.full(200, 2.5))
    r2 = _by_metric(evaluate_performance("regression", constant, worse, settings))["r2"]
    assert _reason(r2) == "current window: the targets are constant: r2 is undefined"
    dropped = _regression_frame([np.nan] * 150, [1.0] * 150)
    mae = evaluate_performance("regression", dropped, worse, settings)[0]
    assert mae.details["current_n_dropped"] == 150 and mae.status is Status.INSUFFICIENT_DATA


def test_settings_are_strict_with_sensible_defaults() -> None:
    defaults = PerformanceSettings()
    assert {m: (lim.allowed_drop, lim.mode) for m, lim in defaults.classification_metrics.items()} == {
        "accuracy": (0.03, "absolute"),
        "f1": (0.05, "absolute"),
        "roc_auc": (0.03, "absolute"),
    }
    assert set(defaults.regression_metrics) == {"mae", "rmse"}
    with pytest.raises(ValidationError):
        PerformanceSettings(classification_metrics={"mae": MetricLimit(allowed_drop=0.1)})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        PerformanceSettings.model_validate({"min_row": 10})
    with pytest.raises(ValidationError):
        MetricLimit(allowed_drop=0)
    assert all(field.description for field in PerformanceSettings.model_fields.values())


def test_importing_the_package_imports_neither_sklearn_nor_evidently() -> None:
    code = (
        "import sys, monitor.performance; sys.exit(any(m in sys.modules for m in ('sklearn', 'evidently')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
