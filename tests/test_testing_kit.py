"""autonn.testing: assert_grads_close, the expression strategy and the Expression it draws."""

import math

import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st

import autonn
from autonn.ops import remove_op
from autonn import OPS, GradcheckError, Value
from autonn.expr import evaluate
from autonn.gradcheck import numeric_grad
from autonn.testing import Expression, Step, assert_grads_close, expressions, numbers
from autonn.testing.strategies import op_pool


# -- assert_grads_close --------------------------------------------------------

def test_assert_grads_close_passes_with_a_right_derivation():
    assert_grads_close(lambda w, x: (w * x).tanh(), [0.3, -1.2],
                       reference=lambda w, x: [x * (1 - math.tanh(w * x) ** 2), w * (1 - math.tanh(w * x) ** 2)])
    assert_grads_close(lambda a: a.exp(), [Value(0.5)], reference=math.exp)  # one input: one number


def test_assert_grads_close_names_the_wrong_column_in_a_table():
    wrong = lambda w, x: [x * (1 - math.tanh(w * x)), w * (1 - math.tanh(w * x) ** 2)]  # noqa: E731
    with pytest.raises(GradcheckError) as info:
        assert_grads_close(lambda w, x: (w * x).tanh(), [0.3, -1.2], reference=wrong)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("assert_grads_close failed")
    assert lines[1].split() == ["input", "at", "autograd", "numeric", "reference", "difference"]
    x0 = next(line for line in lines if line.strip().startswith("x0"))
    x1 = next(line for line in lines if line.strip().startswith("x1"))
    assert "mismatch (reference)" in x0 and "mismatch" not in x1


def test_assert_grads_close_catches_autograd_against_finite_differences():
    # relu at exactly 0: autograd says 0, the central difference 0.5; no reference needed.
    with pytest.raises(AssertionError, match=r"mismatch \(numeric\)"):
        assert_grads_close(lambda a: a.relu(), [0.0])


def test_assert_grads_close_rejects_bad_references():
    with pytest.raises(ValueError, match="assert_grads_close: reference returned 1 gradient"):
        assert_grads_close(lambda a, b: a * b, [1.0, 2.0], reference=lambda a, b: [b])
    with pytest.raises(TypeError, match="assert_grads_close: reference must be callable"):
        assert_grads_close(lambda a: a, [1.0], reference=3.0)
    with pytest.raises(TypeError, match="assert_grads_close: reference must return one number per input"):
        assert_grads_close(lambda a, b: a * b, [1.0, 2.0], reference=lambda a, b: None)
    with pytest.raises(TypeError, match="assert_grads_close: f must return a Value"):
        assert_grads_close(lambda a: 1.0, [1.0])


# -- Expression ----------------------------------------------------------------

SHARED = Expression([0.5, -1.0], [Step("mul", (0, 1)), Step("tanh", (2,)), Step("add", (3, 2)),
                                  Step("powc", (4,), (2.0,)), Step("neg", (5,)), Step("sub", (0, 6))])


def test_expression_prints_and_lists_its_steps():
    assert str(SHARED) == "x0 - -(tanh(x0 * x1) + x0 * x1) ** 2.0"
    assert SHARED.program().splitlines() == [
        "x0 = 0.5, x1 = -1.0", "t0 = x0 * x1", "t1 = tanh(t0)", "t2 = t1 + t0", "t3 = t2 ** 2.0", "t4 = -t3",
        "t5 = x0 - t4"]
    t = math.tanh(-0.5) - 0.5
    assert SHARED.build()[0].data == pytest.approx(0.5 + t * t, rel=1e-15)


def test_expression_subexpression_and_untied_tree_keep_the_gradient():
    sub = SHARED.subexpression(2)
    assert str(sub) == "tanh(x0 * x1) + x0 * x1" and len(sub) == 3
    tree, origins = SHARED.untied()
    assert origins == [0, 0, 1, 0, 1] and max(tree.uses()) == 1
    out, leaves = SHARED.build()
    tree_out, tree_leaves = tree.build()
    copies = autonn.grad(tree_out, tree_leaves)
    summed = [sum(g for g, o in zip(copies, origins) if o == i) for i in range(2)]
    assert summed == pytest.approx(autonn.grad(out, leaves), rel=1e-14)


