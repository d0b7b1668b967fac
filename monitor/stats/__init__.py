"""Pure drift statistics: Evidently 0.7.23's stattests re-implemented on numpy arrays, plus guards.

No I/O and no Evidently import (it takes seconds and hundreds of MB); tests pin the numbers against
Evidently itself. Entry points: ``registry.get_method(name)`` for a method by its Evidently name,
the ``*_from_counts`` forms for counts computed in the store (with ``binning.sturges_edges`` giving
Evidently's bin edges), and ``guards.run_guarded`` for dirty or small windows.
"""

from monitor.stats.guards import run_guarded
from monitor.stats.registry import REGISTRY, get_method, method_names
from monitor.stats.result import ColumnType, DriftResult, Rule

__all__ = ["REGISTRY", "ColumnType", "DriftResult", "Rule", "get_method", "method_names", "run_guarded"]
