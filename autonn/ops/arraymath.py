"""The math namespace on numpy arrays: what the compiler's rules call as ``m``.

The same names as :mod:`.floatmath`, each a numpy function on whole arrays
(one row per node, one column per sample), so one rule gives the eager
number and the compiled array.  Any other name is an op of the registry,
applied to arrays with its own forward.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from .op import Op

#: What the functions here take and give: numpy arrays, or numpy scalars where a rule reduces one.
Array = Any

__all__ = ["ARRAY_MATH", "ArrayMath", "registry_op"]

#: Up to this many elements, one numpy call costs less than the work it does.
_SMALL = 1024

_erf = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; math's, element by element, gives eager's exact numbers


class ArrayMath:
    """Elementary functions, comparisons and selection on numpy arrays (IEEE 754 throughout)."""

    name = "array"
    builds_graph = False  # its rules give numbers (see Op.pullback)
    ops: Mapping[str, Op] = {}  # the op registry, installed by autonn.ops

    exp: staticmethod[..., Array] = staticmethod(np.exp)
    log: staticmethod[..., Array] = staticmethod(np.log)
    log1p: staticmethod[..., Array] = staticmethod(np.log1p)
    expm1: staticmethod[..., Array] = staticmethod(np.expm1)
    log2: staticmethod[..., Array] = staticmethod(np.log2)
    log10: staticmethod[..., Array] = staticmethod(np.log10)
    sqrt: staticmethod[..., Array] = staticmethod(np.sqrt)
    sin: staticmethod[..., Array] = staticmethod(np.sin)
    cos: staticmethod[..., Array] = staticmethod(np.cos)
    tan: staticmethod[..., Array] = staticmethod(np.tan)
    asin: staticmethod[..., Array] = staticmethod(np.arcsin)
    acos: staticmethod[..., Array] = staticmethod(np.arccos)
    atan: staticmethod[..., Array] = staticmethod(np.arctan)
    sinh: staticmethod[..., Array] = staticmethod(np.sinh)
    cosh: staticmethod[..., Array] = staticmethod(np.cosh)
    tanh: staticmethod[..., Array] = staticmethod(np.tanh)
    abs: staticmethod[..., Array] = staticmethod(np.abs)
    gt: staticmethod[..., Array] = staticmethod(np.greater)
    ge: staticmethod[..., Array] = staticmethod(np.greater_equal)
    lt: staticmethod[..., Array] = staticmethod(np.less)
    le: staticmethod[..., Array] = staticmethod(np.less_equal)
    eq: staticmethod[..., Array] = staticmethod(np.equal)
    ne: staticmethod[..., Array] = staticmethod(np.not_equal)
    isnan: staticmethod[..., Array] = staticmethod(np.isnan)
    where: staticmethod[..., Array] = staticmethod(np.where)
    maximum: staticmethod[..., Array] = staticmethod(np.maximum)
    minimum: staticmethod[..., Array] = staticmethod(np.minimum)

    pow: staticmethod[..., Array] = staticmethod(np.power)

    @staticmethod
    def select(mask: Array, value: Array) -> Array:
        """``value`` where ``mask`` is not 0, else 0 (the rows a piecewise rule does not select).

        A piecewise rule's ``value`` is ``g * slope``, already 0 where the slope
        is, unless an inf or nan met that 0: only then (its sum is not finite,
        one cheap pass) are the rows chosen, which costs ten times as much."""
        total = np.sum(value)
        if total - total == 0.0:
            return value
        return np.where(np.not_equal(mask, 0.0), value, 0.0)

    @staticmethod
    def erf(a: Array) -> Array:
        return np.asarray(_erf(a), dtype=float)

    @staticmethod
    def fractional(a: Array) -> Array:
        """True where ``a`` is finite and not a whole number."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(a) & (a != np.floor(a))

    @staticmethod
    def step(a: Array) -> Array:
        """Heaviside step: 1 for a > 0, 0 for a <= 0, nan for nan.

        relu's rule runs this on every batch.  np.heaviside is one call, the
        cheapest on small arrays, but about four times slower per element than
        a comparison and a copy of the nans, which large arrays get instead
        (the same numbers: tests compare the two on every kind of number)."""
        if type(a) is not np.ndarray:
            a = np.asarray(a)
        if a.size <= _SMALL:
            return np.heaviside(a, 0.0)
        out = np.asarray(np.greater(a, 0.0), dtype=a.dtype if a.dtype.kind == "f" else float)  # float32 stays float32
        np.copyto(out, a, where=np.isnan(a))
        return out

    @staticmethod
    def sign(a: Array) -> Array:
        """sign(a): 1, -1, 0 at 0, nan for nan (numpy's sign)."""
        return np.sign(a) * 1.0

    def __getattr__(self, name: str) -> Callable[..., Array]:
        return registry_op(self, name, lambda forward: np.vectorize(forward, otypes=[float]))


def registry_op(namespace: Any, name: str, per_element: Callable[[Callable[..., Any]], Callable[..., Any]]
                ) -> Callable[..., Any]:
    """The op ``name`` of the registry on the namespace's arrays: its own forward with
    ``m=namespace``, or ``per_element(forward)`` for a forward written for floats only."""
    op = namespace.ops.get(name)
    if op is None:
        raise AttributeError(f"the {namespace.name} math namespace has no function or op {name!r}")
    forward = op.forward
    if op.vectorized:
        return lambda *xs: forward(*xs, m=namespace)
    return per_element(forward)


ARRAY_MATH = ArrayMath()
