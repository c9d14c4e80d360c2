"""backward()'s generated loop: gradients written into the nodes, with PyTorch's accumulation and nothing half-done."""

import math

import pytest

import autonn
from autonn import OPS, Value
from autonn.ops import remove_op


def _graph():
    x, w = Value(0.7, "x"), Value(-1.3, "w")
    y = (x * w + x.exp() * w).tanh() * x + w ** 2
    return x, w, y


def test_a_second_backward_adds_the_pass_total_to_what_a_leaf_held():
    x, w, y = _graph()
    gx, gw = autonn.grad(y, [x, w])  # the checked loop, touching no .grad
    y.backward()
    assert (x.grad, w.grad) == (gx, gw)
    y.backward()
    assert (x.grad, w.grad) == (gx + gx, gw + gw)  # before + this pass, as PyTorch accumulates
    x.grad = 0.25
    y.backward()
    assert x.grad == 0.25 + gx


def test_intermediate_nodes_hold_the_latest_pass_alone():
    x = Value(1.5)
    h = x * x
    y = h.tanh()
    y.backward()
    first = h.grad
    y.backward()
    assert h.grad == first == pytest.approx(1.0 - math.tanh(2.25) ** 2)


def test_a_rule_that_fails_mid_pass_leaves_every_leaf_as_before():
    bad = autonn.register_op("two_gradients_for_one_input", lambda a, m: a * 1.0,
                             lambda g, out, a, m: (g, g), "wrong on purpose")
    try:
        x, w = Value(2.0), Value(3.0)
        x.grad, w.grad = 0.5, -0.25
        y = bad(x * w) + w * 4.0
        with pytest.raises(autonn.OpError, match="two_gradients_for_one_input"):
            y.backward()
        assert (x.grad, w.grad) == (0.5, -0.25)
    finally:
        remove_op("two_gradients_for_one_input", missing_ok=True)


def test_a_leaf_holding_no_real_number_is_refused_not_propagated():
    x = Value(2.0, "x")
    y = x * 3.0
    x.data = 1j
    with pytest.raises(TypeError, match="backward: a leaf holds complex"):
        y.backward()
    x.data = 2  # an int is a real number
    y.backward()
    assert x.grad == 3.0


def test_hooks_see_each_gradient_through_the_checked_loop_with_the_same_numbers():
    x, w, y = _graph()
    y.backward()
    plain = (x.grad, w.grad)
    seen = []
    x2, w2, y2 = _graph()
    handle = w2.register_hook(lambda g: seen.append(g))
    try:
        y2.backward()
    finally:
        handle.remove()
    assert (x2.grad, w2.grad) == plain and seen == [plain[1]]
