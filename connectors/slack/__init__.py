"""Slack adapter: Block Kit rendering (alerts in ``blocks``, campaign digests in ``digest``), the Slack
receiver (slack_sdk), a console receiver for running without a token, and a local stand-in of Slack's
Web API for tests and the demo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from alerts.config import TeamLike
from connectors.slack.console import ConsoleReceiver
from connectors.slack.delivery import (
    Backoff,
    Channels,
    DeliveryResult,
    Destination,
    FailureKind,
    MessageRef,
    Notifier,
)
from connectors.slack.receiver import BASE_URL_ENV, SlackReceiver

TOKEN_ENV = "SLACK_BOT_TOKEN"

__all__ = [
    "BASE_URL_ENV",
    "TOKEN_ENV",
    "Backoff",
    "Channels",
    "ConsoleReceiver",
    "DeliveryResult",
    "Destination",
    "FailureKind",
    "MessageRef",
    "Notifier",
    "SlackReceiver",
    "destinations",
    "receiver_from_env",
]


def destinations(receivers: Mapping[str, TeamLike]) -> dict[str, Destination]:
    """Receivers of the config (``alerts.config.receivers_for``) as channel + mention per name."""
    return {name: Destination(r.slack_channel, r.mention) for name, r in receivers.items()}


def receiver_from_env(
    channels: Channels,
    environ: Mapping[str, str] | None = None,
    console_path: Path | None = None,
) -> SlackReceiver | ConsoleReceiver:
    """The Slack receiver when ``SLACK_BOT_TOKEN`` is set (``MONITOR_SLACK_BASE_URL`` redirects it),
    else the console receiver writing to ``console_path``."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if not token:
        return ConsoleReceiver(channels, console_path)
    base_url = env.get(BASE_URL_ENV) or SlackReceiver.DEFAULT_BASE_URL
    return SlackReceiver(SecretStr(token), base_url, channels)
