"""Python control flow in a compiled function: the same numbers as eager, or a TraceError.

A compiled function runs once, on placeholders.  Every kind of Python
control flow a per-sample loss may hold is tried here on rows that take
different branches when run eagerly: either the compiled step gives eager's
loss and gradients to 1e-12, or compiling raises :class:`autonn.TraceError`
naming the line.  Nothing in between: no branch frozen at the trace.
"""

import inspect
import re

import numpy as np
import pytest

import autonn
from autonn import TraceError, Value, gt, where
from autonn.compiler import compile
from compile_graphs import assert_close, compiled_matches_eager, eager_loss_and_grads

W = [0.7, -1.3]
# rows on both sides of every branch below: signs of v[0] and v[1] both ways, sums over and under 1
X = np.array([[0.5, 2.0], [-0.5, 3.0], [2.0, -2.0], [-1.5, -0.25], [0.25, 0.5]])


def params():
    return [Value(w) for w in W]


# -- kinds of Python control flow that depend on a traced number: refused --------------------
def if_on_data(w, v):
    if v[0].data > 0:
        return w[0] * v[0]
    return w[1] * v[1]


def if_on_truth(w, v):
    return w[0] * v[0] if v[0] - v[1] else w[1]


def while_on_value(w, v):
    x = w[0] * v[0]
    while float(x) < 1.0:
        x = x * 0.5 + 1.0  # nears 2 from anywhere, in a number of turns that depends on x
    return x


def early_return(w, v):
    total = w[0] * v[0]
    for x in v:
        if x.item() < 0:
            return total
        total = total + w[1] * x
    return total


def comprehension_filter(w, v):
    return autonn.sum([w[0] * x for x in v if x.data > 0] + [w[1]])


def builtin_max(w, v):
    return max(w[0] * v[0], w[1] * v[1], key=float)


def try_around_a_domain_error(w, v):
    try:
        return (w[0] * v[0]).log()
    except Exception:
        return w[1] * v[1]


def try_around_a_refused_read(w, v):
    try:
        scale = 2.0 if v[0].data > 0 else 1.0
    except Exception:
        scale = 1.0
    return w[0] * v[0] * scale


def try_around_a_division(w, v):
    try:
        return w[0] / (v[0] - v[0])
    except ZeroDivisionError:
        return w[1] * v[1]


def branch_on_str(w, v):
    return w[0] * v[0] if str(v[0]).startswith("Value(-") else w[1] * v[1]


def branch_on_repr(w, v):
    return w[0] * v[0] if "-" in repr(v[1]) else w[1] * v[1]


def f_string(w, v):
    return w[0] * v[0] if f"{v[0]:.3f}".startswith("-") else w[1]


def f_string_without_a_format(w, v):
    return w[0] * v[0] if "-" in f"{v[0]}" else w[1]


def assign_an_input(w, v):
    v[0].data = 5.0
    return w[0] * v[0] + w[1] * v[1]


def assign_a_computed_value(w, v):
    x = w[0] * v[0]
    x.data = abs(x.data)
    return x * w[1]


def assign_a_parameter(w, v):
    w[0].data += 1.0
    return w[0] * v[0]


REFUSED = [if_on_data, if_on_truth, while_on_value, early_return, comprehension_filter, builtin_max,
           try_around_a_domain_error, try_around_a_refused_read, try_around_a_division, branch_on_str,
           branch_on_repr, f_string, f_string_without_a_format, assign_an_input, assign_a_computed_value,
           assign_a_parameter]


def eager_branches_differ(fn):
    """The eager function does not compute one formula for every row (else the test proves nothing)."""
    outs = []
    for row in X:
        w = params()
        try:
            outs.append(fn(w, [Value(float(x)) for x in row]).data)
        except Exception as err:  # an except clause the compiled step cannot take per row
            outs.append(type(err).__name__)
    return outs


