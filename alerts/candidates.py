"""Check results of one model run -> alert candidates, with the severity policy.

Each result gives a candidate that holds or not, so the rules can count consecutive evaluations:

* ``ok`` / ``breach`` -> the check's own candidate (holds on breach), and clears its
  ``insufficient_data`` and ``job_failing`` candidates.
* ``insufficient_data`` -> one ``insufficient_data`` candidate per (model, check) that holds, naming the
  features in its annotations (a window too small for 50 quality checks is one alert, not 50); the
  check's own candidate is not evaluated (no verdict is not a recovery, nor a breach).
* ``error`` -> a ``job_failing`` candidate that holds; never a drift alert.
* a ``job`` result (the run as a whole) -> only its ``job_failing`` candidate: a successful run must emit
  ``CheckResult(check=JOB, status=OK, ...)`` so a job failure resolves.

Derived candidates carry ``for_check`` (the check they are about) and no ``metric`` label, so a failure
and the later success of the same check (and, for ``job_failing``, feature) have the same fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from alerts.model import AlertCandidate
from monitor.jobs.results import Check, CheckResult, Status

INSUFFICIENT_DATA = "insufficient_data"
JOB_FAILING = "job_failing"

# Severity policy. Critical: the model's output or quality is off, or it is unmonitored (no fresh data);
# the owner is mentioned. Warning: one input or data-quality signal, worth a look. Info: no verdict.
SEVERITY: Mapping[str, str] = {
    Check.DATASET_DRIFT: "critical",
    Check.PREDICTION_DRIFT: "critical",
    Check.PERFORMANCE: "critical",
    Check.FRESHNESS: "critical",
    Check.FEATURE_DRIFT: "warning",
    Check.MISSING_VALUES: "warning",
    Check.UNSEEN_CATEGORIES: "warning",
    Check.OUT_OF_RANGE: "warning",
    Check.VOLUME: "warning",
    JOB_FAILING: "warning",
    INSUFFICIENT_DATA: "info",
}
DETAILS_MAX_CHARS = 1000


def candidates_from_results(
    model: str,
    team: str,
    results: Iterable[CheckResult],
    extra_annotations: Mapping[str, str] | None = None,
) -> list[AlertCandidate]:
    """Candidates for one run of a model's jobs. ``extra_annotations`` (e.g. ``report_url``) go on all."""
    extra = dict(extra_annotations or {})
    found: list[AlertCandidate] = []
    without_data: dict[Check, list[CheckResult]] = {}
    for result in results:
        found += _for_result(model, team, result, extra)
        if result.check is not Check.JOB and result.status is not Status.ERROR:
            group = without_data.setdefault(result.check, [])
            if result.status is Status.INSUFFICIENT_DATA:
                group.append(result)
    found += [_insufficient(model, team, check, no_data, extra) for check, no_data in without_data.items()]
    return found


def _for_result(model: str, team: str, r: CheckResult, extra: dict[str, str]) -> list[AlertCandidate]:
    failed = r.status is Status.ERROR or (r.check is Check.JOB and r.status is not Status.OK)
    found = [_derived(JOB_FAILING, model, team, r, failed, extra)]
    if failed or r.check is Check.JOB or r.status is Status.INSUFFICIENT_DATA:
        return found
    return [*found, _primary(model, team, r, extra)]


def _insufficient(
    model: str, team: str, check: Check, no_data: list[CheckResult], extra: dict[str, str]
) -> AlertCandidate:
    """Holds when any result of ``check`` had no verdict; lists which features, with the first reason."""
    labels = {
        "model": model,
        "team": team,
        "check": INSUFFICIENT_DATA,
        "for_check": str(check),
        "severity": SEVERITY[INSUFFICIENT_DATA],
    }
    features = sorted(r.feature for r in no_data if r.feature)
    what = f" for {len(features)} feature(s)" if features else ""
    notes = {**extra, "summary": f"not enough data to evaluate {check} of model {model}{what}"}
    if features:
        notes["features"] = ", ".join(features)[:DETAILS_MAX_CHARS]
    if no_data and no_data[0].details.get("reason"):
        notes["reason"] = str(no_data[0].details["reason"])[:DETAILS_MAX_CHARS]
    return AlertCandidate(labels, notes, holds=bool(no_data))


def _primary(model: str, team: str, r: CheckResult, extra: dict[str, str]) -> AlertCandidate:
    labels = {
        "model": model,
        "team": team,
        "check": str(r.check),
        "feature": r.feature,
        "metric": r.metric,
        "severity": SEVERITY.get(r.check, "warning"),
    }
    verdict = "beyond" if r.status is Status.BREACH else "within"
    subject = f"feature {r.feature}" if r.feature else f"model {model}"
    summary = f"{r.check} on {subject}: {r.metric} {r.value:.4g} {verdict} threshold {r.threshold:.4g}"
    return AlertCandidate(labels, _annotations(r, summary, extra), holds=r.status is Status.BREACH)


def _derived(
    kind: str, model: str, team: str, r: CheckResult, holds: bool, extra: dict[str, str]
) -> AlertCandidate:
    labels = {
        "model": model,
        "team": team,
        "check": kind,
        "for_check": str(r.check),
        "feature": r.feature,
        "severity": SEVERITY[kind],
    }
    subject = f" for feature {r.feature}" if r.feature else ""
    summary = f"the {r.check} check of model {model} is failing{subject}"
    return AlertCandidate(labels, _annotations(r, summary, extra), holds=holds)


def _annotations(r: CheckResult, summary: str, extra: dict[str, str]) -> dict[str, str]:
    notes = {
        **extra,
        "summary": summary,
        "metric": r.metric,
        "value": f"{r.value:.6g}",
        "threshold": f"{r.threshold:.6g}",
    }
    if r.details:
        text = json.dumps(dict(r.details), default=str, sort_keys=True, ensure_ascii=False)
        # Details can be long (unseen category lists); receivers have length limits of their own.
        notes["details"] = text if len(text) <= DETAILS_MAX_CHARS else text[: DETAILS_MAX_CHARS - 1] + "…"
    return notes
