"""Losses against numpy formulas and hand-derived gradients; numerical safety; errors."""

import math

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    closed_form_line_grads,
    cross_entropy,
    half_mse,
    hinge,
    mse,
)


def leaves(xs):
    return [Value(float(x)) for x in xs]


def test_mse_value_and_gradient():
    p = leaves([1.0, 2.0, 4.0])
    t = [0.5, 2.5, 1.0]
    loss = mse(p, t)
    assert math.isclose(loss.data, (0.25 + 0.25 + 9.0) / 3, rel_tol=1e-12)
    loss.backward()
    assert [v.grad for v in p] == pytest.approx([2 * 0.5 / 3, 2 * -0.5 / 3, 2 * 3.0 / 3], rel=1e-12)


def test_half_mse_gradient_is_mean_error():
    p = leaves([3.0, -1.0])
    loss = half_mse(p, [1.0, 1.0])
    assert math.isclose(loss.data, 0.5 * (4.0 + 4.0) / 2, rel_tol=1e-12)
    loss.backward()
    assert [v.grad for v in p] == pytest.approx([1.0, -1.0], rel=1e-12)


def test_losses_accept_batch_columns():
    out = np.array([[Value(1.0)], [Value(3.0)]], dtype=object)
    assert math.isclose(mse(out, np.array([0.0, 1.0])).data, (1.0 + 4.0) / 2, rel_tol=1e-12)
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse(out, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"predictions\[0\] is a str"):
        mse(["a"], [1.0])


def test_hinge_value_and_gradient():
    s = leaves([2.0, 0.5, -0.25])
    y = [1, 1, 1]
    loss = hinge(s, y)
    # margins: 1-2 -> 0, 1-0.5 -> 0.5, 1+0.25 -> 1.25
    assert math.isclose(loss.data, (0.0 + 0.5 + 1.25) / 3, rel_tol=1e-12)
    loss.backward()
    assert [v.grad for v in s] == pytest.approx([0.0, -1 / 3, -1 / 3], rel=1e-12)
    with pytest.raises(ValueError, match="label 0 is 0"):
        hinge(leaves([1.0]), [0])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_binary_cross_entropy_with_logits_matches_formula_and_gradient():
    z = np.array([-2.0, 0.3, 1.5, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.25])
    p = leaves(z)
    loss = binary_cross_entropy_with_logits(p, y)
    s = sigmoid(z)
    want = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert math.isclose(loss.data, want, rel_tol=1e-12)
    loss.backward()
    np.testing.assert_allclose([v.grad for v in p], (s - y) / 4, rtol=1e-12, atol=1e-15)


def test_binary_cross_entropy_with_logits_is_safe_for_huge_logits():
    p = leaves([1000.0, -1000.0, 800.0])
    loss = binary_cross_entropy_with_logits(p, [0, 1, 1])
    # softplus(1000) = 1000, softplus(1000) = 1000, softplus(-800) ~ e^-800 = 0
    assert math.isclose(loss.data, 2000.0 / 3, rel_tol=1e-12)
    loss.backward()
    assert [v.grad for v in p] == pytest.approx([1 / 3, -1 / 3, 0.0], abs=1e-15)
    with pytest.raises(ValueError, match=r"label 0 is 2.0; expected a number in \[0, 1\]"):
        binary_cross_entropy_with_logits(leaves([0.0]), [2])


# PyTorch's own numbers (torch.nn.functional, float64), written in so that the
# names keep PyTorch's meanings: probabilities for one, logits for the other.
def test_binary_losses_give_pytorchs_numbers_for_their_names():
    assert math.isclose(binary_cross_entropy([Value(0.9)], [1]).data, 0.10536051565782628, rel_tol=1e-14)
    assert math.isclose(binary_cross_entropy_with_logits([Value(0.9)], [1]).data, 0.3411538747320878, rel_tol=1e-14)
    probs, labels = [0.2, 0.9, 0.6, 0.05], [0.0, 1.0, 0.25, 1.0]
    assert math.isclose(binary_cross_entropy(leaves(probs), labels).data, 1.0347901988432853, rel_tol=1e-14)
    logits = [-2.0, 0.3, 1.5, 0.0]
    assert math.isclose(
        binary_cross_entropy_with_logits(leaves(logits), [0.0, 1.0, 1.0, 0.25]).data, 0.39396092851354936, rel_tol=1e-14
    )


def test_binary_cross_entropy_of_probabilities_matches_formula_and_finite_differences():
    q = np.array([0.2, 0.9, 0.6, 0.05, 0.5])
    y = np.array([0.0, 1.0, 0.25, 1.0, 0.7])

    def formula(q):
        return -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))

    p = leaves(q)
    loss = binary_cross_entropy(p, y)
    assert math.isclose(loss.data, formula(q), rel_tol=1e-13)
    loss.backward()
    for i in range(len(q)):
        def f(t, i=i):
            return formula(np.concatenate([q[:i], [t], q[i + 1:]]))
        assert math.isclose(p[i].grad, central_difference(f, q[i]), rel_tol=1e-7)
    # and by hand: d/dp of -(y log p + (1-y) log(1-p)) is (p - y) / (p (1 - p)), over n samples
    np.testing.assert_allclose([v.grad for v in p], (q - y) / (q * (1 - q)) / len(q), rtol=1e-12)


