"""Network: any acyclic wiring, errors for impossible wiring, equality with MLP, gradients."""

import math

import numpy as np
import pytest

import autonn
from autonn import Value, gradcheck
from autonn.losses import mse
from autonn.nn import MLP, Network, WiringError


def skip_network():
    net = Network(["x1", "x2"], seed=0)
    net.add("h1", ["x1", "x2"], "tanh", w=[0.5, -0.25], b=0.1)
    net.add("h2", ["x1", "h1"], "sigmoid", w=[1.5, 2.0], b=-0.3)
    net.add("out", ["h1", "h2", "x2"], "linear", w=[1.0, -2.0, 0.75], b=0.05)
    return net


def skip_network_by_hand(x1, x2):
    h1 = math.tanh(0.5 * x1 - 0.25 * x2 + 0.1)
    h2 = 1 / (1 + math.exp(-(1.5 * x1 + 2.0 * h1 - 0.3)))
    return 1.0 * h1 - 2.0 * h2 + 0.75 * x2 + 0.05


def test_skip_connections_compute_the_hand_formula():
    net = skip_network()
    (out,) = net([0.8, -1.1])
    assert math.isclose(out.data, skip_network_by_hand(0.8, -1.1), rel_tol=1e-12)
    assert net.outputs == ["out"]
    assert net.sources("h2") == ("x1", "h1")
    assert [n.name for n in net.neurons()] == ["h1", "h2", "out"]
    assert [n.activation for n in net.neurons()] == ["tanh", "sigmoid", "linear"]


def test_gradients_of_a_skip_network_pass_gradcheck():
    net = skip_network()
    X = np.array([[0.8, -1.1], [-0.4, 0.3], [1.2, 0.9]])
    y = np.array([0.5, -0.2, 1.0])

    def loss(*params):
        with net.using_parameters(params):
            return mse(net(X), y)

    assert gradcheck(loss, [p.data for p in net.parameters()], atol=1e-7, rtol=1e-6)


def test_gradients_with_respect_to_inputs_pass_gradcheck():
    net = skip_network()
    assert gradcheck(lambda a, b: net([a, b])[0], [0.3, -0.7], atol=1e-8, rtol=1e-6)


def test_wiring_in_any_order_is_sorted():
    net = Network(
        ["a", "b"],
        {"y": (["m", "a"], "linear"), "m": ["k", "b"], "k": ["a", "b"]},
        activation="tanh",
        seed=0,
    )
    assert [n.name for n in net.neurons()] == ["k", "m", "y"]
    assert [n.activation for n in net.neurons()] == ["tanh", "tanh", "linear"]
    (y,) = net([1.0, 2.0])
    st = net.state_dict()
    k = math.tanh(st["k.w"] @ [1.0, 2.0] + st["k.b"])
    m = math.tanh(st["m.w"] @ [k, 2.0] + st["m.b"])
    assert math.isclose(y.data, st["y.w"] @ [m, 1.0] + st["y.b"], rel_tol=1e-12)


def test_wiring_as_a_list_of_tuples_and_several_outputs():
    net = Network(2, [("p", ["x0"]), ("q", ["x1", "p"], "linear"), ("r", ["x0", "x1"], "sigmoid")], seed=1)
    assert net.inputs == ("x0", "x1")
    assert net.outputs == ["q", "r"]
    net.outputs = ["r", "p", "q"]
    out = net([0.5, 0.5])
    assert [v.label for v in out] == ["r", "p", "q"]
    batch = net(np.ones((4, 2)))
    assert batch.shape == (4, 3)


def test_a_layered_network_equals_the_mlp():
    mlp = MLP(3, [4, 4, 2], activation="tanh", seed=5)
    net = Network(["i0", "i1", "i2"], activation="tanh")
    previous = ["i0", "i1", "i2"]
    for layer in mlp.layers:
        names = []
        for neuron in layer.neurons:
            net.add(neuron.name, previous, layer.activation, w=[w.data for w in neuron.w], b=neuron.b.data)
            names.append(neuron.name)
        previous = names
    X = np.random.default_rng(0).normal(size=(6, 3))
    assert np.array_equal(net(X).astype(float), mlp(X).astype(float))
    assert net.state_dict().keys() == mlp.state_dict().keys()


def test_cycle_is_reported_with_its_path():
    with pytest.raises(WiringError, match="cycle: 'a' reads 'b', 'b' reads 'c', 'c' reads 'a'"):
        Network(["x"], {"a": ["b", "x"], "b": ["c"], "c": ["a"], "d": ["x"]})
    with pytest.raises(WiringError, match="cycle: 'a' reads 'a'"):
        Network(["x"], {"a": ["a", "x"]})
    net = Network(["x"])
    with pytest.raises(WiringError, match="reads itself"):
        net.add("h", ["h"])


