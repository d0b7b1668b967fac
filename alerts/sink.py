"""Where job results go once judged: an ``AlertSink`` takes a model run's alert candidates.

The router implements it; ``PrintingSink`` prints candidates that hold (breaches, insufficient data,
failing jobs), for use before the router runs, or without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TextIO

from alerts.model import AlertCandidate


class AlertSink(Protocol):
    """Receives every candidate of a run, holding or not (a candidate that no longer holds resolves)."""

    def submit(self, candidates: Sequence[AlertCandidate], now: datetime) -> None: ...


class PrintingSink:
    """Prints one line per candidate that holds."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def submit(self, candidates: Sequence[AlertCandidate], now: datetime) -> None:
        for candidate in candidates:
            if candidate.holds:
                labels = candidate.labels
                summary = candidate.annotations.get("summary", "")
                print(
                    f"{now:%Y-%m-%d %H:%M} ALERT candidate [{labels.get('severity', '?')}] "
                    f"{labels.get('model')}/{labels.get('check')}"
                    f"{'/' + labels['feature'] if labels.get('feature') else ''}: {summary}",
                    file=self._out,
                    flush=True,
                )
