"""Array backends: the few array operations a compiled plan runs, on numpy or on PyTorch.

The kernels (:mod:`.kernels`, :mod:`.scatter`) are written once against an
array namespace ``xp``: index conversion, zeros, views into the parameter
vector, matrix products, segment sums and scatter-adds.  Everything decided
at compile time (row numbers, which rows repeat, which weights are views)
is worked out in numpy; :meth:`index` then hands each index array to the
backend once, so at run time a kernel only calls ``xp`` and the op rules,
which run on the backend's math namespace (:data:`autonn.ops.ARRAY_MATH`,
or :mod:`autonn.ops.torchmath`, made from the same op definitions).

:class:`NumpyBackend` is the default and needs nothing more.
:class:`TorchBackend` imports PyTorch only when it is asked for
(``compile(..., backend="torch")``) and runs on ``device`` (default: CUDA if
PyTorch finds it, else the CPU).  Numbers cross to the user's side as
numpy arrays and Python floats, as with numpy.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from ..ops import ARRAY_MATH

__all__ = ["NumpyBackend", "TorchBackend", "make_backend", "BACKENDS"]

BACKENDS = ("numpy", "torch")
Array = Any  # a numpy array or a torch tensor, as the backend makes them
Index = Union[slice, Array]


class NumpyBackend:
    """The compiled plan on numpy arrays: every call is numpy's own.

    Its methods are the backend interface (the torch backend overrides those
    that differ); their numpy meaning is the reference semantics.  What
    ``full`` and ``row_sum`` return may be a view of their argument: it is
    read, never written.
    """

    name = "numpy"
    device: Any = "cpu"  # the torch backend's is a torch.device
    math: Any = ARRAY_MATH
    column_loops = True  # a ragged sum runs column by column (see .ragged): numpy has no fast scatter-add

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)

    def index(self, ref: Union[slice, Array]) -> Index:
        return ref

    def asarray(self, a: Any) -> Array:
        return np.asarray(a, dtype=self.dtype)

    def to_numpy(self, a: Array) -> np.ndarray:
        return np.asarray(a)

    def write_back(self, target: np.ndarray, host: np.ndarray) -> None:
        """``target[...] = host`` unless ``host`` already is ``target``'s memory."""
        if host is not target:
            target[...] = host

    def mirror(self, host: np.ndarray) -> Tuple[np.ndarray, bool]:
        return host, True

    def zeros(self, shape: Union[int, Tuple[int, ...]]) -> Array:
        return np.zeros(shape, dtype=self.dtype)

    def empty_rows(self, n: int, like: Array) -> Array:
        """An uninitialised array of ``n`` rows shaped and typed like the rows of ``like``."""
        return np.empty((n,) + like.shape[1:], dtype=like.dtype)

    def strided(self, base: Array, origin: int, shape: Tuple[int, ...], strides: Sequence[int]) -> Array:
        """The view of ``base`` starting at item ``origin`` with ``strides`` counted in items."""
        item = base.itemsize
        return np.lib.stride_tricks.as_strided(base[origin:], shape=shape, strides=tuple(s * item for s in strides))

    def full(self, c: Any, shape: Tuple[int, ...]) -> Array:
        """A rule's result (an array, a row or a number) as an array of ``shape``."""
        return c if type(c) is np.ndarray and c.shape == shape else np.broadcast_to(c, shape)

    def assign(self, target: Array, ref: Index, c: Array) -> None:
        """``target[ref] = c``, also when ``c`` is a view of ``target`` (numpy copies what overlaps)."""
        target[ref] = c

    #: ``matmul_into(a, b, out)``: ``out[...] = a @ b`` (numpy's own function: a layer calls it three times a step)
    matmul_into: Callable[[Array, Array, Array], Any] = staticmethod(np.matmul)

    def row_sum(self, a: Array) -> Array:
        if a.shape[1] == 1:  # one column (one sample, or a plan run once per call): its own numbers, as a view
            return a[:, 0]
        return np.add.reduce(a, axis=1)  # what a.sum(axis=1) runs, without its Python wrapper

    def row_sum_into(self, a: Array, out: Array) -> None:
        np.add.reduce(a, axis=1, out=out)

    def row_dot(self, a: Array, b: Array) -> Array:
        """``(a * b).sum(axis=1)`` without the product array."""
        return np.einsum("ij,ij->i", a, b)

    def add_at(self, target: Array, rows: Array, values: Array) -> None:
        """``target[rows] += values``, every repeat of a row counted."""
        np.add.at(target, rows, values)

    def segment_sum(self, values: Array, starts: Array, ids: Array, n: int) -> Array:
        """Sums of consecutive runs of rows: run ``k`` starts at row ``starts[k]`` (``ids``: each row's run)."""
        return np.add.reduceat(values, starts, axis=0)

    def any(self, mask: Array) -> bool:
        return bool(mask.any())

    def all_finite(self, a: Array) -> bool:
        return bool(np.isfinite(a).all())

    def elementwise(self, fn: Callable[..., Any], n_out: int) -> Callable[..., Any]:
        """A function of floats applied element by element (for an op with no array rule)."""
        return np.vectorize(fn, otypes=[float] * n_out)

    def total(self, a: Array) -> float:
        return float(np.add.reduce(a, axis=None))