def test_binary_cross_entropy_of_probabilities_with_a_value_label():
    q = np.array([0.2, 0.9, 0.6])
    y = np.array([0.0, 1.0, 0.25])
    labels = leaves(y)
    loss = binary_cross_entropy(leaves(q), labels)
    assert math.isclose(loss.data, binary_cross_entropy(leaves(q), y.tolist()).data, rel_tol=1e-14)
    loss.backward()
    # d/dy_i = (log(1 - p_i) - log p_i) / n, at y = 0 and 1 too
    np.testing.assert_allclose([v.grad for v in labels], (np.log1p(-q) - np.log(q)) / len(q), rtol=1e-12)


def test_binary_cross_entropy_refuses_logits_and_infinite_losses():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: prediction 1 is 2.5; expected a probability in "
                                         r"\[0, 1\] \(for logits use binary_cross_entropy_with_logits\)"):
        binary_cross_entropy(leaves([0.5, 2.5]), [1, 0])
    with pytest.raises(ValueError, match=r"prediction 0 is 0.0 with label 1.0: the loss is infinite"):
        binary_cross_entropy(leaves([0.0]), [1])
    with pytest.raises(ValueError, match=r"prediction 0 is 1.0 with label 0.5: the loss is infinite"):
        binary_cross_entropy([1.0], [0.5])
    with pytest.raises(ValueError, match=r"binary_cross_entropy: label 0 is -0.5; expected a number in \[0, 1\]"):
        binary_cross_entropy(leaves([0.5]), [-0.5])
    # a certain, right prediction costs nothing: only the needed log is taken
    assert binary_cross_entropy(leaves([1.0, 0.0]), [1, 0]).data == 0.0


