"""Traffic simulator: a churn-like binary classifier world, with drift injected at a known index.

Pure (no I/O, seeded numpy generators, injected start time). Two views of the same rows:

- ``generate(scenario, features)``: every prediction and outcome message (JSON bytes, key, event
  time) in event-time order, with late, duplicated, missing, optionally early outcomes and
  deliberately broken messages: what ``monitor simulate`` sends to Kafka.
- ``sample_frame(scenario, n)``: the same predictions as a pandas DataFrame (features, score,
  prediction, label, arm, ...) for drift benchmarks that need no Kafka.

``check_scenario`` lists what is wrong with a scenario for a model's features before generating.
"""

from monitor.simulation.checks import Problem, check_scenario
from monitor.simulation.drift import feature_sd, quality_drop_limit
from monitor.simulation.sampling import CHURN_FEATURES, sample_frame
from monitor.simulation.scenario import (
    DEFAULT_START_MS,
    CategoryShift,
    FeatureNames,
    Scenario,
    parse_category_shifts,
)
from monitor.simulation.stream import CAMPAIGN_ID, SimEvent, generate

__all__ = [
    "CAMPAIGN_ID",
    "CHURN_FEATURES",
    "DEFAULT_START_MS",
    "CategoryShift",
    "FeatureNames",
    "Problem",
    "Scenario",
    "SimEvent",
    "check_scenario",
    "feature_sd",
    "generate",
    "parse_category_shifts",
    "quality_drop_limit",
    "sample_frame",
]
