"""detect_anomaly: the first inf or nan is named with its op, inputs and the user's line; off by default."""

import math

import pytest

import autonn
from autonn import Value
from autonn.mode import GRAD_MODE, WATCHERS


def test_off_by_default_nothing_is_checked():
    assert WATCHERS.new_node == [] and WATCHERS.gradients == [] and GRAD_MODE.special == 0
    assert Value(1000.0).exp().data == math.inf


def test_a_forward_value_that_overflows_names_the_op_the_input_and_the_line():
    w = Value(1000.0, "w")
    with pytest.raises(autonn.AnomalyError) as err:
        with autonn.detect_anomaly():
            y = w * 1.0
            y.exp()  # the line to be named
    message = str(err.value)
    assert message.startswith("exp gave inf from (1000.0)")
    assert "test_anomaly.py" in message and "y.exp()  # the line to be named" in message
    assert GRAD_MODE.special == 0 and WATCHERS.new_node == []  # restored after the error


def test_a_gradient_that_becomes_infinite_is_caught_before_any_grad_is_written():
    a = Value(0.0, "a")
    with autonn.detect_anomaly():
        r = a.sqrt() * 3.0  # built here
        with pytest.raises(autonn.AnomalyError) as err:
            r.backward()
    message = str(err.value)
    assert "sqrt(a=0.0) = 0.0 received gradient 3.0" in message
    assert "gave inf for input 0 (a=0.0)" in message and "r = a.sqrt() * 3.0  # built here" in message
    assert a.grad == 0.0
    with autonn.detect_anomaly():
        with pytest.raises(autonn.AnomalyError, match="sqrt"):
            autonn.grad(r, [a])  # a node built outside the block is still checked
    r.backward()  # outside the block: IEEE 754 as usual
    assert a.grad == math.inf


def test_finite_work_runs_unchanged_and_blocks_nest():
    x = Value(0.5)
    with autonn.detect_anomaly():
        with autonn.detect_anomaly():
            y = (x * x).tanh() + x.sigmoid()
        y.backward()
        with autonn.no_grad():
            assert (x * 2.0).is_leaf
    assert GRAD_MODE.special == 0
    assert x.grad == pytest.approx(2 * 0.5 * (1 - math.tanh(0.25) ** 2) + 0.5 ** 0 * (1 / (1 + math.exp(-0.5))) * (1 - 1 / (1 + math.exp(-0.5))))
