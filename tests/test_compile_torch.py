"""The torch backend: the same compiled plan on PyTorch gives the numpy backend's numbers.

Every comparison is numpy backend vs torch backend in float64 to 1e-12
(relative to the size of the numbers); float32 is checked against float64
to the tolerance the compile docstring states.  The scenarios of the other
compiler tests (non-finite rows, training with SGD and Adam, threads) are
rerun with ``compile`` switched to the torch backend.  Without PyTorch
these tests are skipped with the reason; the error for a missing PyTorch
and the lazy import are tested either way.
"""

import functools
import subprocess
import sys

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn import losses as L
from autonn.compiler import compile
from autonn.nn import MLP, Network
from compile_graphs import RandomGraph, assert_close

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: the torch backend is optional "
                                                       "(pip install torch)")
torch_compile = functools.partial(compile, backend="torch", device="cpu")


def both(loss_fn, params, X, **kw):
    """(loss, grads, outputs) from the numpy backend and from the torch backend."""
    results = []
    for backend in ("numpy", "torch"):
        step = compile(loss_fn, params, X.shape[1], backend=backend, **kw)
        with np.errstate(all="ignore"):
            loss, grads = step(X)
            results.append((loss, grads, step.evaluate(X)))
    return results


def assert_same_backends(loss_fn, params, X, what, rtol=1e-12, **kw):
    (l0, g0, o0), (l1, g1, o1) = both(loss_fn, params, X, **kw)
    assert type(l1) is float and type(g1) is np.ndarray and type(o1) is np.ndarray
    assert_close(l1, l0, f"{what}: loss", rtol)
    assert_close(g1, g0, f"{what}: gradients", rtol)
    assert_close(o1, o0, f"{what}: outputs", rtol)


# -- the compile test graphs ------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", sorted(__import__("test_compile").OP_CASES))
def test_every_op_case_matches_the_numpy_backend(name):
    from test_compile import OP_CASES

    (lo, hi), body = OP_CASES[name]
    rng = np.random.default_rng(len(name))
    w = [Value(0.8, "w0"), Value(0.1, "w1"), Value(0.6, "w2")]
    X = np.column_stack([rng.uniform(-2.0, 2.0, 32) if lo < 0 else rng.uniform(0.5, 2.0, 32),
                         rng.uniform(lo, hi, 32)])

    def loss_fn(x):
        u = w[0] * x[0] + w[1]
        t = x[1] * w[2] if name != "pow" else x[1]
        return body(u, t, w[2]) if name != "pow" else body(u, t, w[2]) + w[2]

    assert_same_backends(loss_fn, w, X, name)


@needs_torch
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_random_graphs_match_the_numpy_backend(seed, reduction):
    rg = RandomGraph(seed, n_steps=40)
    assert_same_backends(rg.loss_fn, rg.params, rg.batch(17, seed), f"seed {seed}", reduction=reduction)


@needs_torch
def test_layers_networks_and_an_l2_term_match_the_numpy_backend():
    X = np.random.default_rng(5).uniform(-1, 1, (30, 3))
    mlp = MLP(2, [16, 16, 1], seed=2)
    params = mlp.parameters()
    assert_same_backends(lambda v: (mlp(v[:2])[0] - v[2]) ** 2 + 0.01 * autonn.sum([p * p for p in params]),
                         params, X, "MLP + L2")
    net = Network(["x1", "x2"], seed=3, activation="tanh")
    net.add("h1", ["x1", "x2"])
    net.add("h2", ["x2"], "sigmoid")
    net.add("h3", ["h1", "x1", "h2"], "relu")
    net.add("out", ["h3", "h1"], "linear")
    net.outputs = ["out"]
    assert_same_backends(lambda v: (1.0 - v[2] * net(v[:2])[0]).relu(), net.parameters(), X, "Network")