@pytest.mark.parametrize("fn", REFUSED, ids=lambda fn: fn.__name__)
def test_control_flow_on_a_traced_number_is_refused_naming_the_line(fn):
    eager_branches_differ(fn)  # runs eagerly on every row
    w = params()
    with pytest.raises(TraceError) as info:
        compile(lambda v: fn(w, v), w, 2, allow_unused=True)
    line = int(re.search(r"test_compile_control_flow\.py:(\d+) ", str(info.value)).group(1))
    source, first = inspect.getsourcelines(fn)
    assert first < line < first + len(source), "the error names a line of the function"
    assert "instead" in str(info.value)
    assert [p.data for p in w] == W  # nothing was changed by the refused trace


def test_a_caught_domain_error_names_the_op_and_where_to_go():
    w = params()
    with pytest.raises(TraceError, match=r"DomainError \(log: .*caught it.*autonn\.where"):
        compile(lambda v: try_around_a_domain_error(w, v), w, 2)


def test_the_issue_example_of_a_caught_log_raises_and_the_where_form_matches_eager():
    w = Value(-0.5)

    def caught(v):
        try:
            return (w * v[0]).log()
        except Exception:
            return w * v[1]

    rows = np.array([[1.0, 2.0], [-1.0, 3.0], [2.0, -2.0]])
    with pytest.raises(TraceError):
        compile(caught, [w], 2)

    def written_with_ops(v):
        inside = gt(w * v[0], 0.0)
        return where(inside, where(inside, w * v[0], 1.0).log(), w * v[1])

    check_matches_eager(written_with_ops, [w], rows)
    assert eager_loss_and_grads(written_with_ops, [w], rows)[0] == pytest.approx(
        np.mean([np.log(0.5), -0.5 * 2.0, -0.5 * -2.0]), rel=1e-12)


# -- control flow that does not depend on a traced number: the same numbers as eager --------
def where_for_if(w, v):
    return where(gt(v[0], 0.0), w[0] * v[0], w[1] * v[1])


def loop_of_fixed_length(w, v):
    x = v[0]
    for k in range(3):
        x = (x * w[k % 2]).tanh() + v[1]
    return x


def filter_on_position(w, v):
    return autonn.sum([w[i % 2] * x for i, x in enumerate(v) if i % 2 == 0]) + w[1] * v[1]


def early_return_on_a_python_setting(w, v, squared=True):
    if squared:
        return (w[0] * v[0] - w[1] * v[1]) ** 2
    return w[0]


def try_that_raises_nothing(w, v):
    try:
        out = w[0] * v[0] + w[1]
    except ZeroDivisionError:
        out = w[1]
    return out.relu()


def maximum_for_max(w, v):
    return autonn.maximum(w[0] * v[0], w[1] * v[1])


def formatting_of_a_constant(w, v):
    label = f"{len(v)} inputs"  # text from Python numbers freezes nothing
    return w[0] * v[0] * len(label) + w[1]


def a_fresh_leaf_changed_in_place(w, v):
    c = Value(2.0)
    c.data = 3.0  # a constant of the function, not a traced value
    return w[0] * v[0] * c + w[1]


SAME = [where_for_if, loop_of_fixed_length, filter_on_position, early_return_on_a_python_setting,
        try_that_raises_nothing, maximum_for_max, formatting_of_a_constant, a_fresh_leaf_changed_in_place]


def check_matches_eager(loss_fn, w, rows):
    step = compiled_matches_eager(loss_fn, w, rows)
    per_row = [loss_fn([Value(float(x)) for x in row]).data for row in rows]
    assert_close(step.evaluate(rows), per_row, "each row")


@pytest.mark.parametrize("fn", SAME, ids=lambda fn: fn.__name__)
def test_control_flow_that_reads_no_traced_number_matches_eager_row_by_row(fn):
    w = params()
    check_matches_eager(lambda v: fn(w, v), w, X)


def test_the_rows_take_different_branches_eagerly():
    # for the refused kinds: two rows at least compute different things
    for fn in (if_on_data, while_on_value, early_return, comprehension_filter, try_around_a_domain_error,
               branch_on_str, f_string):
        outs = eager_branches_differ(fn)
        w0, w1 = W
        linear = [w0 * a for a, _ in X]
        assert outs != linear and len(set(map(str, outs))) > 1, fn.__name__
    # and the op forms choose per row
    w = params()
    rows = [where_for_if(w, [Value(a), Value(b)]).data for a, b in X]
    assert rows == [W[0] * a if a > 0 else W[1] * b for a, b in X]
