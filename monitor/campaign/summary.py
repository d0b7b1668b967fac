"""One campaign over one period, from per-customer arrays to a ``CampaignSummary``.

The caller (the campaign job) reads, for every customer the campaign assigned in the period, in
assignment order: the arm, whether the outcome has matured (prediction older than the maturity
cut-off), the success flag of matured outcomes, and optionally the model score. Everything here is pure:
the cut-off is passed in, not read from a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from monitor.campaign import sequential
from monitor.campaign.config import CampaignSpec, Inference
from monitor.campaign.power import PowerSummary, plan
from monitor.campaign.srm import SrmResult, sample_ratio_check
from monitor.campaign.stats import ArmStats, Interval, katz_relative_lift, newcombe_difference
from monitor.campaign.uplift import UpliftSummary, summarize_uplift

ARMS = ("treatment", "control")

# Per-customer values as the job reads them: arrays, or lists that may hold None.
Values = npt.ArrayLike | Sequence[object]

FIXED_HORIZON_ASSUMPTIONS = (
    "customers are assigned to the arms at random",
    "outcomes of different customers are independent",
    "the interval is read once, at the planned sample size; earlier looks are interim only",
)


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Everything the campaign feed shows for one period. Arm counts are matured outcomes only;
    ``n_assigned`` and the SRM check cover every assigned customer. ``inference`` says which
    intervals these are; ``assumptions`` what they rest on; ``warnings`` what a reader must know."""

    campaign: str
    model: str
    inference: Inference
    alpha: float
    maturity_cutoff: datetime
    n_assigned: int
    n_matured: int
    treatment: ArmStats
    control: ArmStats
    absolute_lift: Interval
    relative_lift: Interval
    srm: SrmResult
    power: PowerSummary | None
    uplift: UpliftSummary | None
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]


def success_from_labels(labels: Values, spec: CampaignSpec) -> npt.NDArray[np.bool_]:
    """True where the outcome label equals the campaign's ``success_label`` (compared as text)."""
    return np.asarray([str(label) == spec.success_label for label in np.asarray(labels, dtype=object)])


def summarize(
    spec: CampaignSpec,
    *,
    arm: Values,
    success: Values,
    matured: Values,
    maturity_cutoff: datetime,
    score: Values | None = None,
) -> CampaignSummary:
    """Summarize one campaign period.

    ``arm`` holds "treatment" or "control" per assigned customer, in assignment order (the always-valid
    sequence is indexed by it). ``success`` is read only where ``matured`` is true (None or NaN
    elsewhere is fine). ``score`` is the audience model's score, for the uplift-by-decile analysis.
    Raises ValueError on arrays of different lengths, an unknown arm, or a matured row without outcome.
    """
    treated_all, matured_mask, success_all = _validated(arm, success, matured)
    treated = treated_all[matured_mask]
    won = success_all[matured_mask].astype(bool)
    t_stats = ArmStats("treatment", int(treated.sum()), int(won[treated].sum()))
    c_stats = ArmStats("control", int((~treated).sum()), int(won[~treated].sum()))
    srm = sample_ratio_check(int(treated_all.sum()), int((~treated_all).sum()), spec.planned_treatment_share)
    absolute, relative, assumptions = _lifts(spec, treated, won, t_stats, c_stats)
    power = _power(spec, c_stats, int(matured_mask.sum())) if spec.inference == "fixed_horizon" else None
    uplift = None
    if score is not None:
        uplift = summarize_uplift(np.asarray(score, dtype=np.float64)[matured_mask], treated, won)
    return CampaignSummary(
        campaign=spec.id,
        model=spec.model,
        inference=spec.inference,
        alpha=spec.alpha,
        maturity_cutoff=maturity_cutoff,
        n_assigned=int(treated_all.size),
        n_matured=int(matured_mask.sum()),
        treatment=t_stats,
        control=c_stats,
        absolute_lift=absolute,
        relative_lift=relative,
        srm=srm,
        power=power,
        uplift=uplift,
        assumptions=assumptions,
        warnings=_warnings(spec, srm, power, absolute),
    )


def _validated(
    arm: Values, success: Values, matured: Values
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    arms = np.asarray(arm, dtype=object)
    mask = np.asarray(matured, dtype=bool)
    won = np.asarray(success, dtype=np.float64)  # None -> NaN
    if not arms.shape == mask.shape == won.shape or arms.ndim != 1:
        raise ValueError("arm, success and matured must be 1-d arrays of the same length")
    unknown = sorted({str(a) for a in arms.tolist()} - set(ARMS))
    if unknown:
        raise ValueError(f"unknown arm values {unknown}; expected one of {list(ARMS)}")
    if np.isnan(won[mask]).any():
        raise ValueError("a matured outcome has no success value")
    return arms == "treatment", mask, won


def _lifts(
    spec: CampaignSpec,
    treated: npt.NDArray[np.bool_],
    won: npt.NDArray[np.bool_],
    t_stats: ArmStats,
    c_stats: ArmStats,
) -> tuple[Interval, Interval, tuple[str, ...]]:
    if spec.inference == "fixed_horizon":
        absolute = newcombe_difference(t_stats, c_stats, spec.alpha)
        return absolute, katz_relative_lift(t_stats, c_stats, spec.alpha), FIXED_HORIZON_ASSUMPTIONS
    share, alpha = spec.planned_treatment_share, spec.alpha
    tuning_n = spec.planned_sample_size or sequential.DEFAULT_TUNING_N
    absolute = sequential.always_valid_difference(treated, won, share, alpha, tuning_n)
    relative = sequential.always_valid_relative_lift(t_stats, c_stats, share, alpha, tuning_n)
    return absolute, relative, sequential.ASSUMPTIONS


def _power(spec: CampaignSpec, control: ArmStats, n_matured: int) -> PowerSummary | None:
    if spec.baseline_success_rate is not None:
        baseline, source = spec.baseline_success_rate, "config"
    else:
        baseline, source = control.rate, "observed_control"
    return plan(
        baseline,
        source,
        spec.planned_treatment_share,
        n_matured,
        spec.alpha,
        spec.planned_sample_size,
        spec.minimum_detectable_effect,
    )


def _warnings(
    spec: CampaignSpec, srm: SrmResult, power: PowerSummary | None, absolute: Interval
) -> tuple[str, ...]:
    found = []
    if srm.warning:
        found.append(
            f"sample ratio mismatch: {srm.observed_treatment_share:.1%} treated, planned "
            f"{srm.planned_treatment_share:.1%} (p = {srm.p_value:.2g}); the assignment may be broken "
            "and the lift is not trustworthy"
        )
    if absolute.status != "ok":
        found.append(f"no interval yet: {absolute.reason}")
    if spec.inference == "fixed_horizon":
        if power is None:
            found.append("no power calculation: no baseline success rate yet")
        elif not power.reached_horizon:
            found.append(
                f"interim look: {power.n_matured} of {power.horizon} planned outcomes; a fixed-horizon "
                "interval is only valid at the planned sample size"
            )
    return tuple(found)
