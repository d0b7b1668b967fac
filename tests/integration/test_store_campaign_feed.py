"""The campaign feed history on both stores (ClickHouse 18.16 and chDB): rows round-trip exactly,
a period written again is replaced by the newer row, reads are per campaign and period-end range."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict

import pytest

from connectors.store.base import CampaignFeedRow, Store
from connectors.store.factory import open_store

DAY = 86_400_000
T0 = 1_780_000_000_000 // DAY * DAY  # a midnight in 2026


@pytest.fixture(params=[pytest.param("clickhouse", marks=pytest.mark.integration), "chdb"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    opened = open_store(request.getfixturevalue(f"{request.param}_url"))
    opened.ensure_schema()
    yield opened
    opened.close()


def row(end_ms: int, campaign: str = "winback", created_ms: int = 1, **changes: object) -> CampaignFeedRow:
    values: dict[str, object] = {
        "campaign": campaign,
        "period_start_ms": end_ms - 90 * DAY,
        "period_end_ms": end_ms,
        "maturity_cutoff_ms": end_ms - 30 * DAY,
        "model": "churn",
        "inference": "always_valid",
        "alpha": 0.05,
        "n_assigned": 1200,
        "n_matured": 1000,
        "n_treatment": 800,
        "n_control": 200,
        "successes_treatment": 560,
        "successes_control": 120,
        "rate_treatment": 0.7,
        "rate_control": 0.6,
        "absolute_lift": 0.1,
        "absolute_lift_lower": 0.012345678901234567,
        "absolute_lift_upper": 0.19,
        "relative_lift": 1 / 6,
        "relative_lift_lower": 0.02,
        "relative_lift_upper": 0.33,
        "verdict": "treatment_better",
        "conclusive": True,
        "srm_p_value": 0.5,
        "srm_warning": False,
        "warnings": "",
        "summary_json": '{"campaign": "winback", "note": "ünïcode"}',
        "created_ms": created_ms,
    }
    values.update(changes)
    return CampaignFeedRow(**values)  # type: ignore[arg-type]


def test_rows_round_trip_exactly_with_types(store: Store) -> None:
    written = [row(T0), row(T0 + DAY, srm_warning=True, conclusive=False, verdict="inconclusive")]
    store.write_campaign_feed(written)
    read = store.read_campaign_feed("winback", T0, T0 + 2 * DAY)
    assert read == written
    assert all(
        type(v) is type(w)
        for r in read
        for v, w in zip(asdict(r).values(), asdict(written[0]).values(), strict=True)
    )


def test_missing_values_are_nan(store: Store) -> None:
    empty = row(T0, n_matured=0, rate_treatment=math.nan, absolute_lift_lower=math.nan, verdict="no_interval")
    store.write_campaign_feed([empty])
    (read,) = store.read_campaign_feed("winback", T0, T0 + 1)
    assert math.isnan(read.rate_treatment) and math.isnan(read.absolute_lift_lower)
    assert read.verdict == "no_interval" and read.n_matured == 0


def test_a_period_written_again_is_replaced_by_the_newer_row(store: Store) -> None:
    store.write_campaign_feed([row(T0, created_ms=10, n_matured=900)])
    store.write_campaign_feed([row(T0, created_ms=20, n_matured=1000)])
    store.write_campaign_feed([row(T0, created_ms=15, n_matured=950)])  # older than the stored: loses
    store.write_campaign_feed([row(T0, created_ms=20, n_matured=1000)] * 2)  # a replay of the same write
    (read,) = store.read_campaign_feed("winback", 0, T0 + DAY)
    assert (read.created_ms, read.n_matured) == (20, 1000)


def test_reads_are_per_campaign_and_by_period_end_oldest_first(store: Store) -> None:
    store.write_campaign_feed([row(T0 + 2 * DAY), row(T0), row(T0 + DAY), row(T0 + DAY, campaign="spring")])
    assert [r.period_end_ms for r in store.read_campaign_feed("winback", T0, T0 + 3 * DAY)] == [
        T0,
        T0 + DAY,
        T0 + 2 * DAY,
    ]
    assert [r.period_end_ms for r in store.read_campaign_feed("winback", T0 + 1, T0 + 2 * DAY)] == [T0 + DAY]
    assert [r.campaign for r in store.read_campaign_feed("spring", 0, T0 + 9 * DAY)] == ["spring"]
    assert store.read_campaign_feed("nobody", 0, T0 + 9 * DAY) == []


def test_quotes_in_names_and_text_are_kept(store: Store) -> None:
    odd = row(T0, campaign="it's", warnings="a 'quoted' \\ warning", summary_json="{}")
    store.write_campaign_feed([odd])
    assert store.read_campaign_feed("it's", 0, T0 + 1) == [odd]
    store.write_campaign_feed([])  # nothing to write is fine
