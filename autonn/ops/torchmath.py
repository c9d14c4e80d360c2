"""The math namespace on PyTorch tensors: what the rules call as ``m`` on the torch backend.

The same names as :mod:`.arraymath`, each a PyTorch function on whole
tensors (one row per node, one column per sample), with numpy's IEEE 754
conventions where PyTorch's differ (``sign(nan)`` is nan).  A Python number among the arguments is taken in the namespace's
dtype, so a constant is never rounded to PyTorch's default float32.  Any
other name is an op of the registry, applied to tensors with its own
forward.  Importing this module imports PyTorch: only the torch backend does.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping

import numpy as np
import torch  # pyright: ignore[reportMissingImports]  # optional: only the torch backend imports this module

from .arraymath import registry_op
from .op import OPS

__all__ = ["TorchMath"]

#: What the functions here take and give: torch tensors.  Typed loosely, as the numpy namespace's arrays
#: are, so the package's types check the same where PyTorch (an optional dependency) is not installed.
Tensor = Any


class TorchMath:
    """Elementary functions, comparisons and selection on tensors of one device and dtype."""

    name = "torch"
    builds_graph = False  # its rules give tensors (see Op.pullback)
    ops: Mapping[str, Any] = OPS

    def __init__(self, device: torch.device, dtype: torch.dtype) -> None:
        self.device = device
        self.dtype = dtype
        for name, fn in _UNARY.items():
            setattr(self, name, self._on_tensors(fn))
        for name, fn in _BINARY.items():
            setattr(self, name, self._on_tensors(fn))

    def tensor(self, x: Any) -> Tensor:
        """``x`` as a tensor: a tensor as it is, a number in this namespace's dtype."""
        if isinstance(x, torch.Tensor):
            return x
        return torch.as_tensor(x, dtype=self.dtype if not isinstance(x, (bool, np.bool_)) else torch.bool,
                               device=self.device)

    def _on_tensors(self, fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        tensor = self.tensor

        def apply(*xs: Any) -> Tensor:
            return fn(*(tensor(x) for x in xs))

        return apply

    def where(self, condition: Any, a: Any, b: Any) -> Tensor:
        """``a`` where ``condition`` holds, else ``b``; numbers in the namespace's dtype."""
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            a = self.tensor(a)
        out: Tensor = torch.where(self.tensor(condition), a, b)
        return out

    def pow(self, a: Any, b: Any) -> Tensor:
        """a ** b (a negative base to a fraction, -inf included, is outside pow's domain)."""
        out: Tensor = torch.pow(self.tensor(a), self.tensor(b))
        return out

    def select(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is not 0, else 0 (the rows a piecewise rule does not select)."""
        return self.where(self.tensor(mask) != 0.0, value, 0.0)

    def fractional(self, a: Any) -> Tensor:
        """True where ``a`` is finite and not a whole number."""
        t = self.tensor(a)
        out: Tensor = torch.isfinite(t) & (t != torch.floor(t))
        return out

    def step(self, a: Any) -> Tensor:
        """Heaviside step: 1 for a > 0, 0 for a <= 0, nan for nan."""
        a = self.tensor(a)
        return torch.where(a > 0.0, 1.0, torch.where(a <= 0.0, 0.0, a))

    def sign(self, a: Any) -> Tensor:
        """sign(a): 1, -1, 0 at 0, nan for nan (PyTorch's sign gives 0 for nan)."""
        a = self.tensor(a)
        return torch.where(torch.isnan(a), a, torch.sign(a))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return registry_op(self, name, self._on_host)

    def _on_host(self, forward: Callable[..., float]) -> Callable[..., Tensor]:
        """A forward written for floats, run element by element on the host."""
        per_element = np.vectorize(forward, otypes=[float])
        return lambda *xs: self.tensor(per_element(*(x.cpu().numpy() if isinstance(x, torch.Tensor) else x for x in xs)))


_UNARY: Dict[str, Callable[..., Tensor]] = {
    "exp": torch.exp, "log": torch.log, "log1p": torch.log1p, "expm1": torch.expm1, "log2": torch.log2,
    "log10": torch.log10, "sqrt": torch.sqrt, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
    "asin": torch.asin, "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
    "tanh": torch.tanh, "abs": torch.abs, "erf": torch.erf, "isnan": torch.isnan,
}
_BINARY: Dict[str, Callable[..., Tensor]] = {
    "gt": torch.gt, "ge": torch.ge, "lt": torch.lt, "le": torch.le, "eq": torch.eq, "ne": torch.ne,
    "maximum": torch.maximum, "minimum": torch.minimum,
}
