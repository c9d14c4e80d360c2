"""Argument checks shared by the model constructors, with messages that say what was wrong."""

from __future__ import annotations

import numbers
import unicodedata
from typing import Any, Optional, Tuple

import numpy as np

from ..arguments import first_non_real

__all__ = ["check_count", "check_parameter_count", "check_name", "float_array", "first_non_real"]


# Every parameter is a Python object of about 100 bytes: a model this large needs
# gigabytes before it computes anything, so a count beyond it is a mistake to report
# at once rather than a request to run until memory is exhausted.
MAX_PARAMETERS = 10**8
MAX_NAME_LENGTH = 1000  # a name is a key in saved files and a label in diagrams


def check_count(n: Any, what: str, who: str) -> int:
    """``n`` as an int from 1 to :data:`MAX_PARAMETERS`, or a TypeError/ValueError naming ``what``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_)):
        raise TypeError(f"{who}: {what} must be an int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{who}: {what} must be at least 1, got {n}")
    if n > MAX_PARAMETERS:  # type: ignore[operator]  # numbers.Integral declares no order; every integral type has one
        raise ValueError(f"{who}: {what} must be at most {MAX_PARAMETERS} (a model of scalar Values that large "
                         f"would not fit in memory), got a number of {n.bit_length()} bits")  # type: ignore[attr-defined]  # as above
    return int(n)


def check_parameter_count(total: int, who: str) -> None:
    """Refuse a model with more than :data:`MAX_PARAMETERS` weights and biases before building any."""
    if total > MAX_PARAMETERS:
        raise ValueError(f"{who}: the model would have {total} parameters, more than the {MAX_PARAMETERS} "
                         "that fit in memory as scalar Values")


def check_name(name: object, who: str) -> str:
    """A usable neuron/layer name: a non-empty str of at most :data:`MAX_NAME_LENGTH` printable characters.

    Control characters (NUL among them), unpaired surrogates and the Unicode
    noncharacters (U+FFFE, U+FFFF, ...) are refused: a name is a key in a
    saved file and a label in a diagram, and those characters break one or
    the other far from where the name was given.
    """
    if not isinstance(name, str):
        raise TypeError(f"{who}: name must be a str, got {type(name).__name__}: {name!r}")
    if not name:
        raise ValueError(f"{who}: name must be a non-empty str")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{who}: name must be at most {MAX_NAME_LENGTH} characters, got {len(name)}")
    for i, ch in enumerate(name):
        if _unusable(ch):
            raise ValueError(f"{who}: name has the unusable character U+{ord(ch):04X} at position {i}: {name[:60]!r}")
    return name


def _unusable(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Cc", "Cs")
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


def float_array(x: Any, shape: Tuple[Optional[int], ...], what: str, who: str) -> np.ndarray[Any, np.dtype[np.float64]]:
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


def _show(shape: Tuple[Optional[int], ...]) -> str:
    inner = ", ".join("n" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
