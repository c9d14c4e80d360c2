"""A branch that is not taken contributes nothing, on every path: backward(), grad at every order,
forward mode and the compiled step.  Each function below is constant near the point, so its
derivatives there are 0 exactly (the reference is the function itself: flat on a neighbourhood)."""

import math

import numpy as np
import pytest

import autonn
from autonn.ops import remove_op
from autonn import Value
from autonn.ops import remove_op
from autonn.ops.absent import ABSENT

INF, NAN = math.inf, math.nan


def where_sqrt(x):
    return autonn.where(autonn.gt(x, 0.0), x.sqrt(), 0.0)


def relu_sqrt(x):
    return x.relu().sqrt()


def clamp_sqrt(x):
    return x.clamp(0.0, 1.0).sqrt()


def maximum_sqrt(x):
    return autonn.maximum(x, 0.0).sqrt()


# The cases as a new user met them: each function is flat around the point.
CASES = [(where_sqrt, 0.0), (relu_sqrt, -1.0), (clamp_sqrt, -1.0), (maximum_sqrt, -2.0)]
IDS = ["where(x > 0, sqrt(x), 0) at 0", "relu(x).sqrt() at -1", "clamp(x, 0, 1).sqrt() at -1",
       "maximum(x, 0).sqrt() at -2"]


def flat_around(f, x0, h=1e-3):
    """The function really is constant on a neighbourhood (what makes 0 the exact answer);
    where(x > 0, sqrt x, 0) takes its constant branch at 0 (its sqrt is undefined to the left)."""
    if f is where_sqrt:
        return autonn.gt(Value(x0), 0.0).data == 0.0
    return f(Value(x0 - h)).data == f(Value(x0)).data == f(Value(x0 + h)).data


@pytest.mark.parametrize("f, x0", CASES, ids=IDS)
def test_backward_gives_zero(f, x0):
    assert flat_around(f, x0)
    x = Value(x0)
    f(x).backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("f, x0", CASES, ids=IDS)
def test_grad_gives_zero_and_every_order_stays_finite(f, x0):
    x = Value(x0)
    assert autonn.grad(f(x), [x]) == [0.0]
    (d,) = autonn.grad(f(x), [x], create_graph=True)
    assert d.data == 0.0
    for _ in range(3):  # second, third and fourth derivatives
        (d,) = autonn.grad(d, [x], create_graph=True)
        assert d.data == 0.0


@pytest.mark.parametrize("f, x0", CASES, ids=IDS)
def test_forward_mode_gives_zero(f, x0):
    assert autonn.jvp(f, [x0], [1.0])[1] == 0.0
    assert autonn.hessian(f)(x0) == [[0.0]]


@pytest.mark.parametrize("f, x0", CASES, ids=IDS)
def test_the_compiled_step_gives_what_backward_gives(f, x0):
    w = Value(1.0)
    step = autonn.compile(lambda v: f(v[0] * w), [w], 1)
    rows = np.array([[x0], [4.0]])
    loss, grads = step(rows)
    want = 0.0
    for (x,) in rows:  # eager, sample by sample
        w.grad = 0.0
        f(Value(float(x)) * w).backward()
        want += w.grad / len(rows)
    assert grads[0] == pytest.approx(want, rel=1e-12)
    # by hand: the point's row gives 0; at x = 4 w, d sqrt(4 w)/dw = 1 (clamp's 1 is flat there)
    assert want == (0.0 if f is clamp_sqrt else 0.5)


def test_an_infinite_gradient_meeting_an_inactive_piecewise_op_gives_zero():
    # the gradient arriving is inf (sqrt at 0); each op's rule selects it away, never inf * 0
    for make in (lambda x: x.relu(), lambda x: x.clamp(0.0, 1.0), lambda x: autonn.maximum(x, 0.0),
                 lambda x: autonn.minimum(-x, 0.0) * -1.0,
                 lambda x: autonn.where(autonn.lt(x, 0.0), 0.0, x)):
        x = Value(-3.0)
        make(x).sqrt().backward()
        assert x.grad == 0.0


def test_leaky_relu_and_elu_select_between_their_slopes():
    # with slope 0 on the negative side they are flat there: an infinite gradient arriving gives 0
    for make in (lambda x: x.leaky_relu(0.0), lambda x: x.elu(0.0)):
        x = Value(-2.0)
        assert make(x).data == 0.0 and make(Value(-2.001)).data == 0.0
        make(x).sqrt().backward()
        assert x.grad == 0.0
    x, s = Value(-2.0), Value(0.1)
    assert autonn.grad(x.leaky_relu(s), [x, s]) == [pytest.approx(0.1, rel=1e-15), -2.0]
    a, alpha = Value(3.0), Value(2.0)
    assert autonn.grad(a.elu(alpha), [a, alpha]) == [1.0, 0.0]
    a = Value(-1.0)
    assert autonn.grad(a.elu(alpha), [a]) == [pytest.approx(2.0 * math.exp(-1.0), rel=1e-15)]


