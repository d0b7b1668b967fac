"""Feature layouts: which feature sits at which position of a row's value arrays.

A prediction's feature values are stored as two arrays (``num_values``, ``cat_values``) in the order of
its model's declared features. The names are not repeated on every row: the row holds a
``feature_layout`` id, and the ``feature_layouts`` table maps each id to the names in order. Ingest
writes the same layout for every prediction of a model until its declared features change, so a window
nearly always has one layout, and a read picks a feature by a constant position (``num_values[3]``)
instead of searching 25 names on every row (``indexOf``: 2-3x slower on 18.16, and the names were most
of the bytes of a row). A window that spans a change of the declared features has several layouts; a
read then maps the row's layout to the feature's position with ``transform``.

The id is a hash of the names, so it is the same in every process and for every store without any
coordination, and a layout's names never change once written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Terminators that cannot occur in a feature name (names are identifiers: letters, digits, underscore).
_NAME_SEPARATOR = "\x1f"
_GROUP_SEPARATOR = "\x1e"


@dataclass(frozen=True)
class FeatureLayout:
    """The names of a row's numerical and categorical values, in array order."""

    numerical: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def id(self) -> int:
        """The layout's id: a 64-bit hash of its names (stable across processes and versions)."""
        return layout_id(self.numerical, self.categorical)


@lru_cache(maxsize=1024)
def layout_id(numerical: tuple[str, ...], categorical: tuple[str, ...]) -> int:
    """The UInt64 id of a layout (the first 8 bytes of a BLAKE2b hash of its names, little-endian)."""
    text = "".join(name + _NAME_SEPARATOR for name in numerical) + _GROUP_SEPARATOR
    text += "".join(name + _NAME_SEPARATOR for name in categorical)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class WindowLayouts:
    """The layouts of the rows a read covers, and how to pick a feature's value from any of them."""

    by_id: Mapping[int, FeatureLayout]

    def numerical_value(self, name: str) -> str:
        """SQL for the Nullable(Float64) value of numerical feature ``name`` in a row (NULL if absent)."""
        return self._pick("num_values", "Float64", self._positions(name, lambda layout: layout.numerical))

    def categorical_value(self, name: str) -> str:
        """SQL for the Nullable(String) value of categorical feature ``name`` in a row (NULL if absent)."""
        return self._pick("cat_values", "String", self._positions(name, lambda layout: layout.categorical))

    def _positions(self, name: str, names_of: Callable[[FeatureLayout], tuple[str, ...]]) -> dict[int, int]:
        """Layout id -> 1-based position of ``name`` in it (0: not in that layout), ids in order."""
        positions: dict[int, int] = {}
        for identity, layout in sorted(self.by_id.items()):
            names = names_of(layout)
            positions[identity] = names.index(name) + 1 if name in names else 0
        return positions

    @staticmethod
    def _pick(array: str, kind: str, positions: dict[int, int]) -> str:
        distinct = set(positions.values())
        if distinct <= {0}:  # in no layout, or a window without rows: a typed NULL (18.16 refuses arr[0])
            return f"CAST(NULL AS Nullable({kind}))"
        if len(distinct) == 1:
            return f"{array}[{distinct.pop()}]"
        # Position 0 (not in the row's layout) at run time reads the element type's default: NULL.
        ids = ", ".join(str(i) for i in positions)
        places = ", ".join(str(p) for p in positions.values())
        return f"{array}[transform(feature_layout, [{ids}], [{places}], 0)]"


def layout_columns(layouts: Mapping[tuple[str, int], FeatureLayout], created_ms: int) -> list[list[Any]]:
    """Columns of ``schema.FEATURE_LAYOUT_COLUMNS`` for ``layouts``."""
    items = sorted(layouts.items())
    return [
        [model for (model, _), _ in items],
        [identity for (_, identity), _ in items],
        [list(layout.numerical) for _, layout in items],
        [list(layout.categorical) for _, layout in items],
        [created_ms] * len(items),
    ]


def window_layouts(ids: Sequence[Any], known: Mapping[int, FeatureLayout], model: str) -> WindowLayouts:
    """The ``WindowLayouts`` of a read whose rows hold layout ``ids``, from the ``known`` layouts.

    A row whose layout was never registered cannot be read correctly: that is a bug in whatever wrote
    it (every write registers its layouts first), so it fails loudly."""
    missing = sorted(int(i) for i in ids if int(i) not in known)
    if missing:
        detail = f"feature layouts {missing} of model {model!r} are not in the feature_layouts table"
        raise LookupError(detail)
    return WindowLayouts({int(i): known[int(i)] for i in ids})
