"""Every public feature the README shows, written with type annotations.

This script is for the type checkers as much as for people: `mypy --strict` and
`pyright --strict` check it against autonn's own types (tests/test_types.py), so
the types a user relies on - a Value from one neuron, a list from a layer, a numpy
array from a batch, floats from `grad` - are held to what the code returns.  A
test also runs it, so it stays a working program.  Run: python examples/typed_usage.py
"""

from __future__ import annotations

import io
import math
import os
import random
import tempfile
from typing import Any, Callable, List, Sequence, Tuple

import numpy as np
import numpy.typing as npt

import autonn
from autonn import Value
from autonn.compiler import CompiledLoss, batch_step
from autonn.datasets import make_line, make_moons
from autonn.losses import binary_cross_entropy, cross_entropy, half_mse, hinge, mse
from autonn.nn import MLP, Layer, Network, Neuron
from autonn.optim import SGD, Adam
from autonn.train import History, accuracy, eager_step, fit, mean_loss_step


def values_and_operators() -> None:
    """Value: numbers in, operators and methods, backward, gradients out."""
    x = Value(-4.0, label="x")
    z = 2 * x + 2 + x
    y = (z * z).relu() + z.tanh() * x - (x**2).exp() / (1 + z.sigmoid())
    y.backward()
    dy_dx: float = x.grad
    assert math.isclose(dy_dx, 71086806.09336, rel_tol=1e-9)
    w = Value(0.5)
    parts: List[Value] = [
        -w, abs(w), w - 1, 1 - w, w / 2, 2 / w, w**w, 2**w, w.log(), w.sqrt(), w.sin(), w.cos(),
        w.leaky_relu(0.1), w.elu(), w.gelu(), w.silu(), w.softplus(), w.clamp(0.0, 1.0),
        w.maximum(0.2), w.minimum(0.2), autonn.where(autonn.gt(w, 0.0), w, -w), autonn.maximum(w, 1.0),
    ]
    total: Value = autonn.sum(parts)
    total.backward()
    assert total.op == "sum" and len(total.parents) == len(parts)
    number: float = total.item()
    assert f"{total:.3f}" == f"{number:.3f}" and bool(total)
    with autonn.no_grad():
        assert (w * 3).is_leaf
    assert w.detach().is_leaf and autonn.is_grad_enabled()
    handle = w.register_hook(lambda g: g * 2.0)
    handle.remove()
    w.zero_grad()


def gradients_of_graphs_and_functions() -> None:
    """grad in both styles, and the function transforms."""
    a, b = Value(2.0, "a"), Value(3.0, "b")
    out = a * b + a.exp()
    one: float = autonn.grad(out, a)
    several: List[float] = autonn.grad(out, [a, b])
    as_values: List[Value] = autonn.grad(out, [a, b], create_graph=True)
    second: List[float] = autonn.grad(as_values[0], [a])
    assert math.isclose(one, 3.0 + math.exp(2.0)) and several[1] == 2.0
    assert math.isclose(second[0], math.exp(2.0))

    def f(x: Value, y: Value) -> Value:
        return x * x * y + y.sin()

    df: Callable[..., object] = autonn.grad(f)
    assert df(2.0, -1.0) == -4.0
    slope: float = autonn.grad(f)(2.0, -1.0)  # numbers in, a float out
    slope_node: Value = autonn.grad(f)(a, b)  # Values in, a Value out (to differentiate again)
    at, dx = autonn.value_and_grad(f)(2.0, -1.0)
    assert slope == dx == -4.0 and slope_node.data == 2 * 2.0 * 3.0 and math.isclose(at, 4.0 * -1.0 - math.sin(1.0))
    value, gradient = autonn.value_and_grad(f, argnums=(0, 1))(2.0, -1.0)
    assert math.isclose(value, -4.0 - math.sin(1.0)) and len(gradient) == 2
    hessian: npt.NDArray[np.float64] = autonn.hessian(f, argnums=(0, 1))(2.0, -1.0)
    assert hessian.shape == (2, 2)
    hv = autonn.hvp(f, argnums=(0, 1))((2.0, -1.0), [1.0, 0.5])
    assert len(hv) == 2
    primal, tangent = autonn.jvp(f, (2.0, -1.0), (1.0, 0.5))
    assert math.isclose(tangent, -1.7298488470659301)
    def two_outputs(v: List[Value]) -> List[Value]:
        return [v[0] * v[1], v[0].exp()]

    def cube(x: Value) -> Value:
        return x**3

    jac: npt.NDArray[np.float64] = autonn.jacobian(two_outputs)([1.0, 2.0])
    assert jac.shape == (2, 2) and primal < 0
    assert autonn.grad(autonn.grad(cube))(2.0) == 12.0
    assert autonn.gradcheck(f, [0.3, -0.7])


def own_op() -> None:
    """register_op: a new op on every path."""
    # A rule runs on floats, numpy arrays and Values alike, through the namespace m: Any fits them all.
    def forward(a: Any, m: Any) -> Any:
        return a / (1 + m.abs(a))

    def vjp(g: Any, out: Any, a: Any, m: Any) -> Tuple[Any]:
        return (g / (1 + m.abs(a)) ** 2,)

    softsign = autonn.register_op("typed_softsign", forward, vjp, "d softsign(a)/da = 1/(1 + |a|)^2")
    x = Value(2.0, "x")
    y: Value = softsign(x)
    y.backward()
    assert math.isclose(x.grad, 1 / 9)


