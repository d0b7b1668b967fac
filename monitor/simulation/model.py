"""The deployed model, the win-back campaign and the real outcomes, for a block of customers.

The model scores each customer with its true churn logit plus noise. After the drift, a share of the
rows gets the score of another, random customer (think of a broken upstream feature join): the score
distribution stays the same, only the link between score and outcome weakens, so accuracy falls
without any prediction drift. Predicted churners enter the campaign; treatment lowers their churn risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from monitor.simulation.world import (
    MODEL_NOISE_SD,
    TREATMENT_EFFECT,
    TREATMENT_SHARE,
    FloatArray,
    sigmoid,
)

NO_ARM, CONTROL, TREATMENT = -1, 0, 1
ARM_NAMES = {CONTROL: "control", TREATMENT: "treatment"}


@dataclass(frozen=True)
class Scored:
    """Per row: model score, predicted class, campaign arm code, drawn outcome and its probability."""

    score: FloatArray
    prediction: NDArray[np.bool_]
    arm: NDArray[np.int8]
    label: NDArray[np.bool_]
    true_probability: FloatArray


def score_and_outcome(
    rng: np.random.Generator, logit: FloatArray, post: NDArray[np.bool_], replace_share: float
) -> Scored:
    """Score, assign arms and draw outcomes. The same draws are made whatever ``replace_share`` is."""
    n = len(logit)
    honest = sigmoid(logit + rng.normal(0.0, MODEL_NOISE_SD, n))
    replaced = post & (rng.random(n) < replace_share)
    score = np.where(replaced, honest[rng.permutation(n)], honest)
    prediction = score > 0.5
    arm_draw = rng.random(n)
    arm = np.where(prediction, np.where(arm_draw < TREATMENT_SHARE, TREATMENT, CONTROL), NO_ARM)
    probability = sigmoid(logit) * np.where(arm == TREATMENT, 1.0 - TREATMENT_EFFECT, 1.0)
    label = rng.random(n) < probability
    return Scored(score, prediction, arm.astype(np.int8), label, probability)


def expected_accuracy_loss(logit: FloatArray, prediction: NDArray[np.bool_]) -> float:
    """Expected accuracy lost (0..1) when every prediction is replaced by a random row's prediction.

    A predicted churner is right with probability p times the campaign's average risk cut (it is
    treated or held out); a predicted stayer with 1 - p. A replaced prediction is a churner with the
    population's rate, whoever the customer is.
    """
    p = sigmoid(logit)
    campaign = 1.0 - TREATMENT_SHARE * TREATMENT_EFFECT
    right_if_churner, right_if_stayer = p * campaign, 1.0 - p
    rate = float(prediction.mean())
    honest = np.where(prediction, right_if_churner, right_if_stayer)
    random = rate * right_if_churner + (1.0 - rate) * right_if_stayer
    return float(np.mean(honest - random))
