"""The registry: names, column types, thresholds and verdict rules, checked against Evidently's."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from monitor.stats import REGISTRY, ColumnType, Rule, get_method, method_names
from monitor.stats.registry import ColumnTypeNotAllowedError, UnknownMethodError

EVIDENTLY_NAMES = ["psi", "kl_div", "jensenshannon", "hellinger", "chisquare", "z"]
EVIDENTLY_NAMES += ["ks", "wasserstein", "ed", "t_test", "mannw"]


def test_registry_holds_evidently_names_plus_psi_quantile() -> None:
    assert set(REGISTRY) == {*EVIDENTLY_NAMES, "psi_quantile"}
    assert [name for name, m in REGISTRY.items() if not m.info.evidently_equal] == ["psi_quantile"]


@pytest.mark.parametrize("name", EVIDENTLY_NAMES)
def test_metadata_matches_evidently(evidently_stattest: Callable[[str], Any], name: str) -> None:
    theirs = evidently_stattest(name)
    ours = REGISTRY[name]
    assert ours.name == theirs.name
    assert ours.default_threshold == theirs.default_threshold
    assert sorted(t.value for t in ours.column_types) == sorted(t.value for t in theirs.allowed_feature_types)


def test_rules_by_kind() -> None:
    p_value_methods = {name for name, m in REGISTRY.items() if m.rule.is_p_value}
    assert p_value_methods == {"ks", "t_test", "mannw", "chisquare", "z"}
    assert REGISTRY["ks"].rule is Rule.P_AT_MOST  # Evidently: p <= threshold
    assert REGISTRY["ed"].rule is Rule.SCORE_ABOVE  # Evidently: distance > threshold (the others >=)


def test_rules_at_and_around_the_threshold() -> None:
    assert Rule.SCORE_AT_LEAST.drifted(0.1, 0.1) and not Rule.SCORE_ABOVE.drifted(0.1, 0.1)
    assert Rule.P_AT_MOST.drifted(0.05, 0.05) and not Rule.P_BELOW.drifted(0.05, 0.05)
    assert all(not rule.drifted(math.nan, 0.05) for rule in Rule)


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(UnknownMethodError) as error:
        get_method("PSI")
    message = str(error.value)
    assert "unknown drift method 'PSI'" in message
    assert all(name in message for name in REGISTRY)


def test_wrong_column_type_names_the_methods_that_fit() -> None:
    with pytest.raises(ColumnTypeNotAllowedError, match=r"'ks' does not accept 'cat'.*chisquare"):
        get_method("ks", ColumnType.CATEGORICAL)
    with pytest.raises(ColumnTypeNotAllowedError, match="allowed: cat"):
        get_method("chisquare")(["a"], ["b"], column_type=ColumnType.NUMERICAL)


def test_method_names_by_column_type() -> None:
    assert set(method_names(ColumnType.CATEGORICAL)) == {
        "psi",
        "kl_div",
        "jensenshannon",
        "hellinger",
        "chisquare",
        "z",
    }
    assert "psi_quantile" in method_names(ColumnType.NUMERICAL)
    assert method_names() == tuple(REGISTRY)


def test_column_type_binds_binning_for_dual_methods() -> None:
    values = np.arange(100.0)  # > 20 distinct values: numerical means Sturges bins, categorical one per value
    numerical = get_method("psi")(values, values + 0.5, column_type=ColumnType.NUMERICAL)
    categorical = get_method("psi")(values, values + 0.5, column_type=ColumnType.CATEGORICAL)
    assert numerical.details["binning"] == "sturges"
    assert categorical.details["binning"] == "values" and categorical.details["n_bins"] == 200


@pytest.mark.parametrize("name", ["psi", "kl_div", "jensenshannon", "hellinger", "chisquare", "psi_quantile"])
def test_counts_forms_are_registered(name: str) -> None:
    from_counts = REGISTRY[name].from_counts
    assert from_counts is not None
    result = from_counts([10, 20, 30], [10, 20, 30])
    assert result.method == name and not result.drifted


def test_importing_the_package_does_not_import_evidently() -> None:
    """Evidently costs seconds and hundreds of MB to import; production code must not pull it in."""
    code = "import sys, monitor.stats; sys.exit('evidently' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
