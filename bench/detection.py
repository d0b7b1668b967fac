"""Benchmark: false alerts on quiet traffic and delays to detect injected changes, defaults vs naive.

    .venv/bin/python bench/detection.py [--windows 200] [--horizon 3]

The churn model of config/monitor.yaml (20 numerical + 5 categorical features) is judged exactly as the
job judges it, only without a store: each hourly window's summaries come from ``window_from_frame``,
histograms from ``frame_histograms`` on ``bin_edges``, verdicts from ``judge()``, alert candidates from
``candidates_from_results`` and alerts from the pending / keep-firing rules (``alerts.rules.evaluate``)
with the router's ``alerting.rules`` (pending / keep-firing counts), window after window.

Traffic (the churn simulator): 5,000 predictions an hour. The reference is a fixed 7 days of it
(840,000 rows, its own seed): exact summaries, plus the 100,000-row hash sample the store would hand to
raw-value methods and the 200,000-row labeled sample for performance. The stream after it (another
seed) is cut into hourly windows; every label counts as mature, so performance judges the window itself.

1. Quiet: ``--windows`` consecutive windows without any change -> alerts fired (transitions to firing),
   by check and feature. Target: at most 2 at the defaults.
2. Changes, each on its own at several change points: a 0.25 sd mean shift of 3 numerical features,
   plan=premium +10 share points, accuracy -5 points. The same seed gives the same customers, so the
   windows before a change are the quiet run's; each change run starts from the quiet run's alert
   states and judges ``--horizon`` windows. Delay = windows until the targeted alert fires, counted
   from the first changed window (1 = its own run fired). Target: at most 2.
3. The same for a naive configuration (KS and chi-square p-values at 0.05, no pending period), and the
   median time of one ``judge()`` call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts.candidates import candidates_from_results
from alerts.rules import RulePolicy, RuleState, Transition, evaluate
from alerts.rules_config import RulesConfig
from monitor.config_loader import load_config
from monitor.config_model import ModelSpec
from monitor.jobs import quality_checks
from monitor.jobs.drift import WindowData, bin_edges, drift_checks
from monitor.jobs.frames import frame_histograms, window_from_frame
from monitor.jobs.judge import drift_columns, judge
from monitor.jobs.results import Check, CheckResult, Status
from monitor.jobs.runner import LABELED_SAMPLE
from monitor.jobs.settings import DriftSettings, MethodChoice, ReferenceSettings
from monitor.jobs.windows import RunWindows, plan_windows
from monitor.performance import evaluate_performance
from monitor.simulation import DEFAULT_START_MS, FeatureNames, Scenario, parse_category_shifts
from monitor.simulation.sampling import BLOCK_ROWS, draw_block

CONFIG = Path(__file__).resolve().parent.parent / "config" / "monitor.yaml"
MODEL = "churn"
HOUR_MS = 3_600_000
ROWS = 5_000  # per hourly window: the smallest window the targets are stated for
INTERVAL_MS = HOUR_MS / ROWS  # 720 ms between predictions
REFERENCE_HOURS = 7 * 24
START_MS = DEFAULT_START_MS // HOUR_MS * HOUR_MS  # reference start, on an hour
STREAM_START_MS = START_MS + REFERENCE_HOURS * HOUR_MS
REFERENCE_SEED, STREAM_SEED = 101, 202
CHANGE_POINTS = (20, 70, 120, 170)  # windows where a change starts (each judged separately)
SHIFTED = ("tenure_months", "monthly_charges", "logins_30d")  # skewed, multimodal, counts


@dataclass(frozen=True)
class Change:
    """An injected change: the scenario fields it sets and the alerts that count as detecting it."""

    name: str
    fields: Mapping[str, object]
    targets: frozenset[str]  # alert keys (see ``alert_key``); the first of them to fire detects it
    all_of: frozenset[str] = frozenset()  # also reported: when all of these have fired


CHANGES = (
    Change(
        "mean +0.25 sd, 3 features",
        {"shift_features": SHIFTED, "shift_sd": 0.25},
        frozenset(f"feature_drift/{f}" for f in SHIFTED),
        frozenset(f"feature_drift/{f}" for f in SHIFTED),
    ),
    Change(
        "plan=premium +10 points",
        {"category_shift": parse_category_shifts("plan=premium:10")},
        frozenset({"feature_drift/plan"}),
    ),
    Change(
        "accuracy -5 points",
        {"quality_drop": 5.0},
        frozenset(f"performance/{m}" for m in ("accuracy", "f1", "roc_auc", "precision", "recall")),
    ),
)


# --- traffic, shaped like the store's reads ---------------------------------------------------------


@lru_cache(maxsize=8)
def block_frame(scenario: Scenario, features: FeatureNames, block_no: int) -> pd.DataFrame:
    """One simulator block as ``Store.sample`` returns labeled rows: numerical features as floats with
    NaN, categorical ones, the predicted and the true class as text, the score, and the event time."""
    block = draw_block(scenario, features, block_no)
    columns: dict[str, object] = {
        "row": np.arange(block.start, block.start + len(block)),  # stands for the prediction id
        "timestamp_ms": block.timestamp_ms,
        **block.numerical,
    }
    for name, codes in block.categorical.items():
        columns[name] = np.asarray(block.labels[name], dtype=object)[codes]
    columns["score"] = block.scored.score
    columns["prediction"] = np.where(block.scored.prediction, "1", "0").astype(object)
    columns["label"] = np.where(block.scored.label, "1", "0").astype(object)
    return pd.DataFrame(columns)


def rows(scenario: Scenario, features: FeatureNames, start: int, stop: int) -> pd.DataFrame:
    """Predictions ``start .. stop - 1`` of ``scenario``."""
    parts = []
    for block_no in range(start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS + 1):
        offset = block_no * BLOCK_ROWS
        parts.append(block_frame(scenario, features, block_no).iloc[max(start - offset, 0) : stop - offset])
    return pd.concat(parts, ignore_index=True)


def hash_sample(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The ``limit`` rows with the smallest hash of their id, like the store's bounded sample."""
    if len(frame) <= limit:
        return frame
    keys = pd.util.hash_array(frame["row"].to_numpy())
    keep = np.sort(np.argpartition(keys, limit - 1)[:limit])
    return frame.iloc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Reference:
    """The reference as a run reads it: exact summaries + hash sample, all rows for histograms, and
    the labeled sample for performance."""

    window: WindowData
    rows: pd.DataFrame
    labeled: pd.DataFrame


