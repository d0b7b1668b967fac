"""Regression metrics on numpy arrays of finite targets and predictions.

MAE, RMSE and R² equal scikit-learn's. MAPE is ``mean(|y - ŷ| / |y|)`` over the rows with ``y != 0``,
as a fraction (0.1 = 10%), with the excluded rows counted:

* Evidently 0.7.23 divides by ``max(y, eps)``, not ``|y|``, so every negative target is divided by
  2.2e-16 and its MAPE explodes; it also reports percent (x100).
* sklearn divides by ``max(|y|, eps)``: right for negative targets, equal to ours when no target is 0,
  but a single ``y = 0`` row adds ``|ŷ| / 2.2e-16`` (about 1e15) to the mean. Excluding those rows and
  reporting how many keeps the value meaningful; near-zero targets still weigh heavily (that is MAPE).
* R² is undefined when the targets are constant (sklearn then returns 1.0 or 0.0 by convention);
  here that is a reason, not a number.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Mape(NamedTuple):
    """MAPE over the rows with a non-zero target; ``n_zero_targets`` rows were left out."""

    value: float
    n_used: int
    n_zero_targets: int


def mae(y_true: FloatArray, y_pred: FloatArray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true: FloatArray, y_pred: FloatArray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean(np.square(y_true - y_pred))))


def mape(y_true: FloatArray, y_pred: FloatArray) -> Mape:
    """Mean absolute percentage error as a fraction, rows with ``y == 0`` excluded and counted.

    ``value`` is NaN when every target is 0.
    """
    nonzero = y_true != 0
    n_used = int(np.count_nonzero(nonzero))
    if n_used == 0:
        return Mape(float("nan"), 0, int(y_true.size))
    y, p = y_true[nonzero], y_pred[nonzero]
    return Mape(float(np.mean(np.abs(y - p) / np.abs(y))), n_used, int(y_true.size) - n_used)


def r2(y_true: FloatArray, y_pred: FloatArray) -> float:
    """Coefficient of determination; NaN when the targets are constant (undefined)."""
    total = float(np.sum(np.square(y_true - np.mean(y_true))))
    if total == 0.0:
        return float("nan")
    return 1.0 - float(np.sum(np.square(y_true - y_pred))) / total
