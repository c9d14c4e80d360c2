"""micrograd 0.1.0's own engine checks and its models' conventions, through ``autonn.micrograd`` with only the imports changed.

``test_engine.py`` of micrograd compares two expressions with PyTorch; here
the same expressions are built with the drop-in's ``Value`` and checked against
central finite differences in float64 (always) and PyTorch (when installed).
micrograd's notebooks themselves are run in test_micrograd_notebooks.py.
"""

import random
import re

import numpy as np
import pytest

import autonn

from autonn.micrograd import MLP, Layer, Module, Neuron, Value, to_autonn


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
    neurons = [n for layer in params.layers for n in layer.neurons]
    ws = [w.data for n in neurons for w in n.w]
    assert max(ws) > 0.9 and min(ws) < -0.9 and max(map(abs, ws)) <= 1.0
    assert all(n.b.data == 0.0 for n in neurons)


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


# -- the Value's inside, as micrograd's code reads it ------------------------------------------------


def test_prev_op_and_backward_are_micrograds():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a
    (product,) = c._prev - {a}
    assert c._op == "+" and c._prev == {product, a}
    assert product._op == "*" and product._prev == {a, b}
    assert (a**2)._op == "**2" and (a**-1)._op == "**-1" and a.relu()._op == "ReLU"
    assert a._op == "" and a._prev == set() and a._backward() is None  # a leaf hands nothing on
    # _backward by hand, node by node, as in the lecture
    c.grad = 1.0
    c._backward()
    product._backward()
    assert (a.grad, b.grad) == (1.0 + -3.0, 2.0)


def test_a_closure_you_set_is_called_by_backward_and_built_in_nodes_hold_no_cycle():
    import gc
    import weakref

    x = Value(3.0)
    out = Value(x.data * 10, (x,), "times ten")
    calls = []

    def _backward():
        calls.append(1)
        x.grad += 10 * out.grad
    out._backward = _backward
    (out * 2).backward()
    assert calls == [1] and x.grad == 20.0 and out._backward is _backward
    gc.disable()
    try:
        y = (x * x + 1).relu()
        y.backward()
        gone = weakref.ref(y)
        del y
        assert gone() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_division_and_subtraction_are_micrograds_nodes_with_autonns_numbers():
    a, b = Value(6.0), Value(4.0)
    q = a / b
    assert q._op == "*" and {c._op for c in q._prev} == {"", "**-1"}
    q.backward()
    assert q.data == 1.5 and a.grad == 0.25 and b.grad == -6.0 / 16.0
    d = 10 - a
    assert d.data == 4.0 and d._op == "+"
    assert (np.float64(2.0) * a).data == 12.0  # a numpy scalar hands over to the Value


def test_backward_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value("1"), TypeError, "Value: data must be a real number"),
    (lambda: Value(1.0, [3.0]), TypeError, "Value: _children must be Values"),
    (lambda: Value(1.0, (), 3), TypeError, "Value: _op must be a str"),
    (lambda: Value(1.0) ** Value(2.0), TypeError, "Value.__pow__: the exponent must be an int or float"),
    (lambda: Value(-1.0) ** 0.5, autonn.DomainError, "powc: negative base"),
    (lambda: Value(0.0).log(), autonn.DomainError, "log"),
])
def test_bad_input_is_named(make, error, words):
    with pytest.raises(error, match=re.escape(words)):
        make()
    with pytest.raises(TypeError, match="_backward must be a function"):
        Value(1.0)._backward = 3


def test_to_autonn_rebuilds_the_graph_with_autonns_ops():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    by_hand = Value(a.data**3, (a,), "**3")  # a power made by hand: its exponent read from _op

    def _backward():
        a.grad += 3 * a.data**2 * by_hand.grad
    by_hand._backward = _backward
    root = (a * b + by_hand).relu() / b
    root.backward()
    rebuilt = to_autonn(root)
    rebuilt.backward()
    leaves = {v.label: v for v in autonn.graph.topological_order(rebuilt) if v.is_leaf and v.label}
    assert rebuilt.data == root.data
    assert (leaves["a"].grad, leaves["b"].grad) == (pytest.approx(a.grad, rel=1e-15), pytest.approx(b.grad, rel=1e-15))
    strange = Value(1.0, (a, b), "my op")
    with pytest.raises(ValueError, match="to_autonn: no autonn op for a node with _op 'my op' and 2 input"):
        to_autonn(strange)
