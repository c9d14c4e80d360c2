"""Seeded, reproducible initial weights for neurons.

Every model takes ``init=``, one of :data:`INITS`:

* ``"scaled"`` (the default) draws every weight from the uniform distribution
  on ``[-1/sqrt(nin), +1/sqrt(nin)]``.  Scaling by ``1/sqrt(nin)`` keeps the
  variance of a neuron's weighted sum close to the variance of one of its
  inputs, whatever the number of inputs, so signals neither blow up nor fade
  as they pass through many layers.
* ``"uniform"`` draws every weight from ``[-1, +1]``, as micrograd does.

Both start every bias at 0.

Randomness comes from a :class:`numpy.random.Generator`.  Every constructor
takes ``seed=``: an ``int`` (same numbers every run), a ``Generator`` (shared
by the caller, e.g. one per model) or ``None``: the generator
:func:`manual_seed` set, or fresh, unpredictable numbers if it was never called.
"""

from __future__ import annotations

import math
import numbers
from typing import List, Optional, Tuple, Union

import numpy as np

from ..arguments import seed_value

__all__ = ["Seed", "INITS", "make_rng", "manual_seed", "check_init", "initial_weights"]

# (a string: numpy.random loads on first use, not with autonn)
Seed = Union[None, int, "np.random.Generator"]

# The bound of the uniform weight distribution for ``nin`` inputs, by scheme name.
INITS = {
    "scaled": lambda nin: 1.0 / math.sqrt(nin),
    "uniform": lambda nin: 1.0,
}

# Set by manual_seed: the generator every ``seed=None`` model draws from.
_shared: Optional[np.random.Generator] = None


def manual_seed(seed: Optional[int]) -> None:
    """Make every later model built with ``seed=None`` draw from one generator seeded with ``seed``.

    After ``autonn.manual_seed(0)`` the same sequence of constructors gives the
    same weights on every run (like ``random.seed`` in micrograd's scripts or
    ``torch.manual_seed``).  A model given its own ``seed=`` is not affected.
    ``manual_seed(None)`` goes back to fresh, unpredictable numbers.
    """
    global _shared
    if seed is None:
        _shared = None
        return
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int or None, got {seed!r}")
    _shared = np.random.default_rng(int(seed))


def check_init(init: str, who: str) -> str:
    """``init`` if it names a scheme in :data:`INITS`, else a ValueError naming ``who``."""
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"{who}: init must be one of {', '.join(map(repr, INITS))}, got {init!r}")
    return init


def make_rng(seed: Seed, who: str = "make_rng") -> np.random.Generator:
    """A Generator from ``seed`` (an int, a Generator, or None for a fresh one)."""
    if seed is None and _shared is not None:
        return _shared
    return np.random.default_rng(seed_value(seed, who))


def initial_weights(rng: np.random.Generator, nin: int, init: str = "scaled") -> Tuple[List[float], float]:
    """``nin`` weights uniform on ``[-bound, bound]`` (``bound`` from scheme ``init``) and a zero bias."""
    if nin == 0:
        return [], 0.0
    bound = INITS[init](nin)
    return rng.uniform(-bound, bound, size=nin).tolist(), 0.0
