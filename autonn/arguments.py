"""Checks for the plain-number arguments of public functions (tolerances, precisions, counts).

Each returns the argument as a Python ``float``/``int`` or raises an error
naming the function, the argument and what was expected: a TypeError for a
wrong type (``bool``, ``str``, ``None``, ``complex`` are never numbers here),
a ValueError for a number out of range (``nan`` and ``inf`` included).
numpy scalars are accepted like the Python numbers they stand for.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Tuple

import numpy as np

__all__ = ["real_number", "whole_number", "seed_value", "first_non_real", "real_array"]


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def real_number(x: Any, what: str, who: str, *, least: float = -math.inf, positive: bool = False) -> float:
    """``x`` as a finite float ``>= least`` (``> 0`` if ``positive``)."""
    if _is_bool(x) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {what} must be a real number, got {type(x).__name__}: {x!r}")
    bound = " > 0" if positive else (f" >= {least:g}" if least > -math.inf else "")
    try:
        value = float(x)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        raise ValueError(
            f"{who}: {what} must be a finite number{bound}, got an int of {int(x).bit_length()} bits"  # type: ignore[call-overload]  # only an int overflows here
        ) from None
    if not math.isfinite(value) or (positive and value <= 0) or value < least:
        raise ValueError(f"{who}: {what} must be a finite number{bound}, got {x!r}")
    return value


def whole_number(x: Any, what: str, who: str, *, least: int = 0, most: Optional[int] = None) -> int:
    """``x`` as an int in ``[least, most]``."""
    if _is_bool(x) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{who}: {what} must be an int, got {type(x).__name__}: {x!r}")
    value = int(x)
    if value < least or (most is not None and value > most):
        upper = f" and at most {most}" if most is not None else ""
        raise ValueError(f"{who}: {what} must be at least {least}{upper}, got {value}")
    return value


def seed_value(seed: Any, who: str) -> Any:
    """``seed`` if it is None, a non-negative int or a ``numpy.random.Generator`` (anything with ``bit_generator``)."""
    if seed is None or hasattr(seed, "bit_generator"):
        return seed
    if _is_bool(seed) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{who}: seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__}: {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{who}: seed must be a non-negative integer, got {seed}")
    return int(seed)


def first_non_real(x: Any) -> Optional[Tuple[Any, ...]]:
    """``(item,)`` for the first item of ``x`` (a number, an array or nested lists/tuples) that is
    not a real number (a dtype for a whole array of another kind), else None.

    numpy would turn ``True`` into 1.0 and ``"2"`` into 2.0 without a word
    (``np.array([0.5, True], dtype=float)``); the README's rule is real
    numbers only, so every leaf is looked at.  Arrays are judged by dtype.
    """
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "iuf":
                if item.dtype != object:
                    return (item.dtype,)
                stack.extend(reversed(item.ravel().tolist()))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif not isinstance(item, numbers.Real) or isinstance(item, (bool, np.bool_)):
            return (item,)
    return None


def real_array(x: Any, what: str, who: str) -> np.ndarray[Any, Any]:
    """``x`` (an array or nested lists of real numbers) as a float array; a TypeError for anything else.

    ``np.asarray(x, dtype=float)`` alone would read ``True`` as 1.0 and ``"2"`` as 2.0.
    """
    found = first_non_real(x)
    if found is not None:
        raise TypeError(f"{who}: {what} must hold real numbers, found {type(found[0]).__name__}: {found[0]!r}")
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{who}: {what} must be a rectangular array of numbers ({err})") from None
