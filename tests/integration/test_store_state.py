"""The router's key-value state on both stores and the in-memory twin: newest version wins, deletes hide,
namespaces stay apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alerts.persist import MemoryStateStore, StateStore
from connectors.store.factory import open_store


@pytest.fixture(params=[pytest.param("clickhouse", marks=pytest.mark.integration), "chdb", "memory"])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    opened = open_store(request.getfixturevalue(f"{request.param}_url"))
    opened.ensure_schema()
    yield opened
    opened.close()


def test_newest_version_of_each_key_wins(store: StateStore) -> None:
    assert store.load_state("rules") == {}
    store.save_state("rules", {"a": '{"n": 1}', "b": '{"n": 1}'}, version=10)
    store.save_state("rules", {"a": '{"n": 2}'}, version=11)
    store.save_state("rules", {"b": '{"n": 0}'}, version=5)  # older than what is stored: ignored
    assert store.load_state("rules") == {"a": '{"n": 2}', "b": '{"n": 1}'}


def test_none_deletes_and_a_later_save_revives(store: StateStore) -> None:
    store.save_state("log", {"g1": "x", "g2": "y"}, version=1)
    store.save_state("log", {"g1": None}, version=2)
    assert store.load_state("log") == {"g2": "y"}
    store.save_state("log", {"g1": "z"}, version=3)
    assert store.load_state("log") == {"g1": "z", "g2": "y"}


def test_namespaces_are_separate_and_empty_saves_are_no_ops(store: StateStore) -> None:
    store.save_state("silences", {"s1": "{}"}, version=1)
    store.save_state("slack", {}, version=2)
    assert store.load_state("silences") == {"s1": "{}"}
    assert store.load_state("slack") == {}