def build_reference(spec: ModelSpec, features: FeatureNames) -> Reference:
    scenario = Scenario(
        MODEL, count=REFERENCE_HOURS * ROWS, start_ms=START_MS, interval_ms=INTERVAL_MS, seed=REFERENCE_SEED
    )
    frame = rows(scenario, features, 0, scenario.count)
    stats = window_from_frame(frame, features.numerical, features.categorical, "timestamp_ms").stats
    sample = hash_sample(frame, spec.monitoring.drift.sample_size)
    return Reference(WindowData(stats, sample), frame, hash_sample(frame, LABELED_SAMPLE))


# --- one model's runs and alert rules -----------------------------------------------------------------


def alert_key(labels: Mapping[str, str]) -> str:
    """check/feature (performance: check/metric; derived alerts: check/for_check/feature)."""
    if labels["check"] == Check.PERFORMANCE:
        return f"performance/{labels['metric']}"
    parts = (labels["check"], labels.get("for_check", ""), labels.get("feature", ""))
    return "/".join(p for p in parts if p)


@dataclass(frozen=True)
class Run:
    """One window's run: its results, the alerts it fired and how long ``judge()`` took."""

    results: list[CheckResult]
    fired: list[str]
    judge_seconds: float
    total_seconds: float


@dataclass
class Monitor:
    """A model's checks and alert rules over consecutive windows, as the job and the rules run them."""

    spec: ModelSpec
    features: FeatureNames
    reference: Reference
    rules: RulesConfig = field(default_factory=RulesConfig)
    states: dict[str, RuleState] = field(default_factory=dict)

    def policy(self, labels: Mapping[str, str]) -> RulePolicy:
        return self.rules.policy_for(labels)  # as the router applies `alerting.rules`

    def run(self, frame: pd.DataFrame, at_ms: int) -> Run:
        """Judge the window ending at ``at_ms`` (``frame`` is all of it, labels included)."""
        started = time.perf_counter()
        spec, ref = self.spec, self.reference
        windows = plan_windows(MODEL, spec.monitoring, at_ms)
        current = window_from_frame(frame, self.features.numerical, self.features.categorical, "timestamp_ms")
        edges = bin_edges(drift_columns(spec, current), ref.window, current)
        histograms = frame_histograms(edges, ref.rows, frame)  # the store counts whole windows
        judged = time.perf_counter()
        results = judge(spec, windows, ref.window, current, histograms, ref.labeled, frame)
        judge_seconds = time.perf_counter() - judged
        results.append(CheckResult(Check.JOB, "run", 0.0, 0.0, Status.OK))  # as JobRunner.run adds
        now = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
        evaluation = evaluate(
            self.states, candidates_from_results(MODEL, spec.team, results), now, self.policy
        )
        self.states = evaluation.states
        fired = [
            alert_key(evaluation.states[key].labels)
            for key, transition in evaluation.transitions.items()
            if transition is Transition.FIRED
        ]
        return Run(results, sorted(fired), judge_seconds, time.perf_counter() - started)