def test_expression_rejects_bad_steps():
    with pytest.raises(ValueError, match="not an op of autonn.OPS"):
        Expression([1.0], [Step("nope", (0,))])
    with pytest.raises(ValueError, match="only inputs and earlier steps"):
        Expression([1.0], [Step("exp", (1,))])
    with pytest.raises(ValueError, match="at least one step"):
        Expression([1.0], [])
    with pytest.raises(TypeError, match="takes 2 input"):
        SHARED(1.0)


# -- the strategy --------------------------------------------------------------

def _smooth_at(f, xs):
    """True if f is defined around xs and its one-sided difference quotients, at two step sizes,
    all agree (no kink, jump or domain edge at xs, where finite differences mean nothing)."""
    try:
        with autonn.no_grad():
            base = f(*[Value(x) for x in xs]).data
            for i in range(len(xs)):
                quotients = []
                for step in (1e-6, -1e-6, 1e-5, -1e-5):
                    moved = list(xs)
                    moved[i] += step
                    quotients.append((f(*[Value(x) for x in moved]).data - base) / step)
                if max(quotients) - min(quotients) > 1e-3 * (1 + abs(quotients[0])):
                    return False
    except (ArithmeticError, ValueError):
        return False
    return True


def _tied(expr):
    """True if a step has two different argument nodes with equal numbers (clamp(x1, x0, x0) at x1 = x0):
    there each piecewise op hands the slope to one side by convention, which differences cannot see."""
    data = list(expr.values)
    for s in expr.steps:
        args = sorted(set(s.args))
        if len({data[a] for a in args}) < len(args):
            return True
        data.append(OPS[s.op].value(*[data[a] for a in s.args], *s.consts))
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(values=numbers(-2.0, 2.0), bound=1e3))
def test_random_expressions_agree_with_finite_differences(expr):
    # The kit's own strategy, used as a user would: autonn's gradient against float64 central differences.
    assume(_smooth_at(expr, expr.values))
    assume(not _tied(expr))
    out, leaves = expr.build()
    assume(all(math.isfinite(g) for g in autonn.grad(out, leaves)))  # an inf slope (sqrt at 0) times 0 is nan
    assert_grads_close(expr, expr.values, atol=1e-4, rtol=1e-3)


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_printed_text_reads_back_to_the_same_number(expr):
    out, _ = expr.build()
    again = evaluate(str(expr), dict(zip(expr.names, expr.values)))
    assert again.data == pytest.approx(out.data, rel=1e-12, abs=1e-12)


def test_the_strategy_draws_every_op_of_the_registry_with_shared_subexpressions():
    assert [op.name for op in op_pool()] == list(OPS)  # the default pool is the registry, read when drawn
    config = settings(max_examples=500, database=None, deadline=None, phases=[Phase.generate])  # no shrinking
    for name in OPS:  # each op, inside its domain, in a graph where a node is used twice (exp(x0) * exp(x0))
        expr = find(expressions(ops=[name, "mul"]), lambda e: name in e.ops and max(e.uses()) > 1,
                    settings=config)
        expr.build()
    seen = set()

    @settings(max_examples=300, database=None, deadline=None)
    @given(expressions())
    def draw(expr):
        seen.update(expr.ops)
        expr.build()  # never outside an op's domain: nothing raises

    draw()
    assert len(seen) > len(OPS) // 2


def test_the_strategy_draws_an_op_added_later_and_respects_its_domain():
    def cube_root_of_positive(a, m):
        return m.pow(a, 1.0 / 3.0)

    autonn.register_op("cbrt_pos", cube_root_of_positive,
                       lambda g, out, a, m: (g / (3.0 * out * out),), "d a^(1/3)/da = 1/(3 a^(2/3))",
                       domain=[autonn.Domain(lambda a, m: m.le(a, 0.0), "expected a positive number, got {0}")])
    try:
        inputs = []

        @settings(max_examples=60, database=None, deadline=None)
        @given(expressions(ops=["cbrt_pos", "sub"], max_steps=3))
        def draw(expr):
            out, leaves = expr.build()
            inputs.extend(s.op for s in expr.steps)
            assert_grads_close(expr, expr.values)

        draw()
        assert "cbrt_pos" in inputs
    finally:
        remove_op("cbrt_pos")


