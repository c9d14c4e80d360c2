"""``MLP``: layers in a chain, hidden layers with an activation, the last one linear."""

from __future__ import annotations

import numpy as np
from typing import Any, List, Sequence, Tuple

from ..value import Value

from .activation import Activation, resolve_activation
from .checks import check_count, check_parameter_count
from .init import Seed, check_init, make_rng
from .layer import Layer
from .module import Module
from .neuron import Neuron

__all__ = ["MLP"]


class MLP(Module[List[Value]]):
    """A multi-layer perceptron: ``MLP(nin, [h1, h2, ..., nout], activation="relu")``.

    Hidden layers apply ``activation``; the last layer is linear, so its
    outputs are raw scores for a loss to judge (as in micrograd).  Layer ``i``
    is named ``"L<i>"`` and its neurons ``"L<i>.N<j>"``.  For one sample the
    output is always a list (of ``nout`` Values); ``model.scalar(x)`` gives the
    one Value of a one-output model.  ``init`` names the weight scheme
    (:data:`autonn.nn.init.INITS`).
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: Activation = "relu", *, seed: Seed = None, init: str = "scaled"
    ) -> None:
        nin = check_count(nin, "nin", "MLP")
        check_init(init, "MLP")
        if isinstance(nouts, np.ndarray) and nouts.ndim == 1:
            nouts = nouts.tolist()  # a numpy array of sizes is accepted where a list is
        if isinstance(nouts, (int, str)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin] + [check_count(n, f"nouts[{i}]", "MLP") for i, n in enumerate(nouts)]
        check_parameter_count(sum((a + 1) * b for a, b in zip(sizes, sizes[1:])), "MLP")
        resolve_activation(activation, "MLP")  # before any random draw: a refused model uses none
        rng = make_rng(seed, "MLP")
        last = len(nouts) - 1
        self.layers: List[Layer] = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear", seed=rng, name=f"L{i}", init=init)
            for i in range(len(nouts))
        ]

    @classmethod
    def from_weights(cls, layers: Sequence[Tuple[Any, Any]], activation: Activation = "relu") -> "MLP":
        """An MLP from ``[(W0, b0), (W1, b1), ...]``, ``W_i`` of shape (nout_i, nin_i).

        Hidden layers get ``activation``, the last is linear; consecutive
        shapes must chain (``nin_{i+1} == nout_i``).
        """
        who = "MLP.from_weights"
        if not isinstance(layers, Sequence) or len(layers) == 0:
            raise TypeError(f"{who}: expected a non-empty list of (W, b) pairs, got {type(layers).__name__}")
        last = len(layers) - 1
        built: List[Layer] = []
        for i, pair in enumerate(layers):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{who}: layer {i} must be a (W, b) pair")
            layer = Layer.from_weights(pair[0], pair[1], activation if i < last else "linear", name=f"L{i}")
            if built and layer.nin != built[-1].nout:
                raise ValueError(
                    f"{who}: layer {i} reads {layer.nin} inputs but layer {i - 1} gives {built[-1].nout} outputs"
                )
            built.append(layer)
        mlp = cls.__new__(cls)
        mlp.layers = built
        return mlp

    @property
    def nin(self) -> int:
        """How many inputs the first layer reads."""
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        """How many outputs the last layer gives."""
        return self.layers[-1].nout

    def neurons(self) -> List[Neuron]:
        return [n for layer in self.layers for n in layer.neurons]

    def forward(self, xs: List[Any]) -> List[Value]:
        """The outputs of the last layer for one sample."""
        for layer in self.layers:
            xs = layer.forward(xs)
        return xs

    def __repr__(self) -> str:
        sizes = [self.nin] + [layer.nout for layer in self.layers]
        return f"MLP({sizes}, activation={self.layers[0].activation!r})"
