"""The math namespace on numpy arrays: what the compiler's rules call as ``m``.

The same names as :mod:`.floatmath`, each a numpy function on whole arrays
(one row per node, one column per sample), so one rule gives the eager
number and the compiled array.  Any other name is an op of the registry,
applied to arrays with its own forward.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ARRAY_MATH", "ArrayMath", "registry_op"]

_erf = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; math's, element by element, gives eager's exact numbers


class ArrayMath:
    """Elementary functions, comparisons and selection on numpy arrays (IEEE 754 throughout)."""

    name = "array"
    ops: dict = {}  # the op registry, installed by autonn.ops.op

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    expm1 = staticmethod(np.expm1)
    log2 = staticmethod(np.log2)
    log10 = staticmethod(np.log10)
    sqrt = staticmethod(np.sqrt)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tan = staticmethod(np.tan)
    asin = staticmethod(np.arcsin)
    acos = staticmethod(np.arccos)
    atan = staticmethod(np.arctan)
    sinh = staticmethod(np.sinh)
    cosh = staticmethod(np.cosh)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    gt = staticmethod(np.greater)
    ge = staticmethod(np.greater_equal)
    lt = staticmethod(np.less)
    le = staticmethod(np.less_equal)
    eq = staticmethod(np.equal)
    ne = staticmethod(np.not_equal)
    isnan = staticmethod(np.isnan)
    where = staticmethod(np.where)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def pow(a, b):
        """a ** b; (-inf) ** b for a positive fraction b is inf, as C99 and Python say (numpy gives nan)."""
        out = np.power(a, b)
        fix = (a == -np.inf) & (b > 0.0) & np.isfinite(b) & (b != np.floor(b))
        return np.where(fix, np.inf, out) if np.any(fix) else out

    @staticmethod
    def erf(a):
        return np.asarray(_erf(a), dtype=float)

    @staticmethod
    def fractional(a):
        """True where ``a`` is finite and not a whole number."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(a) & (a != np.floor(a))

    @staticmethod
    def step(a):
        """Heaviside step: 1 for a > 0, 0 for a <= 0, nan for nan."""
        return np.heaviside(a, 0.0)

    @staticmethod
    def sign(a):
        """sign(a): 1, -1, 0 at 0, nan for nan (numpy's sign)."""
        return np.sign(a) * 1.0

    def __getattr__(self, name):
        return registry_op(self, name, lambda forward: np.vectorize(forward, otypes=[float]))


def registry_op(namespace, name: str, per_element):
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
