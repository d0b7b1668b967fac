"""The churn world: how subscribers, their true churn risk and the model's score are distributed.

Pure numpy, vectorized over a block of rows. Every draw is made for every row whatever the scenario
asks for, so two scenarios with the same seed see the same customers: a drifted run can be compared
row by row with an undrifted one, and a scenario's changes are the only difference.

Two latent traits drive the correlations: ``engagement`` (logins, sessions, usage, adoption) and
``dissatisfaction`` (support calls, complaints, low NPS); they are negatively correlated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

NUMERICAL: tuple[str, ...] = (
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "support_calls_30d",
    "logins_30d",
    "sessions_7d",
    "avg_session_minutes",
    "days_since_last_login",
    "payment_failures_90d",
    "discount_pct",
    "data_usage_gb",
    "num_devices",
    "num_products",
    "nps_score",
    "age",
    "contract_months_left",
    "late_payments_12m",
    "referrals",
    "complaints_90d",
    "feature_adoption_score",
)

# Category values and their shares before any injected change.
CATEGORICAL: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "plan": (("basic", "standard", "premium"), (0.50, 0.35, 0.15)),
    "region": (("north", "south", "east", "west", "central"), (0.25, 0.20, 0.20, 0.20, 0.15)),
    "payment_method": (("card", "bank_transfer", "paypal", "invoice"), (0.45, 0.25, 0.20, 0.10)),
    "acquisition_channel": (
        ("organic", "paid_search", "social", "referral", "partner"),
        (0.35, 0.25, 0.20, 0.10, 0.10),
    ),
    "device_os": (("android", "ios", "web"), (0.45, 0.40, 0.15)),
}

# Features that are sometimes unknown (sent as null): a brand-new account has no bill yet, usage
# metering has gaps, and some customers never answer the NPS survey.
MISSING_SHARE: dict[str, float] = {"total_charges": 0.015, "data_usage_gb": 0.03, "nps_score": 0.08}

# Counts and whole numbers: sent as JSON integers while no drift made them fractional.
INTEGER_FEATURES = frozenset(NUMERICAL[i] for i in (0, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18))

MODEL_NOISE_SD = 0.55  # the model's error on the logit scale: a good, not perfect, model
TREATMENT_EFFECT = 0.20  # relative cut of the churn probability by the win-back campaign
TREATMENT_SHARE = 0.80  # share of predicted churners in the treatment arm (the rest is holdout)

# Spreads the risks so that the Bayes accuracy is about 84 % and the noisy model's about 80 %.
_RISK_SCALE = 1.2
_PLAN_BASE_CHARGE = np.array([29.0, 59.0, 94.0])
_PAYMENT_FAILURE_RATE = np.array([0.12, 0.08, 0.15, 0.45])  # card, bank, paypal, invoice


@dataclass(frozen=True)
class WorldChange:
    """What is different for the rows flagged ``post``: category shares and additive mean offsets."""

    shares: Mapping[str, tuple[float, ...]]
    offsets: Mapping[str, float]


NO_CHANGE = WorldChange(shares={}, offsets={})


@dataclass(frozen=True)
class Population:
    """One block of customers: features (NaN where missing), category codes, and the true logit."""

    numerical: dict[str, FloatArray]
    categorical: dict[str, IntArray]
    true_logit: FloatArray


def draw_population(rng: np.random.Generator, post: NDArray[np.bool_], change: WorldChange) -> Population:
    """Draw ``len(post)`` customers; rows where ``post`` is set get ``change`` applied."""
    n = len(post)
    codes = {name: _draw_codes(rng, n, name, post, change) for name in CATEGORICAL}
    values = _draw_numerical(rng, n, codes)
    for name, offset in change.offsets.items():
        values[name] = np.where(post, values[name] + offset, values[name])
    logit = true_logit(values, codes)
    for name, share in MISSING_SHARE.items():
        missing = rng.random(n) < share
        values[name] = np.where(missing, np.nan, values[name])
    return Population({name: values[name] for name in NUMERICAL}, codes, logit)


def _draw_codes(
    rng: np.random.Generator, n: int, name: str, post: NDArray[np.bool_], change: WorldChange
) -> IntArray:
    # Inverse CDF on one uniform per row: a share change moves only the rows near the boundaries.
    u = rng.random(n)
    base = np.searchsorted(np.cumsum(CATEGORICAL[name][1])[:-1], u, side="right")
    shares = change.shares.get(name)
    if shares is None:
        return base.astype(np.int64)
    shifted = np.searchsorted(np.cumsum(shares)[:-1], u, side="right")
    return np.where(post, shifted, base).astype(np.int64)


def _draw_numerical(rng: np.random.Generator, n: int, codes: dict[str, IntArray]) -> dict[str, FloatArray]:
    engagement = rng.standard_normal(n)
    dissatisfaction = -0.4 * engagement + np.sqrt(1 - 0.16) * rng.standard_normal(n)
    v: dict[str, FloatArray] = {}
    v.update(_account(rng, n, codes))
    v.update(_usage(rng, n, engagement))
    v.update(_service(rng, n, engagement, dissatisfaction, codes))
    return v


def _account(rng: np.random.Generator, n: int, codes: dict[str, IntArray]) -> dict[str, FloatArray]:
    plan = codes["plan"]
    tenure = np.clip(np.round(rng.gamma(1.3, 18.0, n)), 0, 72)
    products = 1.0 + rng.binomial(3, np.where(plan == 2, 0.40, 0.22))
    monthly = np.maximum(10.0, _PLAN_BASE_CHARGE[plan] + 6.0 * (products - 1) + rng.normal(0, 5.0, n))
    # total = what was billed so far; the first month is partly billed, discounts and credits vary.
    total = np.maximum(tenure, rng.random(n)) * monthly * rng.uniform(0.92, 1.04, n)
    return {
        "tenure_months": tenure,
        "monthly_charges": np.round(monthly, 2),
        "total_charges": np.round(total, 2),
        "num_products": products,
        "age": np.clip(np.round(rng.normal(40.0 + 0.12 * tenure, 13.0)), 18, 90),
        "contract_months_left": np.where(rng.random(n) < 0.45, 0.0, rng.integers(1, 25, n)),
        "discount_pct": np.where(rng.random(n) < 0.6, 0.0, 5.0 * rng.integers(1, 7, n)),
    }


def _usage(rng: np.random.Generator, n: int, engagement: FloatArray) -> dict[str, FloatArray]:
    logins = rng.poisson(np.exp(2.3 + 0.6 * engagement)).astype(np.float64)
    return {
        "logins_30d": logins,
        "sessions_7d": rng.poisson(0.3 * logins + 0.5).astype(np.float64),
        # Log-normal: a few customers stream for hours or move terabytes (heavy right tails).
        "avg_session_minutes": np.round(rng.lognormal(2.2 + 0.2 * engagement, 0.6), 2),
        "data_usage_gb": np.round(rng.lognormal(2.3 + 0.3 * engagement, 0.8), 2),
        "days_since_last_login": np.minimum(365.0, np.round(rng.exponential(np.exp(1.5 - 0.8 * engagement)))),
        "num_devices": 1.0 + rng.poisson(np.exp(0.0 + 0.3 * engagement)),
        "referrals": rng.poisson(0.2 * np.exp(0.6 * engagement)).astype(np.float64),
        "feature_adoption_score": np.round(
            100.0 / (1.0 + np.exp(-(0.9 * engagement + rng.normal(0, 0.6, n)))), 1
        ),
    }


def _service(
    rng: np.random.Generator,
    n: int,
    engagement: FloatArray,
    dissatisfaction: FloatArray,
    codes: dict[str, IntArray],
) -> dict[str, FloatArray]:
    calls = rng.poisson(np.exp(-0.6 + 0.5 * dissatisfaction)).astype(np.float64)
    failures = rng.poisson(_PAYMENT_FAILURE_RATE[codes["payment_method"]]).astype(np.float64)
    nps = np.round(7.0 - 1.8 * dissatisfaction + 0.4 * engagement + rng.normal(0, 1.2, n))
    return {
        "support_calls_30d": calls,
        "complaints_90d": rng.poisson(0.15 * np.exp(0.8 * dissatisfaction) + 0.1 * calls).astype(float),
        "payment_failures_90d": failures,
        "late_payments_12m": rng.poisson(0.3 + 0.8 * failures).astype(np.float64),
        "nps_score": np.clip(nps, 0, 10) + 0.0,  # + 0.0 turns -0.0 into 0.0
    }


def true_logit(v: Mapping[str, FloatArray], codes: Mapping[str, IntArray]) -> FloatArray:
    """Log-odds that a customer cancels within 30 days if nobody intervenes."""
    plan, channel = codes["plan"], codes["acquisition_channel"]
    logit = _RISK_SCALE * (
        -0.63
        - 0.045 * v["tenure_months"]
        + 0.015 * (v["monthly_charges"] - 55.0)
        + 0.35 * v["support_calls_30d"]
        + 0.30 * v["complaints_90d"]
        + 0.05 * np.minimum(v["days_since_last_login"], 60.0)
        - 0.06 * v["logins_30d"]
        + 0.45 * v["payment_failures_90d"]
        + 0.90 * (v["contract_months_left"] == 0)
        - 0.04 * v["contract_months_left"]
        - 0.22 * (v["nps_score"] - 7.0)
        + 0.30 * (plan == 0)
        - 0.25 * (plan == 2)
        - 0.02 * v["discount_pct"]
        + 0.25 * ((channel == 1) | (channel == 2))
        - 0.015 * (v["feature_adoption_score"] - 50.0)
    )
    return np.asarray(logit, dtype=np.float64)


def sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)
