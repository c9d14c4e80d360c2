"""to_dot: what the DOT text holds - nodes, numbers, colours, edges, local derivatives, ids, options."""

import math
import re
import warnings
from pathlib import Path

import pytest
from viz_helpers import edge_statements, node_statements

import autonn as an
from autonn import Value
from autonn.graph import parents, topological_order
from autonn.ops import OPS
from autonn.viz import GraphTooLargeError, to_dot
from autonn.viz.style import ROLE_COLOURS

GOLDEN = Path(__file__).parent / "golden"


def neuron():
    """micrograd's neuron: tanh(x1*w1 + x2*w2 + b), o = 0.7071 at these numbers."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = an.sum([x1 * w1, x2 * w2, b]).tanh()
    o.label = "o"
    o.backward()
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b)


def test_every_node_and_op_is_drawn_once_with_every_edge():
    o, _ = neuron()
    order = topological_order(o)
    src = to_dot(o).source
    nodes = node_statements(src)
    ops = [n for n in order if not n.is_leaf]
    assert set(nodes) == {f"n{i}" for i in range(len(order))} | {f"n{order.index(n)}op" for n in ops}
    edges = edge_statements(src)
    # one edge per input of each op, plus op -> result
    assert len(edges) == sum(len(parents(n)) for n in ops) + len(ops)
    assert len(set(edges)) == len(edges)


def test_labels_data_and_grads_are_shown():
    o, leaves = neuron()
    nodes = node_statements(to_dot(o).source)
    order = topological_order(o)
    by_label = {n.label: f"n{i}" for i, n in enumerate(order) if n.label}
    # values and gradients worked out by hand: o = tanh(0.8814) = 1/sqrt(2), do/dn = 1 - o^2 = 0.5
    assert "<B>o</B>" in nodes[by_label["o"]]
    assert "data 0.7071" in nodes[by_label["o"]] and "grad 1.0000" in nodes[by_label["o"]]
    assert "data -3.0000" in nodes[by_label["w1"]] and "grad 1.0000" in nodes[by_label["w1"]]  # 0.5 * x1
    assert "grad -1.5000" in nodes[by_label["x1"]]  # 0.5 * w1
    assert "grad 0.0000" in nodes[by_label["w2"]]  # 0.5 * x2
    assert "grad 0.5000" in nodes[by_label["b"]]


def test_roles_get_their_colour_and_class():
    x = Value(3.0, "x")
    w = Value(-2.0, "w")
    y = 2 * x * w + 1
    src = to_dot(y).source
    nodes = node_statements(src)
    order = topological_order(y)
    expected = {}
    for i, n in enumerate(order):
        if n is y:
            expected[f"n{i}"] = "output"
        elif not n.is_leaf:
            expected[f"n{i}"] = "intermediate"
        elif isinstance(n, an.Constant):
            expected[f"n{i}"] = "constant"
        elif n is w:
            expected[f"n{i}"] = "parameter"
        else:
            expected[f"n{i}"] = "input"
    assert sorted(set(expected.values())) == sorted(ROLE_COLOURS)  # every role occurs
    for node_id, role in expected.items():
        assert f'class="value {role}"' in nodes[node_id]
        assert f'BGCOLOR="{ROLE_COLOURS[role]}"' in nodes[node_id]


def test_parameters_given_explicitly_override_labels():
    a = Value(1.0, "w")  # looks like a parameter, but is not in the given list
    c = Value(2.0, "c")
    y = a * c
    nodes = node_statements(to_dot(y, parameters=[c]).source)
    order = topological_order(y)
    assert 'class="value input"' in nodes[f"n{order.index(a)}"]
    assert 'class="value parameter"' in nodes[f"n{order.index(c)}"]


def _central_difference(op_name, args, k, eps=1e-6):
    """d forward / d args[k] by central differences of the op's forward rule."""
    forward = OPS[op_name].value
    hi = list(args)
    lo = list(args)
    hi[k] += eps
    lo[k] -= eps
    return (forward(*hi) - forward(*lo)) / (2 * eps)


def test_edge_labels_are_local_derivatives():
    x = Value(0.7, "x")
    y = Value(-1.3, "y")
    z = (x * y + x.exp() / (y**2)).tanh() - x.sin() * y.sigmoid()
    z.backward()
    order = topological_order(z)
    src = to_dot(z, derivatives=True, precision=6).source
    edges = {}
    for tail, head, attrs in edge_statements(src):
        m = re.search(r'label="∂=([-0-9.e+]+)"', attrs)
        if m:
            edges.setdefault((tail, head), []).append(float(m.group(1)))
    checked = 0
    for i, node in enumerate(order):
        if node.is_leaf:
            continue
        ins = parents(node)
        if node.op == "powc":
            args = [ins[0].data, node.param]
        else:
            args = [p.data for p in ins]
        for k, p in enumerate(ins):
            shown = edges[(f"n{order.index(p)}", f"n{i}op")]
            assert _central_difference(node.op, args, k) == pytest.approx(shown[0], abs=2e-6)
            checked += 1
    assert checked == 15  # 10 ops: mul 2, exp 1, powc 1, div 2, add 2, tanh 1, sin 1, sigmoid 1, mul 2, sub 2


