"""Evidently, imported once per test session, as the reference the drift methods are pinned against.

Importing evidently takes several seconds, so it happens here, lazily and once, never in production
code. Without the ``drift`` extra installed the pinning tests are skipped (and reported by ``-ra``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.stats import ColumnType

EvidentlyRunner = Callable[..., Any]


@pytest.fixture(scope="session")
def evidently() -> EvidentlyRunner:
    """``evidently(name, reference, current, column_type, threshold=None)`` -> Evidently's StatTestResult."""
    pytest.importorskip("evidently")
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType as EvColumnType

    kinds = {ColumnType.NUMERICAL: EvColumnType.Numerical, ColumnType.CATEGORICAL: EvColumnType.Categorical}

    def run(
        name: str, reference: Any, current: Any, column_type: ColumnType, threshold: float | None = None
    ) -> Any:
        kind = kinds[column_type]
        stattest = get_registered_stattest(name, kind)
        # copies: Evidently's hellinger drops NaN in place
        return stattest(pd.Series(np.array(reference)), pd.Series(np.array(current)), kind, threshold)

    return run


@pytest.fixture(scope="session")
def evidently_stattest() -> Callable[[str], Any]:
    """``evidently_stattest(name)`` -> Evidently's registered ``StatTest`` (types, default threshold)."""
    pytest.importorskip("evidently")
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType as EvColumnType

    def find(name: str) -> Any:
        for kind in (EvColumnType.Numerical, EvColumnType.Categorical):
            try:
                return get_registered_stattest(name, kind)
            except ValueError:
                continue
        raise LookupError(name)

    return find