def window_end(index: int) -> int:
    return STREAM_START_MS + (index + 1) * HOUR_MS


def stream_scenario(windows: int) -> Scenario:
    return Scenario(
        MODEL, count=windows * ROWS, start_ms=STREAM_START_MS, interval_ms=INTERVAL_MS, seed=STREAM_SEED
    )


@dataclass
class Quiet:
    """The quiet run: each window's run, and the alert states before each window (to start changes)."""

    runs: list[Run] = field(default_factory=list)
    states_before: list[dict[str, RuleState]] = field(default_factory=list)


def quiet_run(monitor: Monitor, windows: int) -> Quiet:
    quiet, scenario = Quiet(), stream_scenario(windows)
    for w in range(windows):
        quiet.states_before.append(dict(monitor.states))
        quiet.runs.append(
            monitor.run(rows(scenario, monitor.features, w * ROWS, (w + 1) * ROWS), window_end(w))
        )
    return quiet


@dataclass(frozen=True)
class Detection:
    """One change at one change point: when each targeted alert first fired (1 = in the first changed
    window) and every run."""

    change_point: int
    fired_at: dict[str, int]
    runs: list[Run]

    @property
    def delay(self) -> int | None:
        """Windows until the first targeted alert fired (None: not within the horizon)."""
        return min(self.fired_at.values(), default=None)

    def delay_all(self, keys: frozenset[str]) -> int | None:
        """Windows until every one of ``keys`` had fired."""
        return max(self.fired_at[k] for k in keys) if keys <= set(self.fired_at) else None


def change_run(
    monitor: Monitor, quiet: Quiet, change: Change, at: int, windows: int, horizon: int
) -> Detection:
    """Judge ``horizon`` windows from window ``at``, where ``change`` starts, after the quiet history."""
    scenario = replace(stream_scenario(windows), drift_at=at * ROWS, **change.fields)  # type: ignore[arg-type]
    monitor = replace(monitor, states=dict(quiet.states_before[at]))
    runs: list[Run] = []
    fired_at: dict[str, int] = {}
    for k in range(horizon):
        w = at + k
        run = monitor.run(rows(scenario, monitor.features, w * ROWS, (w + 1) * ROWS), window_end(w))
        runs.append(run)
        for key in change.targets.intersection(run.fired):
            fired_at.setdefault(key, k + 1)
    return Detection(at, fired_at, runs)


# --- configurations -------------------------------------------------------------------------------------


def bench_spec(spec: ModelSpec) -> ModelSpec:
    """The model as configured, with a fixed reference: the 7 days just before the stream."""
    iso = [datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat() for ms in (START_MS, STREAM_START_MS)]
    reference = ReferenceSettings.model_validate({"kind": "fixed", "start": iso[0], "end": iso[1]})
    return spec.model_copy(update={"monitoring": spec.monitoring.model_copy(update={"reference": reference})})


def naive_spec(spec: ModelSpec) -> ModelSpec:
    """Per-feature p-value tests at 0.05 (KS, chi-square; KS on the score) and no pending period."""
    test = {"threshold": 0.05}
    drift = spec.monitoring.drift.model_copy(
        update={
            "numerical": MethodChoice(method="ks", **test),
            "categorical": MethodChoice(method="chisquare", **test),
            "prediction": MethodChoice(method="ks", **test),
        }
    )
    monitoring = spec.monitoring.model_copy(update={"drift": drift})
    return spec.model_copy(update={"monitoring": monitoring})


NAIVE_RULES = RulesConfig(pending_evaluations=1, keep_firing_evaluations=1)


