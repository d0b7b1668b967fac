"""Which rows a run at time ``at`` compares: pure arithmetic on the settings, no clock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.store.base import WindowSpec
from monitor.jobs.settings import MonitoringSettings

DAY_MS = 86_400_000


@dataclass(frozen=True)
class RunWindows:
    """The windows of one run. Performance looks at predictions old enough for mature labels."""

    current: WindowSpec
    reference: WindowSpec
    labeled_current: WindowSpec
    matured_before_ms: int

    @property
    def reference_key(self) -> tuple[str, int, int, str | None]:
        """Identity of the reference ("reference version"): its statistics are cached under it."""
        r = self.reference
        return (r.model, r.start_ms, r.end_ms, r.reference_id)


def iso_ms(text: str) -> int:
    """Milliseconds of an ISO-8601 time (UTC when no zone is given)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def plan_windows(model: str, settings: MonitoringSettings, at_ms: int) -> RunWindows:
    """Current window ``[at - window, at)``; reference per its kind; labeled window shifted by the
    label delay so only predictions with mature outcomes are judged."""
    window_ms = int(settings.window * 1000)
    current = WindowSpec(model, at_ms - window_ms, at_ms)
    delay_ms = int(settings.label_delay * 1000)
    labeled = WindowSpec(model, at_ms - delay_ms - window_ms, at_ms - delay_ms)
    return RunWindows(current, reference_window(model, settings, at_ms), labeled, at_ms)


def reference_window(model: str, settings: MonitoringSettings, at_ms: int) -> WindowSpec:
    reference = settings.reference
    if reference.kind == "file":
        return WindowSpec(model, reference_id=reference.reference_id)
    if reference.kind == "fixed":
        assert reference.start and reference.end  # checked by the config
        return WindowSpec(model, iso_ms(reference.start), iso_ms(reference.end))
    length_ms, lag_ms = int(reference.length * 1000), int(reference.lag * 1000)
    # A rolling reference moves in whole steps (a day, or the window for short references) so that every
    # run in a step shares one reference version and its cached statistics.
    step = DAY_MS if length_ms >= DAY_MS else max(int(settings.window * 1000), 1)
    end = (at_ms - lag_ms) // step * step
    return WindowSpec(model, end - length_ms, end)
