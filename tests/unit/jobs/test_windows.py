"""Which rows a run compares: current, reference (rolling, fixed, file) and the labeled window."""

from __future__ import annotations

from monitor.jobs.settings import MonitoringSettings, ReferenceSettings
from monitor.jobs.windows import DAY_MS, iso_ms, plan_windows

AT = iso_ms("2026-11-26T10:20:00Z")
HOUR = 3_600_000


def test_current_and_labeled_windows() -> None:
    windows = plan_windows("churn", MonitoringSettings(window="1h", label_delay="1d"), AT)
    assert (windows.current.start_ms, windows.current.end_ms) == (AT - HOUR, AT)
    assert (windows.labeled_current.start_ms, windows.labeled_current.end_ms) == (
        AT - DAY_MS - HOUR,
        AT - DAY_MS,
    )
    assert windows.matured_before_ms == AT


def test_rolling_reference_moves_in_whole_days_so_runs_share_it() -> None:
    settings = MonitoringSettings(reference=ReferenceSettings(kind="rolling", length="7d", lag="7d"))
    morning, evening = plan_windows("m", settings, AT), plan_windows("m", settings, AT + 8 * HOUR)
    assert morning.reference == evening.reference
    assert morning.reference_key == evening.reference_key
    assert morning.reference.end_ms == iso_ms("2026-11-19T00:00:00Z")
    assert morning.reference.end_ms - morning.reference.start_ms == 7 * DAY_MS


def test_short_rolling_reference_moves_by_the_window() -> None:
    settings = MonitoringSettings(window="1h", reference=ReferenceSettings(length="6h", lag="1h"))
    windows = plan_windows("m", settings, AT)
    assert windows.reference.end_ms == iso_ms("2026-11-26T09:00:00Z")
    assert windows.reference.start_ms == iso_ms("2026-11-26T03:00:00Z")


def test_fixed_and_file_references() -> None:
    fixed = ReferenceSettings(kind="fixed", start="2026-10-01", end="2026-10-08T00:00:00Z")
    windows = plan_windows("m", MonitoringSettings(reference=fixed), AT)
    assert (windows.reference.start_ms, windows.reference.end_ms) == (
        iso_ms("2026-10-01T00:00:00Z"),
        iso_ms("2026-10-08T00:00:00Z"),
    )
    loaded = plan_windows(
        "m", MonitoringSettings(reference=ReferenceSettings(kind="file", reference_id="t1")), AT
    )
    assert loaded.reference.reference_id == "t1"
