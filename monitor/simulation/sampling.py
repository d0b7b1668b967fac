"""Columnar draws of whole blocks of predictions: the one code path behind both the Kafka event stream
and ``sample_frame`` (the DataFrame the drift benchmarks use without Kafka).

Rows are drawn in fixed blocks of ``BLOCK_ROWS``, each from its own generator seeded with
``(seed, block number)``: row ``i`` is the same whether 100 or 1 million rows are asked for, and in
the stream and the frame alike.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.simulation.drift import (
    GENERIC_MEAN,
    GENERIC_SD,
    categories,
    change_for,
    change_key,
    replace_share,
    world_change,
)
from monitor.simulation.model import ARM_NAMES, Scored, score_and_outcome
from monitor.simulation.scenario import FeatureLists, FeatureNames, Scenario
from monitor.simulation.world import (
    CATEGORICAL,
    NUMERICAL,
    FloatArray,
    IntArray,
    Population,
    draw_population,
)

BLOCK_ROWS = 8192

# The `segment` of each prediction: where the customer is and how they reach us.
COUNTRIES: tuple[tuple[str, ...], tuple[float, ...]] = (
    ("US", "GB", "DE", "FR", "ES"),
    (0.40, 0.20, 0.15, 0.15, 0.10),
)
CHANNELS: tuple[tuple[str, ...], tuple[float, ...]] = (("web", "app", "store"), (0.50, 0.35, 0.15))

CHURN_FEATURES = FeatureNames(NUMERICAL, tuple(CATEGORICAL))

# Sub-streams of a block's generator seed: adding draws to one never changes the others.
_WORLD, _MODEL, _GENERIC, _SEGMENT = 0, 1, 2, 3


@dataclass(frozen=True)
class Block:
    """Consecutive predictions ``start .. start + len - 1``, column by column.

    Categorical columns hold codes into ``labels[name]``. ``arm`` is -1 (no campaign), 0 (control)
    or 1 (treatment). ``label`` is the real outcome; ``true_probability`` the risk it was drawn from.
    """

    start: int
    timestamp_ms: IntArray
    numerical: dict[str, FloatArray]
    categorical: dict[str, IntArray]
    labels: dict[str, tuple[str, ...]]
    scored: Scored
    country: IntArray
    channel: IntArray

    def __len__(self) -> int:
        return len(self.timestamp_ms)


def block_rng(scenario: Scenario, block_no: int, *stream: int) -> np.random.Generator:
    """The generator of one sub-stream of one block."""
    return np.random.default_rng([scenario.seed, block_no, *stream])


def draw_block(scenario: Scenario, features: FeatureLists, block_no: int, rows: int = BLOCK_ROWS) -> Block:
    """The first ``rows`` rows of block ``block_no`` (all ``BLOCK_ROWS`` are drawn, so a prefix is stable)."""
    index = np.arange(block_no * BLOCK_ROWS, (block_no + 1) * BLOCK_ROWS)
    post = _post_drift(scenario, index)
    key = change_key(scenario)
    population = draw_population(block_rng(scenario, block_no, _WORLD), post, world_change(key))
    scored = score_and_outcome(
        block_rng(scenario, block_no, _MODEL), population.true_logit, post, replace_share(scenario)
    )
    numerical, categorical, labels = _declared(scenario, features, block_no, population, post)
    segments = block_rng(scenario, block_no, _SEGMENT)
    country, channel = _pick(segments, COUNTRIES[1], BLOCK_ROWS), _pick(segments, CHANNELS[1], BLOCK_ROWS)
    cut = slice(0, rows)
    return Block(
        start=int(index[0]),
        timestamp_ms=scenario.start_ms + np.round(index[cut] * scenario.interval_ms).astype(np.int64),
        numerical={k: v[cut] for k, v in numerical.items()},
        categorical={k: v[cut] for k, v in categorical.items()},
        labels=labels,
        scored=Scored(*(np.asarray(column)[cut] for column in vars(scored).values())),
        country=country[cut],
        channel=channel[cut],
    )


def _post_drift(scenario: Scenario, index: IntArray) -> NDArray[np.bool_]:
    if scenario.drift_at is None:
        return np.zeros(len(index), dtype=bool)
    return index >= scenario.drift_at


def _declared(
    scenario: Scenario,
    features: FeatureLists,
    block_no: int,
    population: Population,
    post: NDArray[np.bool_],
) -> tuple[dict[str, FloatArray], dict[str, IntArray], dict[str, tuple[str, ...]]]:
    """Exactly the declared features: the world's own ones, and generic draws for any other name."""
    shares, offsets = change_for(change_key(scenario))
    world_num, world_cat = population.numerical, population.categorical
    numerical: dict[str, FloatArray] = {}
    categorical: dict[str, IntArray] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for name in features.numerical:
        if name in world_num:
            numerical[name] = world_num[name]
        else:
            values = GENERIC_MEAN + GENERIC_SD * _generic_rng(scenario, block_no, name).standard_normal(
                len(post)
            )
            numerical[name] = np.where(post, values + offsets.get(name, 0.0), values)
    for name in features.categorical:
        labels[name] = categories(name)[0]
        if name in world_cat:
            categorical[name] = world_cat[name]
        else:
            u = _generic_rng(scenario, block_no, name).random(len(post))
            base = _codes(u, categories(name)[1])
            categorical[name] = np.where(post, _codes(u, shares[name]), base) if name in shares else base
    return numerical, categorical, labels


