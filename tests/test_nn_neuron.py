"""Neuron: the exact node shape it builds, its numbers, activations, from_weights, errors."""

import math

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.nn import Neuron
from autonn.nn.activation import ACTIVATIONS


def test_node_shape_is_products_then_sum_with_bias_last_then_activation():
    n = Neuron.from_weights([0.5, -2.0, 3.0], 0.25, activation="tanh", name="h")
    xs = [Value(1.0), Value(2.0), Value(-1.0)]
    out = n(xs)
    assert out.op == "tanh"
    (s,) = out.parents
    assert s.op == "sum"
    terms = s.parents
    assert len(terms) == 4
    assert terms[-1] is n.b
    for w, x, prod in zip(n.w, xs, terms[:3]):
        assert prod.op == "mul"
        assert prod.parents[0] is w  # weight on the left
        assert prod.parents[1] is x
    assert out.label == "h"


def test_linear_neuron_output_is_the_sum_node():
    n = Neuron.from_weights([2.0], 1.0, activation="linear")
    out = n([3.0])
    assert out.op == "sum"
    assert out.data == 7.0


@pytest.mark.parametrize(
    "name, f",
    [
        ("relu", lambda s: max(s, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda s: 1.0 / (1.0 + math.exp(-s))),
        ("softplus", lambda s: math.log1p(math.exp(s))),
        ("linear", lambda s: s),
    ],
)
def test_named_activations_compute_their_formula(name, f):
    w, b, x = [0.3, -0.7], 0.1, [1.5, 0.5]
    s = 0.3 * 1.5 - 0.7 * 0.5 + 0.1
    n = Neuron.from_weights(w, b, activation=name)
    assert n.activation == name
    assert math.isclose(n(x).data, f(s), rel_tol=1e-12)
    assert name in ACTIVATIONS


def test_callable_activation_is_applied_and_named():
    def cube(v):
        return v ** 3

    n = Neuron.from_weights([2.0], 0.0, activation=cube)
    assert n.activation == "cube"
    out = n([1.5])
    assert math.isclose(out.data, 27.0, rel_tol=1e-12)
    out.backward()
    assert math.isclose(n.w[0].grad, 3 * 3.0**2 * 1.5, rel_tol=1e-12)


def test_callable_that_returns_a_non_value_is_a_clear_error():
    n = Neuron.from_weights([1.0], 0.0, activation=lambda v: 3.0)
    with pytest.raises(TypeError, match="activation.*returned a float"):
        n([1.0])


def test_gradients_of_a_relu_neuron_by_hand():
    n = Neuron.from_weights([0.5, -1.0], 0.2, activation="relu")
    x = [Value(2.0), Value(0.5)]
    out = n(x)  # 1.0 - 0.5 + 0.2 = 0.7 > 0
    out.backward()
    assert [w.grad for w in n.w] == [2.0, 0.5]
    assert n.b.grad == 1.0
    assert [xi.grad for xi in x] == [0.5, -1.0]


def test_parameters_labels_and_names():
    n = Neuron.from_weights([1.0, 2.0], 3.0, name="N7")
    assert [p.label for p in n.parameters()] == ["N7.w0", "N7.w1", "N7.b"]
    assert [name for name, _ in n.named_parameters()] == ["N7.w0", "N7.w1", "N7.b"]
    assert n.neurons() == [n]
    assert n.nin == 2 and n.nout == 1


def test_seeded_init_is_reproducible_and_bounded():
    a = Neuron(50, seed=3)
    b = Neuron(50, seed=3)
    c = Neuron(50, seed=4)
    wa = [w.data for w in a.w]
    assert wa == [w.data for w in b.w]
    assert wa != [w.data for w in c.w]
    assert all(abs(w) <= 1 / math.sqrt(50) for w in wa)
    assert a.b.data == 0.0
    rng = np.random.default_rng(1)
    assert [w.data for w in Neuron(3, seed=rng).w] != [w.data for w in Neuron(3, seed=rng).w]


def test_batch_gives_a_column_of_values():
    n = Neuron.from_weights([1.0, 1.0], 0.0, activation="linear")
    out = n(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert out.shape == (3, 1) and out.dtype == object
    np.testing.assert_allclose(out.astype(float), [[3.0], [7.0], [11.0]], rtol=0, atol=0)


@pytest.mark.parametrize(
    "w, b, match",
    [
        ([[1.0, 2.0]], 0.0, r"w must have shape \(n,\)"),
        ([], 0.0, "at least one weight"),
        ([1.0], [1.0, 2.0], r"b must have shape \(\)"),
        ([float("nan")], 0.0, "finite"),
    ],
)
def test_from_weights_rejects_bad_shapes(w, b, match):
    with pytest.raises(ValueError, match=match):
        Neuron.from_weights(w, b)


@pytest.mark.parametrize("w, b", [([1.0, "a"], 0.0), (["1", "2"], "3"), ([1.0, True], 0.0), ([1.0], 1j)])
def test_from_weights_takes_real_numbers_only(w, b):
    with pytest.raises(TypeError, match=r"Neuron.from_weights: [wb] must be numbers .*real numbers only"):
        Neuron.from_weights(w, b)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        Neuron(2, activation="relux")
    with pytest.raises(TypeError, match="nin must be an int"):
        Neuron(2.5)
    with pytest.raises(ValueError, match="nin must be at least 1"):
        Neuron(0)
    with pytest.raises(TypeError, match="seed must be"):
        Neuron(2, seed="zero")


def test_wrong_number_of_inputs_names_the_neuron():
    n = Neuron(3, name="h1")
    with pytest.raises(ValueError, match="Neuron 'h1': expected 3 inputs for one sample, got 2"):
        n([1.0, 2.0])
    with pytest.raises(ValueError, match=r"batch of shape \(samples, 3\)"):
        n(np.zeros((4, 2)))
    with pytest.raises(TypeError, match=r"input \[1\] is a str"):
        n([1.0, "x", 2.0])
    with pytest.raises(TypeError, match="expected a sequence of 3 inputs"):
        n(Value(1.0))


def test_no_grad_forward_builds_no_graph():
    n = Neuron.from_weights([1.0, 2.0], 0.5, activation="tanh")
    with autonn.no_grad():
        out = n([1.0, 1.0])
    assert out.is_leaf
    assert math.isclose(out.data, math.tanh(3.5), rel_tol=1e-12)