def test_the_chain_rule_can_be_checked_from_the_drawing():
    """grad(input) == sum over its edges of grad(consumer) x the edge's ∂, read off the DOT text."""
    o, leaves = neuron()
    order = topological_order(o)
    src = to_dot(o, derivatives=True, show_ops=False, precision=10).source
    nodes = node_statements(src)
    grad = {k: float(re.search(r"grad ([-0-9.e+]+)", v).group(1)) for k, v in nodes.items()}
    total = {}
    for tail, head, attrs in edge_statements(src):
        slope = float(re.search(r"∂=([-0-9.e+]+)", attrs).group(1))
        total[tail] = total.get(tail, 0.0) + grad[head] * slope
    for i, n in enumerate(order):
        if n is not o:
            assert total[f"n{i}"] == pytest.approx(n.grad, abs=1e-9)


def test_no_edge_labels_by_default():
    o, _ = neuron()
    assert "∂" not in to_dot(o).source


def test_a_value_used_twice_gets_two_edges():
    a = Value(3.0, "a")
    y = a * a
    src = to_dot(y, derivatives=True).source
    edges = [e for e in edge_statements(src) if e[0] == "n0"]
    assert len(edges) == 2
    assert all("∂=3.0000" in attrs for _, _, attrs in edges)


def test_ids_are_stable_and_independent_of_memory():
    def build():
        x = Value(1.5, "x")
        return ((x * 2 + 1).tanh() * x).relu()

    first = build()
    keep = [build() for _ in range(5)]  # other objects alive: other addresses
    second = build()
    assert to_dot(first).source == to_dot(second).source
    assert "0x" not in to_dot(first).source
    del keep


def test_golden_neuron_dot():
    o, _ = neuron()
    expected = (GOLDEN / "neuron.dot").read_text(encoding="utf-8")
    assert to_dot(o, derivatives=True).source == expected


def test_options_hide_grads_and_ops_and_turn_the_layout():
    o, _ = neuron()
    src = to_dot(o, show_grad=False, show_ops=False, rankdir="TB").source
    assert "grad " not in src
    assert not any(k.endswith("op") for k in node_statements(src))
    assert "rankdir=TB" in src
    assert "<I>tanh</I>" in src  # the op is folded into its result's box


def test_precision():
    y = Value(1.0, "y") / 3
    assert "data 0.33</TD>" in to_dot(y, precision=2).source
    assert "data 0.333333</TD>" in to_dot(y, precision=6).source


def test_legend_names_every_role_with_its_colour():
    o, _ = neuron()
    src = to_dot(o, legend=True, derivatives=True).source
    legend = node_statements(src)["legend"]
    for role, colour in ROLE_COLOURS.items():
        assert f'BGCOLOR="{colour}">{role}' in legend
    assert "d(op output) / d(input)" in legend
    assert "legend" not in to_dot(o).source


def test_several_roots_are_all_outputs():
    x = Value(2.0, "x")
    a = x * 3
    b = x + 1
    src = to_dot([a, b, a]).source
    assert src.count('class="value output"') == 2


def test_bad_arguments_are_named():
    x = Value(1.0)
    with pytest.raises(TypeError, match="root 1 is a float"):
        to_dot([x, 2.0])
    with pytest.raises(TypeError, match="expected a Value"):
        to_dot("x")
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(x, rankdir="XY")
    with pytest.raises(ValueError, match="precision"):
        to_dot(x, precision=-1)
    with pytest.raises(ValueError, match="large"):
        to_dot(x, large="maybe")
    with pytest.raises(TypeError, match="module"):
        to_dot(x, module=object())
    with pytest.raises(ValueError, match="no root"):
        to_dot([])


def _chain(n):
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.001
    return y


def test_a_large_graph_is_summarised_with_a_warning():
    y = _chain(400)  # x, then 4 nodes a step: 1601
    with pytest.warns(UserWarning, match=r"1601 nodes, more than max_nodes=500.*max_nodes=None"):
        g = to_dot(y)
    src = g.source
    assert "summary of a graph of 1601 nodes" in src
    assert len(node_statements(src)) == 0  # no n<i> nodes, only group boxes
    assert len(re.findall(r"^\s*g\d+ \[", src, flags=re.M)) <= 5


def test_a_large_graph_can_be_refused_or_forced():
    y = _chain(200)  # 801 nodes, 400 of them made by ops
    with pytest.raises(GraphTooLargeError, match="801 nodes"):
        to_dot(y, large="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(node_statements(to_dot(y, max_nodes=None).source)) == 801 + 400
        assert len(node_statements(to_dot(y, max_nodes=1000).source)) == 801 + 400


def test_a_very_deep_graph_needs_no_recursion():
    y = _chain(5000)  # 20001 nodes in a chain: far past Python's recursion limit
    src = to_dot(y, max_nodes=None, show_ops=False).source
    assert src.count('class="value ') == 20001
    assert math.isfinite(y.data)
