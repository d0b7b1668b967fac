"""Sample-ratio mismatch: do the arms' sizes fit the planned split?

A campaign that plans to treat 80% of its audience and ends up treating 85% has a broken assignment
(a filter applied to one arm, emails that bounced and were dropped, a logging bug), and then every
comparison between the arms is suspect, however significant. The check is Pearson's chi-square
goodness-of-fit test of ``(n_T, n_C)`` against ``(pi N, (1 - pi) N)`` with one degree of freedom:
``X^2 = (n_T - pi N)^2 / (pi N) + (n_C - (1 - pi) N)^2 / ((1 - pi) N)`` (``scipy.stats.chisquare``).

It warns at ``p < 0.001``, the usual SRM threshold (Fabijan et al. 2019, "Diagnosing Sample Ratio
Mismatch in Online Controlled Experiments", KDD; Kohavi, Tang, Xu 2020, "Trustworthy Online Controlled
Experiments", ch. 21). The strict threshold is deliberate: the check runs on every refresh of every
campaign, and at 0.05 one healthy campaign in twenty would be flagged.

Count arm sizes over all assigned customers, not only matured outcomes: maturity does not depend on the
arm, but a lost outcome might, and both are worth seeing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import chisquare

SRM_P_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class SrmResult:
    """The check's evidence. ``warning`` is True when ``p_value < threshold``; with no customers at all
    the statistic and p-value are NaN and ``status`` is ``insufficient_data``."""

    n_treatment: int
    n_control: int
    planned_treatment_share: float
    observed_treatment_share: float
    statistic: float
    p_value: float
    threshold: float
    warning: bool
    status: str = "ok"


def sample_ratio_check(
    n_treatment: int,
    n_control: int,
    planned_treatment_share: float,
    threshold: float = SRM_P_THRESHOLD,
) -> SrmResult:
    """Chi-square goodness of fit of the arm sizes to the planned split (see the module docstring)."""
    if not 0 < planned_treatment_share < 1:
        raise ValueError("planned_treatment_share must be strictly between 0 and 1")
    total = n_treatment + n_control
    if total == 0:
        return SrmResult(
            0, 0, planned_treatment_share, math.nan, math.nan, math.nan, threshold, False, "insufficient_data"
        )
    expected = [planned_treatment_share * total, (1 - planned_treatment_share) * total]
    statistic, p_value = chisquare([n_treatment, n_control], f_exp=expected)
    return SrmResult(
        n_treatment=n_treatment,
        n_control=n_control,
        planned_treatment_share=planned_treatment_share,
        observed_treatment_share=n_treatment / total,
        statistic=float(statistic),
        p_value=float(p_value),
        threshold=threshold,
        warning=bool(p_value < threshold),
    )