def test_cross_entropy_matches_log_softmax_and_gradient():
    z = np.array([1.0, -0.5, 2.0, 0.25])
    p = leaves(z)
    loss = cross_entropy(p, 1)
    logsoftmax = z - np.log(np.sum(np.exp(z)))
    assert math.isclose(loss.data, -logsoftmax[1], rel_tol=1e-12)
    loss.backward()
    want = np.exp(logsoftmax)
    want[1] -= 1
    np.testing.assert_allclose([v.grad for v in p], want, rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_safe_for_huge_logits_and_batches():
    p = leaves([1000.0, 999.0, -1000.0])
    loss = cross_entropy(p, 0)
    assert math.isclose(loss.data, math.log1p(math.exp(-1.0)), rel_tol=1e-12)
    batch = np.array([leaves([0.0, 0.0]), leaves([3.0, 1.0])], dtype=object)
    both = cross_entropy(batch, [1, 0])
    assert math.isclose(both.data, (math.log(2) + math.log1p(math.exp(-2.0))) / 2, rel_tol=1e-12)
    with pytest.raises(ValueError, match=r"target must be a class index in 0..2, got 3"):
        cross_entropy(p, 3)
    with pytest.raises(ValueError, match="2 samples of logits but 1 targets"):
        cross_entropy(batch, [1])


def test_closed_form_line_grads_by_hand():
    # w=2, b=1, x=[1, 2], y=[3, 4]: Error = [0, 1]; mean(Error*x) = 1, mean(Error) = 0.5
    assert closed_form_line_grads(2.0, 1.0, [1.0, 2.0], [3.0, 4.0]) == (1.0, 0.5)
    assert closed_form_line_grads(Value(2.0), Value(1.0), np.array([1.0, 2.0]), [3.0, 4.0]) == (1.0, 0.5)
    with pytest.raises(ValueError, match="equal length"):
        closed_form_line_grads(1.0, 0.0, [1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="w must be a number"):
        closed_form_line_grads("1", 0.0, [1.0], [1.0])


def test_losses_pass_gradcheck():
    def f(a, b, c):
        return (mse([a, b], [0.5, c]) + hinge([a * b], [-1]) + binary_cross_entropy_with_logits([c], [1])
                + binary_cross_entropy([c.sigmoid()], [0.3]) + cross_entropy([a, b, c], 2))

    assert autonn.gradcheck(f, [0.3, -0.8, 1.1], atol=1e-8, rtol=1e-6)


def softplus(z):
    return np.logaddexp(0.0, z)


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(
    "loss_of_logit",
    [
        binary_cross_entropy_with_logits,
        lambda z, y: binary_cross_entropy(z.sigmoid() if isinstance(z, Value) else [v.sigmoid() for v in z], y),
    ],
    ids=["from logits", "from probabilities"],
)
def test_binary_cross_entropy_compiled_with_a_label_column_matches_eager(loss_of_logit):
    # the label is an input column: the trace sees a placeholder, so no branch may
    # be taken on its number; every sample must get its own label's loss
    X = np.array([[1.0, 1.0], [2.0, 0.0], [-1.0, 1.0], [0.5, 0.25], [-3.0, 0.0]])
    w, b = Value(0.5), Value(0.1)
    step = autonn.compile(lambda v: loss_of_logit(w * v[0] + b, v[1]), [w, b], 2)
    loss, grads = step(X)
    eager = loss_of_logit([w * x + b for x in X[:, 0]], X[:, 1].tolist())
    eager.backward()
    assert math.isclose(loss, eager.data, rel_tol=1e-12)
    np.testing.assert_allclose(grads, [w.grad, b.grad], rtol=1e-12)
    # and both against the closed form: mean(softplus(z) - y z), d/dz = sigmoid(z) - y
    z, y = 0.5 * X[:, 0] + 0.1, X[:, 1]
    assert math.isclose(loss, np.mean(softplus(z) - y * z), rel_tol=1e-12)
    e = sigmoid(z) - y
    np.testing.assert_allclose(grads, [np.mean(e * X[:, 0]), np.mean(e)], rtol=1e-12)


def test_binary_cross_entropy_with_logits_gradient_with_respect_to_a_value_label():
    z = np.array([0.7, -1.3, 2.0, 1000.0, -1000.0])
    y = np.array([0.0, 1.0, 0.3, 1.0, 0.0])
    labels = leaves(y)
    loss = binary_cross_entropy_with_logits(leaves(z), labels)
    # the same numbers as with plain-number labels, also for huge logits
    assert math.isclose(loss.data, binary_cross_entropy_with_logits(leaves(z), y.tolist()).data, rel_tol=1e-15)
    loss.backward()
    # d/dy_i of mean(softplus(z) - y z) is -z_i / n, at y = 0 and 1 too
    np.testing.assert_allclose([v.grad for v in labels], -z / len(z), rtol=1e-12)
    for i in range(3):
        def f(t, i=i):
            return binary_cross_entropy_with_logits(leaves(z), [*y[:i], t, *y[i + 1:]]).data
        assert math.isclose(labels[i].grad, central_difference(f, 0.5), rel_tol=1e-7)


def test_predictions_and_targets_must_have_the_same_shape():
    p = np.array([Value(float(i)) for i in range(6)], dtype=object).reshape(3, 2)
    t = np.arange(6.0).reshape(2, 3)
    for loss in (mse, half_mse):
        with pytest.raises(ValueError, match=r"predictions of shape \(3, 2\) and targets of shape \(2, 3\)"):
            loss(p, t)
    with pytest.raises(ValueError, match=r"shape \(3, 2\) and targets of shape \(2, 1, 3\)"):
        binary_cross_entropy_with_logits(p, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) and targets of shape \(3, 2\)"):
        hinge(p.reshape(2, 3), np.ones((3, 2)))
    # size-1 axes do not count: a (n, 1) batch column pairs with n targets, either way round
    column = np.array([[Value(1.0)], [Value(3.0)]], dtype=object)
    for target in ([0.0, 1.0], [[0.0], [1.0]], [[0.0, 1.0]]):
        assert math.isclose(mse(column, target).data, 2.5, rel_tol=1e-12)
    assert math.isclose(mse(p, t.reshape(3, 2)).data, 0.0, abs_tol=0.0)
    # a flat side pairs in row-major order, as (n, k) outputs with n * k targets
    assert math.isclose(mse(p, t.ravel()).data, 0.0, abs_tol=0.0)
    assert math.isclose(mse(p.ravel(), t.reshape(3, 1, 2)).data, 0.0, abs_tol=0.0)


def test_cross_entropy_of_no_logits_says_so():
    with pytest.raises(ValueError, match="the logits are empty"):
        cross_entropy([], 0)
    with pytest.raises(ValueError, match="the logits are empty"):
        cross_entropy(np.empty((2, 0), dtype=object), [0, 0])
    with pytest.raises(ValueError, match=r"shape \(0, 3\) hold no samples"):
        cross_entropy(np.empty((0, 3), dtype=object), [])


def test_compiled_cross_entropy_is_right_far_from_the_trace():
    # The log-sum-exp shift is built from ops, so the trace (on zeros) does not freeze it.
    w = Value(1.0)

    def f(v):
        return cross_entropy([w * v[0], w * v[1]], 0)

    X = np.array([[800.0, 799.0], [790.0, 791.0]])
    want = sum(cross_entropy([w * a, w * b], 0) for a, b in X) / 2
    want.backward()
    # closed form: log(1 + e^(b - a)) for target 0; d/dw = mean((softmax - onehot) . x)
    assert math.isclose(want.data, (math.log1p(math.exp(-1.0)) + math.log1p(math.exp(1.0))) / 2, rel_tol=1e-12)
    s = [1 / (1 + math.exp(a - b)) for a, b in X]  # softmax weight of class 1
    dw = np.mean([(b - a) * si for (a, b), si in zip(X, s)])
    assert math.isclose(w.grad, dw, rel_tol=1e-9)
    loss, grads = autonn.compile(f, [w], 2)(X)
    assert math.isclose(loss, want.data, rel_tol=1e-12)
    np.testing.assert_allclose(grads, [w.grad], rtol=1e-12)
