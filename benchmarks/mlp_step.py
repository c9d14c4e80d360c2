"""Workloads (b) and (d): one training step of MLP(2, [16, 16, 1]) on 100 two-moons points.

A step is: forward every point, the mean hinge loss ``relu(1 - y * score)``,
backward, and plain SGD ``p -= lr * grad`` on every weight and bias.  Every
engine starts from the same weights (drawn once here) and the same data, in
float64, and :func:`first_losses` checks they all compute the same loss.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

import autonn
from autonn.datasets import make_moons
from autonn.compiler import compile as compile_loss
from autonn.nn import MLP
from autonn.optim import SGD

from engines import micrograd_nn, torch

SIZES = [2, 16, 16, 1]
LR = 0.05


def problem(n_points: int = 100, seed: int = 0):
    """``(X, y, weights)``: moons data and one list of ``(W, b)`` per layer."""
    X, y = make_moons(n_points, noise=0.1, seed=seed)
    rng = np.random.default_rng(seed)
    weights = [(rng.uniform(-1, 1, (nout, nin)) / np.sqrt(nin), np.zeros(nout))
               for nin, nout in zip(SIZES[:-1], SIZES[1:])]
    return X, y, weights


def _set_neurons(layers_of_neurons, weights) -> None:
    for neurons, (W, b) in zip(layers_of_neurons, weights):
        for neuron, row, bias in zip(neurons, W, b):
            for w, x in zip(neuron.w, row):
                w.data = float(x)
            neuron.b.data = float(bias)


# -- autonn, eager ------------------------------------------------------------------------
def autonn_model(weights) -> MLP:
    model = MLP(SIZES[0], SIZES[1:], seed=0)
    _set_neurons([layer.neurons for layer in model.layers], weights)
    return model


def autonn_eager_setup(X, y, weights):
    return autonn_model(weights), X.tolist(), y.tolist()


def autonn_eager_step(state) -> float:
    model, xs, ys = state
    losses = [(1.0 - yi * model(xi)[0]).relu() for xi, yi in zip(xs, ys)]
    loss = autonn.sum(losses) * (1.0 / len(xs))
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return loss.data


# -- autonn, compiled ---------------------------------------------------------------------
def autonn_compiled_setup(X, y, weights, backend="numpy"):
    model = autonn_model(weights)
    params = model.parameters()

    def loss_fn(v):
        return (1.0 - v[2] * model(v[:2])[0]).relu()

    return flat_training(compile_loss(loss_fn, params, 3, backend=backend), np.column_stack([X, y]))


def autonn_torch_backend_setup(X, y, weights):
    """The same compiled step run by the torch backend (on the CPU: the machine's device)."""
    return autonn_compiled_setup(X, y, weights, backend="torch")


def flat_training(step, Xy):
    """The state of a compiled step that trains on its flat parameter vector: the Values are
    written back when the held block ends (when the state is dropped)."""
    held = step.flat.held()
    held.__enter__()
    return step, SGD(step.flat, lr=LR), Xy, held


def autonn_compiled_step(state) -> float:
    step, opt, Xy, _ = state
    loss, _ = step(Xy)
    opt.step()
    return loss


# -- micrograd, eager ---------------------------------------------------------------------
def micrograd_setup(X, y, weights):
    model = micrograd_nn.MLP(SIZES[0], SIZES[1:])
    _set_neurons([layer.neurons for layer in model.layers], weights)
    return model, X.tolist(), y.tolist()


def micrograd_step(state) -> float:
    model, xs, ys = state
    losses = [(1.0 - yi * model(xi)).relu() for xi, yi in zip(xs, ys)]
    loss = sum(losses) * (1.0 / len(xs))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return loss.data


# -- PyTorch with 0-d tensors (one tensor per scalar, like a scalar engine) ---------------
def torch_scalar_setup(X, y, weights):
    layers = []
    for W, b in weights:
        layers.append(([[torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in row] for row in W],
                       [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in b]))
    params = [p for Ws, bs in layers for row in Ws for p in row] + [p for _, bs in layers for p in bs]
    xs = [[torch.tensor(float(v), dtype=torch.float64) for v in row] for row in X]
    ys = [torch.tensor(float(v), dtype=torch.float64) for v in y]
    return layers, params, xs, ys


def torch_scalar_step(state) -> float:
    layers, params, xs, ys = state
    losses = []
    for xi, yi in zip(xs, ys):
        h = xi
        for k, (Ws, bs) in enumerate(layers):
            out = [sum((w * x for w, x in zip(row, h)), b) for row, b in zip(Ws, bs)]
            h = out if k == len(layers) - 1 else [torch.relu(a) for a in out]
        losses.append(torch.relu(1.0 - yi * h[0]))
    loss = sum(losses) * (1.0 / len(xs))
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
    return loss.item()


# -- PyTorch batched (nn.Linear) ---------------------------------------------------------
def torch_batched_setup(X, y, weights):
    mods = []
    for i, (W, b) in enumerate(weights):
        lin = torch.nn.Linear(W.shape[1], W.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if i < len(weights) - 1:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return model, opt, torch.from_numpy(X.copy()), torch.from_numpy(y.copy())


def torch_batched_step(state) -> float:
    model, opt, X, y = state
    opt.zero_grad()
    score = model(X)[:, 0]
    loss = torch.relu(1.0 - y * score).mean()
    loss.backward()
    opt.step()
    return loss.item()


# -- hand-written numpy: the same math as matrix products --------------------------------
def numpy_setup(X, y, weights):
    return [(W.copy(), b.copy()) for W, b in weights], X, y


def numpy_step(state) -> float:
    (l1, l2, l3), X, y = state
    (W1, b1), (W2, b2), (W3, b3) = l1, l2, l3
    n = X.shape[0]
    z1 = X @ W1.T + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2.T + b2
    h2 = np.maximum(z2, 0.0)
    score = h2 @ W3.T + b3
    margin = 1.0 - y[:, None] * score
    loss = np.maximum(margin, 0.0).mean()
    ds = -y[:, None] * (margin > 0.0) / n
    dW3 = ds.T @ h2
    db3 = ds.sum(axis=0)
    dz2 = (ds @ W3) * (z2 > 0.0)
    dW2 = dz2.T @ h1
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2) * (z1 > 0.0)
    dW1 = dz1.T @ X
    db1 = dz1.sum(axis=0)
    for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
        p -= LR * g
    return float(loss)


ENGINES: Dict[str, Tuple] = {
    "autonn eager": (autonn_eager_setup, autonn_eager_step),
    "autonn compiled": (autonn_compiled_setup, autonn_compiled_step),
    "autonn compiled, torch backend": (autonn_torch_backend_setup, autonn_compiled_step),
    "micrograd": (micrograd_setup, micrograd_step),
    "PyTorch 0-d tensors": (torch_scalar_setup, torch_scalar_step),
    "PyTorch batched": (torch_batched_setup, torch_batched_step),
    "numpy by hand": (numpy_setup, numpy_step),
}


def available(names: List[str]) -> List[str]:
    def ok(name):
        if name == "micrograd":
            return micrograd_nn is not None
        if name.startswith("PyTorch") or name.endswith("torch backend"):
            return torch is not None
        return True
    return [n for n in names if ok(n)]


def first_losses(names: List[str]) -> Dict[str, Tuple[float, float]]:
    """Loss of the first and of the second step for each engine (the second shows
    that the SGD update happened and was the same everywhere)."""
    X, y, weights = problem()
    out = {}
    for name in available(names):
        setup, step = ENGINES[name]
        state = setup(X, y, weights)
        out[name] = (step(state), step(state))
    return out
