"""Layer and MLP: list outputs, naming, last layer linear, from_weights, batches vs numpy."""

import numpy as np
import pytest

import autonn
from autonn.nn import MLP, Layer, Neuron


def numpy_mlp(weights, X, hidden):
    """Reference forward pass of an MLP in plain numpy (rows are samples)."""
    H = X
    for i, (W, b) in enumerate(weights):
        H = H @ W.T + b
        if i < len(weights) - 1:
            H = hidden(H)
    return H


def test_layer_returns_a_list_even_for_one_neuron():
    layer = Layer(3, 1, seed=0)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1
    assert isinstance(out[0], autonn.Value)


def test_layer_neurons_is_a_list_and_callable():
    layer = Layer(2, 3, seed=0, name="L5")
    assert isinstance(layer.neurons, list) and len(layer.neurons) == 3
    assert layer.neurons() == list(layer.neurons)
    assert [n.name for n in layer.neurons] == ["L5.N0", "L5.N1", "L5.N2"]
    assert isinstance(layer.neurons[0], Neuron)


def test_layer_from_weights_matches_numpy():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=4)
    X = rng.normal(size=(5, 3))
    layer = Layer.from_weights(W, b, activation="tanh")
    np.testing.assert_allclose(layer(X).astype(float), np.tanh(X @ W.T + b), rtol=1e-12, atol=1e-14)
    # nested lists work too
    layer2 = Layer.from_weights(W.tolist(), b.tolist(), activation="tanh")
    assert [p.data for p in layer2.parameters()] == [p.data for p in layer.parameters()]


def test_layer_from_weights_shape_errors():
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        Layer.from_weights(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"W must have shape \(n, n\)"):
        Layer.from_weights(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="W must be numbers"):
        Layer.from_weights([[1.0, 2.0], [3.0]], [0.0, 0.0])


def test_mlp_hidden_activation_and_linear_last_layer():
    m = MLP(2, [4, 3, 2], activation="tanh", seed=0)
    assert [layer.activation for layer in m.layers] == ["tanh", "tanh", "linear"]
    assert [layer.name for layer in m.layers] == ["L0", "L1", "L2"]
    assert m.nin == 2 and m.nout == 2
    out = m([0.1, -0.2])
    assert isinstance(out, list) and len(out) == 2
    assert all(v.op == "sum" for v in out)


def test_mlp_matches_numpy_on_a_batch():
    rng = np.random.default_rng(1)
    shapes = [(5, 3), (4, 5), (1, 4)]
    weights = [(rng.normal(size=s), rng.normal(size=s[0])) for s in shapes]
    m = MLP.from_weights(weights, activation="relu")
    X = rng.normal(size=(7, 3))
    want = numpy_mlp(weights, X, lambda h: np.maximum(h, 0.0))
    np.testing.assert_allclose(m(X).astype(float), want, rtol=1e-12, atol=1e-13)


def test_mlp_gradients_match_numpy_backprop():
    rng = np.random.default_rng(2)
    W1, b1 = rng.normal(size=(4, 2)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(1, 4)), rng.normal(size=1)
    m = MLP.from_weights([(W1, b1), (W2, b2)], activation="tanh")
    x = rng.normal(size=2)
    (out,) = m(x)
    out.backward()
    # by hand: y = W2 tanh(W1 x + b1) + b2
    h = np.tanh(W1 @ x + b1)
    dW2 = h
    dz = W2[0] * (1 - h**2)
    dW1 = np.outer(dz, x)
    got_W1 = np.array([[w.grad for w in n.w] for n in m.layers[0].neurons])
    np.testing.assert_allclose(got_W1, dW1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose([w.grad for w in m.layers[1].neurons[0].w], dW2, rtol=1e-12)
    np.testing.assert_allclose([n.b.grad for n in m.layers[0].neurons], dz, rtol=1e-12)
    assert m.layers[1].neurons[0].b.grad == 1.0


def test_mlp_parameter_order_and_names_are_stable():
    m = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in m.named_parameters()]
    assert names[:3] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b"]
    assert names[-1] == "L1.N0.b"
    assert len(names) == len(set(names)) == 3 * 3 + 4
    assert [p for _, p in m.named_parameters()] == m.parameters()
    assert [p.label for p in m.parameters()] == names
    assert [n.name for n in m.neurons()] == ["L0.N0", "L0.N1", "L0.N2", "L1.N0"]


def test_mlp_seed_reproducible_and_zero_grad():
    a, b = MLP(3, [4, 1], seed=11), MLP(3, [4, 1], seed=11)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in MLP(3, [4, 1], seed=12).parameters()]
    (y,) = a([1.0, 2.0, 3.0])
    y.backward()
    assert any(p.grad != 0.0 for p in a.parameters())
    a.zero_grad()
    assert all(p.grad == 0.0 for p in a.parameters())


def test_mlp_from_weights_checks_chaining():
    with pytest.raises(ValueError, match="layer 1 reads 3 inputs but layer 0 gives 2 outputs"):
        MLP.from_weights([(np.ones((2, 2)), np.ones(2)), (np.ones((1, 3)), np.ones(1))])
    with pytest.raises(TypeError, match="nouts must be a non-empty list"):
        MLP(2, 3)
    with pytest.raises(ValueError, match=r"nouts\[1\] must be at least 1"):
        MLP(2, [3, 0])


def test_batch_of_values_flows_and_backpropagates():
    m = MLP(2, [3, 1], activation="tanh", seed=0)
    X = autonn.nn.values(np.array([[0.5, -1.0], [2.0, 0.25]]), label="x")
    out = m(X)
    assert out.shape == (2, 1)
    loss = autonn.sum(out.ravel().tolist())
    loss.backward()
    g = autonn.nn.grads(X)
    # d loss / d x of sample 0 only depends on sample 0: compare with a single-sample pass
    x0 = [autonn.Value(0.5), autonn.Value(-1.0)]
    (y0,) = m(x0)
    grads0 = autonn.grad(y0, x0)
    np.testing.assert_allclose(g[0], grads0, rtol=1e-12)
