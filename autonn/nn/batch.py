"""One sample or a batch: reading a model's input and shaping its output.

A model called on a 1-D sequence (a list, a tuple or a 1-D numpy array of
numbers or Values) computes one sample.  Called on a 2-D numpy array
(samples x features, floats or Values) it computes every row and returns a
2-D numpy *object* array of Values (samples x outputs), so
``out.astype(float)`` gives the numbers.

Object arrays of Values behave as numpy users expect for elementwise
arithmetic (``+ - * / **``), ``@`` and ``.sum()``/``.mean()`` (each builds
ordinary nodes; ``@`` and ``.sum()`` chain binary additions), and for the
ufuncs that call a method of the same name: ``np.exp``, ``np.log``,
``np.log1p``, ``np.sqrt``, ``np.tanh``, ``np.sin``, ``np.cos``, ``np.abs``.
Comparisons (``np.maximum``, ``np.max``, sorting) do not work, because a
Value has no order; use :func:`apply` with ``Value.relu`` and friends.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, List, Sequence, Tuple

import numpy as np

from ..value import Value

__all__ = ["ONE", "BATCH", "read_input", "stack_rows", "values", "data", "grads", "apply"]

ONE = "one"
BATCH = "batch"


def _check_item(x: Any, who: str, where: str) -> Any:
    """``x`` if it is a Value or a real number; a float for plain numbers."""
    t = type(x)
    if t is float or t is Value:
        return x
    if isinstance(x, Value):
        return x
    if t is int or (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))):
        return float(x)
    raise TypeError(f"{who}: input {where} is a {t.__name__} ({x!r}); expected a number or a Value")


def _row_from_array(row: np.ndarray[Any, Any], who: str, where: str) -> List[Any]:
    if row.dtype == object:
        return [_check_item(x, who, f"{where}[{j}]") for j, x in enumerate(row)]
    items: List[Any] = row.tolist()
    return items


def _numeric_array(xs: np.ndarray[Any, Any], who: str) -> np.ndarray[Any, Any]:
    """A float array from a numeric numpy array; object arrays pass through."""
    if xs.dtype == object:
        return xs
    if xs.dtype.kind in "iuf":
        return xs.astype(float, copy=False)
    raise TypeError(f"{who}: input array has dtype {xs.dtype}; expected numbers (int/float) or Values (object)")


def read_input(xs: Any, nin: int, who: str) -> Tuple[str, List[Any]]:
    """Classify ``xs`` as ONE sample (a list of nin items) or a BATCH (a list of rows).

    Raises a TypeError/ValueError naming ``who`` and the expected shape if
    ``xs`` is neither.
    """
    if isinstance(xs, np.ndarray):
        arr = _numeric_array(xs, who)
        if arr.ndim == 1:
            if arr.shape[0] != nin:
                raise ValueError(f"{who}: expected {nin} inputs for one sample, got an array of shape {arr.shape}")
            return ONE, _row_from_array(arr, who, "")
        if arr.ndim == 2:
            if arr.shape[1] != nin:
                raise ValueError(
                    f"{who}: expected a batch of shape (samples, {nin}), got an array of shape {arr.shape}"
                )
            if arr.dtype != object:
                return BATCH, arr.tolist()
            return BATCH, [_row_from_array(r, who, f"[{i}]") for i, r in enumerate(arr)]
        raise ValueError(
            f"{who}: expected one sample (shape ({nin},)) or a batch (shape (samples, {nin})), "
            f"got an array of shape {arr.shape}"
        )
    if isinstance(xs, (Value, numbers.Number)) or not isinstance(xs, Sequence) or isinstance(xs, (str, bytes)):
        raise TypeError(
            f"{who}: expected a sequence of {nin} inputs (or a 2-D numpy array for a batch), "
            f"got a {type(xs).__name__}"
        )
    if len(xs) and isinstance(xs[0], (list, tuple, np.ndarray)):
        return read_input(_nested_to_array(xs, who), nin, who)
    if len(xs) != nin:
        raise ValueError(f"{who}: expected {nin} inputs for one sample, got {len(xs)}")
    return ONE, [_check_item(x, who, f"[{j}]") for j, x in enumerate(xs)]


def _nested_to_array(rows: Sequence[Any], who: str) -> np.ndarray[Any, Any]:
    """A 2-D object array from a list of equal-length rows (numpy would guess otherwise)."""
    lengths = [len(r) if isinstance(r, (list, tuple, np.ndarray)) else None for r in rows]
    if None in lengths or len(set(lengths)) != 1:
        raise ValueError(f"{who}: a batch given as nested sequences needs rows of one length, got lengths {lengths}")
    out = np.empty((len(rows), len(rows[0])), dtype=object)  # every row has this length
    for i, r in enumerate(rows):
        out[i, :] = list(r)
    return out


def stack_rows(rows: List[List[Any]], nout: int) -> np.ndarray[Any, np.dtype[np.object_]]:
    """A (samples, nout) object array from per-sample lists of Values."""
    out = np.empty((len(rows), nout), dtype=object)
    for i, row in enumerate(rows):
        out[i, :] = row
    return out


def values(x: Any, label: str = "") -> np.ndarray[Any, np.dtype[np.object_]]:
    """An object array of new leaf Values holding the numbers of ``x`` (any shape).

    With ``label``, each leaf is labelled ``label[i,j]`` for diagrams.
    """
    arr = np.asarray(x, dtype=float)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        name = f"{label}[{','.join(map(str, idx))}]" if label else ""
        out[idx] = Value(float(v), name)
    return out


def data(x: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The numbers of an array (or list) of Values, as a float array of the same shape."""
    return np.asarray(x, dtype=object).astype(float)


def grads(x: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The ``.grad`` of every Value in an array (or list), as a float array of the same shape."""
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.shape, dtype=float)
    for idx, v in np.ndenumerate(arr):
        if not isinstance(v, Value):
            raise TypeError(f"grads: element {idx} is a {type(v).__name__}, expected a Value")
        out[idx] = v.grad
    return out


def apply(fn: Callable[[Value], Value], x: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """``fn`` applied to every element of an object array, e.g. ``apply(Value.relu, H)``."""
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = fn(v)
    return out
