"""backward(): hand-derived gradients, reuse, repeated calls, deep graphs."""

import gc
import math
import sys

import pytest

import autonn
from autonn import Value
from autonn.graph import check_topological_order, consumers, numbered_graph, parents, topological_order


def test_issue_expression_matches_hand_derivation():
    # z = 3x + 2;  y = relu(z^2) + tanh(z) x - exp(x^2) / (1 + sigmoid(z))
    x0 = -4.0
    x = Value(x0, label="x")
    z = 2 * x + 2 + x
    y = (z * z).relu() + z.tanh() * x - (x ** 2).exp() / (1 + z.sigmoid())
    y.backward()
    zv = 3 * x0 + 2
    s = 1 / (1 + math.exp(-zv))
    e = math.exp(x0 ** 2)
    dz = 3.0
    d_relu = 2 * zv * dz if zv * zv > 0 else 0.0
    d_tanh = (1 - math.tanh(zv) ** 2) * dz * x0 + math.tanh(zv)
    d_frac = (2 * x0 * e * (1 + s) - e * s * (1 - s) * dz) / (1 + s) ** 2
    want = d_relu + d_tanh - d_frac
    assert math.isclose(y.data, zv * zv + math.tanh(zv) * x0 - e / (1 + s), rel_tol=1e-12)
    assert math.isclose(x.grad, want, rel_tol=1e-12)


def test_reused_node_gets_summed_gradient():
    a = Value(3.0)
    b = a + a  # 2a
    c = b * b  # 4a^2
    c.backward()
    assert a.grad == 24.0  # 8a
    assert b.grad == 12.0  # 2b


def test_square_via_self_multiplication():
    a = Value(-1.5)
    (a * a).backward()
    assert a.grad == -3.0


def test_repeated_backward_doubles_leaves_not_intermediates():
    w = Value(2.0)
    x = Value(5.0)
    h = w * x
    y = h.tanh()
    y.backward()
    first_w, first_h = w.grad, h.grad
    y.backward()
    assert w.grad == 2 * first_w and x.grad == 2 * (1 - math.tanh(10.0) ** 2) * 2.0
    assert h.grad == first_h, "intermediate nodes show this pass's gradient"
    assert y.grad == 1.0


def test_zero_grad_resets_whole_graph():
    w = Value(2.0)
    y = (w * 3).exp()
    y.backward()
    assert w.grad != 0.0
    y.zero_grad()
    assert w.grad == 0.0 and y.grad == 0.0


def test_backward_from_a_leaf_and_with_a_seed():
    w = Value(2.0)
    w.backward()
    assert w.grad == 1.0
    v = Value(1.0)
    (v * 4).backward(0.5)
    assert v.grad == 2.0


def test_only_paths_to_the_root_receive_gradient():
    a, b = Value(1.0), Value(2.0)
    unused = b * 10  # noqa: F841 - a consumer outside the backward graph
    (a * b).backward()
    assert a.grad == 2.0 and b.grad == 1.0


def test_million_op_chain_with_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 0.000001
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == 1.0
    assert math.isclose(y.data, 2.0, rel_tol=1e-9)


def test_topological_order_is_valid_and_complete():
    x = Value(0.5)
    nodes = [x]
    for i in range(200):
        nodes.append(nodes[-1] * nodes[i // 2] + (i % 7))
    order = topological_order(nodes[-1])
    check_topological_order(order)
    assert order[-1] is nodes[-1]
    assert len(order) == len(set(map(id, order)))
    users = consumers(order)
    assert users[nodes[-1]] == []


def test_numbered_graph_gives_each_input_its_position_in_the_order():
    # one node of every input shape: binary (with a repeated input), unary, one-constant, n-ary
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    s = x + x
    t = (w * s).tanh()
    u = t ** 3
    root = autonn.sum([u, s, w])
    order, ops, positions = numbered_graph(root)
    assert order == topological_order(root)
    where = {id(node): i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        assert positions[i] == tuple(where[id(p)] for p in parents(node))
        assert ops[i] is (None if node.is_leaf else autonn.ops.OPS[node.op])
    assert positions[order.index(s)] == (where[id(x)], where[id(x)])
    # a later walk and a later numbering are not disturbed by the positions it used
    assert numbered_graph(root)[2] == positions
    assert topological_order(u) == [node for node in order if id(node) in {id(n) for n in topological_order(u)}]


def test_check_topological_order_detects_wrong_order():
    a = Value(1.0)
    b = a * 2
    with pytest.raises(AssertionError):
        check_topological_order([b, a, b.parents[1]])


def test_dropping_the_output_frees_the_graph_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        def count_values():
            # type(), not isinstance: isinstance reads __class__, which some libraries' deprecated objects warn about
            return sum(issubclass(type(o), Value) for o in gc.get_objects())

        before = count_values()
        x = Value(0.3)
        y = x
        for i in range(2000):
            y = (y * x).tanh() + i
        y.backward()
        assert count_values() > before + 2000
        del y
        assert count_values() == before + 1  # only x is left
        assert gc.collect() == 0, "the graph held no reference cycles"
    finally:
        gc.enable()


def test_grad_function_leaves_dot_grad_alone():
    x = Value(2.0)
    y = Value(-1.0)
    f = x * x * y + y.sin()
    gx, gy = autonn.grad(f, [x, y])
    assert gx == 2 * 2.0 * -1.0 and math.isclose(gy, 4.0 + math.cos(-1.0))
    assert x.grad == 0.0 and y.grad == 0.0
    assert autonn.grad(f, x) == gx
    assert autonn.grad(f, [Value(1.0)]) == [0.0]


def test_the_walk_visits_each_node_once_in_order_and_leaves_no_state_on_nodes():
    x = Value(0.5)
    y = x
    for i in range(300):
        y = (y * x + y).tanh() if i % 2 else autonn.sum([y, y * 2, x])
    first = topological_order(y)
    check_topological_order(first)
    assert len(set(map(id, first))) == len(first)
    assert topological_order(y) == first  # nothing a walk leaves behind changes the next
    assert topological_order(x) == [x]


def test_grad_checks_its_arguments_and_takes_arrays():
    import numpy as np

    x, y = Value(2.0), Value(3.0)
    f = x * y
    with pytest.raises(TypeError, match="output must be a Value, got float"):
        autonn.grad(3.0, [x])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        autonn.grad(f, [x, 1.0])
    arr = np.array([[x], [y]], dtype=object)
    g = autonn.grad(f, arr)
    assert g.shape == (2, 1) and g.dtype == float and g[0, 0] == 3.0 and g[1, 0] == 2.0
    assert autonn.grad(f, (x,)) == [3.0]
