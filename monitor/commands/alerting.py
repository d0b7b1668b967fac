"""Wiring of the alert router for ``monitor run`` and the demo: notifier, leadership, service."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alerts.config import receivers_for
from alerts.service import Leadership, Notifier, RouterService
from connectors.kafka.leader import AlwaysLeader, KafkaLeadership
from connectors.slack.console import ConsoleReceiver
from connectors.slack.delivery import MessageRef
from connectors.slack.receiver import SlackReceiver
from connectors.store.base import Store
from monitor.config_model import Config

log = logging.getLogger("monitor.alerting")

TOKEN_ENV, BASE_URL_ENV = "SLACK_BOT_TOKEN", "MONITOR_SLACK_BASE_URL"


def build_notifier(config: Config, alerts_file: Path) -> Notifier:
    """Slack when ``SLACK_BOT_TOKEN`` is set (``MONITOR_SLACK_BASE_URL`` points it elsewhere); otherwise the
    console receiver, which prints each notification and appends it to ``alerts_file`` as JSON."""
    channels = {
        name: (r.slack_channel, r.mention) for name, r in receivers_for(config.alerting, config.teams).items()
    }
    token = os.environ.get(TOKEN_ENV)
    if token:
        receiver = SlackReceiver(token, os.environ.get(BASE_URL_ENV) or None, channels)
        log.info("alerts go to Slack (%s)", receiver.base_url)
        return receiver
    log.info("no %s: alerts are printed and written to %s", TOKEN_ENV, alerts_file)
    alerts_file.parent.mkdir(parents=True, exist_ok=True)
    return ConsoleReceiver(channels, path=alerts_file)


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


def build_router(config: Config, store: Store, alerts_file: Path, tick_s: float = 1.0) -> RouterService:
    """The router service (not started)."""
    return RouterService(
        config.alerting,
        store,
        build_notifier(config, alerts_file),
        build_leadership(config),
        ref_type=MessageRef,
        tick_s=tick_s,
    )
