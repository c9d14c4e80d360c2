"""The compiled step's state: parameter-only nodes once per call, flat parameter vectors for
the optimisers, and one step shared by several threads."""

import threading

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.compiler import compile
from autonn.datasets import make_moons
from autonn.nn import MLP
from autonn.optim import SGD, Adam
from compile_graphs import RandomGraph, assert_close, eager_loss_and_grads


def moons(n=40):
    X, y = make_moons(n, noise=0.1, seed=3)
    return np.column_stack([X, y])


def l2_loss(model, alpha, squared=False):
    params = model.parameters()

    def loss_fn(v):
        score = model(v[:2])[0]
        data = (score - v[2]) ** 2 if squared else (1.0 - v[2] * score).relu()
        return data + alpha * autonn.sum([p * p for p in params])

    return loss_fn


# -- parameter-only nodes ------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_an_l2_term_is_computed_once_per_call_and_matches_eager(reduction):
    model = MLP(2, [6, 1], seed=2)
    params = model.parameters()
    loss_fn = l2_loss(model, 0.01)
    X = moons()
    step = compile(loss_fn, params, 3, reduction=reduction)
    assert "once per call, not per sample: 1 parameter-only node" in step.summary()
    loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X, reduction)
    assert_close(loss, want_loss, "loss")
    assert_close(grads, want_grads, "gradients")
    # by hand: the L2 term adds 2 alpha p (times the batch for a sum) to each gradient
    plain = compile(l2_loss(model, 0.0), params, 3, reduction=reduction)(X)[1]
    times = 1.0 if reduction == "mean" else len(X)
    np.testing.assert_allclose(grads - plain, times * 0.02 * np.array([p.data for p in params]), atol=1e-13)


def test_several_parameter_only_nodes_at_several_depths_match_eager():
    w = [Value(x) for x in (0.4, -0.7, 1.3, 0.2)]

    def loss_fn(v):
        norm = (w[0] * w[0] + w[1] * w[1]).sqrt()  # read by a sample node and by another hoisted one
        gate = (w[2] * norm).tanh()
        scaled = w[1] * w[0].tanh()  # a product read by a sample node and by a parameter-only sum
        extra = autonn.sum([scaled, w[3]]).exp()
        return (v[0] * norm + gate * v[1] - w[3]).tanh() + (w[3] ** 2) * v[0] + gate + scaled * v[1] + extra

    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (7, 2))
    step = compile(loss_fn, w, 2)
    assert "once per call, not per sample" in step.summary()
    loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, w, X)
    assert_close(loss, want_loss, "loss")
    assert_close(grads, want_grads, "gradients")
    assert_close(step.evaluate(X), [loss_fn([Value(a), Value(b)]).data for a, b in X], "outputs")
    for p in w:  # later calls read the new numbers
        p.data *= -1.5
    assert_close(step(X)[1], eager_loss_and_grads(loss_fn, w, X)[1], "gradients after a change")


# -- flat parameters ---------------------------------------------------------------------------
def train_eager(model, loss_fn, X, opt_cls, steps, **kw):
    params = model.parameters()
    opt = opt_cls(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        losses = [loss_fn([Value(float(x)) for x in row]) for row in X]
        (autonn.sum(losses) / float(len(X))).backward()
        opt.step()
    return np.array([p.data for p in params])


@pytest.mark.parametrize("opt_cls, kw", [(SGD, {"lr": 0.1}), (SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.01})])
def test_training_on_the_flat_vector_equals_eager_training(opt_cls, kw):
    X = moons(20)
    eager_model, flat_model = MLP(2, [5, 1], seed=7), MLP(2, [5, 1], seed=7)
    # a squared error: no gradient cancels to rounding, which Adam would blow up to a full step
    want = train_eager(eager_model, l2_loss(eager_model, 0.001, True), X, opt_cls, 5, **kw)
    step = compile(l2_loss(flat_model, 0.001, True), flat_model.parameters(), 3)
    opt = opt_cls(step.flat, **kw)
    with step.flat.held():
        for _ in range(5):
            step(X)
            opt.step()
        before = [p.data for p in flat_model.parameters()]
    after = np.array([p.data for p in flat_model.parameters()])
    assert_close(after, want, "parameters after training")
    assert before == after.tolist()  # in float64 the Values read the step's vector: current inside the block too
    assert_close(step.flat.data, want, "the vector")


