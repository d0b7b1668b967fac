"""The alert model: labels identify an alert, annotations describe it, the fingerprint names it.

Label keys every alert built from check results carries: ``model``, ``team``, ``check``, ``severity``,
and ``feature`` / ``metric`` where they apply. Empty label values count as absent (as in Prometheus),
so ``{"feature": ""}`` and no ``feature`` label give the same fingerprint and match the same matchers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

FINGERPRINT_LENGTH = 16  # hex chars of sha256: 64 bits, collision-free for any realistic alert count


class AlertState(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


def clean_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Labels sorted by name with empty values dropped: the canonical form."""
    return {k: labels[k] for k in sorted(labels) if labels[k] != ""}


def fingerprint(labels: Mapping[str, str]) -> str:
    """Stable identity of a label set: independent of order, of empty values and of the process."""
    canonical = json.dumps(sorted(clean_labels(labels).items()), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True, eq=True)
class Alert:
    """One alert as the router sees it. ``ends_at`` is set exactly when the alert is resolved.

    Identity is the label set only: the same labels with new annotations (a new drift value) are the
    same alert, updated.
    """

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    fingerprint: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the canonical copies are set through object.__setattr__; the fingerprint is kept
        # because routing, grouping and dedup all ask for it.
        object.__setattr__(self, "labels", clean_labels(self.labels))
        object.__setattr__(self, "annotations", dict(self.annotations))
        object.__setattr__(self, "fingerprint", fingerprint(self.labels))

    @property
    def state(self) -> AlertState:
        return AlertState.RESOLVED if self.ends_at is not None else AlertState.FIRING

    @property
    def resolved(self) -> bool:
        return self.ends_at is not None

    def resolve(self, at: datetime) -> Alert:
        return replace(self, ends_at=at)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, for persisting and for receivers."""
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at": _iso(self.starts_at),
            "ends_at": _iso(self.ends_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        return cls(
            labels=data["labels"],
            annotations=data.get("annotations", {}),
            starts_at=_from_iso(data.get("starts_at")),
            ends_at=_from_iso(data.get("ends_at")),
        )


@dataclass(frozen=True)
class AlertCandidate:
    """The outcome of one evaluation for one label set: does the alert condition hold right now?

    Candidates come from check results; the rules (pending / keep-firing) turn them into alerts.
    """

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    holds: bool
    fingerprint: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", clean_labels(self.labels))
        object.__setattr__(self, "annotations", dict(self.annotations))
        object.__setattr__(self, "fingerprint", fingerprint(self.labels))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
