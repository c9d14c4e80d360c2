"""micrograd's ``Module``, ``Neuron``, ``Layer`` and ``MLP`` as autonn models.

Each class is the autonn model of the same name with micrograd's constructor,
its weight draw (``random.uniform(-1, 1)`` from Python's ``random``, one
weight after another in construction order, which is what makes
``random.seed`` reproduce micrograd's starting point) and its habit of
returning a lone Value from a one-output layer.
"""

from __future__ import annotations

import random
from typing import Any, List, Sequence

from .. import nn as _nn
from ..nn.checks import check_count, check_name
from ..nn.neuron import NeuronList

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """What micrograd's models share: ``parameters()`` and ``zero_grad()``.

    A class of your own may derive from it and list its ``parameters()``.
    """

    def zero_grad(self) -> None:

        """Set every parameter's gradient to 0 (micrograd's Module.zero_grad)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> List[Any]:

        """Every weight and bias, in micrograd's order."""
        return []


def _one_or_all(out: Any) -> Any:
    """A lone output as itself, several as the list (a batch array passes through)."""
    return out[0] if isinstance(out, list) and len(out) == 1 else out


class Neuron(_nn.Neuron, Module):
    """``Neuron(nin, nonlin=True)``: ReLU of ``w . x + b``, or linear with ``nonlin=False``."""

    def __init__(self, nin: int, nonlin: bool = True, *, name: str = "N") -> None:
        nin = check_count(nin, "nin", "Neuron")
        weights = [random.uniform(-1, 1) for _ in range(nin)]
        self._setup(weights, 0.0, "relu" if nonlin else "linear", name)
        self.nonlin: bool = bool(nonlin)

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(_nn.Layer, Module):
    """``Layer(nin, nout, **kwargs)``: ``nout`` Neurons, ``kwargs`` passed to each (e.g. ``nonlin``)."""

    def __init__(self, nin: int, nout: int, *, name: str = "L", **kwargs: Any) -> None:
        nout = check_count(nout, "nout", "Layer")
        self.name: str = check_name(name, "Layer")
        self.neurons = NeuronList(Neuron(nin, name=f"{name}.N{j}", **kwargs) for j in range(nout))

    def __call__(self, x: Any) -> Any:
        return _one_or_all(super().__call__(x))

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_nn.MLP, Module):
    """``MLP(nin, nouts)``: ReLU hidden layers and a linear last layer; one output comes back as a Value."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes: List[int] = [nin] + list(nouts)
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last, name=f"L{i}") for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        return _one_or_all(super().__call__(x))

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
