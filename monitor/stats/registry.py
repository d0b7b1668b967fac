"""Drift methods by name: Evidently's stattest names, plus ``psi_quantile`` (ours, not Evidently-equal).

Each entry says which column types it accepts, its default threshold, and its verdict rule (distance
above a threshold, or p-value below one), like Evidently's ``stattests/registry.py``. Lookup errors list
the valid names. Evidently stattests left out: ``g_test`` (with scipy >= 1.9 it raises unless both
windows have the same size, since Evidently does not rescale the expected counts), ``TVD`` (a 1000-round
permutation test), ``anderson``, ``cramer_von_mises``, ``epps_singleton``, ``fisher_exact``, ``mmd`` and
the text-content tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import numpy.typing as npt

from monitor.stats import categorical, distances, numeric, robust
from monitor.stats.result import ColumnType, DriftResult, MethodInfo, Rule


class DriftFunc(Protocol):
    """A method bound to one column type: ``(reference, current, threshold=None) -> DriftResult``."""

    def __call__(
        self, reference: npt.ArrayLike, current: npt.ArrayLike, *, threshold: float | None = None
    ) -> DriftResult: ...


class CountsFunc(Protocol):
    """A method's form on two aligned count vectors over the same bins."""

    def __call__(
        self,
        reference_counts: npt.ArrayLike,
        current_counts: npt.ArrayLike,
        *,
        threshold: float | None = None,
    ) -> DriftResult: ...


class UnknownMethodError(ValueError):
    """The name is not registered; the message lists every valid name."""


class ColumnTypeNotAllowedError(ValueError):
    """The method exists but does not accept this column type; the message lists the ones it does."""


@dataclass(frozen=True, slots=True)
class DriftMethod:
    """A registered method: metadata, one function per allowed column type, optional counts form."""

    info: MethodInfo
    funcs: Mapping[ColumnType, DriftFunc]
    from_counts: CountsFunc | None = None

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def column_types(self) -> tuple[ColumnType, ...]:
        return self.info.column_types

    @property
    def default_threshold(self) -> float:
        return self.info.default_threshold

    @property
    def rule(self) -> Rule:
        return self.info.rule

    def __call__(
        self,
        reference: npt.ArrayLike,
        current: npt.ArrayLike,
        *,
        column_type: ColumnType,
        threshold: float | None = None,
    ) -> DriftResult:
        """Run the method on clean samples (no NaN/inf/None; see ``guards`` for dirty data)."""
        func = self.funcs.get(ColumnType(column_type))
        if func is None:
            allowed = ", ".join(t.value for t in self.column_types)
            raise ColumnTypeNotAllowedError(
                f"drift method {self.name!r} does not accept {ColumnType(column_type).value!r} columns "
                f"(allowed: {allowed})"
            )
        return func(reference, current, threshold=threshold)


def _one(info: MethodInfo, func: DriftFunc, from_counts: CountsFunc | None = None) -> DriftMethod:
    (column_type,) = info.column_types
    return DriftMethod(info, {column_type: func}, from_counts)


def _typed(info: MethodInfo, func: Callable[..., DriftResult], from_counts: CountsFunc) -> DriftMethod:
    # numerical and categorical bin differently: bind the column type once per allowed type
    funcs = {t: partial(func, column_type=t) for t in info.column_types}
    return DriftMethod(info, funcs, from_counts)


_METHODS = (
    _typed(distances.PSI, distances.psi, distances.psi_from_counts),
    _typed(distances.KL_DIV, distances.kl_div, distances.kl_div_from_counts),
    _typed(distances.JENSENSHANNON, distances.jensenshannon, distances.jensenshannon_from_counts),
    _typed(distances.HELLINGER, distances.hellinger, distances.hellinger_from_counts),
    _one(numeric.KS, numeric.ks),
    _one(numeric.WASSERSTEIN, numeric.wasserstein),
    _one(numeric.ENERGY, numeric.energy_distance),
    _one(numeric.T_TEST, numeric.t_test),
    _one(numeric.MANN_WHITNEY, numeric.mann_whitney),
    _one(categorical.CHISQUARE, categorical.chisquare, categorical.chisquare_from_counts),
    _one(categorical.Z, categorical.z),
    _one(robust.PSI_QUANTILE, robust.psi_quantile, robust.psi_quantile_from_counts),
)
REGISTRY: Mapping[str, DriftMethod] = {method.name: method for method in _METHODS}


def method_names(column_type: ColumnType | None = None) -> tuple[str, ...]:
    """Registered names, optionally only those accepting ``column_type``."""
    return tuple(n for n, m in REGISTRY.items() if column_type is None or column_type in m.column_types)


def get_method(name: str, column_type: ColumnType | None = None) -> DriftMethod:
    """The method called ``name``; with ``column_type``, also check the method accepts it."""
    method = REGISTRY.get(name)
    if method is None:
        raise UnknownMethodError(f"unknown drift method {name!r}; valid names: {', '.join(REGISTRY)}")
    if column_type is not None and ColumnType(column_type) not in method.column_types:
        valid = ", ".join(method_names(ColumnType(column_type)))
        raise ColumnTypeNotAllowedError(
            f"drift method {name!r} does not accept {ColumnType(column_type).value!r} columns; "
            f"methods that do: {valid}"
        )
    return method
