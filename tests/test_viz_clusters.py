"""Neuron, layer and model clusters, and the one-box-per-neuron summary."""

import re

import numpy as np

import pytest
from viz_helpers import cluster_members, node_statements

from autonn import Value
from autonn.graph import topological_order
from autonn.nn import MLP, Layer, Network, Neuron
from autonn.viz import to_dot


def _ids(order, nodes, with_ops=True):
    ids = set()
    for n in nodes:
        i = order.index(n)
        ids.add(f"n{i}")
        if with_ops and not n.is_leaf:
            ids.add(f"n{i}op")
    return ids


def _expected_neuron_nodes(neuron, out):
    """The nodes a neuron made, found by hand from its output: act(sum(w*x ..., b))."""
    nodes = list(neuron.w) + [neuron.b]
    total = out if out.op == "sum" else out.parents[0]
    if total is not out:
        nodes.append(out)
    nodes.append(total)
    nodes.extend(total.parents[:-1])  # the products w_i * x_i
    return nodes


def test_single_neuron_is_one_cluster_with_its_name():
    n = Neuron.from_weights([-3.0, 1.0], 6.8813735870195432, "tanh", name="N")
    x = [Value(2.0, "x1"), Value(0.0, "x2")]
    out = n(x)
    out.backward()
    src = to_dot(out, module=n).source
    order = topological_order(out)
    members = cluster_members(src)
    assert set(members) == {"cluster_n0"}
    assert members["cluster_n0"] == _ids(order, _expected_neuron_nodes(n, out))
    assert "label=<Neuron N (tanh)>" in src
    # the inputs are not part of the neuron
    assert not members["cluster_n0"] & _ids(order, x)


def test_mlp_has_a_cluster_per_neuron_inside_a_cluster_per_layer():
    mlp = MLP(2, [3, 1], activation="tanh", seed=0)
    xs = [Value(0.5, "x0"), Value(-1.0, "x1")]
    (out,) = mlp(xs)
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    src = to_dot(loss, module=mlp).source
    order = topological_order(loss)
    members = cluster_members(src)
    assert set(members) == {"cluster_m", "cluster_l0", "cluster_l1"} | {f"cluster_n{i}" for i in range(4)}
    hidden = [n for n in order if n.label.startswith("L0.N") and n.op == "tanh"]
    assert len(hidden) == 3
    for j, neuron in enumerate(mlp.layers[0].neurons):
        out_j = next(h for h in hidden if h.label == neuron.name)
        assert members[f"cluster_n{j}"] == _ids(order, _expected_neuron_nodes(neuron, out_j))
        assert f"label=<Neuron {neuron.name} (tanh)>" in src
    last = mlp.layers[1].neurons[0]
    assert members["cluster_n3"] == _ids(order, _expected_neuron_nodes(last, out))
    assert "label=<Neuron L1.N0 (linear)>" in src
    # layers hold exactly their neurons; the model holds both layers and nothing else
    assert members["cluster_l0"] == members["cluster_n0"] | members["cluster_n1"] | members["cluster_n2"]
    assert members["cluster_l1"] == members["cluster_n3"]
    assert members["cluster_m"] == members["cluster_l0"] | members["cluster_l1"]
    assert "label=<Layer L0>" in src and "label=<Layer L1>" in src and "label=<MLP>" in src
    # every parameter is coloured as one, module or not
    nodes = node_statements(src)
    for p in mlp.parameters():
        assert 'class="value parameter"' in nodes[f"n{order.index(p)}"]


def test_user_nodes_on_a_neuron_output_stay_outside_its_cluster():
    mlp = MLP(2, [2, 1], activation="tanh", seed=0)
    (out,) = mlp([0.5, -1.0])  # L1.N0 is linear: out is its sum node
    hidden = mlp.layers[0].neurons[0]
    h_out = next(n for n in topological_order(out) if n.label == hidden.name)
    loss = (-out).exp() + out.sigmoid() + h_out.parents[0].exp()  # the last on L0.N0's sum
    src = to_dot(loss, module=mlp).source
    order = topological_order(loss)
    members = cluster_members(src)
    last = mlp.layers[1].neurons[0]
    assert members["cluster_n2"] == _ids(order, _expected_neuron_nodes(last, out))
    assert members["cluster_n0"] == _ids(order, _expected_neuron_nodes(hidden, h_out))
    user = [n for n in order if n.op in ("neg", "sigmoid", "exp")]
    assert len(user) == 4
    inside = set().union(*members.values())
    assert not inside & _ids(order, user)


