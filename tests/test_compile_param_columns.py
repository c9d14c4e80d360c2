"""Parameters read by elementwise groups come straight from the parameter vector, as columns
broadcast over the batch: evenly spaced ones as a view, others gathered; every way gives eager's numbers."""

import numpy as np

import autonn
from autonn import Value
from autonn.compiler import compile
from compile_graphs import assert_close, eager_loss_and_grads


def _check(loss_fn, params, X, reduction="mean"):
    step = compile(loss_fn, params, X.shape[1], reduction=reduction)
    for _ in range(2):  # a second call reads the same columns again
        loss, grads = step(X)
        want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X, reduction)
        assert_close(loss, want_loss, "loss")
        assert_close(grads, want_grads, "gradients")
    return step


X = np.random.default_rng(3).uniform(-1.5, 1.5, (6, 3))


def test_evenly_spaced_parameters_are_read_as_a_view_and_follow_updates():
    ws = [Value(0.1 * k - 0.3, f"w{k}") for k in range(3)]

    def f(v):  # one group of three products, each reading a parameter and an input
        return autonn.sum([(w * x).tanh() for w, x in zip(ws, v)])

    step = _check(f, ws, X)
    assert "parameter(s) used as operands" not in step.summary()  # no rows copied for them
    for w in ws:
        w.data += 0.25  # the Values change: the next call reads the new numbers
    _check(f, ws, X)
    assert_close(step(X)[0], eager_loss_and_grads(f, ws, X)[0], "after an update")


def test_scattered_parameters_are_gathered():
    ps = [Value(0.05 * k, f"p{k}") for k in range(7)]
    used = [ps[6], ps[1], ps[4]]  # not evenly spaced in the parameter list

    def f(v):
        return autonn.sum([x.exp() * w for w, x in zip(used, v)]) + ps[0] * ps[2] + ps[3] + ps[5]

    _check(f, ps, X, reduction="sum")


def test_a_parameter_read_twice_by_one_node_gets_both_gradients():
    a, b = Value(0.7, "a"), Value(-1.2, "b")

    def f(v):
        return v[0] * (a * a + b * b) + (a * b).sin()

    _check(f, [a, b], X)


def test_a_group_mixing_parameters_and_rows_at_one_position():
    w = Value(0.4, "w")

    def f(v):  # one mul group: w * x0 and x1 * x2, so position 0 holds a parameter and a row
        return (w * v[0]).tanh() + (v[1] * v[2]).tanh() + w

    _check(f, [w], X)


def test_the_output_may_be_a_parameter_used_elsewhere_too():
    w = Value(1.5, "w")
    _check(lambda v: w, [w], X)
    _check(lambda v: (w * w).exp() + v[0], [w], X)


def test_one_parameter_read_by_several_nodes_of_a_group():
    a, b = Value(0.3, "a"), Value(-0.8, "b")

    def f(v):  # a * x0, a * x1, b * x2 form one group whose parameter column repeats a
        return (a * v[0]).tanh() + (a * v[1]).tanh() + (b * v[2]).tanh() + (a * v[2]).exp()

    _check(f, [a, b], X)
