"""The models overview, the model page and the alerts page: pure functions from data to HTML."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.store.base import ResultRow
from monitor.config_model import ModelSpec
from monitor.jobs.results import Check
from monitor.web import charts
from monitor.web.history import (
    DRIFT_CHECKS,
    PERFORMANCE_CHECKS,
    QUALITY_CHECKS,
    RunSummary,
    runs,
    series_by_chart,
)
from monitor.web.layout import badge, chart, esc, moment, page, table, when

DAY_CHOICES = (1, 7, 30, 90, 365)
RUNS_LISTED = 25
NO_ROUTER = "router not running"


@dataclass(frozen=True)
class ModelLine:
    """One line of the overview."""

    name: str
    spec: ModelSpec
    latest: RunSummary | None
    open_alerts: int | None  # None: no alert source


def _report_link(model: str, run: RunSummary) -> str:
    if run.report is None:
        return '<span class="muted">none</span>'
    return f'<a href="/reports/{esc(model)}/{esc(run.report)}">report</a>'


def _count(run: RunSummary, status: str) -> str:
    return str(run.statuses.get(status, 0))


def overview_page(lines: Sequence[ModelLine], lookback_days: int) -> str:
    """Every configured model with its owning team, latest run and open alerts."""
    rows = []
    for line in lines:
        run = line.latest
        alerts = NO_ROUTER if line.open_alerts is None else str(line.open_alerts)
        cells = [f'<a href="/models/{esc(line.name)}">{esc(line.name)}</a>', esc(line.spec.team)]
        if run is None:
            cells += [f'<span class="muted">no run in {lookback_days} days</span>', "", "", "", "", ""]
        else:
            cells += [when(run.window_end_ms), badge(run.status), _count(run, "breach"), _count(run, "error")]
            cells += [_count(run, "insufficient_data"), _report_link(line.name, run)]
        rows.append([*cells, esc(alerts), esc(line.spec.description)])
    headers = ["model", "team", "last window end", "status", "breaches", "errors", "insufficient", "evidence"]
    body = "<h1>Models</h1><p class='sub'>Latest run of each model's checks.</p>"
    body += table([*headers, "open alerts", "description"], rows, numeric=(4, 5, 6))
    return page("Models", body)


def _range_form(days: int) -> str:
    # A range typed into the URL is offered too, so the form shows what the page shows.
    choices = sorted({*DAY_CHOICES, days})
    options = "".join(
        f'<option value="{d}"{" selected" if d == days else ""}>last {d} day{"s" if d > 1 else ""}</option>'
        for d in choices
    )
    return (
        f'<form class="range" method="get"><label>Range <select name="days">{options}</select></label> '
        '<button type="submit">show</button></form>'
    )


def _section(title: str, rows: list[ResultRow], checks: tuple[Check, ...], first_id: int) -> tuple[str, int]:
    parts = [f"<h2>{esc(title)}</h2>"]
    grouped = series_by_chart(rows, checks)
    if not grouped:
        parts.append('<p class="muted">no results in this range</p>')
    for number, ((check, metric), lines) in enumerate(grouped.items(), start=first_id):
        parts.append(chart(f"chart-{number}", charts.history_figure(check, metric, lines)))
    return "".join(parts), first_id + len(grouped)


def _runs_table(model: str, summaries: list[RunSummary]) -> str:
    rows = [
        [
            when(r.window_end_ms),
            when(r.created_ms),
            badge(r.status),
            _count(r, "breach"),
            _count(r, "error"),
            _count(r, "insufficient_data"),
            _report_link(model, r),
            esc(r.error),
        ]
        for r in summaries[:RUNS_LISTED]
    ]
    headers = ["window end", "written", "status", "breaches", "errors", "insufficient", "evidence", "error"]
    return table(headers, rows, numeric=(3, 4, 5))


def model_page(name: str, spec: ModelSpec, rows: list[ResultRow], days: int) -> str:
    """Drift, performance and data-quality history of one model, with its runs and their reports."""
    summaries = runs(rows)
    body = [
        f"<h1>{esc(name)}</h1>",
        f'<p class="sub">team {esc(spec.team)} · {esc(spec.task)} · {len(spec.features.numerical)} '
        f"numerical and {len(spec.features.categorical)} categorical features. {esc(spec.description)}</p>",
        _range_form(days),
        f'<p class="muted">{len(summaries)} runs in range · '
        f'<a href="/api/models/{esc(name)}/results.json?days={days}">results as JSON</a></p>',
    ]
    next_id = 0
    for title, checks in (
        ("Drift", DRIFT_CHECKS),
        ("Performance (matured outcomes)", PERFORMANCE_CHECKS),
        ("Data quality", QUALITY_CHECKS),
    ):
        html, next_id = _section(title, rows, checks, next_id)
        body.append(html)
    body.append(f"<h2>Runs (newest {RUNS_LISTED})</h2>")
    body.append(_runs_table(name, summaries))
    return page(name, "".join(body))


def is_open(alert: Mapping[str, Any]) -> bool:
    """An alert still firing (``state`` if given, else no ``ends_at``)."""
    state = alert.get("state")
    return state == "firing" if state is not None else not alert.get("ends_at")


def _labels(alert: Mapping[str, Any]) -> Mapping[str, Any]:
    labels = alert.get("labels")
    return labels if isinstance(labels, Mapping) else {}


def alerts_page(alerts: Sequence[Mapping[str, Any]] | None) -> str:
    """Current alerts grouped by team and model: state, since, labels and summary."""
    body = ["<h1>Alerts</h1>"]
    if alerts is None:
        body.append(f'<p class="note">The alert {NO_ROUTER}: no alerts to show.</p>')
        return page("Alerts", "".join(body))
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for alert in alerts:
        labels = _labels(alert)
        groups[(str(labels.get("team", "")), str(labels.get("model", "")))].append(alert)
    body.append(f'<p class="sub">{sum(map(is_open, alerts))} firing, {len(alerts)} in total.</p>')
    if not groups:
        body.append('<p class="muted">no alerts</p>')
    for (team, model), members in sorted(groups.items()):
        body.append(f"<h2>team {esc(team or '–')} · model {esc(model or '–')}</h2>")
        rows = []
        for alert in sorted(members, key=lambda a: str(a.get("starts_at") or "")):
            labels = _labels(alert)
            annotations = alert.get("annotations")
            summary = annotations.get("summary", "") if isinstance(annotations, Mapping) else ""
            shown = " ".join(f"<code>{esc(k)}={esc(v)}</code>" for k, v in sorted(labels.items()))
            state = "firing" if is_open(alert) else "resolved"
            rows.append([badge(state), moment(alert.get("starts_at")), shown, esc(summary)])
        body.append(table(["state", "since", "labels", "summary"], rows))
    return page("Alerts", "".join(body))
