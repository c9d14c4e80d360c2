"""``init=`` schemes, ``autonn.manual_seed`` and ``Module.scalar``."""

import math

import numpy as np
import pytest

import autonn
from autonn.nn import MLP, Layer, Network, Neuron


@pytest.fixture(autouse=True)
def _fresh_numbers_after_each_test():
    yield
    autonn.manual_seed(None)


def _weights(model):
    return np.array([w.data for n in model.neurons() for w in n.w])


@pytest.mark.parametrize("init,bound", [("scaled", 1 / math.sqrt(64)), ("uniform", 1.0)])
@pytest.mark.parametrize("make", [
    lambda init: Neuron(64, init=init, seed=0),
    lambda init: Layer(64, 30, init=init, seed=0),
    lambda init: MLP(64, [30, 1], init=init, seed=0),
    lambda init: Network(64, [("h", [f"x{i}" for i in range(64)])] * 1, init=init, seed=0),
])
def test_weights_fill_the_schemes_interval_and_biases_start_at_zero(make, init, bound):
    model = make(init)
    first = model.neurons()[0]
    w = np.array([x.data for x in first.w])
    assert np.all(np.abs(w) <= bound)
    assert np.abs(w).max() > 0.8 * bound  # 64 draws: the interval is filled, not a smaller one
    assert all(n.b.data == 0.0 for n in model.neurons())


def test_default_is_scaled():
    assert np.array_equal(_weights(MLP(5, [3, 1], seed=4)), _weights(MLP(5, [3, 1], seed=4, init="scaled")))


@pytest.mark.parametrize("bad", ["xavier", None, 1])
def test_unknown_scheme_is_named(bad):
    with pytest.raises(ValueError, match=r"MLP: init must be one of 'scaled', 'uniform'"):
        MLP(2, [1], init=bad)


def test_manual_seed_repeats_unseeded_models_and_leaves_seeded_ones_alone():
    autonn.manual_seed(11)
    a = np.concatenate([_weights(MLP(3, [4, 1])), _weights(Neuron(3))])
    autonn.manual_seed(11)
    b = np.concatenate([_weights(MLP(3, [4, 1])), _weights(Neuron(3))])
    assert np.array_equal(a, b)
    autonn.manual_seed(12)
    assert not np.array_equal(_weights(MLP(3, [4, 1])), a[: a.size - 3])
    autonn.manual_seed(11)
    assert np.array_equal(_weights(MLP(3, [4, 1], seed=5)), _weights(MLP(3, [4, 1], seed=5)))


def test_manual_seed_none_goes_back_to_fresh_numbers():
    autonn.manual_seed(1)
    autonn.manual_seed(None)
    assert not np.array_equal(_weights(MLP(3, [8, 1])), _weights(MLP(3, [8, 1])))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_manual_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="manual_seed: seed must be"):
        autonn.manual_seed(bad)


def test_scalar_gives_the_one_output_as_a_value():
    model = MLP(2, [3, 1], seed=0)
    y = model.scalar([0.5, -1.0])
    assert isinstance(y, autonn.Value) and y is not None
    assert y.data == model([0.5, -1.0])[0].data
    net = Network(["a", "b"], {"o": ["a", "b"]}, seed=0)
    assert net.scalar({"a": 1.0, "b": 2.0}).data == net([1.0, 2.0])[0].data


def test_scalar_refuses_several_outputs_and_batches():
    with pytest.raises(ValueError, match="MLP.scalar: the model has 2 outputs"):
        MLP(2, [2], seed=0).scalar([1.0, 2.0])
    with pytest.raises(ValueError, match="scalar: expected one sample"):
        MLP(2, [1], seed=0).scalar(np.ones((4, 2)))
