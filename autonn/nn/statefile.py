"""Saving a state dict to a file and reading it back, with limits.

Files are ``.npz`` archives (numpy's zip of ``.npy`` arrays, read without
pickle) or JSON when the name ends in ``.json``; neither can run code.

Writing is atomic (see :mod:`autonn.nn.files`).  Reading knows what the model
needs before it reads a byte of numbers: the names and shapes of its state.
An ``.npz`` member that the model does not need is never decompressed, a
member's declared size and the archive's total are checked against the
model's needs first, and every array header is checked for its shape and
type before its data is read.  A JSON file may be at most a generous multiple
of what the model's numbers take as text.  Whatever is wrong with a file, the
error is a :class:`StateFileError` naming the file and the problem, and the
model is not touched.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from typing import IO, Any, BinaryIO, Dict, Mapping, Optional, Tuple

import numpy as np

from .files import NotRegularFile, file_name, open_regular, refuse_unless_replaceable, write_atomically
from .state import PathLike, StateDict, check_state

__all__ = ["StateFileError", "write_state", "read_state"]

Shapes = Mapping[str, Tuple[int, ...]]

_NPY_HEADER_ROOM = 4096  # bytes an .npy header may take besides the numbers (numpy writes 128)
_JSON_BYTES_PER_NUMBER = 256  # a float's repr is at most 24 characters; the rest is room for layout
_JSON_FIXED_ROOM = 1 << 16


class StateFileError(ValueError):
    """A state file cannot be used: unreadable, corrupt, too large, or not what the model needs.

    The message names the file and what is wrong; the model is left unchanged.
    """


def _is_json(path: str) -> bool:
    return path.lower().endswith(".json")


class _Buffer(io.BytesIO):
    """A BytesIO that stays open until it is dropped, so a late write from a ZipFile's clean-up still succeeds."""

    def close(self) -> None:
        pass  # the memory goes with the last reference


class _MemoryArchive(zipfile.ZipFile):
    """A zip archive written into a :class:`_Buffer`, whose clean-up after an interrupted write reports nothing.

    A Ctrl-C that lands inside the zipfile module can leave the archive with a
    member open; when the garbage collector later finalises it, ``close()``
    raises there, where no caller can catch it (Python prints "Exception
    ignored in ZipFile.__del__").  The interrupt itself reaches the caller;
    the archive, in memory only, is thrown away.
    """

    def __del__(self) -> None:
        try:
            super().__del__()
        except Exception:  # the archive is being discarded after an interrupt: nothing is lost
            pass


