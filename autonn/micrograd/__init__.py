"""A drop-in for micrograd 0.1.0: change ``micrograd`` to ``autonn.micrograd`` in the imports.

``from autonn.micrograd import Value, MLP`` (or ``autonn.micrograd.engine`` /
``autonn.micrograd.nn``, the same paths as micrograd's) gives micrograd's
classes with their signatures, attributes and numbers:

* ``Value(data, _children=(), _op='', label='')`` with ``data``, ``grad``,
  ``_prev`` (the set of inputs), ``_op`` (a string) and a settable
  ``_backward`` that ``backward()`` calls, so micrograd's ``draw_dot`` and the
  lecture's ops added by hand (``out = Value(t, (self,), 'tanh')``) work;
  each built-in op's number and derivative come from autonn's definition of it;
* weights drawn with Python's ``random.uniform(-1, 1)``, so ``random.seed``
  gives micrograd's starting weights, and biases starting at 0;
* ``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kwargs)``,
  ``MLP(nin, nouts)`` with ReLU hidden layers and a linear last layer; a layer
  (and so an MLP) with one output returns that Value, not a list.

:func:`to_autonn` rebuilds a graph of these Values from :class:`autonn.Value`,
for ``autonn.render``, ``autonn.explain`` and ``autonn.animate``.  What differs
from micrograd: an input of the wrong length is an error (micrograd's ``zip``
drops the extra items), a number outside an op's domain (``Value(-1) ** 0.5``)
is an error naming the op, and ``data`` is always a float.
"""

from .convert import to_autonn
from .engine import Value
from .nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "to_autonn"]
