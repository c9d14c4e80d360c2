"""Small synthetic data sets, generated with numpy from a seed (no downloads).

* :func:`make_line` - points scattered around a straight line ``y = w x + b``;
* :func:`make_moons` - two interleaving half circles, a classic for a small
  classifier that has to bend its decision boundary.
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Tuple

import numpy as np

from .arguments import real_number, seed_value, whole_number

__all__ = ["make_line", "make_moons", "LINE_FIRST_X"]

#: The first ``x`` of :func:`make_line`: the first row of the worked example it mirrors.
LINE_FIRST_X = 0.66


MAX_POINTS = 10**8  # a data set is float arrays in memory: beyond this it cannot be allocated


def _count(n: Any, who: str, least: int) -> int:
    return whole_number(n, "n", who, least=least, most=MAX_POINTS)


def _noise(noise: Any, who: str) -> float:
    return real_number(noise, "noise", who, least=0.0)


def make_line(
    n: int = 50,
    w: float = 12.0,
    b: float = 40.0,
    noise: float = 1.0,
    seed: int = 0,
) -> Tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``n`` points ``(x, y)`` with ``y = w*x + b + noise * N(0, 1)``.

    ``x`` lies in ``[0, 1]`` with two decimals; the first row has
    ``x = 0.66`` (:data:`LINE_FIRST_X`).  The same ``seed`` gives the same
    points.  Returns two float arrays of shape ``(n,)``.
    """
    who = "make_line"
    n = _count(n, who, 2)
    noise = _noise(noise, who)
    w = real_number(w, "w", who)
    b = real_number(b, "b", who)
    rng = np.random.default_rng(seed_value(seed, who))
    x = np.round(rng.uniform(0.0, 1.0, size=n), 2)
    x[0] = LINE_FIRST_X
    y = w * x + b + noise * rng.standard_normal(n)
    return x, y


def make_moons(
    n: int = 100,
    noise: float = 0.1,
    seed: int = 0,
    labels: Tuple[float, float] = (-1.0, 1.0),
) -> Tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Two interleaving half circles: ``X`` of shape ``(n, 2)`` and labels ``y`` of shape ``(n,)``.

    The upper moon (centre (0, 0), radius 1) gets ``labels[0]``, the lower
    one (centre (1, 0.5), flipped) gets ``labels[1]``.  The default labels
    ``-1`` and ``+1`` suit :func:`autonn.losses.hinge`; pass ``labels=(0, 1)``
    for :func:`autonn.losses.binary_cross_entropy_with_logits` (or
    ``binary_cross_entropy`` of probabilities).  Gaussian noise of standard
    deviation ``noise`` is added to every coordinate, and the rows are
    shuffled; the same ``seed`` gives the same data.
    """
    who = "make_moons"
    n = _count(n, who, 2)
    noise = _noise(noise, who)
    if isinstance(labels, str) or not isinstance(labels, Sequence) or len(labels) != 2:
        raise TypeError(f"{who}: labels must be two different numbers, got {labels!r}")
    labels = (real_number(labels[0], "labels[0]", who), real_number(labels[1], "labels[1]", who))
    if labels[0] == labels[1]:
        raise ValueError(f"{who}: labels must be two different numbers, got {labels!r}")
    rng = np.random.default_rng(seed_value(seed, who))
    n_upper = (n + 1) // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.full(n_upper, float(labels[0])), np.full(n_lower, float(labels[1]))])
    order = rng.permutation(n)
    return X[order], y[order]
