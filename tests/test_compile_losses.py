"""Every library loss compiles with its labels as input columns, and equals eager row by row."""

import numpy as np
import pytest

from autonn import Value
from autonn.compiler import compile
from autonn.losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, half_mse, hinge,
                           mse)
from autonn.nn import MLP
from autonn.ops import DomainError
from compile_graphs import assert_close, compiled_matches_eager

RNG = np.random.default_rng(11)
FEATURES = RNG.normal(size=(8, 3))
CLASSES = np.array([0, 2, 1, 2, 0, 1, 1, 2], dtype=float)
PM1 = np.array([1, -1, -1, 1, 1, -1, 1, -1], dtype=float)
IN01 = np.array([0.0, 1.0, 0.25, 1.0, 0.0, 0.5, 1.0, 0.0])


def one_output(model, v):
    return model(v[:3])[0]


LOSSES = {
    # name: (outputs of the model, the loss of one sample given its outputs and label columns, label columns)
    "mse": (1, lambda out, y: mse(out[0], y[0]), IN01[:, None]),
    "half_mse": (1, lambda out, y: half_mse(out[0], y[0]), IN01[:, None]),
    "hinge": (1, lambda out, y: hinge(out[0], y[0]), PM1[:, None]),
    "binary_cross_entropy": (1, lambda out, y: binary_cross_entropy(out[0].sigmoid(), y[0]), IN01[:, None]),
    "binary_cross_entropy_with_logits": (1, lambda out, y: binary_cross_entropy_with_logits(out[0], y[0]),
                                         IN01[:, None]),
    "cross_entropy, a class-index column": (3, lambda out, y: cross_entropy(out, y[0]), CLASSES[:, None]),
    "cross_entropy, one-hot columns": (3, lambda out, y: cross_entropy(out, y), np.eye(3)[CLASSES.astype(int)]),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_library_loss_compiles_with_its_labels_as_columns(name):
    n_out, loss, labels = LOSSES[name]
    model = MLP(3, [4, n_out], seed=2)
    params = model.parameters()

    def sample_loss(v):
        return loss(model(v[:3]), v[3:])

    compiled_matches_eager(sample_loss, params, np.column_stack([FEATURES, labels]))


def test_the_class_index_column_gives_the_log_softmax_by_hand():
    model = MLP(3, [3], seed=4)  # one layer of three linear outputs: logits by hand are W x + b
    step = compile(lambda v: cross_entropy(model(v[:3]), v[3]), model.parameters(), 4)
    X = np.column_stack([FEATURES, CLASSES])
    W = np.array([[w.data for w in n.w] for n in model.layers[0].neurons])
    b = np.array([n.b.data for n in model.layers[0].neurons])
    z = FEATURES @ W.T + b
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    want = -np.mean(log_softmax[np.arange(len(z)), CLASSES.astype(int)])
    assert_close(step(X)[0], want, "loss")
    assert_close(step.evaluate(X), -log_softmax[np.arange(len(z)), CLASSES.astype(int)], "each row")


@pytest.mark.parametrize("bad", [3.0, -1.0, 1.5, float("nan")])
def test_a_bad_class_index_in_one_row_is_refused_naming_the_row(bad):
    model = MLP(3, [3], seed=4)
    step = compile(lambda v: cross_entropy(model(v[:3]), v[3]), model.parameters(), 4)
    X = np.column_stack([FEATURES, CLASSES])
    X[5, 3] = bad
    with pytest.raises(DomainError, match=r"label_class: expected a class index.*at sample 5 of the batch"):
        step(X)
    with pytest.raises(DomainError, match=r"cross_entropy: target: label_class"):
        cross_entropy([Value(0.1), Value(0.2), Value(0.3)], Value(bad))


def test_class_probabilities_give_the_index_form_for_one_hot_rows_and_are_checked():
    z = [Value(0.3), Value(-1.2), Value(2.0)]
    for k in range(3):
        one_hot = [1.0 if j == k else 0.0 for j in range(3)]
        assert cross_entropy(z, one_hot).data == pytest.approx(cross_entropy(z, k).data, rel=1e-15)
    soft = [0.2, 0.3, 0.5]
    by_hand = sum(p * (np.log(np.exp([0.3, -1.2, 2.0]).sum()) - zj) for p, zj in zip(soft, [0.3, -1.2, 2.0]))
    assert cross_entropy(z, soft).data == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match=r"3 logits but 2 class probabilities"):
        cross_entropy(z, [0.5, 0.5])
    with pytest.raises(ValueError, match=r"label 1 is 1.5"):
        cross_entropy(z, [0.0, 1.5, 0.0])
