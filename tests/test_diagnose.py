"""autonn.diagnose names why a gradient is nan, inf or exactly 0: the kind, the op and the user's line.
detect_anomaly says the same, per thread, and watches compiled steps too (naming the row)."""

import math
import threading

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.diagnose import NO_SITE

THIS_FILE = "test_diagnose.py"


def only(diagnosis):
    assert len(diagnosis) == 1, str(diagnosis)
    return diagnosis[0]


def test_an_inactive_relu_is_named_with_its_line():
    with autonn.detect_anomaly():
        x, w = Value(-1.0, "x"), Value(2.0, "w")
        y = (x * w).relu()  # the relu line
        d = autonn.diagnose(y, [x, w])
    assert [f.kind for f in d] == ["inactive", "inactive"] and [f.op for f in d] == ["relu", "relu"]
    assert THIS_FILE in d[0].site and "the relu line" in d[0].site
    assert "x: gradient 0" in str(d) and "relu(-2.0)" in str(d) and "<= 0" in str(d)
    assert autonn.grad(y, [x, w]) == [0.0, 0.0]  # what it explains


def test_a_saturated_tanh_and_sigmoid():
    with autonn.detect_anomaly():
        t, s = Value(30.0, "t"), Value(-800.0, "s")
        f = t.tanh() + s.sigmoid()
        d = autonn.diagnose(f, [t, s])
    assert [(x.kind, x.op) for x in d] == [("saturated", "tanh"), ("saturated", "sigmoid")]
    assert "underflows to 0" in d[0].message and "f = t.tanh() + s.sigmoid()" in d[0].site
    assert 1.0 - math.tanh(30.0) ** 2 == 0.0  # the slope really is 0 in float64, and not in exact arithmetic


def test_a_step_is_flat_on_both_sides():
    x = Value(2.0, "x")
    finding = only(autonn.diagnose(autonn.value.apply(autonn.OPS["step"], x) * 3.0, [x]))
    assert (finding.kind, finding.op) == ("inactive", "step") and "flat on both sides" in finding.message


def test_a_branch_not_taken():
    with autonn.detect_anomaly():
        c = Value(0.0, "c")
        y = autonn.where(autonn.gt(c, 0.0), c.sqrt(), 0.0)  # the where line
        finding = only(autonn.diagnose(y, [c]))
    assert finding.kind == "branch not taken" and finding.op == "where" and "the where line" in finding.site
    assert "took the second branch" in finding.message


def test_no_path_and_a_zero_factor_and_cancelling_paths():
    a, b, c = Value(1.0, "a"), Value(3.0, "b"), Value(5.0, "c")
    y = 0.0 * b + (a - a)
    d = autonn.diagnose(y, [a, b, c])
    assert [f.kind for f in d] == ["cancelled", "zero factor", "no path"]
    assert d[1].op == "mul" and "other factor, which is 0" in d[1].message
    assert "does not depend on it" in d[2].message
    assert d[1].site == NO_SITE  # built outside detect_anomaly: the report says how to see the line


def test_the_first_rule_that_made_a_finite_gradient_infinite():
    with autonn.detect_anomaly():
        x = Value(0.0, "x")
        y = x.sqrt() * 3.0  # the sqrt line
        finding = only(autonn.diagnose(y, [x]))
    assert finding.kind == "non-finite" and finding.op == "sqrt" and finding.gradient == math.inf
    assert "received gradient 3.0" in finding.message and "gave inf for input 0" in finding.message
    assert "the sqrt line" in finding.site


def test_good_gradients_give_an_empty_diagnosis():
    x = Value(2.0)
    d = autonn.diagnose(x * x, [x])
    assert len(d) == 0 and str(d) == "every gradient is finite and not 0"


def test_detect_anomaly_says_what_diagnose_says():
    with autonn.detect_anomaly():
        x = Value(0.0, "x")
        y = x.sqrt() * 3.0
        expected = only(autonn.diagnose(y, [x])).message
        with pytest.raises(autonn.AnomalyError) as caught:
            y.backward()
    assert str(caught.value).removeprefix("backward: ") in expected


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"diagnose: wrt\[1\] must be a Value"):
        autonn.diagnose(Value(1.0), [Value(1.0), 2.0])
    with pytest.raises(TypeError, match="diagnose: root must be a Value"):
        autonn.diagnose(3.0, [Value(1.0)])


def test_detect_anomaly_watches_its_own_thread_only():
    seen = []

    def other():
        seen.append(Value(1000.0).exp().data)  # inf, unchecked: this thread opened no block

    with autonn.detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join()
        with pytest.raises(autonn.AnomalyError):
            Value(1000.0).exp()
    assert seen == [math.inf]


def test_detect_anomaly_names_the_row_of_a_compiled_step():
    w = Value(1.0, "w")
    step = autonn.compile(lambda v: (v[0] * w).sqrt(), [w], 1)
    X = np.array([[4.0], [9.0], [0.0]])
    loss, grads = step(X)  # outside the block: nan, unchecked
    assert math.isnan(grads[0])
    with autonn.detect_anomaly():
        with pytest.raises(autonn.AnomalyError, match=r"sample 2 \(row 2 of the batch\).*sqrt"):
            step(X)
        with pytest.raises(autonn.AnomalyError, match=r"the loss of sample 1 \(row 1 of the batch\) is inf"):
            step(np.array([[4.0], [math.inf]]))
        assert step(np.array([[4.0]]))[1][0] == 1.0  # d sqrt(4 w)/dw = 4 / (2 sqrt 4): finite, runs as always
