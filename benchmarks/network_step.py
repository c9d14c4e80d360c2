"""Workload (e): an irregular network, compiled and eager (no target; it shows that
the compiler is not limited to layered MLPs).

49 tanh neurons in four waves of 12; each reads 2 to 8 sources drawn at random
from the inputs and *all* earlier neurons (skip connections across any depth),
and a linear output reads every neuron nobody else reads.  Same step as the
MLP workload: mean hinge loss on 100 moons points, backward, SGD.  The large
variant has 2,001 neurons (20 waves of 100), compiled only: its sums read
scattered rows, the case of the compiler's ragged sums.
"""

from __future__ import annotations

import random

import numpy as np

from autonn.compiler import compile as compile_loss
from autonn.datasets import make_moons
from autonn.nn import Network
from mlp_step import autonn_compiled_step, autonn_eager_step, flat_training  # noqa: E402 - a sibling module of this folder



SIZES = {"small": (4, 12), "large": (20, 100)}  # (waves, neurons per wave)


def make_network(seed: int = 0, size: str = "small", network=Network) -> Network:
    """The network of this workload (``network``: the class to build it with, e.g. an older version's)."""
    waves, per_wave = SIZES[size]
    rng = random.Random(seed)
    net = network(["x1", "x2"], seed=seed, activation="tanh")
    names = ["x1", "x2"]
    for wave in range(waves):
        added = []
        for k in range(per_wave):
            name = f"h{wave}_{k}"
            net.add(name, rng.sample(names, min(len(names), rng.randint(2, 8))))
            added.append(name)
        names += added
    read = {s for n in net.wiring for s in net.sources(n)}
    net.add("out", [n for n in names[2:] if n not in read], "linear")
    net.outputs = ["out"]
    return net


def _data():
    X, y = make_moons(100, noise=0.1, seed=0)
    return X, y


def eager_setup():
    X, y = _data()
    return make_network(), X.tolist(), y.tolist()


# The same hinge-loss step and update as the MLP benchmark's, on this network.
eager_step = autonn_eager_step


def compiled_setup(backend: str = "numpy", size: str = "small"):
    X, y = _data()
    net = make_network(size=size)
    step = compile_loss(lambda v: (1.0 - v[2] * net(v[:2])[0]).relu(), net.parameters(), 3, backend=backend)
    return flat_training(step, np.column_stack([X, y]))


# The same update as the MLP benchmark's compiled step.
compiled_step = autonn_compiled_step
