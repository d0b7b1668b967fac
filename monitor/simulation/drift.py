"""Turn a scenario's requested changes into world parameters, and check that they make sense.

Feature names the churn world does not know (another model's features) are simulated generically:
numerical ones as N(50, 10), categorical ones as A/B/C with shares 50/30/20.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from monitor.simulation.model import expected_accuracy_loss, score_and_outcome
from monitor.simulation.scenario import CategoryShift, Scenario
from monitor.simulation.world import CATEGORICAL, NO_CHANGE, NUMERICAL, WorldChange, draw_population

GENERIC_MEAN, GENERIC_SD = 50.0, 10.0
GENERIC_CATEGORIES: tuple[tuple[str, ...], tuple[float, ...]] = (("A", "B", "C"), (0.5, 0.3, 0.2))

_CALIBRATION_ROWS = 50_000
_CALIBRATION_SEED = 20_240_601  # fixed: the calibration must not depend on the scenario's seed


def categories(feature: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Values of a categorical feature and their shares before any change."""
    return CATEGORICAL.get(feature, GENERIC_CATEGORIES)


@lru_cache(maxsize=1)
def reference_sd() -> dict[str, float]:
    """Standard deviation of each churn-world numerical feature in the undrifted world."""
    rng = np.random.default_rng(_CALIBRATION_SEED)
    population = draw_population(rng, np.zeros(_CALIBRATION_ROWS, dtype=bool), NO_CHANGE)
    return {name: float(np.nanstd(values)) for name, values in population.numerical.items()}


def feature_sd(feature: str) -> float:
    """The unit of ``shift_sd`` for ``feature``."""
    return reference_sd().get(feature, GENERIC_SD)


def shifted_shares(shares: tuple[float, ...], index: int, points: float) -> tuple[float, ...]:
    """``shares`` with ``shares[index]`` raised by ``points`` / 100 and the rest rescaled to sum to 1."""
    target = shares[index] + points / 100.0
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"the new share would be {100 * target:.1f} %, outside 0..100 %")
    rest = 1.0 - shares[index]
    scale = (1.0 - target) / rest if rest > 0 else 0.0
    return tuple(target if i == index else s * scale for i, s in enumerate(shares))


ChangeKey = tuple[tuple[str, ...], float, tuple[CategoryShift, ...]]


def change_key(scenario: Scenario) -> ChangeKey:
    """The scenario fields that define how the world changes at the drift."""
    return (scenario.shift_features, scenario.shift_sd, scenario.category_shift)


def change_for(key: ChangeKey) -> tuple[dict[str, tuple[float, ...]], dict[str, float]]:
    """Post-drift category shares and additive mean offsets, for every feature (world or generic)."""
    shift_features, shift_sd, shifts = key
    shares: dict[str, tuple[float, ...]] = {}
    for shift in shifts:
        values, base = categories(shift.feature)
        current = shares.get(shift.feature, base)
        shares[shift.feature] = shifted_shares(current, values.index(shift.category), shift.points)
    offsets = {name: shift_sd * feature_sd(name) for name in shift_features}
    return shares, offsets


def world_change(key: ChangeKey) -> WorldChange:
    """The part of the changes that the churn world applies itself (its own features)."""
    shares, offsets = change_for(key)
    return WorldChange(
        shares={k: v for k, v in shares.items() if k in CATEGORICAL},
        offsets={k: v for k, v in offsets.items() if k in NUMERICAL},
    )


@lru_cache(maxsize=32)
def max_quality_drop(key: ChangeKey) -> float:
    """Accuracy points lost if every post-drift score were a random customer's (the largest drop)."""
    rng = np.random.default_rng(_CALIBRATION_SEED)
    post = np.ones(_CALIBRATION_ROWS, dtype=bool)
    population = draw_population(rng, post, world_change(key))
    scored = score_and_outcome(rng, population.true_logit, post, 0.0)
    return 100.0 * expected_accuracy_loss(population.true_logit, scored.prediction)


def quality_drop_limit(scenario: Scenario) -> float:
    """The largest ``quality_drop`` (accuracy points) the scenario's post-drift world allows."""
    return max_quality_drop(change_key(scenario))


def replace_share(scenario: Scenario) -> float:
    """Share of post-drift rows whose score is replaced, so that accuracy falls by ``quality_drop``."""
    if scenario.quality_drop <= 0:
        return 0.0
    return min(1.0, scenario.quality_drop / max_quality_drop(change_key(scenario)))
