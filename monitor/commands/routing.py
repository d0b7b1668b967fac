"""``monitor routes test`` and ``monitor silence add|list|expire``: operate the alert router from a shell."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from alerts import persist
from alerts.config import receivers_for
from alerts.routing import match
from alerts.silence import Silence, expire
from connectors.store.factory import open_store
from monitor.commands.output import load_or_report
from monitor.config_base import parse_duration
from monitor.config_model import Config


def parse_labels(text: str) -> dict[str, str]:
    """``model=churn,severity=critical`` -> {"model": "churn", "severity": "critical"}."""
    labels = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name:
            raise ValueError(f"{part!r} is not NAME=VALUE")
        labels[name.strip()] = value.strip()
    return labels


def routes_test(config_path: Path, labels_text: str) -> int:
    """Print which receivers (channels) an alert with these labels would reach, and with which timers."""
    config = load_or_report(config_path)
    if config is None:
        return 1
    try:
        labels = parse_labels(labels_text)
    except ValueError as exc:
        print(f"error: --labels: {exc}", file=sys.stderr)
        return 2
    if "team" not in labels and labels.get("model") in config.models:
        labels["team"] = config.models[labels["model"]].team  # as the jobs label every alert
    receivers = receivers_for(config.alerting, config.teams)
    table = Table(title=f"routes for {', '.join(f'{k}={v}' for k, v in labels.items())}")
    for column in ("receiver", "channel", "group by", "wait / interval / repeat", "route"):
        table.add_column(column)
    for matched in match(config.alerting.route_tree, labels):
        o = matched.options
        channel = (
            receivers[matched.receiver].slack_channel if matched.receiver in receivers else "(undefined!)"
        )
        group_by = "all labels" if o.group_by is None else ", ".join(o.group_by)
        timers = f"{o.group_wait} / {o.group_interval} / {o.repeat_interval}"
        table.add_row(matched.receiver, channel, group_by, timers, matched.route_key or "(root)")
    Console().print(table)
    return 0


def silence_add(config_path: Path, matchers: list[str], duration: str, author: str, comment: str) -> int:
    config = load_or_report(config_path)
    if config is None:
        return 1
    now = datetime.now(UTC)
    try:
        silence = Silence(
            uuid.uuid4().hex[:12],
            tuple(matchers),
            now,
            now + timedelta(seconds=parse_duration(duration)),
            author,
            comment,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with _store(config) as store:
        persist.save_silence(store, silence, persist.Versions())
    print(f"silence {silence.id} active until {silence.ends_at:%Y-%m-%d %H:%M} UTC: {', '.join(matchers)}")
    return 0


def silence_list(config_path: Path, show_expired: bool) -> int:
    config = load_or_report(config_path)
    if config is None:
        return 1
    now = datetime.now(UTC)
    with _store(config) as store:
        silences = persist.load_silences(store)
    table = Table(title="silences")
    for column in ("id", "state", "matchers", "ends (UTC)", "by", "comment"):
        table.add_column(column)
    for s in sorted(silences, key=lambda s: s.ends_at):
        state = s.state(now).value
        if state != "expired" or show_expired:
            table.add_row(
                s.id, state, ", ".join(s.matchers), f"{s.ends_at:%Y-%m-%d %H:%M}", s.created_by, s.comment
            )
    Console().print(table)
    return 0


def silence_expire(config_path: Path, silence_id: str) -> int:
    config = load_or_report(config_path)
    if config is None:
        return 1
    with _store(config) as store:
        found = {s.id: s for s in persist.load_silences(store)}
        if silence_id not in found:
            print(f"error: no silence {silence_id!r}", file=sys.stderr)
            return 1
        persist.save_silence(store, expire(found[silence_id], datetime.now(UTC)), persist.Versions())
    print(f"silence {silence_id} expired")
    return 0


class _store:
    """The configured store, opened for one command (the embedded one only while `monitor run` is not)."""

    def __init__(self, config: Config) -> None:
        self._store = open_store(config.store.url.get_secret_value())

    def __enter__(self) -> persist.StateStore:
        self._store.ensure_schema()
        return self._store

    def __exit__(self, *_: object) -> None:
        self._store.close()