def describe(spec: ModelSpec, rules: RulesConfig) -> str:
    m = spec.monitoring
    d: DriftSettings = m.drift

    def choice(c: MethodChoice) -> str:
        return f"{c.method} {c.threshold if c.threshold is not None else 'default'}"

    return (
        f"numerical {choice(d.numerical)}, categorical {choice(d.categorical)}, "
        f"prediction {choice(d.prediction)}, dataset share {d.dataset_drift_share:g}, "
        f"pending {rules.pending_evaluations}, keep firing {rules.keep_firing_evaluations}"
    )


# --- figures --------------------------------------------------------------------------------------------


def distance(result: CheckResult) -> tuple[float, float]:
    """What a result compares with its threshold: (value, threshold); performance compares the drop."""
    if result.check is Check.PERFORMANCE:
        drop, allowed = result.details.get("drop"), result.details.get("allowed_drop")
        return _number(drop), _number(allowed)
    if result.check is Check.MISSING_VALUES:  # the limit is the reference's share plus an increase
        base = _number(result.details.get("reference_share"))
        return result.value - base, result.threshold - base
    return result.value, result.threshold


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def group(result: CheckResult) -> str:
    return f"{result.check}/{result.metric}"


def noise_table(quiet: Quiet, detections: Mapping[str, list[Detection]], changes: Sequence[Change]) -> None:
    """Each statistic over quiet windows (x features) against its threshold, and under each change."""
    values: dict[str, list[float]] = {}
    thresholds: dict[str, list[float]] = {}
    for run in quiet.runs:
        for r in run.results:
            if r.status in (Status.OK, Status.BREACH) and r.check is not Check.JOB:
                value, threshold = distance(r)
                values.setdefault(group(r), []).append(value)
                thresholds.setdefault(group(r), []).append(threshold)
    changed = changed_values(detections, changes)
    print(f"{'statistic':40} {'median':>9} {'p99':>9} {'max':>9} {'threshold':>10}  under the change")
    for name, found in values.items():
        a = np.asarray(found)
        limit = statistics.median(thresholds[name])
        print(
            f"{name:40} {np.median(a):9.4f} {np.quantile(a, 0.99):9.4f} {a.max():9.4f} {limit:10.4f}  "
            f"{changed.get(name, '')}"
        )


def changed_values(detections: Mapping[str, list[Detection]], changes: Sequence[Change]) -> dict[str, str]:
    """Median value of each targeted statistic in the first changed window, per change."""
    out: dict[str, str] = {}
    for change in changes:
        found: dict[str, list[float]] = {}
        for detection in detections[change.name]:
            for r in detection.runs[0].results:
                key = alert_key({"check": r.check, "feature": r.feature, "metric": r.metric})
                if key in change.targets and r.status in (Status.OK, Status.BREACH):
                    found.setdefault(group(r), []).append(distance(r)[0])
        for name, vals in found.items():
            out[name] = (out.get(name, "") + f"{change.name}: {statistics.median(vals):.4f}  ").strip() + "  "
    return out


def _delay(windows: int | None) -> str:
    return "-" if windows is None else str(windows)


def fired_summary(runs: Sequence[Run]) -> Counter[str]:
    return Counter(key for run in runs for key in run.fired)


def report(
    name: str, spec: ModelSpec, rules: RulesConfig, quiet: Quiet, detections: Mapping[str, list[Detection]]
) -> None:
    fired = fired_summary(quiet.runs)
    breaches = [sum(r.status is Status.BREACH for r in run.results) for run in quiet.runs]
    print(f"\n== {name}: {describe(spec, rules)}")
    print(
        f"quiet: {sum(fired.values())} alerts fired in {len(quiet.runs)} windows "
        f"({sum(1 for run in quiet.runs if run.fired)} windows with one); "
        f"breaching results per window: mean {np.mean(breaches):.2f}, max {max(breaches)}"
    )
    by_check = Counter(key.split("/")[0] for key in fired.elements())
    if by_check:
        print("  by check: " + ", ".join(f"{k} {v}" for k, v in by_check.most_common()))
        print("  by alert: " + ", ".join(f"{k} {v}" for k, v in fired.most_common(12)))
    for change in CHANGES:
        found = detections[change.name]
        shown = " ".join(_delay(d.delay) for d in found)
        print(f"  {change.name:28} delay per change point {CHANGE_POINTS}: {shown}", end="")
        if change.all_of:
            print(
                f"  (all {len(change.all_of)}: {' '.join(_delay(d.delay_all(change.all_of)) for d in found)})"
            )
        else:
            print()
        for d in found:
            for k, run in enumerate(d.runs):
                if run.fired:
                    print(f"      window {d.change_point}+{k}: fired {', '.join(run.fired)}")
    judge_ms = [1000 * run.judge_seconds for run in quiet.runs]
    total_ms = [1000 * run.total_seconds for run in quiet.runs]
    print(
        f"  judge() median {statistics.median(judge_ms):.0f} ms per window "
        f"(with summaries, histograms and rules: {statistics.median(total_ms):.0f} ms)"
    )