def test_clusters_collect_every_sample_of_a_batch():
    layer = Layer.from_weights([[1.0, 2.0]], [0.5], "relu", name="L")
    outs = [layer([Value(a), Value(b)])[0] for a, b in ((1.0, 2.0), (-3.0, 0.5))]
    src = to_dot(outs, module=layer).source
    members = cluster_members(src)
    order = topological_order(outs)
    expected = set()
    for out in outs:
        expected |= _ids(order, _expected_neuron_nodes(layer.neurons[0], out))
    assert members["cluster_n0"] == expected
    assert "label=<Layer L>" in src


def test_network_clusters_and_names_are_escaped():
    net = Network(["a", "b"], {"h<1>": ["a", "b"], "o": (["h<1>", "a"], "linear")}, seed=3)
    (out,) = net([Value(1.0, "a"), Value(2.0, "b")])
    out.backward()
    src = to_dot(out, module=net).source
    members = cluster_members(src)
    assert set(members) == {"cluster_m", "cluster_n0", "cluster_n1"}
    assert "label=<Neuron h&lt;1&gt; (relu)>" in src
    assert "label=<Network>" in src
    assert "<1>" not in src


def test_clusters_can_be_turned_off():
    mlp = MLP(2, [2, 1], seed=1)
    (out,) = mlp([1.0, 2.0])
    assert "subgraph" not in to_dot(out, module=mlp, clusters=False).source


def test_summary_has_one_box_per_neuron():
    mlp = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    xs = [[0.1 * i, -0.2 * i] for i in range(30)]
    outs = [mlp(x)[0] for x in xs]
    with pytest.warns(UserWarning, match="summary"):
        src = to_dot(outs, module=mlp, max_nodes=100).source
    boxes = re.findall(r'label=<Neuron (L\d\.N\d) \((\w+)\)<BR/>2 weights|label=<Neuron (L\d\.N\d) \((\w+)\)<BR/>4 weights', src)
    names = sorted(a or c for a, b, c, d in boxes)
    assert names == sorted(n.name for n in mlp.neurons())
    # neuron L0.N0 feeds every neuron of layer L1: one arrow per pair, labelled with the edge count
    group = {m.group(2): m.group(1) for m in re.finditer(r'^\s*(g\d+) \[label=<Neuron (\S+) ', src, re.M)}
    arrows = re.findall(rf'^\s*{group["L0.N0"]} -> (g\d+) \[label="(\d+) edges"\]', src, re.M)
    assert sorted(h for h, _ in arrows) == sorted(group[f"L1.N{j}"] for j in range(4))
    assert all(int(count) == 30 for _, count in arrows)  # one product per sample


def test_summary_by_layer_for_wide_layers():
    mlp = MLP(2, [8, 1], activation="relu", seed=0)
    outs = [mlp([Value(0.1 * i, "x0"), Value(0.3, "x1")])[0] for i in range(40)]
    with pytest.warns(UserWarning):
        src = to_dot(outs, module=mlp, max_nodes=50).source
    assert "Layer L0: 8 neurons (relu)<BR/>24 parameters" in src  # 8 x (2 weights + bias)
    assert "Layer L1: 1 neuron (linear)<BR/>9 parameters" in src
    assert "Neuron L0.N0" not in src
    with pytest.warns(UserWarning):
        by_neuron = to_dot(outs, module=mlp, max_nodes=50, summary_by="neuron").source
    assert by_neuron.count("label=<Neuron ") == 9


def test_summary_without_a_module_groups_by_role():
    x = Value(1.0, "x")
    w = Value(0.5, "w")
    y = x
    for _ in range(300):
        y = (y * w).tanh() + 0.1
    with pytest.warns(UserWarning):
        src = to_dot(y, max_nodes=100).source
    boxes = re.findall(r"label=<([a-z ]+)<BR/>(\d+) nodes?>", src)
    counts = dict((name, int(n)) for name, n in boxes)
    assert counts == {"inputs": 1, "parameters": 1, "constants": 300, "other intermediate values": 899}
    with pytest.raises(ValueError, match="needs a model with layers"):
        to_dot(y, max_nodes=100, summary_by="layer")


def test_a_batch_output_array_can_be_drawn():
    mlp = MLP(2, [2, 1], seed=0)
    out = mlp(np.array([[1.0, 2.0], [3.0, -1.0]]))  # a (2, 1) object array of Values
    src = to_dot(out, module=mlp).source
    assert src.count('class="value output"') == 2
    assert set(cluster_members(src)) >= {"cluster_n0", "cluster_n1", "cluster_n2"}


def test_clusters_appear_in_model_order():
    mlp = MLP(2, [3, 2, 1], seed=0)
    (out,) = mlp([1.0, 2.0])
    src = to_dot(out, module=mlp).source
    positions = [src.index(f"subgraph cluster_l{i} ") for i in range(3)]
    assert positions == sorted(positions)
    neurons = [src.index(f"subgraph cluster_n{i} ") for i in range(6)]
    assert neurons == sorted(neurons)
