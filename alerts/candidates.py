"""Check results of one model run -> alert candidates, with the severity policy.

Each result gives a candidate that holds or not, so the rules can count consecutive evaluations:

* ``ok`` / ``breach`` -> the check's own candidate (holds on breach), and clears its
  ``insufficient_data`` and ``job_failing`` candidates.
* ``insufficient_data`` -> an ``insufficient_data`` candidate that holds; the check's own candidate is
  not evaluated (no verdict is not a recovery, nor a breach).
* ``error`` -> a ``job_failing`` candidate that holds; never a drift alert.
* a ``job`` result (the run as a whole) -> only its ``job_failing`` candidate: a successful run must emit
  ``CheckResult(check=JOB, status=OK, ...)`` so a job failure resolves.

Derived candidates carry ``for_check`` (the check they are about) and no ``metric`` label, so a failure
and the later success of the same (check, feature) have the same fingerprint.
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
    for result in results:
        found += _for_result(model, team, result, extra)
    return found


def _for_result(model: str, team: str, r: CheckResult, extra: dict[str, str]) -> list[AlertCandidate]:
    failed = r.status is Status.ERROR or (r.check is Check.JOB and r.status is not Status.OK)
    found = [_derived(JOB_FAILING, model, team, r, failed, extra)]
    if failed or r.check is Check.JOB:
        return found
    insufficient = r.status is Status.INSUFFICIENT_DATA
    found.append(_derived(INSUFFICIENT_DATA, model, team, r, insufficient, extra))
    if not insufficient:
        found.append(_primary(model, team, r, extra))
    return found


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
    if kind == JOB_FAILING:
        summary = f"the {r.check} check of model {model} is failing{subject}"
    else:
        summary = f"not enough data to evaluate {r.check} of model {model}{subject}"
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
