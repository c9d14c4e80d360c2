"""The misleading errors of before, each pinned: the message now says what was wrong."""

import math

import numpy as np
import pytest

import autonn
from autonn import Value, gradcheck, ledger
from autonn.nn import Layer, MLP, Network
from autonn.train import accuracy


@pytest.mark.parametrize("eps", [math.nan, math.inf, -1e-6, 0.0])
def test_gradcheck_names_a_bad_eps_instead_of_reporting_a_failed_check(eps):
    with pytest.raises(ValueError, match=r"gradcheck: eps must be a finite number > 0"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)


@pytest.mark.parametrize("precision", [-1, 10**6])
def test_ledger_names_a_bad_precision(precision):
    with pytest.raises(ValueError, match="ledger: precision must be at least 0 and at most 17"):
        ledger(Value(2.0) * 3, precision=precision)


def test_accuracy_refuses_scores_and_labels_of_different_shapes():
    with pytest.raises(ValueError, match=r"accuracy: scores have shape \(2, 3\) but labels have shape \(3, 2\)"):
        accuracy(np.ones((2, 3)), np.ones((3, 2)))


def test_accuracy_of_nothing_is_an_error_not_nan():
    with pytest.raises(ValueError, match="accuracy: no samples"):
        accuracy([], [])


def test_compile_takes_a_numpy_integer_count():
    step = autonn.compile(lambda xs: xs[0] * xs[1] * xs[2], [], n_inputs=np.int64(3))
    loss, _ = step([[1.0, 2.0, 3.0]])
    assert loss == 6.0


def test_an_absurd_layer_is_refused_at_once():
    with pytest.raises(ValueError, match="Layer: nout must be at most"):
        Layer(2, 10**400)
    with pytest.raises(ValueError, match="MLP: the model would have"):
        MLP(10**5, [10**5])


def test_a_refused_neuron_does_not_advance_the_random_generator():
    a = Network(["x"], seed=0)
    with pytest.raises(ValueError, match="unknown activation"):
        a.add("h", ["x"], "no-such-activation")
    b = Network(["x"], seed=0)
    assert a.add("h", ["x"]).w[0].data == b.add("h", ["x"]).w[0].data


def test_a_refused_layer_in_a_shared_generator_does_not_advance_it():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    with pytest.raises(ValueError, match="unknown activation"):
        Layer(3, 4, "bogus", seed=rng_a)
    assert rng_a.random() == rng_b.random()
