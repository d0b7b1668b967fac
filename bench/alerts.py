"""Benchmark: one evaluation cycle of 10,000 alert candidates from 200 models through the router.

    .venv/bin/python bench/alerts.py [--models 200] [--per-model 50] [--rounds 5]

Each model (owned by one of 20 teams) yields 50 candidates (25 drifting features that hold, 25 checks that
do not). Rules need two consecutive breaches (the default pending period), so the first cycle only
arms them; the measured cycle is the second: rules -> route tree -> grouping -> (group_wait later) flush
-> dedup against the notification log. Then every notification is handed to the Slack receiver, which
posts it over HTTP with slack_sdk to a local stand-in of Slack's Web API. Prints the median times over
the rounds, the number of groups and the number of Slack messages (they should be equal: one message
per model and team, however many features drifted).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts.config import AlertingConfig
from alerts.model import AlertCandidate
from alerts.notify_log import InMemoryNotificationLog
from alerts.pipeline import Router, run_cycle
from connectors.slack.receiver import Backoff, SlackReceiver
from connectors.slack.standin import SlackStandIn

TOKEN = "xoxb-bench-token"


def candidates(models: int, per_model: int) -> list[AlertCandidate]:
    found = []
    for m in range(models):
        team = f"team{m % 20}"
        for k in range(per_model):
            holds = k < per_model // 2
            labels = {
                "model": f"model{m:03d}",
                "team": team,
                "check": "feature_drift",
                "feature": f"f{k}",
                "metric": "wasserstein",
                "severity": "warning",
            }
            notes = {"summary": f"f{k} drifted", "value": "0.4" if holds else "0.02", "threshold": "0.1"}
            found.append(AlertCandidate(labels, notes, holds=holds))
    return found


def one_round(models: int, per_model: int, standin: SlackStandIn) -> tuple[float, float, int, int]:
    router = Router(AlertingConfig(), InMemoryNotificationLog())
    batch = candidates(models, per_model)
    t0 = datetime(2026, 11, 26, tzinfo=UTC)
    states = run_cycle(router, {}, batch, t0).states  # arms the pending rules
    started = time.perf_counter()
    cycle = run_cycle(router, states, batch, t0 + timedelta(minutes=1))
    notifications = cycle.notifications + router.tick(t0 + timedelta(minutes=2))
    routed = time.perf_counter() - started
    groups = len({(n.receiver, n.group_key) for n in notifications})
    channels = {f"team{t}": (f"alerts-team{t}", None) for t in range(20)}
    receiver = SlackReceiver(
        TOKEN, standin.base_url, channels, retry_for=5.0, backoff=Backoff(0.05, 2, 0.5, 0)
    )
    before = len(standin.successful("chat.postMessage"))
    started = time.perf_counter()
    for notification in notifications:
        if not receiver.send(notification).ok:
            raise SystemExit(f"delivery failed for {notification.group_key}")
    delivered = time.perf_counter() - started
    return routed, delivered, groups, len(standin.successful("chat.postMessage")) - before


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--per-model", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    total = args.models * args.per_model
    with SlackStandIn(token=TOKEN) as standin:
        rounds = [one_round(args.models, args.per_model, standin) for _ in range(args.rounds)]
    routed = statistics.median(r[0] for r in rounds)
    delivered = statistics.median(r[1] for r in rounds)
    groups, messages = rounds[-1][2], rounds[-1][3]
    firing = args.per_model // 2
    print(f"{total:,} candidates from {args.models} models ({firing} firing each), {args.rounds} rounds")
    rate = total / routed
    print(f"route + group + dedup (one cycle): median {routed * 1000:,.0f} ms ({rate:,.0f} candidates/s)")
    print(
        f"hand to the Slack receiver (HTTP to a local stand-in): median {delivered * 1000:,.0f} ms "
        f"({messages / delivered:,.0f} messages/s)"
    )
    verdict = "equal" if groups == messages == args.models else "DIFFERENT"
    print(f"groups {groups}, Slack messages {messages}, models {args.models}: {verdict}")


if __name__ == "__main__":
    main()