def _generic_rng(scenario: Scenario, block_no: int, name: str) -> np.random.Generator:
    return block_rng(scenario, block_no, _GENERIC, zlib.crc32(name.encode()))


def _codes(u: FloatArray, shares: tuple[float, ...]) -> IntArray:
    return np.searchsorted(np.cumsum(shares)[:-1], u, side="right").astype(np.int64)


def _pick(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> IntArray:
    return _codes(rng.random(n), shares)


def iter_blocks(scenario: Scenario, features: FeatureLists, n: int) -> Iterator[Block]:
    """Blocks covering predictions ``0 .. n - 1``."""
    for block_no in range(0, (n + BLOCK_ROWS - 1) // BLOCK_ROWS):
        yield draw_block(scenario, features, block_no, min(BLOCK_ROWS, n - block_no * BLOCK_ROWS))


def sample_frame(
    scenario: Scenario, n: int | None = None, features: FeatureLists | None = None
) -> pd.DataFrame:
    """Predictions ``0 .. n - 1`` (default ``scenario.count``) as a DataFrame, without any JSON or Kafka.

    Columns: ``prediction_id``, ``timestamp_ms``, the declared features (default: the churn world's
    25; NaN where missing, categoricals as pandas categories), ``score``, ``prediction`` and ``label``
    (0/1), ``arm`` ("treatment" / "control" / None), ``true_probability``, ``country``, ``channel``,
    and ``drifted`` (the row is at or after ``drift_at``). The same rows as ``generate`` sends.
    """
    n = scenario.count if n is None else n
    features = features or CHURN_FEATURES
    frames = [_block_frame(scenario, block) for block in iter_blocks(scenario, features, n)]
    if not frames:
        return _block_frame(scenario, draw_block(scenario, features, 0, 0))
    return pd.concat(frames, ignore_index=True)


def _block_frame(scenario: Scenario, block: Block) -> pd.DataFrame:
    index = np.arange(block.start, block.start + len(block))
    columns: dict[str, object] = {
        "prediction_id": [scenario.prediction_id(i) for i in index.tolist()],
        "timestamp_ms": block.timestamp_ms,
    }
    columns.update(block.numerical)
    for name, codes in block.categorical.items():
        columns[name] = pd.Categorical.from_codes(codes, categories=block.labels[name])
    arm_names = np.array([None, ARM_NAMES[0], ARM_NAMES[1]], dtype=object)
    columns.update(
        score=block.scored.score,
        prediction=block.scored.prediction.astype(np.int8),
        label=block.scored.label.astype(np.int8),
        arm=arm_names[block.scored.arm + 1],
        true_probability=block.scored.true_probability,
        country=pd.Categorical.from_codes(block.country, categories=COUNTRIES[0]),
        channel=pd.Categorical.from_codes(block.channel, categories=CHANNELS[0]),
        drifted=_post_drift(scenario, index),
    )
    return pd.DataFrame(columns)
