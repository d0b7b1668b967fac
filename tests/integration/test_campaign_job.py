"""The campaign jobs on a chDB store filled with the simulator's traffic: the feed counts matured
outcomes only and fills up as they mature, its history is idempotent per period, the scheduler runs
feed and digest without ever raising, and the digest reaches the team's channel (Slack stand-in)."""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from alerts.sink import PrintingSink
from connectors.slack import SlackReceiver
from connectors.slack.standin import SlackStandIn
from connectors.store.base import Store, WriteBatch
from connectors.store.factory import open_store
from monitor.campaign import CampaignSpec
from monitor.campaign.feed import NO_INTERVAL
from monitor.campaign.job import CampaignJobs, period_end
from monitor.config_model import Config
from monitor.events import Prediction
from monitor.jobs.runner import JobRunner
from monitor.jobs.scheduler import ModelScheduler
from monitor.simulation import CAMPAIGN_ID
from tests.integration.campaign_data import simulate
from tests.integration.job_data import HOUR, START, job_config

TOKEN = "xoxb-campaign-test-token"


def at(hour: float) -> datetime:
    return datetime.fromtimestamp((START + hour * HOUR) / 1000, UTC)


@dataclass
class Filled:
    config: Config
    store: Store
    spec: CampaignSpec  # the shipped campaign, maturing after 6 hours
    predictions: list[Prediction]
    labels: dict[str, str]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filled]:
    folder = tmp_path_factory.mktemp("campaign")
    config = job_config(folder, f"chdb://{folder}/chdb")
    store = open_store(config.store.url.get_secret_value())
    store.ensure_schema()
    predictions, outcomes = simulate(config)
    store.write(WriteBatch(predictions, outcomes, (), received_ms=1))
    spec = config.campaigns[CAMPAIGN_ID].model_copy(update={"maturity_days": 0.25})
    yield Filled(config, store, spec, predictions, {o.prediction_id: o.label for o in outcomes})
    store.close()


def jobs(filled: Filled, **options: object) -> CampaignJobs:
    clock = itertools.count(1_000)
    return CampaignJobs({CAMPAIGN_ID: filled.spec}, filled.store, wall_ms=lambda: next(clock), **options)  # type: ignore[arg-type]


def test_feed_counts_matured_outcomes_only(filled: Filled) -> None:
    end = at(20)
    row = jobs(filled).update_feed(CAMPAIGN_ID, end).row
    cutoff_ms = START + 14 * HOUR
    ours = [
        p for p in filled.predictions if p.campaign_id == CAMPAIGN_ID and p.timestamp_ms < START + 20 * HOUR
    ]
    matured = [p for p in ours if p.timestamp_ms < cutoff_ms and p.prediction_id in filled.labels]
    treated = [p for p in matured if p.campaign_arm == "treatment"]
    retained = [p for p in treated if filled.labels[p.prediction_id] == filled.spec.success_label]
    assert (row.n_assigned, row.n_matured, row.maturity_cutoff_ms) == (len(ours), len(matured), cutoff_ms)
    assert (row.n_treatment, row.successes_treatment) == (len(treated), len(retained))
    assert (
        row.period_end_ms == START + 20 * HOUR and row.period_start_ms == START + 20 * HOUR - 90 * 24 * HOUR
    )


def test_feed_fills_up_as_outcomes_mature_and_is_kept_as_history(filled: Filled) -> None:
    job = jobs(filled)
    rows = [job.update_feed(CAMPAIGN_ID, at(hour)).row for hour in (4, 12, 24, 36)]
    assert rows[0].n_matured == 0 and rows[0].verdict == NO_INTERVAL
    assert [r.n_matured for r in rows] == sorted({r.n_matured for r in rows})  # strictly growing
    assert rows[-1].absolute_lift_lower < rows[-1].absolute_lift < rows[-1].absolute_lift_upper
    history = filled.store.read_campaign_feed(CAMPAIGN_ID, START, START + 37 * HOUR)
    ends = [r.period_end_ms for r in history]  # other tests of the module add their own periods
    assert ends == sorted(ends) and {START + h * HOUR for h in (4, 12, 24, 36)} <= set(ends)
    kept = {r.period_end_ms: r for r in history}
    assert [kept[r.period_end_ms] for r in rows[1:]] == rows[1:]  # the first holds NaN, equal to nothing
    assert kept[rows[0].period_end_ms].created_ms == rows[0].created_ms


