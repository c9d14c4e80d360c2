"""Property-based: random MLPs against numpy, their gradients against finite differences,
losses against numpy formulas, and state files that round-trip exactly."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonn import gradcheck
from autonn.losses import binary_cross_entropy_with_logits, cross_entropy, half_mse, mse
from autonn.nn import MLP, Network

NUMPY_ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda s: 1 / (1 + np.exp(-s)),
    "relu": lambda s: np.maximum(s, 0.0),
    "linear": lambda s: s,
    "softplus": lambda s: np.log1p(np.exp(s)),
}
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mlps(draw, activations=tuple(NUMPY_ACT)):
    nin = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    act = draw(st.sampled_from(activations))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sizes = [nin] + widths
    weights = [(rng.uniform(-2, 2, size=(o, i)), rng.uniform(-2, 2, size=o)) for i, o in zip(sizes, sizes[1:])]
    X = rng.uniform(-2, 2, size=(draw(st.integers(1, 4)), nin))
    return weights, act, X


@SETTINGS
@given(mlps())
def test_random_mlps_match_numpy(case):
    weights, act, X = case
    model = MLP.from_weights(weights, activation=act)
    H = X
    for i, (W, b) in enumerate(weights):
        H = H @ W.T + b
        if i < len(weights) - 1:
            H = NUMPY_ACT[act](H)
    np.testing.assert_allclose(model(X).astype(float), H, rtol=1e-11, atol=1e-12)


@SETTINGS
@given(mlps(activations=("tanh", "sigmoid", "softplus", "linear")))
def test_random_mlp_gradients_match_finite_differences(case):
    weights, act, X = case
    model = MLP.from_weights(weights, activation=act)
    y = np.linspace(-1, 1, X.shape[0] * model.nout)

    def loss(*params):
        with model.using_parameters(params):
            return mse(model(X), y)

    assert gradcheck(loss, [p.data for p in model.parameters()], atol=1e-6, rtol=1e-5)


@SETTINGS
@given(mlps())
def test_random_mlps_equal_their_layered_network(case):
    weights, act, X = case
    model = MLP.from_weights(weights, activation=act)
    net = Network(X.shape[1])
    previous = list(net.inputs)
    for layer in model.layers:
        for neuron in layer.neurons:
            net.add(neuron.name, previous, layer.activation, w=[w.data for w in neuron.w], b=neuron.b.data)
        previous = [neuron.name for neuron in layer.neurons]
    assert np.array_equal(net(X).astype(float), model(X).astype(float))


floats = st.floats(-30, 30, allow_nan=False)


@SETTINGS
@given(st.lists(st.tuples(floats, floats, st.floats(0, 1)), min_size=1, max_size=8))
def test_regression_and_binary_losses_match_numpy(rows):
    p, t, q = (np.array(c) for c in zip(*rows))
    assert np.isclose(mse(list(p), t).data, np.mean((p - t) ** 2), rtol=1e-12, atol=1e-12)
    assert np.isclose(half_mse(list(p), t).data, 0.5 * np.mean((p - t) ** 2), rtol=1e-12, atol=1e-12)
    # -(q log s + (1-q) log(1-s)) with s = sigmoid(p), written with logaddexp to stay exact
    want = np.mean(q * np.logaddexp(0, -p) + (1 - q) * np.logaddexp(0, p))
    assert np.isclose(binary_cross_entropy_with_logits(list(p), q).data, want, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(st.lists(floats, min_size=2, max_size=6), st.data())
def test_cross_entropy_matches_numpy(logits, data):
    target = data.draw(st.integers(0, len(logits) - 1))
    z = np.array(logits)
    want = np.logaddexp.reduce(z) - z[target]
    assert np.isclose(cross_entropy(logits, target).data, want, rtol=1e-9, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(mlps(), st.sampled_from([".npz", ".json"]))
def test_state_files_round_trip_exactly(tmp_path_factory, case, suffix):
    weights, act, X = case
    model = MLP.from_weights(weights, activation=act)
    other = MLP.from_weights([(np.zeros_like(W), np.zeros_like(b)) for W, b in weights], activation=act)
    other.load(model.save(tmp_path_factory.mktemp("state") / f"m{suffix}"))
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
    assert np.array_equal(other(X).astype(float), model(X).astype(float))
