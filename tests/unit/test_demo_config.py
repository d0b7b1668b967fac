"""The demo's config: campaign outcomes mature within the simulated two days, so the feed fills up."""

from __future__ import annotations

from pathlib import Path

from monitor.commands.demo import CAMPAIGN_MATURITY_HOURS, demo_config


def test_campaigns_mature_after_a_few_hours_of_event_time(tmp_path: Path) -> None:
    config = demo_config(Path("config/monitor.yaml"), tmp_path, "127.0.0.1:9", start_ms=1_780_000_000_000)
    assert config.campaigns, "the shipped config has a campaign for the demo to show"
    for spec in config.campaigns.values():
        assert spec.maturity_days * 24 == CAMPAIGN_MATURITY_HOURS < 48
    assert (tmp_path / "monitor.yaml").exists()  # what `monitor run --config` is pointed at
