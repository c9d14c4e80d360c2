"""micrograd 0.1.0's own checks and demo run through ``autonn.micrograd`` with only the imports changed.

``test_engine.py`` of micrograd compares two expressions with PyTorch; here
the same expressions are built with the drop-in's ``Value`` and checked against
central finite differences in float64 (always) and PyTorch (when installed).
The demo notebook's training loop is run once with micrograd and once with the
drop-in from the same ``random.seed``; the losses and accuracies must agree.
"""

import random

import pytest

import autonn
from autonn.micrograd import MLP, Layer, Module, Neuron, Value


# -- test_engine.py: the two expressions, written once, built with any Value class ----------------


def sanity_expression(V, x0):
    x = V(x0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return [x], y


def more_ops_expression(V, a0, b0):
    a, b = V(a0), V(b0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return [a, b], g


CASES = [(sanity_expression, (-4.0,)), (more_ops_expression, (-4.0, 2.0))]


class _Float:
    """Plain float arithmetic with ``relu``, to evaluate the expressions for finite differences."""

    def __init__(self, v):
        self.v = float(v)

    def _wrap(self, other):
        return other.v if isinstance(other, _Float) else float(other)

    def __add__(self, o):
        return _Float(self.v + self._wrap(o))

    __radd__ = __add__

    def __mul__(self, o):
        return _Float(self.v * self._wrap(o))

    __rmul__ = __mul__

    def __sub__(self, o):
        return _Float(self.v - self._wrap(o))

    def __neg__(self):
        return _Float(-self.v)

    def __truediv__(self, o):
        return _Float(self.v / self._wrap(o))

    def __rtruediv__(self, o):
        return _Float(self._wrap(o) / self.v)

    def __pow__(self, k):
        return _Float(self.v**k)

    def relu(self):
        return _Float(max(self.v, 0.0))


@pytest.mark.parametrize("build,args", CASES, ids=["sanity_check", "more_ops"])
def test_engine_expressions_match_finite_differences(build, args):
    leaves, out = build(Value, *args)
    out.backward()
    _, reference = build(_Float, *args)
    assert out.data == pytest.approx(reference.v, rel=1e-15)
    for i, leaf in enumerate(leaves):
        h = 1e-6
        up = list(args)
        down = list(args)
        up[i] += h
        down[i] -= h
        slope = (build(_Float, *up)[1].v - build(_Float, *down)[1].v) / (2 * h)
        assert leaf.grad == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("build,args", CASES, ids=["sanity_check", "more_ops"])
def test_engine_expressions_match_pytorch(build, args):
    torch = pytest.importorskip("torch", reason="PyTorch is only an optional second reference")

    def tensor(v):
        return torch.tensor([v], dtype=torch.float64, requires_grad=True)

    leaves, out = build(Value, *args)
    out.backward()
    tleaves, tout = build(tensor, *args)
    tout.backward()
    tol = 1e-6  # micrograd's own tolerance
    assert abs(out.data - tout.data.item()) < tol
    for leaf, tleaf in zip(leaves, tleaves):
        assert abs(leaf.grad - tleaf.grad.item()) < tol


# -- the demo notebook's loop, written once and run with either package ---------------------------


def demo_training(V, MLPClass, X, y, steps):
    """micrograd's demo.ipynb loop (SVM max-margin loss, L2 regularisation, decaying rate)."""
    random.seed(1337)
    model = MLPClass(2, [16, 16, 1])

    def loss(batch_size=None):
        Xb, yb = X, y
        inputs = [list(map(V, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    record = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        record.append((total_loss.data, acc))
    return record


def test_demo_loop_gives_micrograds_numbers():
    micrograd = pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference for its own demo")
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    X, y = autonn.datasets.make_moons(100, noise=0.1, seed=1337)  # labels -1 / +1
    steps = 12
    ours = demo_training(Value, MLP, X, y, steps)
    theirs = demo_training(MValue, MMLP, X, y, steps)
    assert micrograd is not None and len(ours) == len(theirs) == steps
    for k, ((loss, acc), (mloss, macc)) in enumerate(zip(ours, theirs)):
        # Only the order of additions inside a neuron differs: rounding-level agreement.
        assert loss == pytest.approx(mloss, rel=1e-12, abs=1e-14), f"step {k}"
        assert acc == macc, f"step {k}"
    assert ours[-1][0] < ours[0][0]  # it trains


# -- construction and calling conventions ------------------------------------------------------------


def test_random_seed_gives_micrograds_starting_weights():
    pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference for its own weights")
    import micrograd.nn as mnn

    random.seed(7)
    ours = MLP(3, [4, 2])
    random.seed(7)
    theirs = mnn.MLP(3, [4, 2])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)


def test_one_output_comes_back_as_a_value_and_several_as_a_list():
    random.seed(0)
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3, nonlin=False)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    n = Neuron(2, nonlin=False)
    assert n([1.0, 2.0]).data == pytest.approx(n.w[0].data + 2 * n.w[1].data)


def test_weights_are_uniform_on_plus_minus_one_and_biases_zero():
    random.seed(1)
    params = MLP(50, [40, 1])
    ws = [w.data for n in params.neurons() for w in n.w]
    assert max(ws) > 0.9 and min(ws) < -0.9 and max(map(abs, ws)) <= 1.0
    assert all(n.b.data == 0.0 for n in params.neurons())


def test_zero_grad_and_a_module_of_your_own():
    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            return [self.a, self.b]

    m = Pair()
    (m.a * m.b).backward()
    assert (m.a.grad, m.b.grad) == (2.0, 1.0)
    m.zero_grad()
    assert (m.a.grad, m.b.grad) == (0.0, 0.0)
    assert Module().parameters() == []


def test_wrong_input_length_is_an_error_not_a_truncation():
    random.seed(0)
    with pytest.raises(ValueError, match="MLP"):
        MLP(2, [1])([1.0, 2.0, 3.0])
