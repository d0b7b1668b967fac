"""Performance decay: classification and regression metrics on matured, labeled predictions,
compared to the reference period. Pure (numpy/scipy, no I/O, no Evidently, no sklearn).

Entry points: ``evaluate_performance`` for a run's frames, ``compare_to_reference`` for one verdict,
and the array-level metrics in ``classification`` / ``regression`` (``prf_from_counts`` takes
confusion counts that SQL can produce).
"""

from monitor.performance.decay import compare_to_reference, decay_limit
from monitor.performance.evaluate import evaluate_performance, resolve_positive_label
from monitor.performance.settings import MetricLimit, PerformanceSettings

__all__ = [
    "MetricLimit",
    "PerformanceSettings",
    "compare_to_reference",
    "decay_limit",
    "evaluate_performance",
    "resolve_positive_label",
]
