"""A drop-in for micrograd 0.1.0: change ``micrograd`` to ``autonn.micrograd`` in the imports.

``from autonn.micrograd import Value, MLP`` (or ``autonn.micrograd.engine`` /
``autonn.micrograd.nn``, the same paths as micrograd's) gives micrograd's
calling conventions and defaults on top of autonn's engine:

* weights drawn with Python's ``random.uniform(-1, 1)``, so ``random.seed``
  gives the same starting weights as micrograd, and biases starting at 0;
* ``Neuron(nin, nonlin=True)`` (ReLU, or linear with ``nonlin=False``),
  ``Layer(nin, nout, **kwargs)``, ``MLP(nin, nouts)`` with ReLU hidden
  layers and a linear last layer;
* a layer (and so an MLP) with one output returns that Value, not a list.

The models are autonn's own (``autonn.nn``), so diagrams, the ledger,
``state_dict`` and batches work on them too.  What still differs: an input
of the wrong length is an error (micrograd's ``zip`` drops the extra items),
and ``Value``'s second positional argument is a label, not micrograd's
internal ``_children``.
"""

from .engine import Value
from .nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP"]
