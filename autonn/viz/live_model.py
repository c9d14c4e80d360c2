"""A model as the live view sees it: neurons, what each reads, and a fast numeric forward pass.

The live view draws the network one neuron at a time and shades the plane by
the model's score, several times a second while training runs.  Building a
graph of Values for every point of a grid would take longer than the training
step itself, so :func:`grid_scores` evaluates the neurons with numpy from
their weights' current numbers instead; the wiring comes from the model
(an MLP's layers, a ``Network``'s sources, a lone ``Layer`` or ``Neuron``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["Unit", "wiring", "grid_scores", "depths", "NUMPY_ACTIVATIONS"]

#: The named activations, on numpy arrays.  A neuron with another activation (a callable of
#: its own) cannot be evaluated this way, and the view leaves the boundary out.
NUMPY_ACTIVATIONS: Dict[str, Callable[[Any], Any]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
}


@dataclass(frozen=True)
class Unit:
    """One neuron: its name, the names it reads (inputs or neurons, in weight order), and the neuron."""

    name: str
    sources: Tuple[str, ...]
    neuron: Any


def wiring(model: Any) -> Tuple[List[str], List[Unit], List[str]]:
    """``(input names, neurons in evaluation order, output names)`` of an ``autonn.nn`` model."""
    if hasattr(model, "wiring") and hasattr(model, "inputs"):  # a Network
        wired = [Unit(name, tuple(sources), model.neuron(name)) for name, sources in model.wiring.items()]
        return list(model.inputs), wired, list(model.outputs)
    layers = getattr(model, "layers", None)
    if layers is None:
        layers = [model] if hasattr(model, "neurons") and isinstance(model.neurons, list) else None
    inputs = [f"x{i + 1}" for i in range(model.nin)]
    if layers is None:  # a lone Neuron
        return inputs, [Unit(model.name, tuple(inputs), model)], [model.name]
    units: List[Unit] = []
    reads = inputs
    for layer in layers:
        names = [n.name for n in layer.neurons]
        units += [Unit(n.name, tuple(reads), n) for n in layer.neurons]
        reads = names
    return inputs, units, reads


def grid_scores(model: Any, points: np.ndarray[Any, Any]) -> Optional[np.ndarray[Any, Any]]:
    """The model's first output at each row of ``points`` (``(n, nin)``), or None if an activation is not numpy's."""
    inputs, units, outputs = wiring(model)
    values: Dict[str, Any] = {name: points[:, i] for i, name in enumerate(inputs)}
    for unit in units:
        act = NUMPY_ACTIVATIONS.get(unit.neuron.activation)
        if act is None:
            return None
        z = np.full(points.shape[0], unit.neuron.b.data)
        for w, source in zip(unit.neuron.w, unit.sources):
            z = z + w.data * values[source]
        values[unit.name] = act(z)
    result: np.ndarray[Any, Any] = values[outputs[0]]
    return result


def depths(inputs: Sequence[str], units: Sequence[Unit]) -> Dict[str, int]:
    """Each name's column in the drawing: 0 for inputs, one more than its deepest source for a neuron."""
    depth = {name: 0 for name in inputs}
    for unit in units:
        depth[unit.name] = 1 + max((depth[s] for s in unit.sources), default=0)
    return depth