def test_outside_a_held_block_every_step_reaches_the_values():
    w = Value(1.0)
    step = compile(lambda v: (w * v[0] - 2.0) ** 2, [w], 1)
    opt = SGD(step.flat, lr=0.1)
    X = np.array([[1.0]])
    _, g = step(X)
    assert g[0] == pytest.approx(2 * (1.0 - 2.0))
    opt.step()
    assert w.data == pytest.approx(1.0 + 0.2)  # the Value sees it at once
    w.data = 3.0  # and a change to the Value reaches the next call
    assert step(X)[1][0] == pytest.approx(2 * (3.0 - 2.0))


def test_the_values_are_written_back_when_the_block_is_left_by_an_exception():
    w = Value(1.0)
    # float32: the step's vector is a copy of the Values' numbers, so inside the block they lag
    step = compile(lambda v: (w * v[0]) ** 2, [w], 1, dtype=np.float32)
    opt = SGD(step.flat, lr=0.25)
    with pytest.raises(KeyboardInterrupt):
        with step.flat.held():
            step(np.array([[1.0]]))
            opt.step()
            assert w.data == 1.0
            raise KeyboardInterrupt
    assert w.data == pytest.approx(1.0 - 0.25 * 2.0)


def test_a_non_finite_flat_gradient_is_refused_without_updating():
    w = Value(0.0)
    step = compile(lambda v: (w * v[0]).sqrt(), [w], 1, example=[1.0])
    opt = SGD(step.flat, lr=0.1)
    w.data = 1.0
    step(np.array([[0.0]]))  # d/dw sqrt(w*x) at x = 0 is nan
    with pytest.raises(FloatingPointError, match="SGD.step: the gradient of parameter 0"):
        opt.step()
    assert w.data == 1.0 and step.flat.data[0] == 1.0


# -- threads ------------------------------------------------------------------------------------
def test_one_step_shared_by_two_threads_gives_each_its_own_answer():
    rg = RandomGraph(11, n_steps=60)
    step = compile(rg.loss_fn, rg.params, rg.n_inputs)
    batches = [rg.batch(n, seed) for seed, n in enumerate((3, 50, 7, 120))]
    want = [step(X) for X in batches]
    want_out = [step.evaluate(X) for X in batches]
    errors = []
    start = threading.Barrier(2)

    def worker(k):
        start.wait()
        for t in range(150):
            i = (k + t) % len(batches)
            loss, grads = step(batches[i])
            out = step.evaluate(batches[i])
            if loss != want[i][0] or not np.array_equal(grads, want[i][1]) or not np.array_equal(out, want_out[i]):
                errors.append((k, t, i))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, f"{len(errors)} wrong results, first {errors[:3]}"


def test_the_flat_training_example_of_the_compile_page_trains_and_writes_the_values_back():
    import builtins
    import contextlib
    import io
    import re
    import textwrap

    from doc_text import between, read

    section = between(read("docs/COMPILE.md"), "compile")  # the compiler's page, linked from the README
    blocks = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", section, re.S)]
    first, flat = blocks[0], next(b for b in blocks if "step.flat.held()" in b)
    scope = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(builtins.compile(first, "docs/COMPILE.md example", "exec"), scope)
        before = [p.data for p in scope["model"].parameters()]
        first_loss = scope["step"](np.column_stack([scope["X"], scope["y"]]))[0]
        exec(builtins.compile(flat, "docs/COMPILE.md flat example", "exec"), scope)
    after = [p.data for p in scope["model"].parameters()]
    assert after != before and after == scope["step"].flat.data.tolist()
    assert scope["step"](scope["Xy"])[0] < first_loss
