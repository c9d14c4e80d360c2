"""``Neuron``: ``activation(w_1 x_1 + ... + w_n x_n + b)``.

For one sample a neuron builds exactly these nodes, always in this shape:

* one ``mul`` node per input, ``w_i * x_i`` (the weight on the left);
* one n-ary ``sum`` node over those products with the bias as the last term;
* one unary activation node on the sum (none for ``"linear"``: the sum is
  the output).  The output node is labelled with the neuron's name.

Diagrams group a neuron's nodes by this shape, and the compiler recognises it
to run whole layers as matrix products.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from ..value import Value
from ..value import sum as value_sum
from .activation import Activation, resolve_activation
from .checks import check_count, check_name, float_array
from .init import Seed, check_init, initial_weights, make_rng
from .module import Module

__all__ = ["Neuron", "NeuronList"]


class Neuron(Module[Value]):
    """One neuron with ``nin`` weights ``w``, a bias ``b`` and an activation.

    ``Neuron(nin, activation="relu", seed=None, name="N", init="scaled")``
    draws weights uniform on ``[-1/sqrt(nin), 1/sqrt(nin)]`` (``init="uniform"``:
    on ``[-1, 1]``, as micrograd) and a zero bias (see :mod:`autonn.nn.init`);
    :meth:`from_weights` takes given numbers.

    Attributes: ``name``; ``w`` (list of weight Values, labelled
    ``"<name>.w<i>"``); ``b`` (bias Value, ``"<name>.b"``); ``activation``
    (the activation's name: ``"relu"``, ``"tanh"``, ``"sigmoid"``,
    ``"softplus"``, ``"linear"`` or a callable's ``__name__``).
    """

    w: List[Value]
    b: Value
    activation: str
    _apply: Optional[Callable[[Value], Value]]  # None for "linear"

    def __init__(
        self, nin: int, activation: Activation = "relu", *, seed: Seed = None, name: str = "N", init: str = "scaled"
    ) -> None:
        nin = check_count(nin, "nin", "Neuron")
        weights, bias = initial_weights(make_rng(seed, "Neuron"), nin, check_init(init, "Neuron"))
        self._setup(weights, bias, activation, name)

    @classmethod
    def from_weights(cls, w: Sequence[float], b: float, activation: Activation = "relu", *, name: str = "N") -> "Neuron":
        """A neuron with the given weights ``w`` (shape (nin,)) and bias ``b`` (a number)."""
        who = "Neuron.from_weights"
        w_arr = float_array(w, (None,), "w", who)
        if w_arr.shape[0] == 0:
            raise ValueError(f"{who}: w must hold at least one weight, got none")
        b_arr = float_array(b, (), "b", who)
        return cls._build(w_arr.tolist(), float(b_arr), activation, name)

    @classmethod
    def _build(cls, weights: List[float], bias: float, activation: Activation, name: str) -> "Neuron":
        """A neuron from checked numbers (no random draw)."""
        neuron = cls.__new__(cls)
        neuron._setup(weights, bias, activation, name)
        return neuron

    def _setup(self, weights: List[float], bias: float, activation: Activation, name: str) -> None:
        self.name: str = check_name(name, "Neuron")
        self.activation, self._apply = resolve_activation(activation, f"Neuron {name!r}")
        self.w = [Value(x, f"{name}.w{i}") for i, x in enumerate(weights)]
        self.b = Value(bias, f"{name}.b")

    @property
    def nin(self) -> int:
        """How many inputs (and weights) the neuron has."""
        return len(self.w)

    nout = 1  # pyright: ignore[reportIncompatibleMethodOverride, reportAssignmentType]  # a constant where Module has a property

    def neurons(self) -> List["Neuron"]:
        return [self]

    def _name(self) -> str:
        return f"Neuron {self.name!r}"

    def forward(self, xs: Sequence[Any]) -> Value:
        """``activation(sum(w_i * x_i) + b)`` for one sample of ``nin`` checked inputs."""
        terms = [w * x for w, x in zip(self.w, xs)]
        terms.append(self.b)
        out = value_sum(terms)
        apply = self._apply
        if apply is not None:
            out = apply(out)
            if not isinstance(out, Value):
                raise TypeError(
                    f"Neuron {self.name!r}: activation {self.activation!r} returned a "
                    f"{type(out).__name__}, expected a Value"
                )
        if not out.is_leaf:  # never relabel a leaf a callable handed back
            out.label = self.name
        return out

    def __repr__(self) -> str:
        return f"Neuron({self.name!r}, nin={self.nin}, activation={self.activation!r})"


class NeuronList(List[Neuron]):
    """A list of neurons that can also be called, so ``layer.neurons`` works as an
    attribute (a list) and ``layer.neurons()`` as the Module method (a copy)."""

    def __call__(self) -> List[Neuron]:
        return list(self)