def test_nan_in_still_gives_nan_out():
    for make in (lambda x: x.relu(), lambda x: abs(x)):
        x = Value(NAN)
        make(x).backward()
        assert math.isnan(x.grad)


def test_a_real_zero_gradient_still_meets_an_infinite_slope_as_nan():
    # (sqrt x)^2 at 0: the gradient reaching sqrt is 2 sqrt(0) = 0, a number, not a branch left out
    x = Value(0.0)
    (x.sqrt() ** 2).backward()
    assert math.isnan(x.grad)  # as PyTorch; only a branch that is not taken contributes nothing


def test_a_user_op_that_declares_itself_piecewise_selects():
    hard_tanh = autonn.register_op(
        "hard_tanh_for_test",
        lambda a, m: m.clamp(a, -1.0, 1.0),
        lambda g, out, a, m: (g * m.where(m.le(m.abs(a), 1.0), 1.0, 0.0),),  # written as a 0/1 factor
        "d hardtanh(a)/da = [|a| <= 1]",
        piecewise=True,
    )
    plain = autonn.register_op(
        "hard_tanh_unmarked_for_test",
        lambda a, m: m.clamp(a, -1.0, 1.0),
        lambda g, out, a, m: (g * m.where(m.le(m.abs(a), 1.0), 1.0, 0.0),),
        "d hardtanh(a)/da = [|a| <= 1]",
    )
    try:
        for op, want in ((hard_tanh, 0.0), (plain, None)):
            x = Value(-3.0)
            ((op(x) + 1.0).sqrt()).backward()  # sqrt at 0: an infinite gradient reaches the flat side
            assert (math.isnan(x.grad) if want is None else x.grad == want)
        x = Value(0.5)
        ((hard_tanh(x) + 1.0).sqrt()).backward()  # the active side is untouched
        assert x.grad == pytest.approx(0.5 / math.sqrt(1.5), rel=1e-15)
        x = Value(-3.0)
        (d,) = autonn.grad((hard_tanh(x) + 1.0).sqrt(), [x], create_graph=True)
        assert d.data == 0.0 and autonn.grad(d, [x]) == [0.0]
        w = Value(3.0)
        step = autonn.compile(lambda v: (hard_tanh(v[0] * w) + 1.0).sqrt(), [w], 1)
        assert step(np.array([[-1.0]]))[1][0] == 0.0
    finally:
        remove_op("hard_tanh_for_test")
        remove_op("hard_tanh_unmarked_for_test")


def test_the_absent_gradient_reads_as_zero_and_adds_as_nothing():
    assert ABSENT == 0.0 and float(ABSENT) == 0.0
    assert 2.5 + ABSENT == 2.5 and ABSENT + 2.5 == 2.5 and (ABSENT + ABSENT) is ABSENT
    import copy
    import pickle
    assert copy.deepcopy(ABSENT) is ABSENT and pickle.loads(pickle.dumps(ABSENT)) is ABSENT


def test_intermediate_nodes_behind_a_branch_not_taken_read_zero_after_backward():
    x = Value(0.0)
    s = x.sqrt()
    y = autonn.where(autonn.gt(x, 0.0), s, 0.0)
    y.backward()
    assert s.grad == 0.0 and type(s.grad) is float and x.grad == 0.0


def test_a_slope_that_is_zero_only_at_this_point_keeps_its_derivative():
    # leaky_relu's slope on the negative side is its parameter s: at s = 0 it is 0 here but moves with s,
    # so d/ds of d/da is 1 (the mixed second derivative of a * s); only a slope that is 0 on a whole branch
    # (relu's step) hands on nothing
    a, s = autonn.Value(-0.001), autonn.Value(0.0)
    da, ds = autonn.grad(a.leaky_relu(s), [a, s], create_graph=True)
    assert autonn.grad(da, [a, s]) == [0.0, 1.0]
    assert autonn.grad(ds, [a, s]) == [1.0, 0.0]
    assert autonn.taylor(lambda a, s: a.leaky_relu(s), [-0.001, 0.0], [1.0, 1.0], 2)[2] == 2.0
