"""A compiled function never silently differs from eager: data-dependent choices raise at trace
time naming the user's line, branch-free ones (ops) match eager row by row, and gradients inside a
compiled loss take each sample's own branch."""

import numpy as np
import pytest

import autonn
from autonn import TraceError, Value
from autonn.compiler import compile
from compile_graphs import assert_close, eager_loss_and_grads

w = Value(0.7, "w")
b = Value(-0.2, "b")
PARAMS = [w, b]
# rows on both sides of every kink used below
X = np.array([[1.5, 1.0], [-1.0, -1.0], [0.3, 1.0], [-0.05, -1.0], [2.5, 1.0], [0.0, -1.0]])


def _reads_data(v):
    x = v[0]
    return w * x if x.data > 0 else -w * x  # the line to be named


def _reads_float(v):
    return w * float(v[0] * w + b)


def _reads_bool(v):
    return w * v[0] if (v[0] - 0.5) else b


def _formats(v):
    return w * float(f"{v[0]:.3f}")


def _reads_item(v):
    return w * v[0].item()


def _reads_a_parameter(v):
    return v[0] * w.data  # frozen after the first optimiser step: refused too


@pytest.mark.parametrize("fn, what", [(_reads_data, ".data"), (_reads_float, "float()"), (_reads_bool, "bool()"),
                                      (_formats, "format()"), (_reads_item, ".item()"),
                                      (_reads_a_parameter, ".data")])
def test_reading_a_traced_number_raises_naming_the_line(fn, what):
    with pytest.raises(TraceError) as err:
        compile(fn, PARAMS, 2, allow_unused=True)
    message = str(err.value)
    assert f"({what})" in message and "test_compile_trust.py" in message and "autonn.where" in message
    assert "data" not in Value.__dict__  # the guard is gone again: .data is the plain slot
    assert Value(1.0).data == 1.0


def test_the_issue_example_raises_and_its_branch_free_form_equals_eager():
    with pytest.raises(TraceError, match=r"x.data > 0 else -w \* x  # the line to be named"):
        compile(_reads_data, [w], 1)

    def branch_free(v):
        x = v[0]
        return autonn.where(autonn.gt(x, 0.0), w * x, -w * x)

    step = compile(branch_free, [w], 1)
    loss, grads = step(np.array([[1.0], [-1.0]]))
    assert loss == 0.7 and grads.tolist() == [1.0]


BRANCH_FREE = {
    "where": lambda v: autonn.where(autonn.gt(v[0], 0.1), (w * v[0]).exp(), b * v[1]),
    "abs": lambda v: abs(w * v[0] + b) * v[1],
    "maximum": lambda v: autonn.maximum(w * v[0], b * v[1]) + autonn.minimum(v[0], 0.0) * w,
    "clamp": lambda v: (w * v[0] + b).clamp(-0.5, 0.5) * v[1],
    "leaky": lambda v: (w * v[0] + b).leaky_relu(0.1) + (v[0] * b).elu() * w,
    "lt": lambda v: autonn.lt(v[0], v[1]) * w + b * v[0],
    "reads a constant": lambda v: w * v[0] * autonn.Value(3.0).data,  # not traced: allowed
}


@pytest.mark.parametrize("name", sorted(BRANCH_FREE))
def test_branch_free_functions_match_eager_row_by_row(name):
    fn = BRANCH_FREE[name]
    step = compile(fn, PARAMS, 2, allow_unused=True)
    for row in X:
        loss, grads = step(row[None, :])
        want_loss, want_grads = eager_loss_and_grads(fn, PARAMS, row[None, :])
        assert_close(loss, want_loss, f"{name} {row}: loss")
        assert_close(grads, want_grads, f"{name} {row}: gradients")


GRADIENT_INSIDE = {
    "relu": lambda x: (w * x + b).relu(),
    "abs": lambda x: abs(w * x + b),
    "pow": lambda x: (w * x + b) ** Value(2.0) + (x * x + 0.5) ** w,
    "maximum": lambda x: autonn.maximum(w * x, b),
    "clamp": lambda x: (w * x + b).clamp(-0.3, 0.3),
    "leaky_relu": lambda x: (w * x + b).leaky_relu(0.2),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_INSIDE))
