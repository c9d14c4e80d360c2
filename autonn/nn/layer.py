"""``Layer``: ``nout`` neurons reading the same ``nin`` inputs."""

from __future__ import annotations

from typing import Any, List

from ..value import Value
from .activation import Activation, resolve_activation
from .checks import check_count, check_name, check_parameter_count, float_array
from .init import Seed, check_init, initial_weights, make_rng
from .module import Module
from .neuron import Neuron, NeuronList

__all__ = ["Layer"]


class Layer(Module[List[Value]]):
    """``nout`` neurons side by side; for one sample the output is always a list.

    Neuron ``j`` is named ``"<name>.N<j>"``.  ``layer.neurons`` is the list of
    neurons (it can also be called, like every Module's ``neurons()``).
    """

    neurons: NeuronList  # pyright: ignore[reportIncompatibleMethodOverride]  # an attribute here, where Module has a method: a NeuronList is both

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        *,
        seed: Seed = None,
        name: str = "L",
        init: str = "scaled",
    ) -> None:
        nin = check_count(nin, "nin", "Layer")
        check_init(init, "Layer")
        nout = check_count(nout, "nout", "Layer")
        check_parameter_count((nin + 1) * nout, "Layer")
        self.name: str = check_name(name, "Layer")
        resolve_activation(activation, f"Layer {name!r}")  # before any random draw: a refused layer uses none
        rng = make_rng(seed, "Layer")
        neurons = []
        for j in range(nout):
            w, b = initial_weights(rng, nin, init)
            neurons.append(Neuron._build(w, b, activation, f"{name}.N{j}"))
        self.neurons = NeuronList(neurons)  # pyright: ignore[reportIncompatibleMethodOverride]  # see the class body

    @classmethod
    def from_weights(cls, W: Any, b: Any, activation: Activation = "relu", *, name: str = "L") -> "Layer":
        """A layer with weight matrix ``W`` (shape (nout, nin): row j = neuron j) and biases ``b`` (nout,)."""
        who = "Layer.from_weights"
        W_arr = float_array(W, (None, None), "W", who)
        nout, nin = W_arr.shape
        if nout == 0 or nin == 0:
            raise ValueError(f"{who}: W must have shape (nout, nin) with both at least 1, got {W_arr.shape}")
        b_arr = float_array(b, (nout,), "b", who)
        layer = cls.__new__(cls)
        layer.name = check_name(name, who)
        layer.neurons = NeuronList(
            Neuron._build(W_arr[j].tolist(), float(b_arr[j]), activation, f"{name}.N{j}") for j in range(nout)
        )
        return layer

    @property
    def nin(self) -> int:
        """How many inputs each neuron of the layer reads."""
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        """How many neurons (outputs) the layer has."""
        return len(self.neurons)

    @property
    def activation(self) -> str:
        """The name of the activation every neuron of the layer applies."""
        return self.neurons[0].activation

    def _name(self) -> str:
        return f"Layer {self.name!r}"

    def forward(self, xs: List[Any]) -> List[Value]:
        """The list of the neurons' outputs for one sample."""
        return [n.forward(xs) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.name!r}, nin={self.nin}, nout={self.nout}, activation={self.activation!r})"
