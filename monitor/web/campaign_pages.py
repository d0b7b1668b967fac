"""The campaign list and the campaign page (lift over time, decile uplift, SRM, inference), as HTML."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.campaign import CampaignSpec
from monitor.campaign.stats import Interval
from monitor.web import campaign_charts, charts
from monitor.web.campaign_view import CampaignView
from monitor.web.layout import chart, esc, number, page, percent, table, when

INFERENCE_TEXT = {
    "always_valid": "always-valid confidence sequences: the interval stays valid however often this "
    "page is looked at",
    "fixed_horizon": "fixed horizon: classical intervals, valid only once the planned sample size is "
    "reached; earlier values are interim looks",
}


def campaigns_page(campaigns: Mapping[str, CampaignSpec]) -> str:
    """Every configured campaign with its model and team."""
    rows = [
        [
            f'<a href="/campaigns/{esc(cid)}">{esc(cid)}</a>',
            esc(spec.model),
            esc(spec.team),
            esc(spec.inference),
        ]
        for cid, spec in sorted(campaigns.items())
    ]
    body = "<h1>Campaigns</h1><p class='sub'>Treatment vs control on matured outcomes.</p>"
    if not campaigns:
        body += '<p class="note">No campaigns are configured.</p>'
    return page("Campaigns", body + table(["campaign", "model", "team", "inference"], rows))


def _interval(interval: Interval, as_percent: bool) -> str:
    show = percent if as_percent else number
    if interval.status != "ok":
        return f"{show(interval.estimate)} <span class='muted'>(no interval: {esc(interval.reason)})</span>"
    bounds = f"[{show(interval.lower)}, {show(interval.upper)}]"
    return f"{show(interval.estimate)} {bounds} ({1 - interval.alpha:.0%}, {esc(interval.method)})"


def _headline(view: CampaignView) -> str:
    s = view.summary
    arms = [
        [esc(arm.arm), str(arm.n), str(arm.successes), percent(arm.rate)] for arm in (s.treatment, s.control)
    ]
    facts = [
        ["inference", esc(INFERENCE_TEXT.get(s.inference, s.inference))],
        [
            "maturity cut-off",
            f"{esc(s.maturity_cutoff.strftime('%Y-%m-%d %H:%M UTC'))} (outcomes of customers "
            "assigned before it are counted)",
        ],
        [
            "assigned / matured",
            f"{s.n_assigned} / {s.n_matured} (since {when(int(view.start.timestamp() * 1000))})",
        ],
        ["absolute lift", _interval(s.absolute_lift, True)],
        ["relative lift", _interval(s.relative_lift, False)],
        [
            "sample ratio",
            f"{percent(s.srm.observed_treatment_share)} treated, planned "
            f"{percent(s.srm.planned_treatment_share)} (p = {number(s.srm.p_value, 3)})",
        ],
    ]
    if s.power is not None:
        p = s.power
        facts.append(
            [
                "power plan",
                f"horizon {p.horizon} matured outcomes ({p.n_matured} so far); detectable at the horizon "
                f"with {p.target_power:.0%} power: {percent(p.mde_at_horizon)} (baseline "
                f"{percent(p.baseline)}, {esc(p.baseline_source.replace('_', ' '))})",
            ]
        )
    return table(["arm", "matured outcomes", "successes", "success rate"], arms, numeric=(1, 2, 3)) + (
        "<h2>Result</h2>" + table(["", ""], facts)
    )


def _warnings(view: CampaignView) -> str:
    s = view.summary
    # The summary's warnings already name a sample-ratio mismatch; the id lets a reader link to it.
    parts = []
    for warning in s.warnings:
        anchor = ' id="srm-warning"' if warning.startswith("sample ratio") else ""
        parts.append(f'<div class="warning"{anchor}>{esc(warning)}</div>')
    if view.sampled:
        parts.append(
            '<div class="note">Large period: the numbers come from a fixed random sample of the '
            "customers.</div>"
        )
    return "".join(parts)


def _charts(view: CampaignView) -> str:
    path = view.path
    parts = ["<h2>Lift over time</h2>"]
    if path.n:
        times = [charts.iso(t) for t in path.times_ms]
        title = f"absolute lift with its {1 - view.summary.alpha:.0%} interval"
        parts.append(
            chart(
                "chart-lift", campaign_charts.lift_figure(times, path.estimate, path.lower, path.upper, title)
            )
        )
    else:
        parts.append('<p class="muted">no matured outcomes yet</p>')
    uplift = view.summary.uplift
    parts.append("<h2>Uplift by score decile</h2>")
    if uplift is None or uplift.status != "ok":
        reason = uplift.reason if uplift is not None else "no scores"
        parts.append(f'<p class="muted">not available: {esc(reason)}</p>')
        return "".join(parts)
    ranks = [d.rank for d in uplift.deciles]
    values = [None if d.counts.uplift != d.counts.uplift else d.counts.uplift for d in uplift.deciles]
    hover = [f"treated {d.counts.n_treatment}, control {d.counts.n_control}" for d in uplift.deciles]
    parts.append(chart("chart-deciles", campaign_charts.decile_figure(ranks, values, hover)))
    parts.append(f"<p>Qini coefficient {number(uplift.qini_coefficient, 3)}</p>")
    parts.append(
        chart("chart-qini", campaign_charts.qini_figure(uplift.qini_shares, uplift.qini_incremental))
    )
    return "".join(parts)


def campaign_page(spec: CampaignSpec, view: CampaignView, days: int) -> str:
    """One campaign: headline with intervals, warnings, lift over time and decile uplift."""
    s = view.summary
    feeds = (
        f'<a href="/api/campaigns/{esc(spec.id)}.json?days={days}">JSON</a> · '
        f'<a href="/api/campaigns/{esc(spec.id)}.csv?days={days}">CSV</a> · '
        f'<a href="/api/campaigns/{esc(spec.id)}/deciles.csv?days={days}">deciles CSV</a>'
    )
    body = [
        f"<h1>Campaign {esc(spec.id)}</h1>",
        f'<p class="sub">audience from model <a href="/models/{esc(spec.model)}">{esc(spec.model)}</a>'
        f" · team {esc(spec.team)} · success = label {esc(spec.success_label)} · matures after "
        f"{spec.maturity_days:g} days · last {days} days · {feeds}. {esc(spec.description)}</p>",
        _warnings(view),
        _headline(view),
        _charts(view),
        "<h2>Assumptions</h2><ul>" + "".join(f"<li>{esc(a)}</li>" for a in s.assumptions) + "</ul>",
    ]
    return page(f"Campaign {spec.id}", "".join(body))
