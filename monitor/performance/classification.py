"""Classification metrics on numpy arrays, equal to scikit-learn 1.9's on the same inputs.

No sklearn at run time (tests pin the numbers against it). Inputs are clean: no missing labels,
predictions or scores (``window.py`` drops and counts those), and the guards there make sure both
classes are present before a class-dependent metric is computed. Conventions, as in sklearn:

* A ratio with a zero denominator (precision of a class never predicted, recall of a class never seen)
  is 0, like ``zero_division=0``: a class the model stopped predicting is a failure worth showing.
* Macro averages are the unweighted mean of the per-class values over ``classes``; the caller passes
  the classes seen in the labels, so a predicted class the labels never hold only counts as a miss
  (sklearn would add it to the average as a class with precision and recall 0).
* ROC AUC gives tied scores half credit (average ranks), which is what sklearn's trapezoidal
  ``roc_auc_score`` gives. Log loss clips probabilities to ``[eps, 1 - eps]`` with ``eps`` the float64
  machine epsilon (2.2e-16), as sklearn >= 1.5 does (older versions used 1e-15).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.object_] | npt.NDArray[np.str_]

# sklearn's log_loss clips with the machine epsilon of the probabilities' dtype (float64 here).
LOG_LOSS_EPS = float(np.finfo(np.float64).eps)


class Confusion(NamedTuple):
    """Binary confusion counts. The counts form of precision/recall/F1: SQL can produce them (countIf)."""

    tp: int
    fp: int
    fn: int
    tn: int


class PRF(NamedTuple):
    """Precision, recall and F1."""

    precision: float
    recall: float
    f1: float


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0  # sklearn's zero_division=0


def accuracy(y_true: Labels, y_pred: Labels) -> float:
    """Share of rows whose predicted class equals the label."""
    return float(np.mean(y_true == y_pred))


def confusion(is_positive: BoolArray, predicted_positive: BoolArray) -> Confusion:
    """Confusion counts of one class against the rest."""
    tp = int(np.count_nonzero(is_positive & predicted_positive))
    fp = int(np.count_nonzero(~is_positive & predicted_positive))
    fn = int(np.count_nonzero(is_positive & ~predicted_positive))
    return Confusion(tp, fp, fn, int(is_positive.size) - tp - fp - fn)


def prf_from_counts(counts: Confusion) -> PRF:
    """Binary precision, recall and F1 from confusion counts (0 where a denominator is 0)."""
    tp, fp, fn, _ = counts
    # F1 as 2tp / (2tp + fp + fn), sklearn's form: it is 0 (not undefined) when precision is 0/0
    return PRF(_ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn))


def macro_prf(y_true: Labels, y_pred: Labels, classes: Sequence[str]) -> PRF:
    """Unweighted means over ``classes`` of the per-class (one-vs-rest) precision, recall and F1."""
    per_class = [prf_from_counts(confusion(y_true == c, y_pred == c)) for c in classes]
    means = np.mean(np.array(per_class, dtype=np.float64), axis=0)
    return PRF(float(means[0]), float(means[1]), float(means[2]))


def roc_auc(is_positive: BoolArray, scores: FloatArray) -> float:
    """Area under the ROC curve: the Mann-Whitney U of positives vs negatives over n_pos * n_neg.

    Needs at least one positive and one negative (undefined otherwise; the caller guards).
    """
    n_pos = int(np.count_nonzero(is_positive))
    n_neg = int(is_positive.size) - n_pos
    ranks = rankdata(scores)  # ties get their average rank: half credit, like sklearn's trapezoids
    u = float(np.sum(ranks[is_positive])) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def log_loss(is_positive: BoolArray, scores: FloatArray) -> float:
    """Mean negative log-likelihood of the labels under the positive-class probabilities ``scores``."""
    # sklearn builds the columns [1 - p, p] and clips each; doing the same keeps p = 0 and p = 1 equal.
    p_true = np.where(is_positive, scores, 1.0 - scores)
    return float(-np.mean(np.log(np.clip(p_true, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS))))