def test_the_strategy_rejects_unknown_ops_and_bad_sizes_when_it_is_made():
    # refused by the call itself, before any example is drawn
    with pytest.raises(ValueError, match="unknown op"):
        expressions(ops=["tanh", "nope"])
    with pytest.raises(ValueError, match="expressions: max_steps must be a whole number of at least 1, got 0"):
        expressions(max_steps=0)
    with pytest.raises(ValueError, match="expressions: bound must be a positive number"):
        expressions(bound=-1.0)


def test_numbers_are_readable_and_in_range():
    @settings(max_examples=50, database=None)
    @given(numbers(-1.0, 0.5, places=2))
    def draw(x):
        assert -1.0 <= x <= 0.5 and round(x, 2) == x

    draw()
    with pytest.raises(ValueError, match="numbers: low must not exceed high"):
        numbers(1.0, 0.0)


def test_numeric_gradient_is_the_one_gradcheck_uses():
    # assert_grads_close's numeric column is gradcheck's numeric_grad: the same table row, the same numbers.
    f = lambda a, b: a.sin() * b  # noqa: E731
    with pytest.raises(GradcheckError) as info:
        assert_grads_close(f, [0.4, 2.0], reference=lambda a, b: [0.0, 0.0])
    row = next(line for line in str(info.value).splitlines() if line.strip().startswith("x0"))
    assert float(row.split()[3]) == pytest.approx(numeric_grad(f, [0.4, 2.0])[0], rel=1e-8)


def test_bypassing_a_step_feeds_its_uses_from_its_argument():
    smaller = SHARED.bypassed(1, 0)  # tanh(t0) replaced by t0
    assert str(smaller) == "x0 - -(x0 * x1 + x0 * x1) ** 2.0"
    assert str(SHARED.bypassed(0, 1)) == "x0 - -(tanh(x1) + x1) ** 2.0"
    with pytest.raises(ValueError, match="the output"):
        SHARED.bypassed(5, 0)


def _readme_section():
    """The testing kit's section of docs/TESTING.md."""
    from doc_text import read, section

    return section(read("docs/TESTING.md"), "## Testing your own gradients and engines")


def _run_printing_block(code):
    """Run a block of the page; return what it printed and what its comments say it prints."""
    import contextlib
    import io
    import re

    expected = [c.strip() for c in re.findall(r"^print\(.*#\s*(.*)$", code, re.M)]
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs/TESTING.md>", "exec"), namespace)  # no real file: hypothesis must not read its lines
    return out.getvalue().splitlines(), expected, namespace


def test_the_readme_examples_run_and_print_what_they_say():
    blocks = _readme_section().split("```python\n")[1:]
    codes = [b.split("```", 1)[0] for b in blocks]
    assert len(codes) == 3
    exec(compile(codes[0], "<docs/TESTING.md>", "exec"), {})  # assert_grads_close passes on the right derivation
    printed, expected, _ = _run_printing_block(codes[1])
    assert printed == expected and len(expected) == 3
    pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is an optional comparison")
    printed, expected, namespace = _run_printing_block(codes[2])
    assert printed == expected and len(expected) == 2
    # and the report shown below the example is the one it makes
    section = _readme_section().split("print(report.findings[0].expression)", 1)[1]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0].rstrip("\n").splitlines()
    real_lines = str(namespace["report"]).splitlines()
    assert len(shown) == len(real_lines)
    for line, real in zip(shown, real_lines):
        head, _, tail = line.partition(" ... ")  # the page shortens the long list of missing ops
        assert real == line or (tail and real.startswith(head) and real.endswith(tail))


def test_the_readme_failure_table_is_what_assert_grads_close_prints():
    shown = _readme_section().split("pytest shows:\n\n```text\n", 1)[1].split("```", 1)[0].rstrip("\n")

    def forgot_the_square(w, x):
        s = 1 - math.tanh(w * x)
        return [x * s, w * s]

    with pytest.raises(AssertionError) as info:
        assert_grads_close(lambda w, x: (w * x).tanh(), [0.3, -1.2], reference=forgot_the_square)
    assert str(info.value) == shown

