"""Cases found by probing the engine: each pinned to the right answer."""

import math
import threading

import numpy as np
import pytest

import autonn
from autonn.ops import remove_op
from autonn import OPS, Value


def test_forward_mode_skips_zero_tangents_against_infinite_partials():
    f = lambda x, y: x ** 1.5 + x * y  # noqa: E731  - d/dx x^1.5 is 0 at 0, its second derivative infinite
    H = autonn.hessian(f, argnums=(0, 1))(0.0, 2.0)
    assert H[0][1] == 1.0 and H[1][0] == 1.0 and H[1][1] == 0.0 and H[0][0] == math.inf
    assert autonn.hvp(f, argnums=(0, 1))((0.0, 2.0), [0.0, 1.0]) == [1.0, 0.0]
    J = autonn.jacobian(lambda x, y: [x.sqrt() + y], argnums=(0, 1), mode="forward")(0.0, 1.0)
    assert J.tolist() == [[math.inf, 1.0]]


def test_gradient_graphs_of_pow_hold_no_nan_unless_it_is_the_answer():
    with autonn.detect_anomaly():
        a, b = Value(2.0), Value(3.0)
        da, db = autonn.grad(a ** b, [a, b], create_graph=True)
        x = Value(-1.5)
        (d1,) = autonn.grad(x ** 3, [x], create_graph=True)
        (d2,) = autonn.grad(d1, [x], create_graph=True)
        assert autonn.grad(d2, [x]) == [6.0]
    assert da.data == 12.0 and db.data == pytest.approx(8 * math.log(2.0))
    z = Value(math.inf)
    assert autonn.grad(z ** Value(0.0), [z]) == autonn.grad(z ** 0.0, [z]) == [0.0]


def test_a_trace_in_one_thread_never_refuses_another_threads_reads():
    w = Value(0.5)
    errors, reads = [], []
    started = threading.Event()

    def reader():
        started.wait()
        for _ in range(2000):
            try:
                reads.append(float(w) + w.data)
            except Exception as err:  # noqa: BLE001 - any error is the failure being tested
                errors.append(err)

    def slow(v):
        started.set()
        out = v[0] * w
        for _ in range(300):
            out = out * 1.0 + w
        return out

    t = threading.Thread(target=reader)
    t.start()
    autonn.compile(slow, [w], 1)
    t.join()
    assert errors == [] and len(reads) == 2000


def test_an_edited_mul_or_sum_rule_reaches_the_compiled_step(monkeypatch):
    w = Value(3.0)
    step_before = autonn.compile(lambda v: autonn.sum([w * v[0]]), [w], 1)
    assert step_before(np.array([[2.0]]))[0] == 6.0
    monkeypatch.setattr(OPS["mul"], "forward", lambda a, b, m: 2.0 * a * b)
    monkeypatch.setattr(OPS["mul"], "vjp", lambda g, out, a, b, m: (2.0 * g * b, 2.0 * g * a))
    eager = autonn.sum([w * 2.0])
    step = autonn.compile(lambda v: autonn.sum([w * v[0]]), [w], 1)
    loss, grads = step(np.array([[2.0]]))
    assert loss == eager.data == 12.0 and grads.tolist() == autonn.grad(eager, [w]) == [4.0]
    assert "matrix product" not in step.summary()


def test_the_compiler_runs_the_nodes_own_op_even_if_its_name_is_taken_again():
    old = autonn.register_op("twice_it", lambda a, m: 2.0 * a, lambda g, o, a, m: (2.0 * g,), "d 2a/da = 2")
    try:
        remove_op("twice_it")
        autonn.register_op("twice_it", lambda a, m: 100.0 * a, lambda g, o, a, m: (100.0 * g,), "d/da = 100")
        w = Value(1.0)
        loss, grads = autonn.compile(lambda v: old(w * v[0]), [w], 1)(np.array([[1.0]]))
        assert (loss, grads.tolist()) == (2.0, [2.0])
    finally:
        remove_op("twice_it", missing_ok=True)


@pytest.mark.parametrize("vjp, match", [
    (lambda g, out, a: (g,), "vjp must take"),
    (lambda g, out, a, *, m: (g,), "vjp must take"),
])
def test_register_op_refuses_rules_with_the_wrong_shape(vjp, match):
    with pytest.raises(ValueError, match=match):
        autonn.register_op("bad_rule", lambda a, m: a, vjp, "d/da = 1")
    assert "bad_rule" not in OPS


def test_rules_returning_the_wrong_thing_are_named_on_every_path():
    bare = autonn.register_op("bare_float", lambda a, m: a * 2.0, lambda g, out, a, m: g * 2.0, "d/da = 2")
    listed = autonn.register_op("listed", lambda a, m: a * 2.0, lambda g, out, a, m: [g * 2.0], "d/da = 2")
    def refuses(a, m):
        raise ValueError("outside")

    raising = autonn.register_op("raising", refuses, lambda g, out, a, m: (g,), "d/da = 1")
    try:
        y = bare(Value(1.0))
        with pytest.raises(autonn.OpError, match="bare_float: its vjp must return a tuple"):
            y.backward()
        w = Value(1.0)
        with pytest.raises(autonn.OpError, match="bare_float"):
            autonn.compile(lambda v: bare(w * v[0]), [w], 1)(np.array([[1.0], [2.0]]))
        x = Value(3.0)
        assert autonn.grad(listed(x), [x]) == [2.0] and autonn.jvp(listed, (3.0,), (1.0,))[1] == 2.0
        with pytest.raises(autonn.OpError, match="raising: forward raised ValueError: outside"):
            raising(Value(7.0))
    finally:
        for name in ("bare_float", "listed", "raising"):
            remove_op(name, missing_ok=True)


def test_backward_from_a_leaf_runs_its_hooks():
    x = Value(2.0)
    x.register_hook(lambda g: g * 10.0)
    x.backward()
    assert x.grad == 10.0 and autonn.grad(x, [x]) == [10.0]


def test_a_hook_returning_nan_is_named_as_such():
    x = Value(1.0)
    y = x * 2.0
    z = y * 3.0
    y.register_hook(lambda g: math.nan)
    with autonn.detect_anomaly():
        with pytest.raises(autonn.AnomalyError, match=r"the gradient at mul\(.*\) is nan .*what a hook returned"):
            z.backward()