def test_a_gradient_inside_a_compiled_loss_takes_each_samples_branch(name):
    """y = f(x); loss = y + (dy/dx)^2, with dy/dx from autonn.grad(create_graph=True)."""
    f = GRADIENT_INSIDE[name]

    def loss_fn(v):
        x = v[0]
        y = f(x)
        (dydx,) = autonn.grad(y, [x], create_graph=True)
        return y + dydx ** 2

    step = compile(loss_fn, PARAMS, 1, allow_unused=True)
    batch = X[:, :1]
    loss, grads = step(batch)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, PARAMS, batch)
    assert_close(loss, want_loss, f"{name}: loss")
    assert_close(grads, want_grads, f"{name}: gradients")


def test_the_reported_relu_gradient_loss_equals_eager():
    wr, br = Value(0.8), Value(-0.3)

    def loss_fn(v):
        x = v[0]
        y = (wr * x + br).relu()
        (dydx,) = autonn.grad(y, [x], create_graph=True)
        return y + dydx ** 2

    batch = np.array([[1.0], [-1.0], [0.2], [2.0]])
    loss, _ = compile(loss_fn, [wr, br], 1)(batch)
    eager = np.mean([loss_fn([Value(r[0])]).data for r in batch])
    assert loss == pytest.approx(eager, rel=1e-12) and loss == pytest.approx(0.77, rel=1e-12)


def test_the_library_losses_compile_without_an_example():
    from autonn import losses

    z = Value(0.4)

    def bce(v):
        return losses.binary_cross_entropy_with_logits([v[0] * z], [v[1]])

    def mse(v):
        return losses.half_mse([v[0] * z], [v[1]])

    def bce_probs(v):
        return losses.binary_cross_entropy([(v[0] * z).sigmoid()], [v[1]])

    def hinge(v):  # its labels are -1 and +1: the trace cannot use zeros for them
        return losses.hinge([v[0] * z], [v[1] * 2.0 - 1.0])

    data = np.array([[0.5, 1.0], [-2.0, 0.0], [3.0, 0.25]])
    for fn in (bce, bce_probs, mse):
        loss, grads = compile(fn, [z], 2)(data)
        want_loss, want_grads = eager_loss_and_grads(fn, [z], data)
        assert_close(loss, want_loss, fn.__name__)
        assert_close(grads, want_grads, fn.__name__)
    labels01 = np.array([[0.5, 1.0], [-2.0, 0.0], [3.0, 1.0]])
    loss, grads = compile(hinge, [z], 2)(labels01)
    want_loss, want_grads = eager_loss_and_grads(hinge, [z], labels01)
    assert_close(loss, want_loss, "hinge")
    assert_close(grads, want_grads, "hinge")


@pytest.mark.parametrize("loss_name, bad", [("hinge", 0.5), ("hinge", 0.0), ("binary_cross_entropy_with_logits", 1.5),
                                            ("binary_cross_entropy", -0.25), ("binary_cross_entropy", float("nan"))])
def test_a_bad_label_is_an_error_compiled_as_eagerly(loss_name, bad):
    # A label column is checked on every row: a compiled loss never turns a bad label into a number.
    from autonn import losses

    z = Value(0.4)
    fn = getattr(losses, loss_name)

    def loss(v):
        score = v[0] * z
        return fn([score.sigmoid() if loss_name == "binary_cross_entropy" else score], [v[1]])

    good = 1.0
    data = np.array([[0.5, good], [-2.0, bad], [3.0, good]])
    with pytest.raises(autonn.DomainError, match=f"{loss_name}: label 0: label_"):
        loss([Value(-2.0), Value(bad)])  # eagerly, with the label as a Value
    step = compile(loss, [z], 2)
    with pytest.raises(autonn.DomainError, match=r"label_(pm1|01): .*sample 1 of the batch"):
        step(data)
    assert step(data[[0, 2]])[0] == pytest.approx(eager_loss_and_grads(loss, [z], data[[0, 2]])[0], rel=1e-12)
