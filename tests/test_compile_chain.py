"""Chains of elementwise groups: formed only where a group's outputs go to the next group alone,
and always the eager engine's numbers, through the ops' own rules."""

import numpy as np
import pytest

import autonn
from autonn.ops import remove_op
from autonn import OPS, Value
from autonn.compiler import compile
from compile_graphs import assert_close, eager_loss_and_grads, compiled_matches_eager


_check = compiled_matches_eager


def _batch(rows=7, cols=2, seed=0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, (rows, cols))


def _chains(step):
    """Each chain of the summary as its links joined by " -> " (a numbered line, then "-> " lines)."""
    chains, links = [], []
    for line in step.summary().splitlines():
        text = line.strip()
        if text.startswith("-> "):
            links.append(text[3:])
        elif text.startswith("(one chain of"):
            chains.append(" -> ".join(links))
            assert text == f"(one chain of {len(links)}: gradients handed back link to link)"
        else:
            links = [text.split(". ", 1)[1]] if ". " in text and text.split(".")[0].isdigit() else []
    return chains


def test_groups_that_feed_the_next_alone_form_one_chain():
    w, b = Value(0.7, "w"), Value(-0.2, "b")

    def f(v):
        return (((w * v[0] + b).tanh() * v[1]).exp() - 1.5).relu() ** 2

    step = _check(f, [w, b], _batch())
    assert _chains(step) == ["1 x mul -> 1 x add -> 1 x tanh -> 1 x mul -> 1 x exp -> 1 x sub -> 1 x relu"
                             " -> 1 x powc (constants (2.0,))"]


def test_no_chain_through_a_value_read_twice():
    w = Value(0.4, "w")

    def read_twice(v):
        a = (w * v[0]).exp()
        return a * a.tanh()  # a feeds both the tanh and the product

    step = _check(read_twice, [w], _batch())
    assert not any("exp -> " in chain for chain in _chains(step))


def test_a_chain_with_no_parameter_behind_its_start_hands_nothing_on():
    w = Value(1.3, "w")

    def f(v):
        data_only = abs((v[0] * v[1]).exp() - 1.0)  # a chain of input-only groups...
        return (data_only * w).tanh()  # ...then the parameter joins

    _check(f, [w], _batch(cols=2))


def test_rows_stay_independent_inside_a_chain():
    w = Value(0.5, "w")

    def f(v):
        return (1.0 - v[1] * (w * v[0])).relu().log1p()

    X = np.array([[1.0, 1.0], [np.inf, -1.0], [0.3, np.nan], [-2.0, 1.0]])
    step = compile(f, [w], 2, reduction="sum")
    assert _chains(step)
    got = step.evaluate(X)
    for s, row in enumerate(X):
        want = f([Value(float(x)) for x in row]).data
        assert got[s] == pytest.approx(want, rel=1e-12, nan_ok=True), s
    finite = X[[0, 3]]
    loss, grads = step(finite)
    want_loss, want_grads = eager_loss_and_grads(f, [w], finite, "sum")
    assert_close(loss, want_loss, "loss")
    assert_close(grads, want_grads, "gradients")


def test_a_chain_evaluates_the_edited_rule(monkeypatch):
    w = Value(0.6, "w")

    def hinge(v):
        return (1.0 - v[1] * (w * v[0])).relu()

    X = np.array([[0.5, 1.0], [-1.0, 1.0], [2.0, -1.0]])
    assert _chains(compile(hinge, [w], 2))
    before = compile(hinge, [w], 2)(X)[1][0]
    # sub's slope in its second input taken as -2 instead of -1: edit the one definition...
    monkeypatch.setattr(OPS["sub"], "vjp", lambda g, out, a, b, m: (g, -2.0 * g))
    step = compile(hinge, [w], 2)
    assert _chains(step)
    after = step(X)[1][0]
    # ...and the chained path follows it, as the eager engine does
    assert after == pytest.approx(2.0 * before, rel=1e-12)
    assert_close(after, eager_loss_and_grads(hinge, [w], X)[1][0], "edited rule")


@pytest.mark.parametrize("on_arrays", [True, False], ids=["array forward", "float-only forward"])
def test_a_users_op_joins_a_chain(on_arrays):
    forward = (lambda a, m: a * a * a) if on_arrays else (lambda a: a * a * a)
    cube = autonn.register_op("cube_in_chain", forward, lambda g, out, a, m: (g * 3.0 * a * a,), "d(a^3)/da = 3a^2")
    try:
        w = Value(0.9, "w")

        def f(v):
            return cube((w * v[0]).tanh()).exp()

        step = _check(f, [w], _batch())
        each = "" if on_arrays else " (sample by sample: its forward takes floats only)"
        assert any(f"tanh -> 1 x cube_in_chain{each} -> 1 x exp" in chain for chain in _chains(step))
    finally:
        remove_op("cube_in_chain")


def test_an_mlp_is_one_chain_from_its_first_layer_to_its_loss():
    from autonn.nn import MLP

    model = MLP(2, [5, 4, 1], seed=2)

    def hinge(v):
        return (1.0 - v[2] * model(v[:2])[0]).relu()

    X = np.column_stack([_batch(9, 2, seed=4), np.where(np.arange(9) % 2, 1.0, -1.0)])
    step = _check(hinge, model.parameters(), X)
    assert _chains(step) == [" -> ".join([
        "5 x sum as one 5 x 2 matrix product (weights from parameters)", "5 x relu",
        "4 x sum as one 4 x 5 matrix product (weights from parameters)", "4 x relu",
        "1 x sum as one 1 x 4 matrix product (weights from parameters)", "1 x mul", "1 x sub", "1 x relu"])]


def test_a_layer_whose_inputs_are_also_read_elsewhere_keeps_writing_their_gradient():
    from autonn.nn import Layer

    layer = Layer(3, 2, seed=1)
    w = Value(0.3, "w")

    def f(v):
        h = [(w * x).tanh() for x in v]  # read by the layer and, below, by the loss itself
        return autonn.sum(layer(h)) + h[0] * h[1]

    step = _check(f, layer.parameters() + [w], _batch(cols=3))
    assert not any("tanh -> 2 x sum" in chain for chain in _chains(step))
