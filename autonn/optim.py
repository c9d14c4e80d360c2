"""Optimisers: turn the gradients in ``p.grad`` into updates of ``p.data``.

Usage, one training step::

    opt = SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    loss = ...; loss.backward()     # or any code that fills p.grad
    opt.step()

The state (momentum, Adam's moments) is kept in numpy arrays inside the
optimiser, one entry per parameter, never on the Values.

Given a :class:`~autonn.flatparams.FlatParameters` (a compiled step's
``step.flat``), an optimiser reads ``flat.grad`` and updates ``flat.data`` in
place, with no Python loop over the parameters::

    opt = SGD(step.flat, lr=0.1)
    with step.flat.held():
        for _ in range(1000):
            step(X)          # writes step.flat.grad
            opt.step()       # updates step.flat.data
    # here every p.data holds the trained numbers
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable, List, Optional, Tuple

import numpy as np

from .flatparams import FlatParameters
from .value import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _positive(x, name: str, who: str, allow_zero: bool = False) -> float:
    if not isinstance(x, numbers.Real) or isinstance(x, bool) or not math.isfinite(x):
        raise ValueError(f"{who}: {name} must be a finite number, got {x!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{who}: {name} must be {'>= 0' if allow_zero else '> 0'}, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters (leaf Values) and reads/writes them as numpy vectors."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        self.flat: Optional[FlatParameters] = params if isinstance(params, FlatParameters) else None
        if self.flat is not None:
            params = self.flat.params
        elif hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()  # a Module was passed
        if isinstance(params, Value):
            raise TypeError(f"{who}: params must be a list of Values, got a single Value (wrap it in a list)")
        self.params: List[Value] = list(params)
        if not self.params:
            raise ValueError(f"{who}: got no parameters to optimise")
        seen = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, expected a Value")
            if not p.is_leaf:
                raise ValueError(
                    f"{who}: parameter {i} ({p.label or p.op}) is computed by an op; only leaf Values can be updated"
                )
            if id(p) in seen:
                raise ValueError(f"{who}: parameter {i} ({p.label or 'unlabelled'}) is listed twice")
            seen.add(id(p))
        self.lr = _positive(lr, "lr", who)
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` (or the flat gradient vector) to 0."""
        if self.flat is not None:
            self.flat.grad[:] = 0.0
            return
        for p in self.params:
            p.grad = 0.0

    def _gradients(self) -> np.ndarray:
        if self.flat is not None:
            g = self.flat.grad
        else:
            g = np.fromiter((p.grad for p in self.params), dtype=float, count=len(self.params))
        if not np.isfinite(g).all():
            i = int(np.flatnonzero(~np.isfinite(g))[0])
            p = self.params[i]
            raise FloatingPointError(
                f"{type(self).__name__}.step: the gradient of parameter {i} ({p.label or 'unlabelled'}) "
                f"is {g[i]}; not updating"
            )
        return g

    def _dtype(self):
        return float if self.flat is None else self.flat.data.dtype

    def _subtract(self, delta: np.ndarray) -> None:
        """``p -= delta`` for every parameter: in place on a flat vector, else Value by Value."""
        if self.flat is not None:
            self.flat.data -= delta
            self.flat.updated()
            return
        old = np.fromiter((p.data for p in self.params), dtype=float, count=len(self.params))
        for p, x in zip(self.params, (old - delta).tolist()):
            p.data = x

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: ``p -= lr * g``; with momentum ``mu``: ``v = mu*v + g; p -= lr * v``."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _positive(momentum, "momentum", "SGD", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"SGD: momentum must be < 1, got {momentum!r}")
        self.velocity = np.zeros(len(self.params), dtype=self._dtype())

    def step(self) -> None:
        g = self._gradients()
        if self.momentum:
            self.velocity *= self.momentum
            self.velocity += g
            g = self.velocity
        self._subtract(self.lr * g)
        self.steps += 1


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, bias-corrected.

    ``m = b1*m + (1-b1)*g``;  ``v = b2*v + (1-b2)*g**2``;
    ``p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if len(betas) != 2 or not all(isinstance(b, numbers.Real) and 0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _positive(eps, "eps", "Adam")
        self.m = np.zeros(len(self.params), dtype=self._dtype())
        self.v = np.zeros(len(self.params), dtype=self._dtype())

    def step(self) -> None:
        g = self._gradients()
        b1, b2 = self.betas
        self.steps += 1
        t = self.steps
        self.m = b1 * self.m + (1.0 - b1) * g
        self.v = b2 * self.v + (1.0 - b2) * g * g
        m_hat = self.m / (1.0 - b1**t)
        v_hat = self.v / (1.0 - b2**t)
        self._subtract(self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