def _npz_bytes(arrays: Mapping[str, "np.ndarray[Any, Any]"]) -> bytes:
    """The ``.npz`` archive of ``arrays`` (as ``np.savez`` writes it, without pickle), built in memory."""
    buffer = _Buffer()
    with _MemoryArchive(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def write_state(path: PathLike, state: StateDict, who: str = "save") -> str:
    """Write ``state`` to ``path`` atomically and return the name of the file written.

    JSON if the name ends in ``.json`` (any case), else an ``.npz`` archive;
    ``.npz`` is appended to a name without that suffix (any case), so
    ``save("w")`` writes ``w.npz`` and ``save("w.NPZ")`` writes ``w.NPZ``.
    A name that is a named pipe, a device or a folder is refused (with or
    without the suffix), and never opened.
    Non-finite numbers are refused before anything is written: JSON has no
    NaN, and loading refuses them anyway.
    """
    path = file_name(path, who)
    if not os.path.basename(path):
        raise ValueError(f"{who}: path {path!r} names a folder; give a file name such as {os.path.join(path, 'model.npz')!r}")
    arrays = {k: np.asarray(v, dtype=float) for k, v in state.items()}
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    if bad:
        raise ValueError(
            f"{who}: cannot save non-finite numbers (nan or inf) in {', '.join(bad)}; "
            "a saved state must load back, and loading refuses them"
        )
    if _is_json(path):
        text = json.dumps({k: v.tolist() for k, v in arrays.items()}, indent=1).encode("utf-8")

        def write(f: BinaryIO) -> None:
            f.write(text)

    else:
        if not path.lower().endswith(".npz"):
            refuse_unless_replaceable(path, who)  # save("/dev/null") means that device, not a new /dev/null.npz
            path += ".npz"  # numpy would add it silently; say so by returning it

        def write(f: BinaryIO) -> None:
            f.write(_npz_bytes(arrays))

    write_atomically(path, write, who)  # its errors name who, the path and what went wrong
    return path


def read_state(path: PathLike, expected: Shapes, who: str, ignored: str = "") -> StateDict:
    """Read and check a state written by :func:`write_state` for a model whose state has ``expected`` shapes.

    Entries whose names start with ``ignored`` (if given) and are not expected
    are left out unread (an optimiser's state, when only the model is loaded).

    ``path`` is the name given to :func:`write_state` or the one it returned:
    a name without a ``.json`` or ``.npz`` suffix that is not a file is read
    as ``path + ".npz"``, the file ``write_state`` made of it.
    """
    path = file_name(path, who)
    if not path.lower().endswith((".json", ".npz")) and not os.path.lexists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    try:
        f, size = open_regular(path)
    except FileNotFoundError:
        raise StateFileError(f"{who}: {path}: no such file") from None
    except NotRegularFile as e:
        raise StateFileError(f"{who}: {e}; a state file must be a regular file") from None
    except OSError as e:
        raise StateFileError(f"{who}: {path}: cannot open it ({e.strerror or e})") from None
    with f:
        try:
            raw = _read_json(f, size, expected) if _is_json(path) else _read_npz(f, expected)
        except _Refused as e:
            raise StateFileError(f"{who}: {path}: {e}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, RuntimeError) as e:
            kind = "JSON" if _is_json(path) else ".npz"
            raise StateFileError(f"{who}: cannot read {path} as a {kind} state file ({type(e).__name__}: {e})") from None
    if ignored:
        raw = {k: v for k, v in raw.items() if k in expected or not k.startswith(ignored)}
    try:
        return check_state(expected, raw, who)
    except (TypeError, ValueError) as e:
        problem = str(e)
        if problem.startswith(who + ": "):
            problem = problem[len(who) + 2 :]
        raise StateFileError(f"{who}: {path}: {problem}") from None


class _Refused(Exception):
    """A file that is well-formed but not acceptable; the message says why."""


def _json_limit(expected: Shapes) -> int:
    return _JSON_FIXED_ROOM + sum(
        len(name) + 16 + _JSON_BYTES_PER_NUMBER * int(np.prod(shape, dtype=np.int64)) for name, shape in expected.items()
    )


def _unique_keys(pairs: "list[tuple[str, Any]]") -> Dict[str, Any]:
    """A JSON object as a dict, refusing a name given twice (``json`` alone keeps the last one silently)."""
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"gives {key} twice; a state names each array once")
        out[key] = value
    return out


def _read_json(f: BinaryIO, size: int, expected: Shapes) -> Dict[str, Any]:
    limit = _json_limit(expected)
    if size > limit:
        raise _Refused(f"is {size} bytes, more than the {limit} bytes a JSON state for this model can take")
    data = f.read(limit + 1)
    if len(data) > limit:  # grew while being read
        raise _Refused(f"holds more than the {limit} bytes a JSON state for this model can take")
    try:
        raw = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except _Refused:
        raise
    except UnicodeDecodeError as e:
        raise _Refused(f"is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise _Refused(f"is not valid JSON ({e})") from None
    except RecursionError:
        raise _Refused("is not valid JSON for a state (nested too deeply)") from None
    except ValueError as e:  # e.g. an integer literal with thousands of digits
        raise _Refused(f"is not valid JSON for a state ({e})") from None
    if not isinstance(raw, dict):
        raise _Refused("should hold a JSON object of name -> numbers")
    return raw


def _read_npz(f: BinaryIO, expected: Shapes) -> Dict[str, Optional[np.ndarray[Any, Any]]]:
    """The members the model needs, each checked before its numbers are read.

    A wrong name is reported by :func:`check_state` with the others; its
    member is left unread.
    """
    with zipfile.ZipFile(f) as archive:
        members: Dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in members:  # a zip may hold one name twice; which one numpy reads is not what anyone meant
                raise _Refused(f"holds {name} twice (members {members[name].filename} and {info.filename}); "
                               "a state names each array once")
            members[name] = info
        out: Dict[str, Optional[np.ndarray[Any, Any]]] = {}
        unexpected = [n for n in members if n not in expected]
        for name, info in members.items():
            if name not in expected:
                continue
            shape = tuple(expected[name])
            room = _NPY_HEADER_ROOM + 8 * int(np.prod(shape, dtype=np.int64))
            if info.file_size > room:
                raise _Refused(
                    f"member {info.filename} declares {info.file_size} bytes; "
                    f"{name} of shape {shape} needs at most {room}"
                )
            with archive.open(info) as member:
                out[name] = _read_npy(member, name, shape)
        for name in unexpected:
            out[name] = None  # named as unexpected by check_state, never read
        return out


def _read_npy(member: IO[bytes], name: str, shape: Tuple[int, ...]) -> np.ndarray[Any, Any]:
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        found, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    elif version in ((2, 0), (3, 0)):
        found, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise _Refused(f"member {name} has an unknown .npy version {version}")
    if dtype.hasobject or dtype.kind not in "iuf":
        raise _Refused(f"member {name} holds {dtype}, not real numbers (objects are never unpickled)")
    if tuple(found) != shape:
        # not read: a stand-in of that shape (no memory) lets check_state report it with the other problems
        return np.broadcast_to(np.zeros(()), tuple(found))
    count = int(np.prod(shape, dtype=np.int64))
    data = member.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise _Refused(f"member {name} is truncated ({len(data)} of {count * dtype.itemsize} bytes)")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C").astype(float)