@needs_torch
@pytest.mark.parametrize("loss", ["mse", "half_mse", "hinge", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_the_losses_match_the_numpy_backend(loss):
    model = MLP(2, [6, 1], seed=4)
    X, y = autonn.datasets.make_moons(25, noise=0.1, seed=1)
    data = np.column_stack([X, y])

    def loss_fn(v):
        out = model(v[:2])[0]
        if loss == "binary_cross_entropy":
            out = out.sigmoid()
        # make_moons labels are -1 and +1, as hinge takes them; the others take 0 and 1
        label = v[2] if loss == "hinge" else (v[2] + 1.0) * 0.5
        return getattr(L, loss)([out], [label])

    assert_same_backends(loss_fn, model.parameters(), data, loss)


@needs_torch
@pytest.mark.parametrize("opt", ["SGD", "SGD momentum", "Adam"])
def test_training_steps_match_the_numpy_backend(opt):
    from autonn.optim import SGD, Adam

    make = {"SGD": lambda p: SGD(p, lr=0.1), "SGD momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
            "Adam": lambda p: Adam(p, lr=0.01)}[opt]
    X, y = autonn.datasets.make_moons(40, noise=0.1, seed=3)
    data = np.column_stack([X, y])
    trained = []
    for backend in ("numpy", "torch"):
        model = MLP(2, [8, 8, 1], seed=7)
        step = compile(lambda v: (model(v[:2])[0] - v[2]) ** 2, model.parameters(), 3, backend=backend)
        optimiser = make(step.flat)
        with step.flat.held():
            losses = []
            for _ in range(10):
                losses.append(step(data)[0])
                optimiser.step()
        trained.append((np.array(losses), np.array([p.data for p in model.parameters()])))
    assert_close(trained[1][0], trained[0][0], f"{opt}: losses")
    assert_close(trained[1][1], trained[0][1], f"{opt}: parameters after 10 steps")
    start = np.array([p.data for p in MLP(2, [8, 8, 1], seed=7).parameters()])
    assert not np.allclose(trained[1][1], start)  # the torch step did train


# -- float32 ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("seed", range(4))
def test_float32_matches_float64_to_the_stated_tolerance(seed):
    rg = RandomGraph(seed, n_steps=30)
    X = rg.batch(20, seed)
    exact_loss, exact = compile(rg.loss_fn, rg.params, 3)(X)
    for backend in ("numpy", "torch"):
        loss, grads = compile(rg.loss_fn, rg.params, 3, dtype=np.float32, backend=backend)(X)
        assert grads.dtype == np.float32
        assert_close(loss, exact_loss, f"{backend} float32 loss", rtol=1e-5)
        assert_close(grads, exact, f"{backend} float32 gradients", rtol=1e-5)


# -- the other compiler tests, rerun on the torch backend ------------------------------------------
@needs_torch
def test_non_finite_rows_stay_independent_on_the_torch_backend(monkeypatch):
    import test_compile_nonfinite as nf

    monkeypatch.setattr(nf, "compile", torch_compile)
    nf.test_the_reported_case_tanh_plus_sigmoid_with_an_inf_input()
    nf.test_a_bad_row_leaves_the_other_rows_alone()
    for bad in (nf.INF, -nf.INF, nf.NAN):
        nf.test_sparse_layers_and_networks_match_eager_row_by_row(bad)
    nf.test_random_graphs_with_non_finite_inputs_match_eager_row_by_row()
    nf.test_an_inf_gradient_does_not_reach_inputs_outside_its_sum()


@needs_torch
def test_ragged_sums_keep_rows_independent_on_the_torch_backend(monkeypatch):
    import test_compile_nonfinite as nf
    import test_compile_ragged as ragged

    monkeypatch.setattr(nf, "compile", torch_compile)
    for bad in (nf.INF, -nf.INF, nf.NAN):
        ragged.test_a_network_of_long_and_short_sums_matches_eager_row_by_row(bad)


@needs_torch
def test_flat_training_and_threads_on_the_torch_backend(monkeypatch):
    import test_compile_step_state as ss
    from autonn.optim import SGD, Adam

    monkeypatch.setattr(ss, "compile", torch_compile)
    for opt_cls, kw in [(SGD, {"lr": 0.1}), (Adam, {"lr": 0.01})]:
        ss.test_training_on_the_flat_vector_equals_eager_training(opt_cls, kw)
    ss.test_an_l2_term_is_computed_once_per_call_and_matches_eager("mean")
    ss.test_several_parameter_only_nodes_at_several_depths_match_eager()
    ss.test_outside_a_held_block_every_step_reaches_the_values()
    ss.test_a_non_finite_flat_gradient_is_refused_without_updating()
    ss.test_one_step_shared_by_two_threads_gives_each_its_own_answer()


@needs_torch
def test_a_domain_error_names_the_sample_as_on_numpy():
    w = Value(1.0)
    X = np.array([[1.0], [-2.0]])
    messages = []
    for backend in ("numpy", "torch"):
        step = compile(lambda v: (w * v[0]).log(), [w], 1, example=[1.0], backend=backend)
        with pytest.raises(ValueError) as err:
            step(X)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "sample 1" in messages[0]


@needs_torch
def test_the_device_is_what_torch_prefers_and_results_come_back_as_numpy():
    w = Value(0.5)
    step = compile(lambda v: w * v[0], [w], 1, backend="torch")
    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert step.backend == "torch" and step._xp.device.type == want
    assert f"backend='torch' on {want}" in repr(step)
    loss, grads = step(np.array([[2.0], [4.0]]))
    assert loss == 1.5 and type(loss) is float
    assert type(grads) is np.ndarray and grads.tolist() == [3.0]


@needs_torch
def test_a_device_that_shares_no_memory_with_numpy_gives_the_same_numbers(monkeypatch):
    # on a GPU the parameter and gradient vectors are copied across at each call: the
    # same path, forced on the CPU
    from autonn.compiler.backend import TorchBackend

    monkeypatch.setattr(TorchBackend, "mirror", lambda self, host: (self.asarray(host.copy()), False))
    model = MLP(2, [6, 6, 1], seed=5)
    params = model.parameters()
    X = np.random.default_rng(2).uniform(-1, 1, (12, 3))
    assert_same_backends(lambda v: (model(v[:2])[0] - v[2]) ** 2 + 0.01 * autonn.sum([p * p for p in params]),
                         params, X, "copied vectors")
    test_training_steps_match_the_numpy_backend("Adam")


# -- errors and the optional import (no PyTorch needed) ------------------------------------------
@pytest.mark.parametrize("backend", ["jax", "Torch", None, 3])
def test_an_unknown_backend_is_refused_by_name(backend):
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"compile: backend must be one of \('numpy', 'torch'\), got"):
        compile(lambda v: w * v[0], [w], 1, backend=backend)


def test_a_device_needs_the_torch_backend():
    w = Value(1.0)
    with pytest.raises(ValueError, match="compile: device='cuda' needs backend='torch'"):
        compile(lambda v: w * v[0], [w], 1, device="cuda")


@needs_torch
def test_a_device_torch_cannot_use_is_refused_by_name():
    w = Value(1.0)
    with pytest.raises(ValueError, match="compile: device must be a device PyTorch can use"):
        compile(lambda v: w * v[0], [w], 1, backend="torch", device="no-such-device")


def test_the_torch_backend_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    w = Value(1.0)
    with pytest.raises(ImportError, match=r'compile: backend="torch" needs PyTorch.*pip install torch'):
        compile(lambda v: w * v[0], [w], 1, backend="torch")


def test_torch_is_imported_only_when_the_torch_backend_is_asked_for():
    code = ("import sys, numpy as np, autonn\n"
            "w = autonn.Value(1.0)\n"
            "autonn.compile(lambda v: (w * v[0]).tanh(), [w], 1)(np.ones((2, 1)))\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
