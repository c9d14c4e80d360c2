"""Parameters as plain numbers: checking a state dict (files: :mod:`autonn.nn.statefile`).

A state dict maps each neuron's ``"<name>.w"`` to a float array of its
weights (shape ``(nin,)``) and ``"<name>.b"`` to its bias (shape ``()``).
Files are ``.npz`` archives read with ``allow_pickle=False``, or JSON when the
file name ends in ``.json``; neither can run code when loaded.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Tuple, Union

import numpy as np

from .checks import first_non_real

__all__ = ["StateDict", "check_state"]

StateDict = Dict[str, np.ndarray[Any, Any]]
PathLike = Union[str, "os.PathLike[str]"]

_REAL_KINDS = "iuf"  # numpy dtype kinds of signed and unsigned integers and floats


def check_state(expected: Mapping[str, Tuple[int, ...]], given: Mapping[str, Any], who: str,
                owner: str = "the model") -> StateDict:
    """``given`` as float arrays, after checking it has exactly the expected names and shapes.

    Every problem is reported at once (missing names, unexpected names, wrong
    shapes, non-numbers), so a caller can fix the file in one go.
    """
    if not isinstance(given, Mapping):
        raise TypeError(f"{who}: expected a mapping of name -> array, got {type(given).__name__}")
    problems = []
    missing = [k for k in expected if k not in given]
    extra = [k for k in given if k not in expected]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected {', '.join(map(str, extra))}")
    arrays: StateDict = {}
    for name, shape in expected.items():
        if name not in given:
            continue
        try:
            arr = np.asarray(given[name])
        except (TypeError, ValueError):
            problems.append(f"{name} is not an array of numbers ({type(given[name]).__name__})")
            continue
        if arr.dtype.kind not in _REAL_KINDS:
            # no conversion: float() would read "1" as 1, True as 1 and drop an imaginary part
            problems.append(
                f"{name} is not an array of numbers (dtype {arr.dtype}; expected real integers or floats)"
            )
            continue
        found = first_non_real(given[name])
        if found is not None:
            # numpy reads [0.5, True] as floats without a word; a bool is not a number here
            problems.append(f"{name} is not an array of numbers (holds {type(found[0]).__name__}: {found[0]!r})")
            continue
        if arr.shape != tuple(shape):  # before converting: a shape read from a file may be absurd
            problems.append(f"{name} has shape {arr.shape}, {owner} needs {tuple(shape)}")
            continue
        arr = arr.astype(float)
        if not np.all(np.isfinite(arr)):
            problems.append(f"{name} holds non-finite numbers")
        else:
            arrays[name] = arr
    if problems:
        raise ValueError(f"{who}: the state does not match {owner}: " + "; ".join(problems))
    return arrays


