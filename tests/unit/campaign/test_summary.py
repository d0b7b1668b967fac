"""summarize(): matured outcomes only, the inference named, edge cases explicit; export is JSON/CSV-ready."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from monitor.campaign import CampaignSpec, decile_rows, success_from_labels, summarize, to_dict, to_row
from monitor.campaign.sequential import ASSUMPTIONS
from monitor.campaign.stats import ArmStats, newcombe_difference

CUTOFF = datetime(2024, 5, 1, tzinfo=UTC)
BASE: dict[str, Any] = {
    "id": "winback",
    "model": "churn",
    "success_label": "0",
    "maturity_days": 30,
    "team": "growth",
}


def spec(**changes: Any) -> CampaignSpec:
    return CampaignSpec.model_validate({**BASE, **changes})


def campaign(n: int = 3000, seed: int = 0, share: float = 0.8) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < share
    score = rng.random(n)
    success = rng.random(n) < 0.6 + treated * 0.1 * score
    matured = np.arange(n) < int(n * 0.8)  # the latest fifth is still maturing
    outcome = success.astype(object)
    outcome[~matured] = None
    return {
        "arm": np.where(treated, "treatment", "control"),
        "success": outcome,
        "matured": matured,
        "score": score,
        "maturity_cutoff": CUTOFF,
    }


def test_counts_only_matured_outcomes() -> None:
    rows = campaign()
    s = summarize(spec(), **rows)
    matured = rows["matured"]
    treated = rows["arm"] == "treatment"
    assert (s.n_assigned, s.n_matured) == (3000, 2400)
    assert s.treatment.n == int((treated & matured).sum())
    assert s.control.n + s.treatment.n == 2400
    won = rows["success"][matured].astype(bool)
    assert s.treatment.successes == int(won[treated[matured]].sum())
    assert s.maturity_cutoff == CUTOFF
    # SRM counts every assigned customer
    assert s.srm.n_treatment + s.srm.n_control == 3000
    assert s.uplift is not None and s.uplift.n_scored == 2400


def test_always_valid_by_default() -> None:
    s = summarize(spec(), **campaign())
    assert s.inference == "always_valid"
    assert s.absolute_lift.method == "aipw_normal_mixture_cs"
    assert s.relative_lift.method == "arm_cs_ratio_union_bound"
    assert s.assumptions == ASSUMPTIONS and s.power is None
    fixed = newcombe_difference(s.treatment, s.control)
    assert s.absolute_lift.estimate == pytest.approx(fixed.estimate)
    assert s.absolute_lift.upper - s.absolute_lift.lower > fixed.upper - fixed.lower
    assert s.warnings == ()


def test_fixed_horizon_reports_power_and_warns_before_the_horizon() -> None:
    s = summarize(spec(inference="fixed_horizon", planned_sample_size=5000), **campaign())
    assert s.absolute_lift.method == "newcombe" and s.relative_lift.method == "katz_log_ratio"
    assert s.power is not None and s.power.baseline_source == "observed_control"
    assert s.power.baseline == pytest.approx(s.control.rate)
    assert s.power.horizon == 5000 and not s.power.reached_horizon
    assert any("interim look: 2400 of 5000" in w for w in s.warnings)
    done = summarize(spec(inference="fixed_horizon", planned_sample_size=2000), **campaign())
    assert done.power is not None and done.power.reached_horizon and done.warnings == ()


def test_sample_ratio_mismatch_warns() -> None:
    s = summarize(spec(planned_treatment_share=0.5), **campaign(share=0.8))
    assert s.srm.warning
    assert any(w.startswith("sample ratio mismatch") for w in s.warnings)


def test_nothing_matured_is_insufficient_data_not_a_crash() -> None:
    rows = campaign(n=50)
    rows["matured"] = np.zeros(50, bool)
    s = summarize(spec(inference="fixed_horizon", planned_sample_size=1000), **rows)
    assert s.n_matured == 0 and math.isnan(s.treatment.rate)
    assert s.absolute_lift.status == s.relative_lift.status == "insufficient_data"
    assert s.power is None and s.uplift is not None and s.uplift.status == "insufficient_data"
    assert any("no interval yet" in w for w in s.warnings)
    assert any("no power calculation" in w for w in s.warnings)
    json.dumps(to_dict(s), allow_nan=False)


def test_empty_period() -> None:
    empty: npt.NDArray[np.str_] = np.array([], dtype=str)
    s = summarize(spec(), arm=empty, success=[], matured=[], maturity_cutoff=CUTOFF)
    assert s.n_assigned == 0 and s.srm.status == "insufficient_data"
    assert s.absolute_lift.status == "insufficient_data" and s.uplift is None


def test_one_empty_arm() -> None:
    rows = campaign(n=200)
    rows["arm"] = np.full(200, "treatment")
    s = summarize(spec(inference="fixed_horizon", planned_sample_size=1000), **rows)
    assert s.control == ArmStats("control", 0, 0)
    assert "no matured outcomes in control" in s.absolute_lift.reason
    assert s.srm.warning


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arm": np.array(["treatment", "holdout"])}, "unknown arm"),
        ({"matured": np.array([True])}, "same length"),
        ({"success": np.array([None, True])}, "no success value"),
    ],
)
def test_bad_input_is_a_loud_error(change: dict[str, Any], message: str) -> None:
    rows = {"arm": np.array(["treatment", "control"]), "success": [True, False], "matured": [True, True]}
    with pytest.raises(ValueError, match=message):
        summarize(spec(), **{**rows, **change}, maturity_cutoff=CUTOFF)


def test_success_from_labels() -> None:
    assert success_from_labels(["0", "1", 0, None], spec()).tolist() == [True, False, True, False]


def test_export_is_json_and_csv_ready() -> None:
    s = summarize(spec(), **campaign())
    document = json.loads(json.dumps(to_dict(s), allow_nan=False))
    assert document["inference"] == "always_valid"
    assert document["maturity_cutoff"] == "2024-05-01T00:00:00+00:00"
    assert document["treatment"]["rate"] == pytest.approx(s.treatment.rate)
    assert len(document["uplift"]["deciles"]) == 10
    row = to_row(s)
    assert (
        row["absolute_lift_lower"] == s.absolute_lift.lower
        and row["absolute_lift_method"] == "aipw_normal_mixture_cs"
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    assert out.getvalue().count("\n") == 2
    deciles = decile_rows(s)
    assert [d["decile"] for d in deciles] == list(range(1, 11))
    assert {"uplift", "rate_treatment", "n_control", "score_min"} <= set(deciles[0])


def test_export_turns_nan_and_infinity_into_null() -> None:
    rows = campaign(n=20)
    s = summarize(spec(), **rows)
    row = to_row(s)
    assert row["absolute_lift_lower"] is None
    assert decile_rows(summarize(spec(), **{**rows, "score": None})) == []
