"""Workloads (f) and (g): the compiled SGD step as the model widens, and with an L2 term.

(f) MLP(2, [w, w, 1]) with the hinge loss on moons points, for widths 16, 256
    and 1024 on 1,000 rows and width 16 on 10 rows: the compiled step training
    on its flat parameter vector (``step.flat`` held, ``SGD(step.flat)``)
    against the same step written by hand in numpy float64, and PyTorch
    float32 (nn.Linear), beside the compiled step in float32; and the compiled
    step on the torch backend beside PyTorch float64 (nn.Linear) by hand.
(g) the same compiled step with ``alpha * sum(p * p)`` over every parameter
    added to each sample's loss, against the plain one.

A model is traced once per configuration (a width-1024 MLP is 2.1 million
traced nodes) and every timing sample starts from the same weights.
"""

from __future__ import annotations

import time
from typing import Dict, Tuple

import numpy as np

import autonn
from autonn.compiler import compile as compile_loss
from autonn.datasets import make_moons
from autonn.nn import MLP
from autonn.optim import SGD

import mlp_step

LR = mlp_step.LR
ALPHA = 1e-4
_COMPILED: Dict[Tuple[int, int, bool, type, str], tuple] = {}
TRACE_SECONDS: Dict[int, float] = {}


def problem(width: int, rows: int, seed: int = 0):
    X, y = make_moons(rows, noise=0.1, seed=seed)
    rng = np.random.default_rng(seed)
    sizes = [2, width, width, 1]
    weights = [(rng.uniform(-1, 1, (nout, nin)) / np.sqrt(nin), np.zeros(nout)) for nin, nout in zip(sizes[:-1], sizes[1:])]
    return X, y, weights


def _flat_weights(weights) -> np.ndarray:
    """The weights in autonn's parameter order (neuron by neuron: its weights, then its bias)."""
    parts = []
    for W, b in weights:
        parts.append(np.column_stack([W, b]).ravel())
    return np.concatenate(parts)


def _compiled(width: int, rows: int, l2: bool, dtype, backend: str):
    key = (width, rows, l2, dtype, backend)
    if key not in _COMPILED:
        model = MLP(2, [width, width, 1], seed=0)
        params = model.parameters()

        def loss_fn(v):
            data = (1.0 - v[2] * model(v[:2])[0]).relu()
            return data + ALPHA * autonn.sum([p * p for p in params]) if l2 else data

        start = time.perf_counter()
        step = compile_loss(loss_fn, params, 3, dtype=dtype, backend=backend)
        TRACE_SECONDS.setdefault(width, time.perf_counter() - start)
        X, y, weights = problem(width, rows)
        _COMPILED[key] = (mlp_step.flat_training(step, np.column_stack([X, y])), _flat_weights(weights))
        del model, params
    return _COMPILED[key]


_PARAMETER_PATH: Dict[Tuple[int, int, type], tuple] = {}


def parameter_setup(width: int, rows: int, dtype=np.float64):
    """The path users write: ``SGD(model.parameters())`` and ``step.step_on(Xy)`` (what
    ``batch_step(..., compiled=True)`` returns), run as ``fit`` runs them.  A model of its
    own, traced once, so no held block or other step shares its parameters."""
    key = (width, rows, dtype)
    if key not in _PARAMETER_PATH:
        model = MLP(2, [width, width, 1], seed=0)
        params = model.parameters()
        step = compile_loss(lambda v: (1.0 - v[2] * model(v[:2])[0]).relu(), params, 3, dtype=dtype)
        X, y, weights = problem(width, rows)
        _PARAMETER_PATH[key] = (step, params, step.step_on(np.column_stack([X, y])), _flat_weights(weights))
    step, params, train, w0 = _PARAMETER_PATH[key]
    step.flat.data[:] = w0
    step.flat.push()  # the Values (the step's store) get the first weights
    return SGD(params, lr=LR), train


def parameter_step(state) -> float:
    opt, train = state
    opt.zero_grad()  # the body of fit's loop, without its logging
    loss = train()
    opt.step()
    return loss


def compiled_setup(width: int, rows: int, l2: bool = False, dtype=np.float64, backend: str = "numpy"):
    state, w0 = _compiled(width, rows, l2, dtype, backend)
    step, _, Xy, held = state
    step.flat.data[:] = w0
    return step, SGD(step.flat, lr=LR), Xy, held  # a fresh optimiser: no momentum carried over


compiled_step = mlp_step.autonn_compiled_step


def numpy_setup(width: int, rows: int):
    X, y, weights = problem(width, rows)
    return [(W.copy(), b.copy()) for W, b in weights], X, y


# the same step as the MLP workload's hand-written one (it reads the layers' shapes from the weights)
numpy_step = mlp_step.numpy_step


def torch32_setup(width: int, rows: int):
    X, y, weights = problem(width, rows)
    model, opt, Xt, yt = mlp_step.torch_batched_setup(X, y, weights)
    model.float()  # in place: the optimiser keeps the same parameters
    return model, opt, Xt.float(), yt.float()


def torch64_setup(width: int, rows: int):
    X, y, weights = problem(width, rows)
    return mlp_step.torch_batched_setup(X, y, weights)  # float64, as the hand-written numpy step


torch32_step = mlp_step.torch_batched_step


def check_same_losses(width: int, rows: int) -> float:
    """Largest difference between the compiled and the hand-written numpy step over two steps."""
    a, b = compiled_setup(width, rows), numpy_setup(width, rows)
    worst = max(abs(compiled_step(a) - numpy_step(b)) for _ in range(2))
    compiled_setup(width, rows)  # back to the first weights
    return worst
