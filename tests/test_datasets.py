"""make_line and make_moons: shapes, seeds, the geometry they promise."""

import numpy as np
import pytest

from autonn.datasets import LINE_FIRST_X, make_line, make_moons


def test_line_shape_first_row_and_seed():
    x, y = make_line(n=30, seed=4)
    assert x.shape == y.shape == (30,)
    assert x[0] == LINE_FIRST_X == 0.66
    assert np.all((0.0 <= x) & (x <= 1.0))
    assert np.array_equal(np.round(x, 2), x)
    x2, y2 = make_line(n=30, seed=4)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(y, make_line(n=30, seed=5)[1])


def test_line_without_noise_is_exactly_the_line():
    x, y = make_line(n=20, w=-3.0, b=7.5, noise=0.0)
    np.testing.assert_allclose(y, -3.0 * x + 7.5, rtol=0, atol=1e-12)


def test_line_noise_has_the_requested_spread():
    x, y = make_line(n=4000, w=2.0, b=1.0, noise=0.5, seed=1)
    residual = y - (2.0 * x + 1.0)
    assert abs(residual.std() - 0.5) < 0.05
    assert abs(residual.mean()) < 0.05


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = make_moons(n=101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and y.shape == (101,)
    upper, lower = X[y == -1], X[y == 1]
    assert len(upper) == 51 and len(lower) == 50
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_labels_seed_and_shuffle():
    X, y = make_moons(n=40, seed=2, labels=(0, 1))
    assert set(y.tolist()) == {0.0, 1.0}
    X2, y2 = make_moons(n=40, seed=2, labels=(0, 1))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(y, np.sort(y))  # rows are shuffled


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_line(n=1), "n must be at least 2"),
        (lambda: make_line(noise=-1.0), "noise must be a finite number >= 0"),
        (lambda: make_line(w=float("inf")), "w must be a finite number"),
        (lambda: make_moons(n=2.5), "n must be an int"),
        (lambda: make_moons(labels=(1, 1)), "labels must be two different numbers"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