class TorchBackend(NumpyBackend):
    """The compiled plan on PyTorch tensors, on ``device``; imported only when asked for."""

    name = "torch"
    column_loops = False  # index_add_ sums a whole ragged group in one call

    def __init__(self, dtype: np.dtype, device: Optional[str] = None) -> None:
        super().__init__(dtype)
        torch = _import_torch()
        from ..ops.torchmath import TorchMath

        self.torch = torch
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.device = torch.device(device)
            torch.empty(0, device=self.device)
        except (RuntimeError, TypeError, ValueError, AssertionError) as err:
            raise ValueError(f"compile: device must be a device PyTorch can use ('cpu', 'cuda', 'cuda:0', ...), "
                             f"got {device!r}: {err}") from None
        self.tdtype = torch.float64 if self.dtype == np.float64 else torch.float32
        self.math = TorchMath(self.device, self.tdtype)
        self.shared = self.device.type == "cpu"  # CPU tensors can share a numpy array's memory

    def index(self, ref: Union[slice, np.ndarray]) -> Index:
        if isinstance(ref, slice):
            return ref
        return self.torch.as_tensor(np.asarray(ref, dtype=np.int64), device=self.device)

    def asarray(self, a: Any) -> Array:
        if isinstance(a, self.torch.Tensor):
            return a.to(device=self.device, dtype=self.tdtype)
        return self.torch.as_tensor(np.asarray(a, dtype=self.dtype), device=self.device)

    def to_numpy(self, a: Array) -> np.ndarray:
        if isinstance(a, self.torch.Tensor):
            return np.asarray(a.detach().cpu().numpy())
        return np.asarray(a)

    def write_back(self, target: Array, host: np.ndarray) -> None:
        target.copy_(self.torch.as_tensor(host))

    def mirror(self, host: np.ndarray) -> Tuple[Array, bool]:
        if self.shared:
            return self.torch.from_numpy(host), True
        return self.torch.zeros(host.shape, dtype=self.tdtype, device=self.device), False

    def zeros(self, shape: Union[int, Tuple[int, ...]]) -> Array:
        return self.torch.zeros(shape, dtype=self.tdtype, device=self.device)

    def empty_rows(self, n: int, like: Array) -> Array:
        return self.torch.empty((n,) + tuple(like.shape[1:]), dtype=like.dtype, device=self.device)

    def strided(self, base: Array, origin: int, shape: Tuple[int, ...], strides: Sequence[int]) -> Array:
        return self.torch.as_strided(base, shape, tuple(strides), base.storage_offset() + origin)

    def is_array(self, c: Any) -> bool:
        return isinstance(c, self.torch.Tensor) and c.dtype == self.tdtype

    def full(self, c: Any, shape: Tuple[int, ...]) -> Array:
        if self.is_array(c) and c.shape == shape:
            return c
        return self.asarray(c).expand(shape) if isinstance(c, self.torch.Tensor) else \
            self.torch.full(shape, float(c), dtype=self.tdtype, device=self.device)

    def assign(self, target: Array, ref: Index, c: Array) -> None:
        # PyTorch refuses an indexed write from a view of the same tensor
        if not isinstance(ref, slice) and c.untyped_storage().data_ptr() == target.untyped_storage().data_ptr():
            c = c.clone()
        target[ref] = c

    def matmul_into(self, a: Array, b: Array, out: Array) -> None:
        if out.is_contiguous():
            self.torch.matmul(a, b, out=out)
        else:
            out.copy_(a @ b)

    def row_sum(self, a: Array) -> Array:
        return a.sum(dim=1)

    def row_sum_into(self, a: Array, out: Array) -> None:
        out.copy_(a.sum(dim=1))

    def row_dot(self, a: Array, b: Array) -> Array:
        return (a * b).sum(dim=1)

    def add_at(self, target: Array, rows: Array, values: Array) -> None:
        target.index_add_(0, rows, values)

    def segment_sum(self, values: Array, starts: Array, ids: Array, n: int) -> Array:
        out = self.torch.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=self.device)
        return out.index_add_(0, ids, values)

    def all_finite(self, a: Array) -> bool:
        return bool(self.torch.isfinite(a).all())

    def total(self, a: Array) -> float:
        return float(a.sum())

    def elementwise(self, fn: Callable[..., Any], n_out: int) -> Callable[..., Any]:
        per_element = np.vectorize(fn, otypes=[float] * n_out)

        def on_host(*args: Any) -> Any:
            out = per_element(*(self.to_numpy(a) for a in args))
            return tuple(self.asarray(o) for o in out) if isinstance(out, tuple) else self.asarray(out)

        return on_host


def _import_torch() -> Any:
    try:
        import torch  # pyright: ignore[reportMissingImports]  # optional: asked for with backend="torch"
    except ImportError:
        raise ImportError('compile: backend="torch" needs PyTorch, which is not installed; install it with '
                          '"pip install torch" (see https://pytorch.org for a CUDA build), or use the default '
                          'backend="numpy"') from None
    return torch


def make_backend(backend: str, dtype: np.dtype, device: Optional[str]) -> NumpyBackend:
    """The backend called ``backend``, checked (``device`` is for the torch backend only)."""
    if backend not in BACKENDS:
        raise ValueError(f"compile: backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "numpy":
        if device is not None and str(device) != "cpu":
            raise ValueError(f"compile: device={device!r} needs backend='torch'; the numpy backend runs on the CPU")
        return NumpyBackend(dtype)
    return TorchBackend(dtype, device)