def models() -> None:
    """Neuron, Layer, MLP, Network: one sample, a batch, `.scalar`, losses and optimisers."""
    neuron = Neuron(2, activation="tanh", seed=0)
    neuron([0.5, -1.0]).backward()  # one sample: a Value
    layer = Layer(2, 3, seed=0)
    outs: List[Value] = layer([0.5, -1.0])  # one sample: a list, also for one output
    assert len(outs) == 3
    model = MLP(2, [8, 1], seed=0)
    (score,) = model([0.5, -1.0])
    assert model.scalar([0.5, -1.0]).data == score.data
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    scores = model(X)  # a batch: a (samples, 1) numpy object array of Values
    numbers = scores.astype(float)
    assert numbers.shape == (2, 1)
    loss = hinge(scores, [1, -1]) + mse(scores, [1.0, -1.0]) + half_mse(scores[:, 0], np.array([1.0, -1.0]))
    loss = loss + binary_cross_entropy([score.sigmoid()], [1.0]) + cross_entropy(layer([0.5, -1.0]), 2)
    opt = Adam(model.parameters(), lr=0.05)
    opt.zero_grad()
    loss.backward()
    opt.step()
    SGD(model, lr=0.1).step()  # a model, or its parameters
    grads: npt.NDArray[np.float64] = autonn.nn.grads(scores)
    assert grads.shape == (2, 1)

    net = Network(["x1", "x2"], activation="tanh", seed=1)
    net.add("a", ["x1", "x2"])
    net.add("out", ["a", "x1"], "linear")
    (y,) = net([0.0, 1.0])
    (y_by_name,) = net({"x1": 0.0, "x2": 1.0})
    assert y.data == y_by_name.data and net.outputs == ["out"]
    named: List[Tuple[str, Value]] = net.named_parameters()
    assert named[0][0] == "a.w0"

    def loss_of(*ps: Value) -> Value:
        with net.using_parameters(ps):
            return mse(net(X), [1.0, -1.0])

    assert autonn.gradcheck(loss_of, [p.data for p in net.parameters()])

    with tempfile.TemporaryDirectory() as folder:
        path = model.save(os.path.join(folder, "model.npz"))
        model.load(path)
        model.load_state_dict(model.state_dict())


def training() -> None:
    """fit with an eager step, a mean-loss step and a compiled step."""
    X, y = make_moons(n=20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history: History = fit(eager_step(lambda: hinge(model(X), y)), Adam(model, lr=0.05), 2, log=None)
    losses: List[float] = list(history)
    assert len(losses) == 2 and history.elapsed >= 0.0
    assert 0.0 <= accuracy(model(X), y) <= 1.0

    def sample_loss(v: Sequence[Value]) -> Value:  # v = [x1, x2, label]: one sample
        (s,) = model(v[:2])
        return (1.0 - v[2] * s).relu()

    data = np.column_stack([X, y])
    step: CompiledLoss = autonn.compile(sample_loss, model.parameters(), n_inputs=3)
    loss, grads = step(data)
    assert isinstance(loss, float) and grads.shape == (len(model.parameters()),)
    assert "traced nodes" in step.summary()
    fit(step.step_on(data), SGD(model.parameters(), lr=0.1), 2, log=None)
    fit(batch_step(sample_loss, model.parameters(), data), SGD(model, lr=0.1), 1, log=None)
    fit(mean_loss_step(lambda row: sample_loss([Value(t) for t in row]), data), SGD(model, lr=0.1), 1, log=None)
    xs, ys = make_line(n=5, seed=0)
    gw, gb = autonn.closed_form_line_grads(0.5, 0.0, xs, ys)
    assert math.isfinite(gw) and math.isfinite(gb)


def drawing_and_explaining() -> None:
    """to_dot, explain, ledger, animate."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b + 1.0).tanh()
    c.backward()
    dot_source: str = autonn.to_dot(c, derivatives=True).source
    assert "digraph" in dot_source
    text: str = autonn.ledger(c, [a])
    buffer = io.StringIO()
    autonn.explain(c, a, file=buffer)
    assert text.strip() and buffer.getvalue().strip()
    with tempfile.TemporaryDirectory() as folder:
        page: str = autonn.animate(c, os.path.join(folder, "player.html"))
        assert os.path.exists(page)


def testing_kit() -> None:
    """assert_grads_close, Expression, check_engine."""
    import autonn.micrograd
    from autonn.testing import EngineReport, Expression, Step, assert_grads_close, check_engine

    def by_hand(w: float, x: float) -> List[float]:
        s = 1 - math.tanh(w * x) ** 2
        return [x * s, w * s]

    def f(w: Value, x: Value) -> Value:
        return (w * x).tanh()

    assert_grads_close(f, [0.3, -1.2], reference=by_hand)
    expr = Expression([0.5, -1.0], [Step("mul", (0, 1)), Step("tanh", (2,)), Step("add", (3, 2))])
    assert str(expr) == "tanh(x0 * x1) + x0 * x1"
    assert math.isclose(expr.build()[0].data, -0.9621171572600098)
    report: EngineReport = check_engine(autonn.micrograd.Value, ops=["add", "mul"], max_examples=5)
    assert "add" in report.agree


def micrograd_drop_in() -> None:
    """autonn.micrograd: micrograd's classes, autonn underneath."""
    from autonn.micrograd import MLP as MicroMLP
    from autonn.micrograd import Value as MicroValue

    random.seed(1337)
    model = MicroMLP(2, [4, 1])
    score = model([MicroValue(0.5), MicroValue(-1.0)])  # one output: a Value, as in micrograd
    loss = (1 + -1.0 * score).relu()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad


def main() -> None:
    values_and_operators()
    gradients_of_graphs_and_functions()
    own_op()
    models()
    training()
    drawing_and_explaining()
    testing_kit()
    micrograd_drop_in()
    print("typed_usage: every feature ran")


if __name__ == "__main__":
    main()
