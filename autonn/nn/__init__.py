"""Neural networks built from scalar Values: neurons, layers, MLPs and any-shape networks.

* :class:`Neuron` - ``activation(w . x + b)``
* :class:`Layer` - neurons side by side
* :class:`MLP` - layers in a chain (hidden: activation, last: linear)
* :class:`Network` - neurons wired in any acyclic shape
* :class:`Module` - what they share: parameters, zero_grad, state_dict, save/load

Every model takes one sample (a 1-D sequence) or a batch (a 2-D numpy array)
- see :mod:`autonn.nn.batch`.
"""

from .activation import ACTIVATIONS
from .batch import apply, data, grads, values
from .init import INITS, make_rng, manual_seed
from .layer import Layer
from .mlp import MLP
from .module import Module
from .network import Network, WiringError
from .neuron import Neuron
from .statefile import StateFileError

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Network",
    "WiringError",
    "StateFileError",
    "ACTIVATIONS",
    "make_rng",
    "manual_seed",
    "INITS",
    "values",
    "data",
    "grads",
    "apply",
]
