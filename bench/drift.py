"""Benchmark: our drift job end to end vs Evidently's DataDriftPreset, on the same rows, in one run.

    .venv/bin/python bench/drift.py [--rows 1000000] [--also 100000] [--repeat 3]

For each size N (``--rows``, then ``--also``; 0 skips the second pass):

1. Data. The simulator (``monitor.simulation.sample_frame``) draws N reference rows and N current rows of
   the churn model (20 numerical + 5 categorical features, a score). The current rows carry a modest real
   drift: three features move by 0.2 standard deviations (one of them, ``complaints_90d``, is a count
   that is zero for most customers) and the premium plan's share rises by 10 points, so the verdicts are
   a mix of drift and no drift. The rows go into a fresh database of a clickhouse-server (started here on
   loopback, or MONITOR_TEST_CLICKHOUSE_URL) by columnar inserts of 100k rows, with the same float values
   as the frames. Inserting is not measured.
2. Our job. ``JobRunner.run`` (config/monitor.yaml's churn model; current window = the current rows' day,
   reference = a fixed range over the reference rows' day; default drift methods; ``report=False``) runs
   in a fresh child process: wall time of the run (store queries for window stats, category counts,
   bounded and labeled samples; the statistics, quality and performance checks; the history rows
   written), the part of it spent in store queries, and the child's peak RSS (VmHWM: interpreter and
   imports included, the server's memory not). Modes: (a) default settings (raw-value methods on a 100k
   hash sample per window), ``--repeat`` children (median), each running the job cold (reference
   summaries computed) then warm (cached per reference version, as the scheduler's next run);
   (b) exact: ``sample_size`` = N, every row is read; (c) exact with the outlier fence off, which should
   equal Evidently to float precision. (b) and (c) run once, cold.
3. Evidently 0.7.23. A child process draws the same frames from the simulator and times
   ``Dataset.from_pandas`` + ``Report([DataDriftPreset(...)], include_tests=True).run`` with the same
   per-column methods and thresholds as the job (num_method/num_threshold, cat_method/cat_threshold, and
   per_column_method/per_column_threshold for the score and any per-feature override). Per-column scores
   are the ValueDrift metric values of the snapshot, verdicts its "Value Drift" test statuses (FAIL =
   drift). Peak RSS includes the frames (Evidently needs them in memory; getting them out of the store is
   not counted, which favours Evidently).
4. Comparison per feature (and the score): our scores in each mode vs Evidently's, absolute differences,
   verdicts; then speedup = Evidently's time / our time and our peak RSS against the targets (>= 10x,
   < 1 GB).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd
import yaml

from connectors.local_services import ClickHouseServer
from connectors.store import schema
from connectors.store.clickhouse import ClickHouseStore
from connectors.store.columns import Columns
from connectors.store.layouts import FeatureLayout, layout_id
from monitor.config_loader import load_config
from monitor.config_model import Config
from monitor.simulation import Scenario, parse_category_shifts
from monitor.simulation.sampling import sample_frame

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "monitor.yaml"
MODEL = "churn"
DAY_MS = 86_400_000
REFERENCE_START_MS = 1_772_409_600_000  # 2026-03-02T00:00:00Z; the current day is two days later
CURRENT_START_MS = REFERENCE_START_MS + 2 * DAY_MS
SHIFTED = ("tenure_months", "monthly_charges", "complaints_90d")
SHIFT_SD = 0.2
CATEGORY_SHIFT = "plan=premium:10"
INSERT_ROWS = 100_000
CHILD_TIMEOUT_S = 1800
MB = 1024 * 1024


# ---------------------------------------------------------------- data


def reference_scenario(rows: int) -> Scenario:
    return Scenario(model=MODEL, count=rows, start_ms=REFERENCE_START_MS, interval_ms=DAY_MS / rows, seed=101)


def current_scenario(rows: int) -> Scenario:
    return Scenario(
        model=MODEL,
        count=rows,
        start_ms=CURRENT_START_MS,
        interval_ms=DAY_MS / rows,
        seed=202,
        drift_at=0,
        shift_features=SHIFTED,
        shift_sd=SHIFT_SD,
        category_shift=parse_category_shifts(CATEGORY_SHIFT),
    )


def prediction_columns(frame: pd.DataFrame, numerical: Sequence[str], categorical: Sequence[str]) -> Columns:
    """Columns of ``schema.PREDICTION_COLUMNS`` for simulator rows, built with numpy (no records)."""
    k = len(frame)
    values = frame[list(numerical)].to_numpy(dtype=np.float64)
    missing = np.isnan(values)
    nullable = values.astype(object)
    nullable[missing] = None
    score = frame["score"].to_numpy(dtype=np.float64)
    seconds = frame["timestamp_ms"].to_numpy(dtype=np.int64) // 1000
    arm = frame["arm"].to_numpy(dtype=object)
    data: dict[str, list[Any]] = {
        "model": [MODEL] * k,
        "prediction_id": frame["prediction_id"].tolist(),
        "model_version": ["bench"] * k,
        "event_time": seconds.tolist(),
        "timestamp_ms": frame["timestamp_ms"].tolist(),
        "feature_layout": [layout_id(tuple(numerical), tuple(categorical))] * k,
        "num_values": nullable.tolist(),
        "cat_values": np.column_stack([frame[c].astype(object) for c in categorical]).tolist(),
        "prediction": np.where(frame["prediction"].to_numpy() == 1, "1", "0").tolist(),
        "prediction_value": [None] * k,
        "score": score.tolist(),
        "proba_labels": [["0", "1"]] * k,
        "proba_values": np.column_stack([1.0 - score, score]).tolist(),
        "segment_keys": [["country", "channel"]] * k,
        "segment_values": np.column_stack(
            [frame["country"].astype(object), frame["channel"].astype(object)]
        ).tolist(),
        "campaign_id": [None if a is None else "winback" for a in arm.tolist()],
        "campaign_arm": arm.tolist(),
        "nulled_features": _nulled(missing, numerical),
        "undeclared_features": [[]] * k,
        "received_ms": [1] * k,
    }
    return [data[name] for name, _ in schema.PREDICTION_COLUMNS]


def _nulled(missing: np.ndarray, names: Sequence[str]) -> list[list[str]]:
    """Per row, the names of its missing features (few patterns: one list per pattern, shared)."""
    keys = missing.astype(np.int64) @ (1 << np.arange(missing.shape[1], dtype=np.int64))
    patterns = {int(key): [n for j, n in enumerate(names) if int(key) >> j & 1] for key in np.unique(keys)}
    return [patterns[key] for key in keys.tolist()]


def fill(store: ClickHouseStore, config: Config, rows: int) -> float:
    """Insert the reference and current rows; returns seconds taken (not part of any figure)."""
    features = config.models[MODEL].features
    started = time.perf_counter()
    layout = FeatureLayout(tuple(features.numerical), tuple(features.categorical))
    store._register_layouts({(MODEL, layout.id): layout})
    for scenario in (reference_scenario(rows), current_scenario(rows)):
        frame = sample_frame(scenario, rows, features)
        for first in range(0, rows, INSERT_ROWS):
            part = frame.iloc[first : first + INSERT_ROWS]
            columns = prediction_columns(part, features.numerical, features.categorical)
            # The store's own columnar transport (what ``write`` uses after building columns from records).
            store._insert(schema.PREDICTIONS, schema.PREDICTION_COLUMNS, columns)
        del frame
    return time.perf_counter() - started


def settle_merges(store: ClickHouseStore, database: str, limit_s: float = 300.0) -> float:
    """Wait until the server runs no merge in ``database`` (seconds waited).

    The inserts leave tens of parts that the server merges in the background for a minute or more; a
    run timed meanwhile shares the 2 cores with those merges. Data that a job reads in production was
    written over the hours before it, so its parts have long been merged: timing after the merges is
    the fair comparison (the merges are part of the insert's cost, which is not measured)."""
    started = time.perf_counter()
    statement = f"SELECT count() FROM system.merges WHERE database = '{database}'"
    while time.perf_counter() - started < limit_s:
        if int(store._select(statement, 1)[0][0]) == 0:
            break
        time.sleep(1.0)
    return time.perf_counter() - started


def job_config(directory: Path, store_url: str, drift: dict[str, object]) -> Path:
    """config/monitor.yaml with churn's windows on the benchmark's days and ``drift`` overrides."""
    shipped = yaml.safe_load(CONFIG.read_text())
    shipped["store"]["url"] = store_url
    shipped["models"][MODEL]["monitoring"] = {
        "window": DAY_MS // 1000,
        "reference": {
            "kind": "fixed",
            "start": iso(REFERENCE_START_MS),
            "end": iso(REFERENCE_START_MS + DAY_MS),
        },
        "schedule": {"every": "1h"},
        "drift": drift,
    }
    path = directory / f"monitor-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(shipped))
    load_config(path, env={})  # fail here, not in the child, on a bad override
    return path


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- children


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over ``exec`` from
    the forked copy of the parent, so a child would report at least the parent's size."""
    return _status_mb("VmHWM:")


def rss_mb() -> float:
    return _status_mb("VmRSS:")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


class TimedStore(ClickHouseStore):
    """The ClickHouse store, adding up the time its queries take (to split a run into store and Python)."""

    query_s = 0.0

    def _select(self, statement: str, width: int) -> list[Sequence[Any]]:
        started = time.perf_counter()
        try:
            return super()._select(statement, width)
        finally:
            self.query_s += time.perf_counter() - started


def child_ours(config_path: str, store_url: str, runs: str) -> dict[str, Any]:
    """The job run once cold (then, with ``runs`` = 2, once warm) in this fresh process."""
    from monitor.jobs.results import Check, Status
    from monitor.jobs.runner import JobRunner

    baseline = rss_mb()
    store = TimedStore(store_url)
    runner = JobRunner(load_config(config_path, env={}), store)
    seconds, query_s = [], []
    for _ in range(int(runs)):
        store.query_s, started = 0.0, time.perf_counter()
        run = runner.run(MODEL, CURRENT_START_MS + DAY_MS, report=False)
        seconds.append(time.perf_counter() - started)
        query_s.append(store.query_s)
        job = next(r for r in run.results if r.check is Check.JOB)
        if job.status is not Status.OK:
            raise RuntimeError(f"the job failed: {job.details}")
    keep = ("n_current_sampled", "outliers_left_out_reference", "outliers_left_out_current")
    scores = {
        r.feature or "score": {
            "score": r.value,
            "status": r.status.value,
            "drift": r.status is Status.BREACH,
            **{k: r.details[k] for k in keep if k in r.details},
        }
        for r in run.results
        if r.check in (Check.FEATURE_DRIFT, Check.PREDICTION_DRIFT)
    }
    return {
        "cold_s": seconds[0],
        "cold_query_s": query_s[0],
        "warm_s": seconds[-1] if len(seconds) > 1 else None,
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(),
        "scores": scores,
    }


def child_evidently(rows: int, methods: dict[str, Any]) -> dict[str, Any]:
    """Evidently's DataDriftPreset on the same rows as frames, timed, with per-column scores and verdicts."""
    import warnings

    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    warnings.filterwarnings("ignore")
    baseline = rss_mb()
    numerical, categorical = [*methods["numerical_columns"], "score"], methods["categorical_columns"]
    columns = [*numerical, *categorical]
    reference = sample_frame(reference_scenario(rows), rows)[columns].copy()
    current = sample_frame(current_scenario(rows), rows)[columns].copy()
    gc.collect()
    loaded = rss_mb()
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    preset = DataDriftPreset(**methods["preset"])
    started = time.perf_counter()
    snapshot = Report([preset], include_tests=True).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    return {
        "seconds": seconds,
        "baseline_mb": baseline,
        "loaded_mb": loaded,
        "peak_mb": peak,
        **value_drifts(snapshot.dict()),
    }


def value_drifts(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Per column: the ValueDrift score and whether its test failed (= drift detected)."""
    column_of = {}
    scores = {}
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            column_of[metric["id"]] = config["column"]
            scores[config["column"]] = {"score": float(metric["value"]), "method": config.get("method")}
            scores[config["column"]]["threshold"] = config.get("threshold")
    for test in snapshot["tests"]:
        column = column_of.get(test["metric_config"]["metric_id"])
        if column is not None:
            scores[column]["drift"] = test["status"] == "FAIL"
    return {"scores": scores}


def run_child(*args: str) -> dict[str, Any]:
    """Run this script as a child (fresh interpreter: its peak RSS is its own) and parse its JSON."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- comparison


def evidently_methods(config: Config) -> dict[str, Any]:
    """DataDriftPreset arguments with the same per-column methods and thresholds as the job's settings."""
    spec = config.models[MODEL]
    drift = spec.monitoring.drift
    per_method = {"score": drift.prediction.method} | {n: c.method for n, c in drift.features.items()}
    per_threshold = {"score": drift.prediction.threshold} | {
        n: c.threshold for n, c in drift.features.items()
    }
    preset = {
        "num_method": drift.numerical.method,
        "num_threshold": drift.numerical.threshold,
        "cat_method": drift.categorical.method,
        "cat_threshold": drift.categorical.threshold,
        "per_column_method": per_method,
        "per_column_threshold": {n: t for n, t in per_threshold.items() if t is not None},
        "drift_share": drift.dataset_drift_share,
    }
    return {
        "numerical_columns": list(spec.features.numerical),
        "categorical_columns": list(spec.features.categorical),
        "preset": preset,
    }


@dataclass
class Pass:
    """Everything measured at one size."""

    rows: int
    default: list[dict[str, Any]]  # one per repeat
    exact: dict[str, Any]
    exact_no_fence: dict[str, Any]
    evidently: dict[str, Any]

    @property
    def ours_s(self) -> float:
        return float(statistics.median(r["cold_s"] for r in self.default))

    @property
    def ours_peak_mb(self) -> float:
        return float(max(r["peak_mb"] for r in self.default))


def verdict(entry: dict[str, Any]) -> str:
    """D: drift, -: no drift, ?: insufficient data (ours only)."""
    if entry.get("status") == "insufficient_data":
        return "?"
    return "D" if entry["drift"] else "-"


def table(result: Pass) -> Iterator[str]:
    modes = (result.default[0], result.exact, result.exact_no_fence)
    evidently = result.evidently["scores"]
    yield (
        f"{'column':24} {'method':13} {'thr':>5} {'evidently':>10} {'default':>10} {'|diff|':>8} "
        f"{'exact':>10} {'|diff|':>8} {'exact,nofence':>13} {'|diff|':>8}  verdicts E/d/x/n  same?  note"
    )
    for column, theirs in evidently.items():
        ours = [mode["scores"][column] for mode in modes]
        diffs = [abs(o["score"] - theirs["score"]) for o in ours]
        verdicts = "/".join([verdict(theirs), *(verdict(o) for o in ours)])
        same = "yes" if all(o["drift"] == theirs["drift"] for o in ours) else "NO"
        yield (
            f"{column:24} {theirs['method']:13} {theirs['threshold']:5.2f} {theirs['score']:10.5f} "
            f"{ours[0]['score']:10.5f} {diffs[0]:8.1e} {ours[1]['score']:10.5f} {diffs[1]:8.1e} "
            f"{ours[2]['score']:13.5f} {diffs[2]:8.1e}  {verdicts:16} {same:5}  {note(ours[1])}"
        )


def note(exact: dict[str, Any]) -> str:
    left_out = exact.get("outliers_left_out_reference", 0) + exact.get("outliers_left_out_current", 0)
    return f"fence left out {left_out:,} rows" if left_out else ""


def summary(result: Pass) -> Iterator[str]:
    ev = result.evidently
    cold = ", ".join(f"{r['cold_s']:.2f}" for r in result.default)
    warm = statistics.median(r["warm_s"] for r in result.default)
    queries = statistics.median(r["cold_query_s"] for r in result.default)
    yield f"N = {result.rows:,} reference + {result.rows:,} current rows"
    yield (
        f"  ours, default (hash sample of 100k rows per window for wasserstein): cold {result.ours_s:.2f} s "
        f"(median of [{cold}]; store queries {queries:.2f} s of it), warm (reference cached) {warm:.2f} s; "
        f"peak RSS {result.ours_peak_mb:,.0f} MB (after imports {result.default[0]['baseline_mb']:,.0f} MB)"
    )
    for label, mode in (
        ("exact (sample_size = N)", result.exact),
        ("exact, fence off", result.exact_no_fence),
    ):
        yield (
            f"  ours, {label}: cold {mode['cold_s']:.2f} s (store queries {mode['cold_query_s']:.2f} s); "
            f"peak RSS {mode['peak_mb']:,.0f} MB"
        )
    yield (
        f"  Evidently DataDriftPreset: {ev['seconds']:.2f} s; peak RSS {ev['peak_mb']:,.0f} MB "
        f"(frames loaded {ev['loaded_mb']:,.0f} MB, after imports {ev['baseline_mb']:,.0f} MB)"
    )
    yield from targets(result, warm)
    yield from verdict_counts(result)


def targets(result: Pass, warm_s: float) -> Iterator[str]:
    seconds = result.evidently["seconds"]
    speedups = {"default cold": seconds / result.ours_s, "default warm": seconds / warm_s}
    speedups["exact cold"] = seconds / result.exact["cold_s"]
    listed = ", ".join(f"{label} {x:.1f}x" for label, x in speedups.items())
    target = met(speedups["default cold"] >= 10)
    yield f"  speedup = Evidently / ours: {listed}; target >= 10x (default, cold): {target}"
    default_mb, exact_mb = result.ours_peak_mb, result.exact["peak_mb"]
    yield (
        f"  our peak RSS: default {default_mb:,.0f} MB, exact {exact_mb:,.0f} MB; "
        f"target < 1 GB: {met(default_mb < 1024)} (default), {met(exact_mb < 1024)} (exact)"
    )


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def verdict_counts(result: Pass) -> Iterator[str]:
    evidently = result.evidently["scores"]
    drifted = sorted(c for c, s in evidently.items() if s["drift"])
    yield f"  Evidently flags {len(drifted)} of {len(evidently)} columns: {', '.join(drifted)}"
    for label, mode in (
        ("default", result.default[0]),
        ("exact", result.exact),
        ("exact, fence off", result.exact_no_fence),
    ):
        differ = sorted(c for c, s in evidently.items() if mode["scores"][c]["drift"] != s["drift"])
        worst = max(abs(mode["scores"][c]["score"] - s["score"]) for c, s in evidently.items())
        yield (
            f"  ours {label}: verdicts differ on {len(differ)} ({', '.join(differ) or 'none'}); "
            f"largest |score diff| {worst:.2e}"
        )


# ---------------------------------------------------------------- main


def measure(base_url: str, rows: int, repeat: int, directory: Path) -> Pass:
    database = f"bench_drift_{uuid.uuid4().hex[:8]}"
    url = f"{base_url.rsplit('/', 1)[0]}/{database}"
    config_path = job_config(directory, url, {})
    config = load_config(config_path, env={})
    store = ClickHouseStore(url)
    store.ensure_schema()
    try:
        print(f"inserting {rows:,} + {rows:,} rows into {database} ...", flush=True)
        print(f"  inserted in {fill(store, config, rows):.1f} s (not measured)", flush=True)
        print(f"  background merges settled after {settle_merges(store, database):.1f} s", flush=True)
        default = []
        for i in range(repeat):
            default.append(run_child("ours", str(config_path), url, "2"))
            done = default[-1]
            print(
                f"  ours default run {i + 1}: cold {done['cold_s']:.2f} s, warm {done['warm_s']:.2f} s",
                flush=True,
            )
        exact_path = job_config(directory, url, {"sample_size": rows})
        exact = run_child("ours", str(exact_path), url, "1")
        print(f"  ours exact: {exact['cold_s']:.2f} s, {exact['peak_mb']:,.0f} MB", flush=True)
        no_fence_path = job_config(directory, url, {"sample_size": rows, "outlier_fence_iqr": None})
        exact_no_fence = run_child("ours", str(no_fence_path), url, "1")
        print(f"  ours exact, fence off: {exact_no_fence['cold_s']:.2f} s", flush=True)
        print("  Evidently DataDriftPreset (once) ...", flush=True)
        evidently = run_child("evidently", str(rows), json.dumps(evidently_methods(config)))
        print(f"  Evidently: {evidently['seconds']:.2f} s, {evidently['peak_mb']:,.0f} MB", flush=True)
    finally:
        store._execute(f"DROP DATABASE IF EXISTS {database}")
        store.close()
    return Pass(rows, default, exact, exact_no_fence, evidently)


def child_main(args: Sequence[str]) -> None:
    kind, *rest = args
    result = child_ours(*rest) if kind == "ours" else child_evidently(int(rest[0]), json.loads(rest[1]))
    print(json.dumps(result))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="reference and current rows (each)")
    parser.add_argument("--also", type=int, default=100_000, help="a second pass at this size (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs of our job in default mode")
    args = parser.parse_args()
    server = None
    base_url = os.environ.get("MONITOR_TEST_CLICKHOUSE_URL")
    results = []
    try:
        if not base_url:
            server = ClickHouseServer().start()
            base_url = server.url
        with tempfile.TemporaryDirectory(prefix="bench-drift-") as directory:
            for rows in [n for n in (args.rows, args.also) if n > 0]:
                results.append(measure(base_url, rows, args.repeat, Path(directory)))
    finally:
        if server is not None:
            server.remove()
    print(f"\n{os.cpu_count()} cores; load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    for result in results:
        print()
        print("\n".join(summary(result)))
        print()
        print("\n".join(table(result)))


if __name__ == "__main__":
    main()
