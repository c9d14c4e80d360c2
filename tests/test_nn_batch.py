"""Batches: 2-D numpy in, 2-D object arrays of Values out, and numpy operations on them."""

import math

import numpy as np
import pytest

from autonn import Value
from autonn.nn import MLP, Layer, apply, data, grads, values


def test_float_batch_gives_object_array_with_numbers():
    layer = Layer.from_weights([[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0], activation="linear")
    X = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, 0.0]])
    out = layer(X)
    assert out.dtype == object and out.shape == (3, 2)
    np.testing.assert_array_equal(out.astype(float), X @ np.array([[1.0, 2.0], [-1.0, 0.5]]) + [0.0, 1.0])
    np.testing.assert_array_equal(data(out), out.astype(float))


def test_integer_arrays_and_nested_lists_are_batches():
    layer = Layer.from_weights([[1.0, 1.0]], [0.0], activation="linear")
    assert layer(np.array([[1, 2], [3, 4]])).astype(float).tolist() == [[3.0], [7.0]]
    assert layer([[1, 2], [3, 4]]).astype(float).tolist() == [[3.0], [7.0]]
    with pytest.raises(ValueError, match="rows of one length"):
        layer([[1, 2], [3]])
    with pytest.raises(TypeError, match="dtype <U1"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match=r"got an array of shape \(1, 1, 2\)"):
        layer(np.ones((1, 1, 2)))


def test_batch_output_feeds_the_next_model():
    a = MLP(2, [3], seed=0)  # a single linear layer
    b = MLP(3, [2, 1], seed=1)
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    chained = b(a(X))
    assert chained.shape == (2, 1)
    for i in range(2):
        assert chained[i, 0].data == b(a(X[i]))[0].data


def test_numpy_operations_on_object_arrays():
    X = values(np.array([[0.5, -1.0], [2.0, 0.25]]), label="x")
    assert X[1, 0].label == "x[1,0]"
    W = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])
    H = np.tanh(X @ W + 1.0)
    assert H.shape == (2, 3)
    np.testing.assert_allclose(H.astype(float), np.tanh(data(X) @ W + 1.0), rtol=1e-12)
    E = np.exp(X) * 2 - X ** 2
    np.testing.assert_allclose(E.astype(float), np.exp(data(X)) * 2 - data(X) ** 2, rtol=1e-12)
    R = apply(Value.relu, X)
    assert R.astype(float).tolist() == [[0.5, 0.0], [2.0, 0.25]]
    loss = H.sum() + E.mean()
    loss.backward()
    # d/dx of sum(tanh(xW+1)) = (1 - H^2) W^T, plus d/dx mean(2 e^x - x^2) = (2 e^x - 2x)/4
    x = data(X)
    h = np.tanh(x @ W + 1.0)
    want = (1 - h**2) @ W.T + (2 * np.exp(x) - 2 * x) / 4
    np.testing.assert_allclose(grads(X), want, rtol=1e-12)


def test_grads_rejects_non_values():
    with pytest.raises(TypeError, match=r"element \(1,\) is a float"):
        grads([Value(1.0), 2.0])


def test_batch_rows_with_values_are_checked():
    layer = Layer(2, 1, seed=0)
    bad = np.array([[Value(1.0), "x"]], dtype=object)
    with pytest.raises(TypeError, match=r"input \[0\]\[1\] is a str"):
        layer(bad)
    good = np.array([[Value(1.0), 2]], dtype=object)
    assert math.isfinite(layer(good)[0, 0].data)
