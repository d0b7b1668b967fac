"""Simulated churn traffic with campaign arms, parsed like the ingest does: shared by the campaign tests."""

from __future__ import annotations

from monitor.config_model import Config
from monitor.events import Outcome, Prediction
from monitor.parsing import ParseLimits, parse_outcome, parse_prediction
from monitor.simulation import Scenario, generate
from tests.integration.job_data import HOUR, START


def simulate(config: Config) -> tuple[list[Prediction], list[Outcome]]:
    """A day and a half of churn traffic with campaign arms, outcomes an hour later."""
    scenario = Scenario(count=6_000, start_ms=START, interval_ms=36 * HOUR / 6_000, outcome_delay_ms=HOUR)
    limits = ParseLimits(max_message_bytes=1 << 20, max_future_ms=10**12)
    predictions, outcomes = [], []
    for event in generate(scenario, config.models["churn"].features):
        if event.kind == "predictions":
            predictions.append(parse_prediction(event.value, config.models, START + 50 * HOUR, limits))
        else:
            outcomes.append(parse_outcome(event.value, config.models, START + 50 * HOUR, limits))
    return predictions, outcomes
