"""Seeded, reproducible initial weights for neurons.

The default scheme draws every weight from the uniform distribution on
``[-1/sqrt(nin), +1/sqrt(nin)]`` and starts every bias at 0.  Scaling by
``1/sqrt(nin)`` keeps the variance of a neuron's weighted sum close to the
variance of one of its inputs, whatever the number of inputs, so signals
neither blow up nor fade as they pass through many layers.

Randomness comes from a :class:`numpy.random.Generator`.  Every constructor
takes ``seed=``: an ``int`` (same numbers every run), a ``Generator`` (shared
by the caller, e.g. one per model) or ``None`` (fresh, unpredictable numbers).
"""

from __future__ import annotations

import math
from typing import List, Tuple, Union

import numpy as np

from ..arguments import seed_value

__all__ = ["Seed", "make_rng", "initial_weights"]

Seed = Union[None, int, np.random.Generator]


def make_rng(seed: Seed, who: str = "make_rng") -> np.random.Generator:
    """A Generator from ``seed`` (an int, a Generator, or None for a fresh one)."""
    return np.random.default_rng(seed_value(seed, who))


def initial_weights(rng: np.random.Generator, nin: int) -> Tuple[List[float], float]:
    """``nin`` weights uniform on ``[-1/sqrt(nin), 1/sqrt(nin)]`` and a zero bias."""
    if nin == 0:
        return [], 0.0
    bound = 1.0 / math.sqrt(nin)
    return rng.uniform(-bound, bound, size=nin).tolist(), 0.0
