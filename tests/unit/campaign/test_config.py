"""The campaign config node: strict, frozen, and its inference settings must agree."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from monitor.campaign.config import NAME_PATTERN, CampaignSpec

BASE: dict[str, Any] = {
    "id": "winback-q2",
    "model": "churn",
    "success_label": "0",
    "maturity_days": 30,
    "team": "growth",
}


def spec(**changes: Any) -> CampaignSpec:
    return CampaignSpec.model_validate({**BASE, **changes})


def test_defaults() -> None:
    s = spec()
    assert (s.inference, s.alpha, s.planned_treatment_share) == ("always_valid", 0.05, 0.8)
    assert s.digest_schedule == "0 9 * * MON"
    assert s.planned_sample_size is None


def test_frozen_and_unknown_keys_rejected() -> None:
    with pytest.raises(ValidationError):
        spec().alpha = 0.1
    with pytest.raises(ValidationError, match="extra"):
        spec(holdout=0.2)


def test_same_name_rule_as_the_main_config() -> None:
    from monitor import config_model

    assert config_model.NAME_PATTERN == NAME_PATTERN


def test_every_field_is_described() -> None:
    assert all(field.description for field in CampaignSpec.model_fields.values())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "bad id"}, "pattern"),
        ({"success_label": ""}, "at least 1"),
        ({"maturity_days": 0}, "greater than 0"),
        ({"planned_treatment_share": 1.0}, "less than 1"),
        ({"alpha": 0.5}, "less than 0.5"),
        ({"inference": "bayesian"}, "always_valid"),
        ({"digest_schedule": "0 9 * * FOO"}, "weekday"),
        ({"digest_schedule": "every monday"}, "fields"),
    ],
)
def test_node_checks(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spec(**changes)


def test_fixed_horizon_needs_a_horizon() -> None:
    with pytest.raises(ValidationError, match="needs planned_sample_size"):
        spec(inference="fixed_horizon")
    with pytest.raises(ValidationError, match="needs planned_sample_size"):
        spec(inference="fixed_horizon", minimum_detectable_effect=0.02)
    assert spec(inference="fixed_horizon", planned_sample_size=20_000).planned_sample_size == 20_000
    both = spec(inference="fixed_horizon", minimum_detectable_effect=0.02, baseline_success_rate=0.8)
    assert both.minimum_detectable_effect == 0.02
    with pytest.raises(ValidationError, match="below 1"):
        spec(inference="fixed_horizon", minimum_detectable_effect=0.3, baseline_success_rate=0.8)


def test_power_settings_only_with_fixed_horizon() -> None:
    with pytest.raises(ValidationError, match="only used with inference: fixed_horizon"):
        spec(minimum_detectable_effect=0.02)
    # the planned size also tunes where the confidence sequence is tightest
    assert spec(planned_sample_size=5000).planned_sample_size == 5000