def test_unknown_sources_and_names_are_reported():
    with pytest.raises(WiringError, match="'h' reads 'z'.*not network inputs \\(x, y\\)"):
        Network(["x", "y"], {"h": ["x", "z"]})
    net = Network(["x", "y"])
    net.add("h", ["x"])
    with pytest.raises(WiringError, match="unknown source 'g'"):
        net.add("k", ["h", "g"])
    with pytest.raises(WiringError, match="already a neuron named 'h'"):
        net.add("h", ["x"])
    with pytest.raises(WiringError, match="already a network input"):
        net.add("x", ["y"])
    with pytest.raises(WiringError, match="not neurons of the network"):
        net.outputs = ["nope"]
    with pytest.raises(WiringError, match="repeated: x"):
        Network(["x", "x"])
    with pytest.raises(TypeError, match="sources must be a non-empty list"):
        net.add("k", "x")
    with pytest.raises(ValueError, match=r"w \(one weight per source\) must have shape \(2,\)"):
        net.add("k", ["x", "y"], w=[1.0], b=0.0)


def test_call_by_input_name_and_forward_all():
    net = skip_network()
    by_name = net({"x2": -1.1, "x1": 0.8})
    assert by_name[0].data == net([0.8, -1.1])[0].data
    values = net.forward_all([0.8, -1.1])
    assert set(values) == {"x1", "x2", "h1", "h2", "out"}
    assert math.isclose(values["h1"].data, math.tanh(0.5 * 0.8 + 0.25 * 1.1 + 0.1), rel_tol=1e-12)
    with pytest.raises(ValueError, match="missing: x2"):
        net({"x1": 1.0})
    with pytest.raises(WiringError, match="no neurons"):
        Network(["x"])([1.0])


def test_network_neurons_build_the_neuron_shape():
    net = skip_network()
    x = [Value(0.1), Value(0.2)]
    values = net.forward_all(x)
    h2 = values["h2"]
    assert h2.op == "sigmoid"
    (s,) = h2.parents
    assert s.op == "sum" and s.parents[-1] is net.neuron("h2").b
    assert s.parents[1].parents == (net.neuron("h2").w[1], values["h1"])


def random_wiring(rng, n_inputs, n_neurons):
    """A random acyclic wiring: neuron k reads 1-4 of the inputs and neurons before it."""
    inputs = [f"i{j}" for j in range(n_inputs)]
    acts = ["tanh", "sigmoid", "linear", "softplus"]
    wiring = {}
    for k in range(n_neurons):
        pool = inputs + [f"n{j}" for j in range(k)]
        size = int(rng.integers(1, min(4, len(pool)) + 1))
        sources = [pool[int(i)] for i in rng.choice(len(pool), size=size, replace=False)]
        wiring[f"n{k}"] = (sources, acts[int(rng.integers(len(acts)))])
    return inputs, wiring


def evaluate_by_hand(wiring, state, x):
    """Independent evaluation: keep sweeping until every neuron's sources are known."""
    f = {
        "tanh": np.tanh,
        "sigmoid": lambda s: 1 / (1 + np.exp(-s)),
        "linear": lambda s: s,
        "softplus": lambda s: np.log1p(np.exp(s)),
    }
    known = dict(x)
    while len(known) < len(x) + len(wiring):
        for name, (sources, act) in wiring.items():
            if name not in known and all(s in known for s in sources):
                s = sum(w * known[src] for w, src in zip(state[f"{name}.w"], sources)) + state[f"{name}.b"]
                known[name] = f[act](s)
    return known


@pytest.mark.parametrize("case", range(8))
def test_random_acyclic_wirings_given_in_shuffled_order(case):
    rng = np.random.default_rng(100 + case)
    inputs, wiring = random_wiring(rng, n_inputs=3, n_neurons=9)
    names = list(wiring)
    shuffled = {n: wiring[n] for n in rng.permutation(names).tolist()}
    net = Network(inputs, shuffled, seed=case)
    order = [n.name for n in net.neurons()]
    position = {n: i for i, n in enumerate(order)}
    for name, (sources, _) in wiring.items():
        assert all(position[s] < position[name] for s in sources if s in position)
    x = rng.normal(size=3)
    values = net.forward_all(x)
    want = evaluate_by_hand(wiring, net.state_dict(), dict(zip(inputs, x)))
    for name in names:
        assert math.isclose(values[name].data, want[name], rel_tol=1e-12, abs_tol=1e-14)
    if case < 2:
        X = rng.normal(size=(2, 3))

        def loss(*params):
            with net.using_parameters(params):
                return autonn.sum(net(X).ravel().tolist())

        assert gradcheck(loss, [p.data for p in net.parameters()], atol=1e-7, rtol=1e-6)


def test_wiring_entry_errors():
    with pytest.raises(TypeError, match="sources must be a non-empty list of names, got 'x'"):
        Network(["x"], [("h", "x", "tanh")])
    with pytest.raises(TypeError, match="wiring entry 0 must be"):
        Network(["x"], [("h",)])
    with pytest.raises(WiringError, match="neuron 'h' is defined twice"):
        Network(["x"], [("h", ["x"]), ("h", ["x"])])
    with pytest.raises(TypeError, match="wiring must be a dict or a list"):
        Network(["x"], "h")
