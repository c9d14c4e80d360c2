"""micrograd's ``Module``, ``Neuron``, ``Layer`` and ``MLP``, on the drop-in's ``Value``.

The constructors, the weight draw (``random.uniform(-1, 1)`` from Python's
``random``, one weight after another in construction order, so
``random.seed`` reproduces micrograd's starting point), biases at 0, the
order of a neuron's additions (the bias first, then each ``w_i * x_i``) and
the lone Value of a one-output layer are micrograd's, so its numbers come out
the same.  Where micrograd would silently give a wrong number, these models
raise: an input of the wrong length is a ValueError naming the model
(micrograd's ``zip`` drops the extra items).

For batches, ``state_dict``, other activations and the compiler, use
:mod:`autonn.nn`; its models are built the same way with keyword choices.
"""

from __future__ import annotations

import random
from typing import Any, List, Sequence

from ..nn.checks import check_count
from .engine import Value

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


def _inputs(x: Any, nin: int, who: str) -> List[Any]:
    """``x`` as a list of ``nin`` inputs (Values or numbers), or a ValueError naming ``who``."""
    if isinstance(x, (Value, str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{who}: x must be a list of {nin} inputs (Values or numbers), got {type(x).__name__}")
    items = list(x)
    if len(items) != nin:
        raise ValueError(f"{who}: expected {nin} inputs, got {len(items)}")
    return items


class Neuron(Module):
    """``Neuron(nin, nonlin=True)``: ReLU of ``b + w . x``, or linear with ``nonlin=False``."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        nin = check_count(nin, "nin", "Neuron")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin: bool = bool(nonlin)

    def __call__(self, x: Any) -> Value:
        total = self.b
        for wi, xi in zip(self.w, _inputs(x, len(self.w), "Neuron")):
            total = total + wi * xi
        return total.relu() if self.nonlin else total

    def parameters(self) -> List[Any]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


def _one_or_all(outs: List[Value]) -> Any:
    """A lone output as itself, several as the list (micrograd's habit)."""
    return outs[0] if len(outs) == 1 else outs


class Layer(Module):
    """``Layer(nin, nout, **kwargs)``: ``nout`` Neurons, ``kwargs`` passed to each (e.g. ``nonlin``)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nout = check_count(nout, "nout", "Layer")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def _outputs(self, x: Any, who: str) -> List[Value]:
        x = _inputs(x, len(self.neurons[0].w), who)
        return [n(x) for n in self.neurons]

    def __call__(self, x: Any) -> Any:
        return _one_or_all(self._outputs(x, "Layer"))

    def parameters(self) -> List[Any]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """``MLP(nin, nouts)``: ReLU hidden layers and a linear last layer; one output comes back as a Value."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes: List[int] = [nin] + list(nouts)
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        # Lists between layers, so a one-neuron hidden layer feeds the next one too.
        for layer in self.layers:
            x = layer._outputs(x, "MLP")
        return _one_or_all(x)

    def parameters(self) -> List[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
