"""Each model's checks on a schedule (APScheduler), one run at a time, never stopping the scheduler.

Missed runs are coalesced into one, a model never runs twice at once, starts are jittered so many
models do not hit the store together, and a run past its timeout is recorded as a failing job. Results
go to the history table (by the runner) and as alert candidates to the sink.

Campaigns get two jobs each, next to the models' (``monitor.campaign.job``): the feed row, daily and
at start-up, and the digest to the owning team on the campaign's ``digest_schedule``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.candidates import candidates_from_results
from alerts.sink import AlertSink
from monitor.campaign.job import CampaignJobs
from monitor.config_model import Config
from monitor.jobs.results import Check, CheckResult, Status
from monitor.jobs.runner import JobRunner, RunResult
from monitor.jobs.windows import plan_windows

log = logging.getLogger(__name__)

# The feed's own schedule: daily, just after midnight UTC (its period ends at the hour, 00:00).
FEED_CRON = "5 0 * * *"
DIGEST_RETRY_S = 300.0  # a digest that Slack could not take is tried again this much later


def submit_run(config: Config, sink: AlertSink, run: RunResult, now: datetime) -> None:
    """Hand a run's results to the sink as alert candidates (with the report as evidence)."""
    extra = {"report": str(run.report)} if run.report else {}
    team = config.models[run.model].team
    sink.submit(candidates_from_results(run.model, team, run.results, extra), now)


class ModelScheduler:
    """Runs ``runner`` for every configured model on its schedule; ``start()`` / ``shutdown()``."""

    def __init__(
        self,
        config: Config,
        runner: JobRunner,
        sink: AlertSink,
        wall_ms: Callable[[], int] | None = None,
        run_at_start: bool = True,
        campaigns: CampaignJobs | None = None,
    ) -> None:
        self.config, self.runner, self.sink, self.campaigns = config, runner, sink, campaigns
        self.wall_ms = wall_ms or (lambda: int(time.time() * 1000))
        # One worker: runs are serialized (the runner and an embedded store are not shared safely).
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="monitor-job")
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        for name, spec in config.models.items():
            schedule = spec.monitoring.schedule
            jitter = int(schedule.jitter) if schedule.jitter else None
            trigger = (
                CronTrigger.from_crontab(schedule.cron, timezone=UTC, jitter=jitter)
                if schedule.cron
                else IntervalTrigger(seconds=schedule.every or 3600, timezone=UTC, jitter=jitter)
            )
            # The first run is right at start-up: an operator sees the state of every model at once.
            # (APScheduler reads next_run_time=None as "paused", so it is only passed when set.)
            first = {"next_run_time": datetime.now(UTC)} if run_at_start else {}
            self._scheduler.add_job(
                self.run_once, trigger, args=[name], id=f"checks:{name}", name=name, **first
            )
        if campaigns is not None:
            self._add_campaign_jobs(campaigns, run_at_start)

    def _add_campaign_jobs(self, campaigns: CampaignJobs, run_at_start: bool) -> None:
        first = {"next_run_time": datetime.now(UTC)} if run_at_start else {}
        for cid, spec in campaigns.campaigns.items():
            feed = CronTrigger.from_crontab(FEED_CRON, timezone=UTC)
            self._scheduler.add_job(
                self.run_campaign, feed, args=["feed", cid], id=f"feed:{cid}", name=f"feed {cid}", **first
            )
            if campaigns.poster is not None:
                # No run at start-up: a restart must not post an extra digest.
                digest = CronTrigger.from_crontab(spec.digest_schedule, timezone=UTC)
                self._scheduler.add_job(
                    self.run_campaign, digest, args=["digest", cid], id=f"digest:{cid}", name=f"digest {cid}"
                )

    def start(self) -> None:
        self._scheduler.start()
        for job in self._scheduler.get_jobs():
            log.info("scheduled checks of %s, next run %s", job.name, job.next_run_time)

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)
        self._worker.shutdown(wait=False, cancel_futures=True)

    def run_once(self, model: str) -> RunResult | None:
        """One run of ``model`` now, bounded by its timeout. Never raises: failures become results."""
        at_ms = self.wall_ms()
        timeout = self.config.models[model].monitoring.schedule.timeout
        future = self._worker.submit(self.runner.run, model, at_ms)
        try:
            run = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            log.error("checks of %s did not finish within %.0f s", model, timeout)
            run = self._failed(model, at_ms, f"timed out after {timeout:.0f} s")
        except Exception as exc:  # the runner records its own failures; this is a last resort
            log.exception("checks of %s crashed", model)
            run = self._failed(model, at_ms, f"{type(exc).__name__}: {exc}")
        breaches = len(run.breaches)
        log.info(
            "checks of %s: %d results, %d breaches, %.1f s", model, len(run.results), breaches, run.seconds
        )
        try:
            submit_run(self.config, self.sink, run, datetime.fromtimestamp(at_ms / 1000, tz=UTC))
        except Exception:
            log.exception("handing the results of %s to the alert sink failed", model)
        return run

    def run_campaign(self, kind: str, campaign_id: str) -> None:
        """The campaign's ``feed`` or ``digest`` job now. Never raises: a failure is logged, and the next
        run tries again (a campaign is not a model: it has no alert of its own to raise)."""
        if self.campaigns is None:
            return
        now = datetime.fromtimestamp(self.wall_ms() / 1000, tz=UTC)
        try:
            if kind != "digest":
                self.campaigns.run_feed(campaign_id, now)
                return
            result = self.campaigns.run_digest(campaign_id, now)
        except Exception:
            log.exception("campaign %s job of %s failed", kind, campaign_id)
            return
        if result is not None and result.retryable:
            self._retry_digest(campaign_id, max(result.retry_after or 0.0, DIGEST_RETRY_S))

    def _retry_digest(self, campaign_id: str, wait: float) -> None:
        # Slack was down past the send deadline: try again later rather than skip a week's digest.
        log.warning("digest of %s will be retried in %.0f s", campaign_id, wait)
        self._scheduler.add_job(
            self.run_campaign,
            "date",
            args=["digest", campaign_id],
            id=f"digest-retry:{campaign_id}",
            run_date=datetime.now(UTC) + timedelta(seconds=wait),
            replace_existing=True,
        )

    def _failed(self, model: str, at_ms: int, error: str) -> RunResult:
        windows = plan_windows(model, self.config.models[model].monitoring, at_ms)
        result = CheckResult(Check.JOB, "run", 1.0, 0.0, Status.ERROR, details={"error": error})
        return RunResult(model, "", windows, [result])
