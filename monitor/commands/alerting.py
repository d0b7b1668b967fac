"""Wiring of the alert router for ``monitor run`` and the demo: notifier, leadership, service; and the
campaign jobs, whose digests go out through the router's notifier."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts import persist
from alerts.config import receivers_for
from alerts.rules import firing_alerts
from alerts.service import Leadership, Notifier, RouterService
from connectors.kafka.leader import AlwaysLeader, KafkaLeadership
from connectors.slack import TOKEN_ENV, receiver_from_env
from connectors.slack.console import ConsoleReceiver
from connectors.slack.delivery import MessageRef
from connectors.slack.receiver import SlackReceiver
from connectors.store.base import Store
from monitor.campaign.job import CampaignJobs
from monitor.config_model import Config
from monitor.web import ServerHandle, create_app, serve_in_thread

log = logging.getLogger("monitor.alerting")

WEB_TOKEN_ENV = "MONITOR_WEB_TOKEN"
# The pages' public root (e.g. https://monitor.example.com), for links in campaign digests.
PAGES_URL_ENV = "MONITOR_WEB_BASE_URL"


def build_notifier(config: Config, alerts_file: Path) -> SlackReceiver | ConsoleReceiver:
    """Slack when ``SLACK_BOT_TOKEN`` is set (``MONITOR_SLACK_BASE_URL`` points it elsewhere); otherwise the
    console receiver, which prints each notification and appends it to ``alerts_file`` as JSON."""
    channels = {
        name: (r.slack_channel, r.mention) for name, r in receivers_for(config.alerting, config.teams).items()
    }
    alerts_file.parent.mkdir(parents=True, exist_ok=True)
    receiver = receiver_from_env(channels, console_path=alerts_file)
    if isinstance(receiver, SlackReceiver):
        log.info("alerts go to Slack (%s)", receiver.base_url)
    else:
        log.info("no %s: alerts are printed and written to %s", TOKEN_ENV, alerts_file)
    return receiver


def build_leadership(config: Config) -> Leadership:
    """One router at a time: a Kafka group election for a server store; the embedded store allows one
    process only, so that process leads."""
    if config.store.url.get_secret_value().startswith("chdb:"):
        return AlwaysLeader()
    k = config.kafka
    group = f"{k.group_id}-router"
    return KafkaLeadership(
        k.bootstrap,
        group,
        session_timeout_ms=k.session_timeout_ms,
        heartbeat_interval_ms=k.heartbeat_interval_ms,
    ).start()


def build_router(
    config: Config, store: Store, alerts_file: Path, tick_s: float = 1.0, notifier: Notifier | None = None
) -> RouterService:
    """The router service (not started); ``notifier`` defaults to ``build_notifier``'s."""
    return RouterService(
        config.alerting,
        store,
        notifier or build_notifier(config, alerts_file),
        build_leadership(config),
        ref_type=MessageRef,
        tick_s=tick_s,
    )


def build_campaign_jobs(
    config: Config,
    store: Store,
    notifier: SlackReceiver | ConsoleReceiver | None,
    may_post: Callable[[], bool] = lambda: True,
) -> CampaignJobs:
    """Feed and digest jobs of the configured campaigns; digests link to the campaign page when
    ``MONITOR_WEB_BASE_URL`` is set, and are posted only while ``may_post()`` (the router's leadership)."""
    base_url = os.environ.get(PAGES_URL_ENV) or None
    return CampaignJobs(config.campaigns, store, notifier, may_post=may_post, base_url=base_url)


def current_alerts(store: Store) -> list[dict[str, Any]]:
    """The alerts firing now, from the rule states the leading router keeps in the store."""
    states = persist.load_rule_states(store)
    return [alert.to_dict() for alert in firing_alerts(states, datetime.now(UTC))]


def serve_pages(config: Config, store: Store, report_dir: Path) -> ServerHandle | None:
    """Serve the pages and feeds in a thread (``web.port`` 0: not at all)."""
    if not config.web.port:
        return None
    app = create_app(
        config,
        store,
        token=os.environ.get(WEB_TOKEN_ENV) or None,
        report_dir=report_dir,
        alerts=lambda: current_alerts(store),
        campaigns=config.campaigns,
    )
    handle = serve_in_thread(app, config.web.host, config.web.port)
    log.info(
        "pages on http://%s:%d/%s",
        config.web.host,
        handle.port,
        " (bearer token required)" if os.environ.get(WEB_TOKEN_ENV) else "",
    )
    return handle
