"""Activation functions a neuron can apply to its weighted sum.

A neuron's activation is one unary node on top of its sum node, so diagrams
and the compiler can recognise the neuron.  The named activations map to the
engine's own ops; ``"linear"`` applies nothing (the sum is the output).  Any
callable that takes a Value and returns a Value also works; its ``__name__``
becomes the activation's name.
"""

from __future__ import annotations

from operator import methodcaller
from typing import Callable, Dict, Optional, Tuple, Union

from ..value import Value

__all__ = ["ACTIVATIONS", "Activation", "resolve_activation"]

Activation = Union[str, Callable[[Value], Value]]

#: The named activations: name -> what calls the Value method that applies it (None: linear).
#: A method caller, not the method itself: Value's methods are made again when an op's rule
#: is edited, and a model pickles its activation by name.
ACTIVATIONS: Dict[str, Optional[Callable[[Value], Value]]] = {
    "relu": methodcaller("relu"),
    "tanh": methodcaller("tanh"),
    "sigmoid": methodcaller("sigmoid"),
    "softplus": methodcaller("softplus"),
    "linear": None,
}


def resolve_activation(activation: Activation, who: str) -> Tuple[str, Optional[Callable[[Value], Value]]]:
    """``(name, function)`` for an activation given by name or as a callable.

    The function is ``None`` for ``"linear"``.  An unknown name or a
    non-callable raises an error that lists the names on offer.
    """
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(f"{who}: unknown activation {activation!r}; expected one of {known} or a callable")
        return activation, ACTIVATIONS[activation]
    if callable(activation):
        name = getattr(activation, "__name__", None) or type(activation).__name__
        return name, activation
    raise TypeError(
        f"{who}: activation must be a name (str) or a callable on a Value, got {type(activation).__name__}"
    )
