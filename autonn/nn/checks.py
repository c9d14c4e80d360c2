"""Argument checks shared by the model constructors, with messages that say what was wrong."""

from __future__ import annotations

import numbers
from typing import Optional, Tuple

import numpy as np

__all__ = ["check_count", "check_name", "float_array", "first_non_real"]


def check_count(n, what: str, who: str) -> int:
    """``n`` as an int >= 1, or a TypeError/ValueError naming ``what``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"{who}: {what} must be an int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{who}: {what} must be at least 1, got {n}")
    return int(n)


def check_name(name, who: str) -> str:
    """A usable neuron/layer name: a non-empty str."""
    if not isinstance(name, str):
        raise TypeError(f"{who}: name must be a str, got {type(name).__name__}: {name!r}")
    if not name:
        raise ValueError(f"{who}: name must be a non-empty str")
    return name


def first_non_real(x) -> Optional[tuple]:
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


def float_array(x, shape: Tuple, what: str, who: str) -> np.ndarray:
    """``x`` (numpy array or nested lists of real numbers) as finite floats of the given shape.

    ``None`` in ``shape`` matches any length.  Strings, bools and complex
    numbers are refused (a TypeError), never converted.
    """
    found = first_non_real(x)
    if found is not None:
        bad = found[0]
        raise TypeError(
            f"{who}: {what} must be numbers of shape {_show(shape)} (real numbers only), "
            f"found {type(bad).__name__}: {bad!r}"
        )
    try:
        arr = np.array(x, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{who}: {what} must be numbers of shape {_show(shape)}, got {x!r}") from None
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        raise ValueError(f"{who}: {what} must have shape {_show(shape)}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: {what} must be finite numbers, got {arr.tolist()}")
    return arr


def _show(shape: Tuple) -> str:
    inner = ", ".join("n" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
