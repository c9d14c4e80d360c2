"""The public entry point: ``compile`` a per-sample loss, then run it on whole batches."""

from __future__ import annotations

from operator import attrgetter
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..arguments import first_non_real, real_array
from ..train import mean_loss_step
from .schedule import Plan, schedule
from .trace import check_params, trace

__all__ = ["compile", "CompiledLoss", "batch_step"]

_REDUCTIONS = ("mean", "sum")
_DATA = attrgetter("data")


class CompiledLoss:
    """A traced loss, run forward and backward on a batch as numpy array operations.

    Call it with a batch ``X`` of shape ``(batch, n_inputs)`` (row ``s`` is
    sample ``s``; column ``j`` feeds the function's ``inputs[j]``)::

        loss, grads = step(X)

    ``loss`` is the mean (or sum) over the batch of the function's output, a
    float; ``grads[i]`` is ``d loss / d params[i]``.  Parameters are read from
    their ``.data`` at every call, so an optimiser that changes ``p.data``
    between calls trains the compiled function too.  With
    ``accumulate_grad=True`` the gradients are also added to each ``p.grad``,
    as ``loss.backward()`` would, so ``autonn.optim`` optimisers work
    unchanged.
    """

    def __init__(self, params: List, n_inputs: int, reduction: str, plan: Plan,
                 pvec: np.ndarray, gp: np.ndarray) -> None:
        self.params = params
        self.n_inputs = n_inputs
        self.reduction = reduction
        self._plan = plan
        self._pvec = pvec  # parameter numbers and their gradients: the kernels
        self._gp = gp  # hold views of these two vectors, so they are never replaced
        self._batch = -1
        self._V = self._G = None

    def _buffers(self, batch: int):
        """The value and gradient arrays, kept between calls of the same batch size."""
        if batch != self._batch:
            plan = self._plan
            V = np.zeros((plan.n_rows, batch))
            V[plan.const_rows] = plan.const_values[:, None]
            self._V, self._G, self._batch = V, np.zeros((plan.n_rows, batch)), batch
        return self._V, self._G

    def _check(self, X, who: str) -> np.ndarray:
        found = first_non_real(X)
        if found is not None:  # as model(X): no bool, str, complex or None read as a number
            raise TypeError(
                f"{who}: X must hold real numbers (shape (batch, {self.n_inputs})), "
                f"found {type(found[0]).__name__}: {found[0]!r}"
            )
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError, OverflowError) as err:
            raise TypeError(f"{who}: X must be an array of numbers of shape (batch, {self.n_inputs}): {err}") from None
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"{who}: expected X of shape (batch, {self.n_inputs}) (one row per sample, "
                f"one column per input), got shape {X.shape}"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{who}: the batch is empty (X has shape {X.shape}); expected at least one sample")
        return X

    def _forward(self, X: np.ndarray):
        plan = self._plan
        V, G = self._buffers(X.shape[0])
        pvec = self._pvec
        params = self.params
        pvec[:] = np.fromiter(map(_DATA, params), float, len(params))
        V[plan.input_rows] = X.T
        for kernel in plan.forward:
            kernel.forward(V, pvec)
        return V, G

    def __call__(self, X, accumulate_grad: bool = False) -> Tuple[float, np.ndarray]:
        """``(loss, grads)`` for the batch ``X`` (see the class docstring)."""
        X = self._check(X, "compiled step")
        plan = self._plan
        gp = self._gp
        with np.errstate(all="ignore"):
            V, G = self._forward(X)
            out = V[plan.root_row]
            total = float(out.sum())
            scale = 1.0 / X.shape[0] if self.reduction == "mean" else 1.0
            if plan.zero_rows is not None:
                G[plan.zero_rows] = 0.0
            if plan.zero_params is not None:
                gp[plan.zero_params] = 0.0
            G[plan.root_row] = scale
            for kernel in plan.backward:
                kernel.backward(V, G, gp)
        grads = gp.copy()
        if accumulate_grad:
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
        return total * scale, grads

    def step_on(self, X) -> Callable[[], float]:
        """A training step on the fixed batch ``X``: each call adds the gradients to
        every ``p.grad`` (as ``backward()`` would) and returns the loss, the
        contract of :func:`autonn.train.fit` and of ``train.mean_loss_step``."""
        X = self._check(X, "compiled step_on")
        return lambda: self(X, accumulate_grad=True)[0]

    def evaluate(self, X) -> np.ndarray:
        """The function's output for every sample of ``X`` (forward only), shape ``(batch,)``."""
        X = self._check(X, "compiled evaluate")
        with np.errstate(all="ignore"):
            V, _ = self._forward(X)
        return V[self._plan.root_row].copy()

    def summary(self) -> str:
        """What the compiler made of the graph: one line per vectorised step."""
        plan = self._plan
        lines = [
            f"{plan.n_nodes} traced nodes -> {len(plan.forward)} forward steps, {len(plan.backward)} backward steps "
            f"({plan.n_absorbed} products absorbed into matrices)"
        ]
        lines += [f"  {i + 1:>3}. {k.describe()}" for i, k in enumerate(plan.forward)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        plan = self._plan
        return (f"CompiledLoss({len(self.params)} params, {self.n_inputs} inputs, reduction={self.reduction!r}, "
                f"{len(plan.forward)} steps for {plan.n_nodes} nodes)")



def compile(  # noqa: A001 - the natural name; autonn.compile reads well
    loss_fn: Callable[[List], object],
    params: Sequence,
    n_inputs: int,
    reduction: str = "mean",
    example: Optional[Sequence[float]] = None,
    allow_unused: bool = False,
) -> CompiledLoss:
    """Trace ``loss_fn`` once and return a :class:`CompiledLoss` that runs it on whole batches.

    ``loss_fn(inputs)`` takes a list of ``n_inputs`` scalar Values (one
    sample: features and target alike) and returns one Value, the loss of
    that sample.  It is called once, on placeholders; Python control flow
    inside it is frozen by that call (an ``if x.data > 0`` takes the branch
    the placeholder took), arithmetic on Values is not.

    ``params`` are the leaf Values to differentiate (e.g. ``model.parameters()``);
    every one must be used by the function, unless ``allow_unused=True``
    (then an unused one gets gradient 0).  Any other leaf the function
    reads is a constant, frozen at its current number.

    ``reduction`` is ``"mean"`` or ``"sum"`` over the batch.  ``example``
    gives the placeholders' numbers during the trace (default zeros) if
    zeros would be outside the function's domain.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"compile: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    params = check_params(params, "compile")  # once: an iterator can be read only once
    graph = trace(loss_fn, params, n_inputs, example, allow_unused)
    pvec = np.array([p.data for p in params], dtype=float)
    gp = np.zeros(len(params))
    plan = schedule(graph, n_inputs, pvec, gp)
    return CompiledLoss(params, n_inputs, reduction, plan, pvec, gp)


def batch_step(sample_loss: Callable, params, data, compiled: bool = False) -> Callable[[], float]:
    """A training step over the rows of ``data``: the mean of ``sample_loss(row)``.

    Each call adds d(mean loss)/d p to every ``p.grad`` and returns the loss,
    the contract of :func:`autonn.train.fit`.  Eager by default
    (:func:`autonn.train.mean_loss_step`); ``compiled=True`` traces
    ``sample_loss`` once and runs every step on the whole batch with numpy
    (:meth:`CompiledLoss.step_on`) - the same numbers, much faster.
    """
    if not compiled:
        return mean_loss_step(sample_loss, data)
    data = real_array(data, "data", "batch_step")
    if data.ndim != 2:
        raise ValueError(f"batch_step: data must be a 2-D array of rows, got shape {data.shape}")
    return compile(sample_loss, params, n_inputs=data.shape[1]).step_on(data)