def test_recomputing_a_period_replaces_its_row(filled: Filled) -> None:
    job = jobs(filled)
    first = job.update_feed(CAMPAIGN_ID, at(30)).row
    second = job.update_feed(CAMPAIGN_ID, at(30)).row
    assert second.created_ms > first.created_ms
    (kept,) = filled.store.read_campaign_feed(CAMPAIGN_ID, START + 30 * HOUR, START + 30 * HOUR + 1)
    assert kept == second and kept.n_matured == first.n_matured


def test_the_web_page_and_the_feed_agree(filled: Filled) -> None:
    from monitor.web.campaign_view import campaign_view

    row = jobs(filled).compute(CAMPAIGN_ID, at(30)).row
    view = campaign_view(filled.store, filled.spec, at(30), days=90)
    assert (view.summary.n_matured, view.summary.treatment.successes) == (
        row.n_matured,
        row.successes_treatment,
    )
    assert view.summary.absolute_lift.lower == pytest.approx(row.absolute_lift_lower)


def test_digest_goes_to_the_team_channel_with_a_link(filled: Filled) -> None:
    channel = filled.config.teams["growth"].slack_channel
    with SlackStandIn(token=TOKEN, channels={channel}) as standin:
        receiver = SlackReceiver(TOKEN, standin.base_url, {"growth": (channel, None)}, retry_for=2.0)
        job = jobs(filled, poster=receiver, base_url="https://monitor.example.com/")
        result = job.run_digest(CAMPAIGN_ID, at(32) + timedelta(minutes=17))
        assert result.ok
        (message,) = standin.messages.values()
    assert message["channel"] == channel.lstrip("#") and message["text"].startswith(
        "Campaign winback: digest"
    )
    assert "https://monitor.example.com/campaigns/winback" in str(message["blocks"])
    assert filled.store.read_campaign_feed(CAMPAIGN_ID, START + 32 * HOUR, START + 32 * HOUR + 1)  # hour row


def test_a_standby_process_does_not_post(filled: Filled) -> None:
    with SlackStandIn(token=TOKEN) as standin:
        receiver = SlackReceiver(TOKEN, standin.base_url, {"growth": ("growth", None)})
        assert jobs(filled, poster=receiver, may_post=lambda: False).run_digest(CAMPAIGN_ID, at(30)) is None
        assert not standin.calls


def test_scheduler_runs_campaign_jobs_and_never_raises(
    filled: Filled, caplog: pytest.LogCaptureFixture
) -> None:
    now_ms = START + 40 * HOUR + 25 * 60_000
    with SlackStandIn(token=TOKEN) as standin:
        receiver = SlackReceiver(TOKEN, standin.base_url, {"growth": ("growth", None)}, retry_for=1.0)
        scheduler = ModelScheduler(
            filled.config,
            JobRunner(filled.config, filled.store),
            PrintingSink(io.StringIO()),
            wall_ms=lambda: now_ms,
            run_at_start=False,
            campaigns=jobs(filled, poster=receiver),
        )
        ids = {job.id for job in scheduler._scheduler.get_jobs()}
        assert {"checks:churn", f"feed:{CAMPAIGN_ID}", f"digest:{CAMPAIGN_ID}"} <= ids
        scheduler.run_campaign("feed", CAMPAIGN_ID)
        (row,) = filled.store.read_campaign_feed(CAMPAIGN_ID, START + 40 * HOUR, START + 41 * HOUR)
        assert row.period_end_ms == START + 40 * HOUR == int(period_end(at(40.4)).timestamp() * 1000)
        scheduler.run_campaign("digest", CAMPAIGN_ID)
        assert len(standin.successful("chat.postMessage")) == 1
        standin.down_for(10.0)  # past the receiver's deadline: the digest is tried again later
        scheduler.run_campaign("digest", CAMPAIGN_ID)
        retry = scheduler._scheduler.get_job(f"digest-retry:{CAMPAIGN_ID}")
        assert retry is not None and retry.args == ("digest", CAMPAIGN_ID)
    scheduler.campaigns = CampaignJobs({}, filled.store)  # the campaign is gone: the job fails
    with caplog.at_level(logging.ERROR):
        scheduler.run_campaign("feed", CAMPAIGN_ID)
    assert "campaign feed job of winback failed" in caplog.text
