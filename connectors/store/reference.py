"""A reference set (e.g. the training data, read from a file) as columnar insert data for
``schema.REFERENCE_COLUMNS``, with the conventions ingest uses for predictions:

- columns ``prediction``, ``score``, ``label`` and, if present, ``prediction_id`` and ``timestamp``
  (datetimes, or epoch milliseconds) are what their names say; every other column is a feature;
- a feature column of a numeric dtype (not bool) is numerical: floats, and NaN or infinity become NULL
  (as ingest nulls non-finite values); any other column is categorical: text, with booleans as
  ``true``/``false`` and whole numbers without a decimal point (``3.0`` -> ``"3"``), missing -> NULL;
- a prediction or label becomes text as a categorical value does, and a number also fills
  ``prediction_value`` / ``label_value`` (``2.5`` -> ``"2.5"`` and 2.5), as ingest's class or value.

Rows without a ``prediction_id`` column get their row number as id (what the sample hashes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from connectors.store.columns import Columns
from connectors.store.layouts import FeatureLayout
from connectors.store.sql import identifier

RESERVED = ("prediction_id", "timestamp", "prediction", "score", "label")


def is_numerical(column: pd.Series) -> bool:
    """Whether a feature column is numerical (a numeric dtype other than bool)."""
    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def reference_layout(frame: pd.DataFrame) -> FeatureLayout:
    """The layout of a reference set's rows: its feature columns, numerical then categorical."""
    features = [str(name) for name in frame.columns if name not in RESERVED]
    for name in features:
        identifier(name)  # a name no read could select is refused now, not silently kept
    return FeatureLayout(
        numerical=tuple(name for name in features if is_numerical(frame[name])),
        categorical=tuple(name for name in features if not is_numerical(frame[name])),
    )


def reference_columns(
    model: str, reference_id: str, version: int, frame: pd.DataFrame, first_row: int = 0
) -> Columns:
    """Columns of ``schema.REFERENCE_COLUMNS`` for ``frame``, numbered from ``first_row``."""
    size = len(frame)
    layout = reference_layout(frame)
    numerical, categorical = layout.numerical, layout.categorical
    prediction, prediction_value = _classes(frame, "prediction")
    label, label_value = _classes(frame, "label")
    numbers = range(first_row, first_row + size)
    ids = [str(v) for v in frame["prediction_id"]] if "prediction_id" in frame else [str(i) for i in numbers]
    nothing: list[Any] = [None] * size
    return [
        [model] * size,
        [reference_id] * size,
        [version] * size,
        list(numbers),
        ids,
        [""] * size,  # model_version: unknown for a file
        _timestamps(frame["timestamp"]) if "timestamp" in frame else nothing,
        [layout.id] * size,
        _rows([floats(frame[name]) for name in numerical], size),
        _rows([[text(v) for v in frame[name]] for name in categorical], size),
        prediction,
        prediction_value,
        floats(frame["score"]) if "score" in frame else nothing,
        nothing,  # campaign_id
        nothing,  # campaign_arm
        label,
        label_value,
    ]


def floats(column: pd.Series) -> list[float | None]:
    """Finite values as floats, anything else (NaN, infinity, missing) as None."""
    values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values).tolist()
    return [value if ok else None for value, ok in zip(values.tolist(), finite, strict=True)]


def text(value: Any) -> str | None:
    """A categorical value as text, ingest's way; None when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    return value if isinstance(value, str) else str(value)


def number(value: Any) -> float | None:
    """The numeric value of a prediction or label (None for text and missing values)."""
    if isinstance(value, bool | np.bool_ | int | np.integer | float | np.floating):
        result = float(value)
        return result if math.isfinite(result) else None
    return None


def _classes(frame: pd.DataFrame, name: str) -> tuple[list[str | None], list[float | None]]:
    if name not in frame:
        return [None] * len(frame), [None] * len(frame)
    values = frame[name].tolist()
    return [text(v) for v in values], [number(v) for v in values]


def _timestamps(column: pd.Series) -> list[int | None]:
    if pd.api.types.is_numeric_dtype(column):
        moments = pd.to_datetime(column, unit="ms", utc=True)
    else:
        moments = pd.to_datetime(column, utc=True)
    millis = pd.DatetimeIndex(moments).as_unit("ms").asi8  # NaT becomes a sentinel: masked below
    missing = moments.isna().to_numpy()
    return [None if gone else int(ms) for ms, gone in zip(millis, missing, strict=True)]


def _rows(columns: list[list[Any]], size: int) -> list[list[Any]]:
    """Per-column lists turned into one list per row (the Array column of each row)."""
    matrix = np.empty((size, len(columns)), dtype=object)
    for position, values in enumerate(columns):
        matrix[:, position] = values
    rows: list[list[Any]] = matrix.tolist()
    return rows
