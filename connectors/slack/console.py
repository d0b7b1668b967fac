"""The receiver used without a Slack token: prints each message and appends it to a JSON-lines file.

Same ``send`` and ``post_digest`` as the Slack receiver and the same rendering, so the demo shows what
Slack would get.
A file that cannot be written raises (OSError): that is the operator's to fix, not a delivery to retry.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from alerts.notify_log import Notification
from connectors.slack.blocks import Block, render
from connectors.slack.delivery import Channels, DeliveryResult, Destination, MessageRef


class ConsoleReceiver:
    """Prints to ``out`` (default stdout) and, with ``path``, appends one JSON object per message."""

    def __init__(
        self,
        channels: Channels | None = None,
        path: Path | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.channels = {name: Destination(*dest) for name, dest in (channels or {}).items()}
        self.path = path
        self._out = out
        self._lock = threading.Lock()  # one message's lines stay together in the file and on screen

    def send(
        self,
        notification: Notification,
        previous: MessageRef | None = None,
        *,
        retry_for: float | None = None,
    ) -> DeliveryResult:
        """Print and record ``notification``; ``previous`` is reported as the message it updates."""
        dest = self.channels.get(notification.receiver, Destination(notification.receiver))
        rendered = render(notification, dest.mention)
        edits = previous if notification.is_update else None
        ref = edits or MessageRef(dest.channel, notification.notification_id)
        record = {
            "at": datetime.now(UTC).isoformat(),
            "channel": dest.channel,
            "receiver": notification.receiver,
            "group_key": notification.group_key,
            "notification_id": notification.notification_id,
            "updates": edits.ts if edits else None,
            "text": rendered.text,
            "blocks": rendered.blocks,
            "firing": [a.to_dict() for a in notification.firing],
            "resolved": [a.to_dict() for a in notification.resolved],
        }
        with self._lock:
            self._print(dest.channel, rendered.text, edits is not None)
            self._append(record)
        return DeliveryResult(ok=True, ref=ref, method="console", attempts=1, truncated=rendered.truncated)

    def post_digest(
        self, receiver: str, title: str, text: str, blocks: Sequence[Block], *, retry_for: float | None = None
    ) -> DeliveryResult:
        """Print and record a report (a campaign digest) as ``SlackReceiver.post_digest`` would post it."""
        dest = self.channels.get(receiver, Destination(receiver))
        record = {
            "at": datetime.now(UTC).isoformat(),
            "kind": "digest",  # alert records have no kind: readers counting alerts can skip these
            "channel": dest.channel,
            "receiver": receiver,
            "title": title,
            "text": text,
            "blocks": list(blocks),
        }
        with self._lock:
            self._print(dest.channel, text, False, note=title)
            self._append(record)
        return DeliveryResult(ok=True, ref=MessageRef(dest.channel, title), method="console", attempts=1)

    def _append(self, record: Mapping[str, object]) -> None:
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _print(self, channel: str, text: str, update: bool, note: str = "") -> None:
        out = self._out or sys.stdout
        extra = " (update)" if update else f" ({note})" if note else ""
        print(f"--- Slack {channel}{extra} ---\n{text}", file=out, flush=True)