def breakdown(monitor: Monitor, windows: int = 10) -> dict[str, float]:
    """Median milliseconds of judge()'s parts over the first quiet windows: where its time goes."""
    spec, ref, f = monitor.spec, monitor.reference, monitor.features
    parts: dict[str, Callable[[WindowData, pd.DataFrame, RunWindows], object]] = {
        "drift (features + score)": lambda current, frame, _: drift_checks(
            spec.monitoring.drift, drift_columns(spec, current), ref.window, current, {}
        ),
        "data quality": lambda current, _, run: quality_checks.evaluate(spec, run, ref.window, current),
        "performance": lambda _, frame, __: evaluate_performance(
            spec.task, frame, ref.labeled, spec.monitoring.performance
        ),
        # the raw-value distance alone, on the 100k-row reference sample of each numerical column
        "  of drift: scipy wasserstein_distance": lambda _, frame, __: [
            stats.wasserstein_distance(ref.window.sample[c].dropna(), frame[c].dropna())
            for c in (*f.numerical, "score")
        ],
    }
    spent: dict[str, list[float]] = {name: [] for name in parts}
    scenario = stream_scenario(windows)
    for w in range(windows):
        frame = rows(scenario, f, w * ROWS, (w + 1) * ROWS)
        current = window_from_frame(frame, f.numerical, f.categorical, "timestamp_ms")
        run = plan_windows(MODEL, spec.monitoring, window_end(w))
        for name, part in parts.items():
            started = time.perf_counter()
            part(current, frame, run)
            spent[name].append(1000 * (time.perf_counter() - started))
    return {name: statistics.median(ms) for name, ms in spent.items()}


def measure(
    name: str,
    spec: ModelSpec,
    rules: RulesConfig,
    features: FeatureNames,
    reference: Reference,
    windows: int,
    horizon: int,
) -> tuple[Quiet, dict[str, list[Detection]]]:
    started = time.perf_counter()
    monitor = Monitor(spec, features, reference, rules)
    quiet = quiet_run(monitor, windows)
    detections = {
        change.name: [change_run(monitor, quiet, change, at, windows, horizon) for at in CHANGE_POINTS]
        for change in CHANGES
    }
    print(f"[{name}: {time.perf_counter() - started:.0f} s]", file=sys.stderr)
    return quiet, detections


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--windows", type=int, default=200, help="quiet windows (>= 175)")
    parser.add_argument("--horizon", type=int, default=3, help="windows judged after each change")
    args = parser.parse_args(argv)
    if args.windows < max(CHANGE_POINTS) + args.horizon:
        parser.error(
            f"--windows must be at least {max(CHANGE_POINTS) + args.horizon} (the last change point)"
        )
    started = time.perf_counter()
    config = load_config(CONFIG)
    config_spec = config.models[MODEL]
    features = FeatureNames(tuple(config_spec.features.numerical), tuple(config_spec.features.categorical))
    spec = bench_spec(config_spec)
    reference = build_reference(spec, features)
    print(
        f"reference: {len(reference.rows):,} rows (7 days), {len(reference.window.sample):,}-row sample; "
        f"{args.windows} quiet windows of {ROWS:,} rows; changes at windows {CHANGE_POINTS}; "
        f"{len(features.numerical)} numerical + {len(features.categorical)} categorical features"
    )
    print(f"[reference: {time.perf_counter() - started:.0f} s]", file=sys.stderr)
    configs = {"defaults": (spec, config.alerting.rules), "naive": (naive_spec(spec), NAIVE_RULES)}
    measured = {
        name: measure(name, s, r, features, reference, args.windows, args.horizon)
        for name, (s, r) in configs.items()
    }
    for name, (quiet, detections) in measured.items():
        report(name, *configs[name], quiet, detections)
    print("\n== statistics at the defaults: quiet windows x features (performance: drop; missing: increase)")
    noise_table(*measured["defaults"], CHANGES)
    print("\n== where judge() spends its time at the defaults (median of 10 windows, ms)")
    for part, ms in breakdown(Monitor(spec, features, reference)).items():
        print(f"{part:42} {ms:7.0f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
