"""Hypothesis strategies for random scalar expression graphs, over every op of :data:`autonn.OPS`.

The ops are read from the registry each time an example is drawn, so an op
added with ``autonn.register_op`` is drawn too.  Each step is kept only if
its op is defined at its arguments (the op's own domain checks, through
``Op.value``) and its value is finite and moderate; otherwise another op or
other arguments are drawn, and after a few tries the example is rejected
(``assume(False)``).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, List, Optional, Sequence

import numpy as np

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as err:  # pragma: no cover - hypothesis is in the "test" extra
    raise ImportError("autonn.testing needs hypothesis: pip install 'autonn-scalar[test]' (or pip install hypothesis)") \
        from err

from ..ops import OPS, Op
from .expression import Expression, Step

__all__ = ["expressions", "numbers", "constants", "op_pool"]

#: Numbers worth hitting on purpose: kinks (0), edges of domains (±1) and simple values.
SPECIAL_NUMBERS = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0)
#: Constants worth hitting on purpose: small powers (0 included), halves, the usual slopes.
SPECIAL_CONSTANTS = (2.0, 3.0, 0.0, 1.0, -1.0, 0.5, 1.5, -2.0, 0.01)


def numbers(low: float = -3.0, high: float = 3.0, places: int = 3) -> st.SearchStrategy:
    """Input numbers: simple ones (0, ±1, ±0.5, ±2) often, else a number in [low, high] with ``places`` decimals.

    Few decimals keep an expression readable and keep away from subnormal
    numbers, where two correct engines differ by rounding alone (``x / x`` at
    1e-40 has slope 0, but ``x * x ** -1`` cancels two terms of size 1e40).
    """
    for what, x in (("low", low), ("high", high)):
        if not _real(x) or not math.isfinite(x):
            raise ValueError(f"numbers: {what} must be a finite number, got {x!r}")
    if not isinstance(places, (int, np.integer)) or isinstance(places, bool) or not 0 <= places <= 15:
        raise ValueError(f"numbers: places must be a whole number from 0 to 15, got {places!r}")
    if not low <= high:
        raise ValueError(f"numbers: low must not exceed high, got low={low!r}, high={high!r}")
    scale = 10 ** places
    special = [x for x in SPECIAL_NUMBERS if low <= x <= high]
    decimals = st.integers(math.ceil(low * scale), math.floor(high * scale)).map(lambda i: i / scale)
    return st.one_of(st.sampled_from(special), decimals) if special else decimals


def constants() -> st.SearchStrategy:
    """An op's constant numbers (the k of ``x ** k``, a slope): small powers and halves often."""
    return st.one_of(st.sampled_from(SPECIAL_CONSTANTS), numbers(-3.0, 3.0, places=2))


def op_pool(ops: Optional[Iterable[str]] = None, exclude: Iterable[str] = ()) -> List[Op]:
    """The ops to draw from: ``ops`` (names) or every op of the registry now, less ``exclude``."""
    excluded = set(exclude)
    names = list(OPS) if ops is None else list(ops)
    unknown = [name for name in list(names) + list(excluded) if name not in OPS]
    if unknown:
        raise ValueError(f"expressions: unknown op(s) {unknown}; known: {', '.join(OPS)}")
    pool = [OPS[name] for name in names if name not in excluded]
    if not pool:
        raise ValueError("expressions: no op left to draw from")
    return pool


def _usable(x: float, bound: float) -> bool:
    return math.isfinite(x) and abs(x) <= bound


def expressions(ops: Optional[Sequence[str]] = None, exclude: Sequence[str] = (), max_inputs: int = 3,
                max_steps: int = 6, values: Optional[st.SearchStrategy] = None,
                consts: Optional[st.SearchStrategy] = None, bound: float = 1e6,
                max_args: int = 3) -> st.SearchStrategy:
    """A strategy of random :class:`~autonn.testing.Expression`: 1..``max_inputs`` inputs, 1..``max_steps`` steps.

    Each step's first argument leans to the latest step (graphs grow deep),
    the others are any earlier input or step (so subexpressions are shared,
    and ``x0 * x0`` happens).  ``ops``/``exclude`` choose op names (default:
    the whole registry when drawn); ``values`` draws the inputs (default
    :func:`numbers`, which hits 0, where kinks are), ``consts`` the ops'
    constants, ``max_args`` the length of n-ary ops such as ``sum``.  Every
    step's value is finite and at most ``bound`` in size.  Shrinks towards
    one step on ``x0``.  The arguments are checked here, when the strategy
    is made, not when the first example is drawn.
    """
    for what, n in (("max_inputs", max_inputs), ("max_steps", max_steps), ("max_args", max_args)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"expressions: {what} must be a whole number of at least 1, got {n!r}")
    if not _real(bound) or not bound > 0:
        raise ValueError(f"expressions: bound must be a positive number, got {bound!r}")
    for what, names in (("ops", ops), ("exclude", exclude)):
        if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in _names(names))):
            raise TypeError(f"expressions: {what} must be a list of op names (str), got {names!r}")
    if ops is not None:
        op_pool(ops, exclude)  # names that are not ops are refused now; the default pool is read when drawing
    for what, strategy in (("values", values), ("consts", consts)):
        if strategy is not None and not isinstance(strategy, st.SearchStrategy):
            raise TypeError(f"expressions: {what} must be a hypothesis strategy or None, got {type(strategy).__name__}")
    return _expressions(None if ops is None else list(ops), list(exclude), int(max_inputs), int(max_steps), values,
                        consts, float(bound), int(max_args))


def _names(names: Any) -> List[Any]:
    try:
        return list(names)
    except TypeError:
        return [None]  # not iterable: refused as a list of names


def _real(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


@st.composite
def _expressions(draw: Any, ops: Optional[Sequence[str]], exclude: Sequence[str], max_inputs: int, max_steps: int,
                 values: Optional[st.SearchStrategy], consts: Optional[st.SearchStrategy], bound: float,
                 max_args: int) -> Expression:
    pool = op_pool(ops, exclude)
    values = numbers() if values is None else values
    consts = constants() if consts is None else consts
    n_inputs = draw(st.integers(1, max_inputs))
    data: List[float] = [draw(values) for _ in range(n_inputs)]
    assume(all(_usable(x, bound) for x in data))
    steps: List[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        for _attempt in range(5):
            op = draw(st.sampled_from(pool))
            arity = op.arity if op.arity is not None else draw(st.integers(1, max_args))
            latest = len(data) - 1
            args = [latest - draw(st.integers(0, latest))]
            args += [draw(st.integers(0, latest)) for _ in range(arity - 1)]
            cs = [draw(consts) for _ in range(op.consts)]
            try:
                out = op.value(*[data[a] for a in args], *cs)
            except (ArithmeticError, ValueError):  # outside the op's domain (its own check says so)
                continue
            if _usable(out, bound):
                steps.append(Step(op.name, tuple(args), tuple(cs)))
                data.append(out)
                break
        else:
            assume(False)
    return Expression(data[:n_inputs], steps).subexpression(len(steps) - 1)
