"""The rule compiler: each op's definition read as expressions, and what is generated from it.

Generated float code must compute bit for bit what the definition computes
on the float namespace; the formulas are printed from the rule; an edited
rule (at run time here, in the source in test_rule_source_edit.py) moves
the generated paths with it.
"""

import math
import struct

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.fastpath import INLINE_OPS, LOOP, source_of
from autonn.ops import ARRAY_MATH, FLOAT_MATH, OPS, linear_ops, remove_op
from autonn.ops.floatmath import INLINE
from autonn.ops.pycode import GLOBALS
from autonn.ops.symbolic import NotSymbolic, SYMBOLIC_MATH, Expr, var

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 1e-7, -1e-7, 1e7, 710.0, -710.0, 1e300, -1e300,
           math.inf, -math.inf, math.nan]


def _same(a, b):
    """Equal as IEEE floats, nan equal to nan and 0.0 apart from -0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)
    return a == b or (a != a and b != b)  # complex (a negative base to a fraction): equal, or both nan


def _run(fn, *args):
    try:
        return ("value", fn(*args))
    except (ArithmeticError, ValueError, TypeError) as err:
        return ("raised", type(err))


def _points(op):
    n = (op.arity or 2) + op.consts
    import itertools

    grid = SPECIAL if n <= 2 else [0.0, -1.0, 0.5, 2.0, math.inf, math.nan]
    return itertools.product(grid, repeat=n)


def test_every_built_in_op_is_read_as_expressions():
    not_symbolic = {name: op.not_symbolic for name, op in OPS.items() if not op.symbolic}
    assert not not_symbolic


@pytest.mark.parametrize("name", sorted(OPS))
def test_the_generated_float_forward_and_rule_compute_what_the_definition_computes(name):
    op = OPS[name]
    for args in _points(op):
        if op.arity is None:
            want = _run(lambda *xs: op.forward(*xs, m=FLOAT_MATH), *args)
        else:
            want = _run(lambda *xs: op.forward(*xs, FLOAT_MATH), *args)
        got = _run(op.float_forward, *args)
        assert got[0] == want[0] and (_same(got[1], want[1]) if got[0] == "value" else True), (name, args, got, want)
        if want[0] != "value":
            continue
        for g in (1.0, -0.5, math.inf):
            if op.arity is None:
                want_v = _run(lambda *xs: op.vjp(g, want[1], *xs, m=FLOAT_MATH), *args)
            else:
                want_v = _run(lambda *xs: op.vjp(g, want[1], *xs, FLOAT_MATH), *args)
            got_v = _run(lambda *xs: op.float_vjp(g, want[1], *xs), *args)
            if got_v[0] != "value":
                # the engine then re-runs the definition in IEEE arithmetic, as for the definition itself
                assert want_v[0] != "value", (name, args, g, got_v, want_v)
                continue
            if want_v[0] != "value":
                # the definition raised in a branch its where does not take (generated code takes one
                # branch only): the value must be the one the definition gives in IEEE arithmetic
                with np.errstate(all="ignore"):
                    f64 = [np.float64(x) for x in (g, want[1]) + tuple(args)]
                    local = op.vjp(*f64, m=ARRAY_MATH) if op.arity is None else op.vjp(*f64, ARRAY_MATH)
                want_v = ("value", tuple(float(x) for x in local))
            assert all(_same(x, y) for x, y in zip(got_v[1], want_v[1])), (name, args, g, got_v, want_v)


@pytest.mark.parametrize("name", sorted(INLINE))
def test_each_inline_helper_equals_the_float_namespace_helper(name):
    template = INLINE[name]
    n = max(i for i in range(3) if "{%d}" % i in template) + 1
    fn = eval("lambda a, b, c: " + template.format("a", "b", "c"), dict(GLOBALS))  # noqa: S307
    helper = getattr(FLOAT_MATH, name)
    import itertools

    for args in itertools.product(SPECIAL[:6] + [math.inf, math.nan], repeat=n):
        full = list(args) + [7.0, 8.0][: 3 - n]
        assert _same(fn(*full), helper(*args)), (name, args)


def test_the_formulas_are_printed_from_the_rules():
    assert OPS["tanh"].formulas == ("d tanh(a)/da = 1 - tanh(a)^2",)
    assert OPS["mul"].formulas == ("d(a*b)/da = b", "d(a*b)/db = a")
    # The tie of maximum is in the rule, so it is in the text.
    assert OPS["maximum"].formulas[0] == "d maximum(a, b)/da = (1 if a > b else (0.5 if a = b else 0))"
    assert OPS["relu"].formulas == ("d relu(a)/da = step(a)",)
    assert OPS["where"].formulas[1:] == ("d where(c, a, b)/da = [c != 0]", "d where(c, a, b)/db = [c = 0]")
    assert OPS["erf"].formulas == ("d erf(a)/da = 2/sqrt(pi)*exp(-a^2)",)


@pytest.fixture
def edited_tanh():
    op = OPS["tanh"]
    original = op.vjp
    op.vjp = lambda g, out, a, m: (g * (2.0 - out * out),)
    yield op
    op.vjp = original


def test_a_rule_changed_at_run_time_moves_the_generated_paths_and_the_text(edited_tanh):
    assert edited_tanh.formulas == ("d tanh(a)/da = 2 - tanh(a)^2",)
    assert "(2.0 - " in source_of(LOOP.run)
    x = Value(0.3)
    y = x.tanh()
    y.backward()
    assert x.grad == pytest.approx(2.0 - math.tanh(0.3) ** 2, rel=1e-15)
    assert autonn.grad(lambda v: v.tanh())(0.3) == pytest.approx(2.0 - math.tanh(0.3) ** 2, rel=1e-15)
    assert autonn.formula(lambda x: x.tanh()) == "2 - math.tanh(x)**2"


def test_a_forward_changed_at_run_time_moves_the_operator():
    op = OPS["mul"]
    original = op.forward
    try:
        op.forward = lambda a, b, m: a * b + 1.0
        assert (Value(2.0) * Value(3.0)).data == 7.0  # (the operator is generated again on this call)
        assert "+ 1.0" in source_of(Value.__mul__)
    finally:
        op.forward = original
    assert (Value(2.0) * Value(3.0)).data == 6.0


def test_a_rule_with_a_python_branch_runs_its_definition_and_says_why():
    def forward(a, m):
        return a * a

    def vjp(g, out, a, m):
        if a > 0:  # a Python decision: no expression can hold it
            return (2.0 * g * a,)
        return (0.0 * g,)

    square_if = autonn.register_op("square_if_positive", forward, vjp, "2a if a > 0 else 0")
    try:
        op = OPS["square_if_positive"]
        assert not op.symbolic and "branches" in op.not_symbolic
        assert op.formulas == ("2a if a > 0 else 0",)
        x = Value(3.0)
        square_if(x).backward()
        assert x.grad == 6.0
        with pytest.raises(autonn.SymbolicError, match="square_if_positive"):
            autonn.export(lambda v: square_if(v))
    finally:
        remove_op("square_if_positive", missing_ok=True)


def test_a_registered_op_of_plain_arithmetic_is_compiled_too():
    cube = autonn.register_op("cube_for_test", lambda a: a * a * a, lambda g, out, a, m: (3.0 * g * a * a,),
                              "3 a^2")
    try:
        op = OPS["cube_for_test"]
        assert op.symbolic
        assert op.formulas == ("d cube_for_test(a)/da = 3*a*a",)
        x = Value(2.0)
        cube(x).backward()
        assert x.grad == 12.0
    finally:
        remove_op("cube_for_test", missing_ok=True)


def test_the_loop_holds_the_common_rules_inline_and_the_operators_hold_their_forwards():
    (Value(1.5) * 2.0).tanh().backward()  # each is generated on its first use
    loop = source_of(LOOP.run)
    for name in INLINE_OPS:
        assert f"# {name}: generated from its rule" in loop
    assert "_x0 * _x1" in source_of(Value.__mul__)
    assert "_tanh(_x0)" in source_of(Value.tanh)


def test_symbols_refuse_what_a_formula_cannot_hold():
    a = var("a")
    with pytest.raises(NotSymbolic):
        bool(a > 0)
    with pytest.raises(NotSymbolic):
        math.sin(a)
    with pytest.raises(NotSymbolic):
        SYMBOLIC_MATH.no_such_function(a)
    assert isinstance(a * 2 + 1, Expr)


def test_the_fused_layers_are_used_only_while_mul_and_sum_are_the_linear_rules():
    sum_op, mul_op = linear_ops()
    assert sum_op is OPS["sum"] and mul_op is OPS["mul"]
    original = mul_op.vjp
    try:
        # the same function object would fool an identity check; the symbolic check reads the rule
        mul_op.vjp = lambda g, out, a, b, m: (g * b, g * a * 1.0)
        assert linear_ops() == (None, None)
    finally:
        mul_op.vjp = original
    assert linear_ops() == (OPS["sum"], OPS["mul"])
