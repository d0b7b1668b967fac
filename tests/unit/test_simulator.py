"""The traffic simulator (pure): determinism, the event contract, and injected changes measured back."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.progress import Progress
from typer.testing import CliRunner

from monitor.cli import app
from monitor.commands.simulate import Tally, future_warning, send_all
from monitor.config_loader import load_config
from monitor.config_model import Config
from monitor.events import InvalidMessage
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction
from monitor.simulation import (
    CHURN_FEATURES,
    DEFAULT_START_MS,
    CategoryShift,
    FeatureNames,
    Scenario,
    SimEvent,
    check_scenario,
    feature_sd,
    generate,
    parse_category_shifts,
    sample_frame,
)

ROOT = Path(__file__).resolve().parents[2]
N = 20_000
NOW_MS = 1_800_000_000_000  # after every simulated timestamp, so none is "in the future"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config" / "monitor.yaml", env={})


@pytest.fixture(scope="module")
def stream(config: Config) -> list[SimEvent]:
    scenario = Scenario(
        count=N, invalid_share=0.05, early_outcome_share=0.02, outcome_delay_ms=30_000, seed=11
    )
    return list(generate(scenario, config.models["churn"].features))


def accuracy(frame: pd.DataFrame) -> float:
    return float((frame["prediction"] == frame["label"]).mean())


# --- determinism and shape ---------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_traffic() -> None:
    scenario = Scenario(count=500, invalid_share=0.1, drift_at=200, quality_drop=5, seed=3)
    first = list(generate(scenario, CHURN_FEATURES))
    assert first == list(generate(scenario, CHURN_FEATURES))
    other = list(generate(Scenario(count=500, seed=4), CHURN_FEATURES))
    assert {e.value for e in first}.isdisjoint(e.value for e in other)


def test_rows_do_not_depend_on_count_and_frame_matches_stream() -> None:
    scenario = Scenario(count=9000, seed=5)
    small, large = sample_frame(scenario, 100), sample_frame(scenario, 9000)
    pd.testing.assert_frame_equal(small, large.iloc[:100])
    predictions = [json.loads(e.value) for e in generate(scenario, CHURN_FEATURES) if e.kind == "predictions"]
    assert [p["prediction_id"] for p in predictions] == list(large["prediction_id"])
    assert np.allclose([p["score"] for p in predictions], large["score"], atol=1e-5)
    assert [p["features"]["plan"] for p in predictions] == list(large["plan"].astype(str))


def test_predictions_carry_exactly_the_declared_features(stream: list[SimEvent], config: Config) -> None:
    declared = config.models["churn"].features
    assert set(CHURN_FEATURES.numerical) == set(declared.numerical)
    assert set(CHURN_FEATURES.categorical) == set(declared.categorical)
    sample = [json.loads(e.value) for e in stream[:400] if e.valid and e.kind == "predictions"]
    for event in sample:
        assert list(event["features"]) == [*declared.numerical, *declared.categorical]


def test_other_models_get_generic_features() -> None:
    names = FeatureNames(numerical=("x1", "tenure_months"), categorical=("colour",))
    frame = sample_frame(
        Scenario(count=2000, drift_at=1000, shift_features=("x1",), shift_sd=1.0), None, names
    )
    assert {"x1", "tenure_months", "colour"} <= set(frame.columns)
    assert "monthly_charges" not in frame.columns
    assert set(frame["colour"].astype(str)) == {"A", "B", "C"}
    shift = frame.loc[frame.drifted, "x1"].mean() - frame.loc[~frame.drifted, "x1"].mean()
    assert shift == pytest.approx(feature_sd("x1"), rel=0.15)


def test_stream_is_in_event_time_order_and_predictions_are_evenly_spaced(stream: list[SimEvent]) -> None:
    times = [e.event_ms for e in stream]
    assert times == sorted(times)
    predictions = [json.loads(e.value) for e in stream if e.valid and e.kind == "predictions"]
    stamps = np.array([p["timestamp"] for p in predictions])
    assert len(stamps) == N
    assert set(np.diff(stamps).tolist()) == {100}
    assert stamps[0] == Scenario().start_ms
    assert len({p["prediction_id"] for p in predictions}) == N


def test_every_valid_event_parses_and_every_broken_one_is_rejected(
    stream: list[SimEvent], config: Config
) -> None:
    limits = ParseLimits.from_config(config.ingest)
    mismatched = []
    for event in stream:
        parse = parse_prediction if event.kind == "predictions" else parse_outcome
        try:
            parse(event.value, config.models, NOW_MS, limits)
            assert event.valid, event
        except InvalidMessage as exc:
            assert not event.valid, (event, exc)
            if exc.reason.value != event.reason:
                mismatched.append((event.reason, exc.reason.value))
    assert mismatched == []
    invalid = [e for e in stream if not e.valid]
    assert len(invalid) / len(stream) == pytest.approx(0.05, abs=0.005)
    assert len({e.reason for e in invalid}) >= 6


# --- the world ---------------------------------------------------------------------------------------


def test_model_quality_and_base_rates_are_realistic() -> None:
    frame = sample_frame(Scenario(count=50_000, seed=2))
    assert 0.75 <= accuracy(frame) <= 0.85
    assert 0.15 <= frame["label"].mean() <= 0.35
    missing = frame[list(CHURN_FEATURES.numerical)].isna().mean()
    assert 2 <= (missing > 0).sum() <= 3 and missing.max() < 0.1
    assert frame["nps_score"].dropna().between(0, 10).all()
    assert frame["tenure_months"].corr(frame["total_charges"]) > 0.6


def test_campaign_splits_predicted_churners_80_20_and_treatment_works() -> None:
    frame = sample_frame(Scenario(count=50_000, seed=2))
    assert frame.loc[frame["prediction"] == 0, "arm"].isna().all()
    churners = frame[frame["prediction"] == 1]
    assert churners["arm"].notna().all()
    assert (churners["arm"] == "treatment").mean() == pytest.approx(0.8, abs=0.02)
    by_arm = churners.groupby("arm")["label"].mean()
    assert by_arm["control"] - by_arm["treatment"] > 0.05


def test_outcomes_are_late_duplicated_missing_and_sometimes_early(stream: list[SimEvent]) -> None:
    outcomes = [e for e in stream if e.valid and e.kind == "outcomes"]
    firsts = [e for e in outcomes if not e.duplicate]
    assert len(firsts) / N == pytest.approx(0.96, abs=0.01)
    assert len(outcomes) - len(firsts) == pytest.approx(0.03 * len(firsts), rel=0.2)
    originals = {e.key: e.value for e in firsts}
    assert all(originals[e.key] == e.value for e in outcomes if e.duplicate)
    position = {e.index: i for i, e in enumerate(stream) if e.valid and e.kind == "predictions"}
    early = [(i, e) for i, e in enumerate(stream) if e.valid and e.early]
    assert len(early) / N == pytest.approx(0.02 * 0.96, abs=0.005)
    assert all(i < position[e.index] for i, e in early)
    # A 30 s delay at 100 ms steps: the next prediction is nearly always sent before an outcome.
    late = [
        (i, e)
        for i, e in enumerate(stream)
        if e.kind == "outcomes" and e.valid and not (e.early or e.duplicate) and e.index + 1 < N
    ]
    overtaken = sum(position[e.index + 1] < i for i, e in late)
    assert overtaken / len(late) > 0.95


# --- injected changes, measured back on 20k events ---------------------------------------------------


@pytest.mark.parametrize("feature", ["tenure_months", "data_usage_gb", "support_calls_30d", "nps_score"])
def test_mean_shift_is_the_requested_number_of_sd(feature: str) -> None:
    scenario = Scenario(count=N, drift_at=N // 2, shift_features=(feature,), shift_sd=0.5, seed=9)
    frame = sample_frame(scenario)
    before, after = frame.loc[~frame.drifted, feature], frame.loc[frame.drifted, feature]
    measured = (after.mean() - before.mean()) / before.std()
    assert measured == pytest.approx(0.5, abs=0.06)


def test_unshifted_features_stay_put() -> None:
    frame = sample_frame(Scenario(count=N, drift_at=N // 2, shift_features=("age",), shift_sd=1.0))
    before, after = frame.loc[~frame.drifted, "tenure_months"], frame.loc[frame.drifted, "tenure_months"]
    assert abs(after.mean() - before.mean()) / before.std() < 0.05


@pytest.mark.parametrize(("category", "points"), [("premium", 10.0), ("basic", -20.0)])
def test_category_share_changes_by_the_requested_points(category: str, points: float) -> None:
    shift = CategoryShift("plan", category, points)
    frame = sample_frame(Scenario(count=N, drift_at=N // 2, category_shift=(shift,), seed=4))
    share_before = (frame.loc[~frame.drifted, "plan"] == category).mean()
    share_after = (frame.loc[frame.drifted, "plan"] == category).mean()
    assert 100 * (share_after - share_before) == pytest.approx(points, abs=1.5)


@pytest.mark.parametrize("drop", [3.0, 8.0])
def test_quality_drop_is_the_requested_accuracy_points(drop: float) -> None:
    frame = sample_frame(Scenario(count=N, drift_at=N // 2, quality_drop=drop, seed=6))
    measured = 100 * (accuracy(frame[~frame.drifted]) - accuracy(frame[frame.drifted]))
    assert measured == pytest.approx(drop, abs=1.5)
    # The score distribution stays: a quality drop is not a prediction drift.
    rate_before, rate_after = frame.groupby("drifted")["prediction"].mean()
    assert abs(rate_after - rate_before) < 0.02


def test_quality_drop_on_the_same_customers_is_precise() -> None:
    base = sample_frame(Scenario(count=N, drift_at=0, seed=8))
    dropped = sample_frame(Scenario(count=N, drift_at=0, seed=8, quality_drop=5.0))
    pd.testing.assert_frame_equal(
        base[list(CHURN_FEATURES.numerical)], dropped[list(CHURN_FEATURES.numerical)]
    )
    assert 100 * (accuracy(base) - accuracy(dropped)) == pytest.approx(5.0, abs=0.7)


# --- scenario checks ---------------------------------------------------------------------------------


def test_category_shift_syntax() -> None:
    assert parse_category_shifts("plan=premium:10, region=north:-5") == (
        CategoryShift("plan", "premium", 10.0),
        CategoryShift("region", "north", -5.0),
    )
    assert parse_category_shifts(None) == ()
    for bad in ("plan:10", "plan=premium", "plan=premium:ten", "=premium:1"):
        with pytest.raises(ValueError, match="FEATURE=CATEGORY:POINTS"):
            parse_category_shifts(bad)


def test_check_scenario_names_every_problem() -> None:
    scenario = Scenario(
        count=100,
        shift_features=("nope", "plan"),
        category_shift=(CategoryShift("plan", "gold", 5), CategoryShift("tenure_months", "x", 1)),
        invalid_share=1.0,
    )
    problems = [str(p) for p in check_scenario(scenario, CHURN_FEATURES)]
    assert problems == [
        "drift_at: is needed to inject a shift, a category change or a quality drop",
        "invalid_share: must be at least 0 and below 1",
        "shift_features: unknown feature 'nope' (numerical: " + ", ".join(CHURN_FEATURES.numerical) + ")",
        "shift_features: 'plan' is categorical: use a category shift",
        "category_shift: unknown category 'gold' of plan (basic, standard, premium)",
        "category_shift: unknown categorical feature 'tenure_months' ("
        + ", ".join(CHURN_FEATURES.categorical)
        + ")",
    ]


def test_check_scenario_bounds_shares_and_quality_drop() -> None:
    too_much = Scenario(count=100, drift_at=10, category_shift=(CategoryShift("plan", "premium", 90),))
    assert "outside 0..100 %" in str(check_scenario(too_much, CHURN_FEATURES)[0])
    hopeless = Scenario(count=100, drift_at=10, quality_drop=40)
    assert "accuracy points" in str(check_scenario(hopeless, CHURN_FEATURES)[0])
    assert check_scenario(Scenario(count=100, drift_at=99, quality_drop=5), CHURN_FEATURES) == []


def test_breakage_kinds_cover_both_topics(stream: list[SimEvent]) -> None:
    kinds = Counter((e.kind, e.reason) for e in stream if not e.valid)
    assert {kind for kind, _ in kinds} == {"predictions", "outcomes"}
    assert all(e.key.decode().startswith("11-bad-") for e in stream if not e.valid)


# --- the command, up to the point where it would reach Kafka ----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nope"], "--model: model 'nope' is not in the config (models: churn)"),
        (["--shift-features", "tenure_months,bogus", "--drift-at", "5"], "--shift-features: unknown feature"),
        (["--category-shift", "plan=premium"], "--category-shift: category shift 'plan=premium' is not"),
        (["--category-shift", "plan=gold:5", "--drift-at", "5"], "unknown category 'gold' of plan"),
        (["--quality-drop", "5"], "--drift-at: is needed"),
        (["--outcome-delay-s", "-1"], "--outcome-delay-s: must be zero or positive"),
        (["--start", "tomorrow"], "--start: 'tomorrow' is not ISO-8601"),
        (["--rate", "-5"], "--rate: must be zero"),
    ],
)
def test_bad_options_exit_2_before_any_kafka(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # nothing listens: must not be reached
    config = ROOT / "config" / "monitor.yaml"
    result = CliRunner().invoke(app, ["simulate", "--config", str(config), "--count", "100", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key))


def test_sender_routes_counts_and_paces_predictions() -> None:
    events = list(generate(Scenario(count=200, invalid_share=0.1, outcome_delay_ms=0), CHURN_FEATURES))
    producer, tally = FakeProducer(), Tally()
    topics = {"predictions": "p-topic", "outcomes": "o-topic"}
    started = time.monotonic()
    with Progress(disable=True) as progress:
        send_all(producer, events, topics, 2000.0, progress, tally)
    assert time.monotonic() - started >= 199 / 2000 - 0.01
    assert tally.predictions == 200 and tally.messages == len(events) == len(producer.sent)
    assert tally.invalid == sum(not e.valid for e in events) > 0
    assert Counter(topic for topic, _ in producer.sent) == Counter(topics[e.kind] for e in events)


def test_warns_when_event_time_runs_further_ahead_than_ingest_accepts() -> None:
    now = DEFAULT_START_MS
    day = Scenario(count=1_000_000, start_ms=now, interval_ms=100, outcome_delay_ms=0)
    assert "27.8 h ahead" in (future_warning(day, 0.0, now, 86_400) or "")
    assert future_warning(day, 10.0, now, 86_400) is None  # paced at 10/s: the clock keeps up
    assert future_warning(Scenario(count=20_000, start_ms=now), 0.0, now, 86_400) is None
