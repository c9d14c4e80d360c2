"""Parameters as plain numbers: checking a state dict, and saving it to a file.

A state dict maps each neuron's ``"<name>.w"`` to a float array of its
weights (shape ``(nin,)``) and ``"<name>.b"`` to its bias (shape ``()``).
Files are ``.npz`` archives read with ``allow_pickle=False``, or JSON when the
file name ends in ``.json``; neither can run code when loaded.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Dict, Mapping, Tuple, Union

import numpy as np

__all__ = ["StateDict", "check_state", "write_state", "read_state"]

StateDict = Dict[str, np.ndarray]
PathLike = Union[str, "os.PathLike[str]"]

_REAL_KINDS = "iuf"  # numpy dtype kinds of signed and unsigned integers and floats


def check_state(expected: Mapping[str, Tuple[int, ...]], given: Mapping, who: str) -> StateDict:
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
        arr = arr.astype(float)
        if arr.shape != tuple(shape):
            problems.append(f"{name} has shape {arr.shape}, the model needs {tuple(shape)}")
        elif not np.all(np.isfinite(arr)):
            problems.append(f"{name} holds non-finite numbers")
        else:
            arrays[name] = arr
    if problems:
        raise ValueError(f"{who}: the state does not match the model: " + "; ".join(problems))
    return arrays


def _is_json(path: str) -> bool:
    return path.lower().endswith(".json")


def write_state(path: PathLike, state: StateDict, who: str = "save") -> str:
    """Write ``state`` to ``path`` and return the name of the file written.

    JSON if the name ends in ``.json`` (any case), else an ``.npz`` archive;
    ``.npz`` is appended to a name without that suffix (any case), so
    ``save("w")`` writes ``w.npz`` and ``save("w.NPZ")`` writes ``w.NPZ``.
    Non-finite numbers are refused before anything is written: JSON has no
    NaN, and :func:`check_state` would refuse them on loading anyway.
    """
    path = os.fspath(path)
    arrays = {k: np.asarray(v, dtype=float) for k, v in state.items()}
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    if bad:
        raise ValueError(
            f"{who}: cannot save non-finite numbers (nan or inf) in {', '.join(bad)}; "
            "a saved state must load back, and loading refuses them"
        )
    if _is_json(path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({k: v.tolist() for k, v in arrays.items()}, f, indent=1)
        return path
    if not path.lower().endswith(".npz"):
        path += ".npz"  # numpy would add it silently; say so by returning it
    with open(path, "wb") as f:  # a file object: numpy adds no suffix of its own (its check is case-sensitive)
        np.savez(f, **arrays)
    return path


def read_state(path: PathLike, who: str) -> Dict[str, np.ndarray]:
    """Read a state written by :func:`write_state` (never unpickles anything).

    ``path`` is the name given to :func:`write_state` or the one it returned:
    a name without a ``.json`` or ``.npz`` suffix that is not a file is read
    as ``path + ".npz"``, the file ``write_state`` made of it.
    """
    path = os.fspath(path)
    if not path.lower().endswith((".json", ".npz")) and not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    if _is_json(path):
        with open(path, encoding="utf-8") as f:
            try:
                raw = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{who}: {path} is not valid JSON ({e})") from None
        if not isinstance(raw, dict):
            raise ValueError(f"{who}: {path} should hold a JSON object of name -> numbers")
        return dict(raw)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{who}: cannot read {path} as an .npz state file ({e})") from None
    except AttributeError:
        # np.load gave a plain array (an .npy file), which has no .files
        raise ValueError(f"{who}: {path} is a single array, not an .npz archive of named arrays") from None
