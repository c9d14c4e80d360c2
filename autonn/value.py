"""``Value``: one scalar node of a computation graph.

A node holds its number (``data``), the gradient of the last backward pass
(``grad``), the op that made it and its input nodes.  Operators compute the
forward value with the op's rule from :mod:`autonn.ops` and record the op; the
derivative rules live there too, not in closures here, so a node carries no
function objects and is in no reference cycle: dropping the output of a graph
frees the whole graph by reference counting alone.

Layout (``__slots__``; about 110 bytes a node with its float):

``data``   the value, a Python float
``grad``   d(root)/d(this node) after ``backward()``; 0.0 before
``label``  an optional name, shown in diagrams
``_op``    the :class:`~autonn.ops.Op`, or ``None`` for a leaf
``_a``     first input node (or, for an n-ary sum, the tuple of all inputs)
``_b``     second input node, or the constant of a ``PARAM`` op (``x ** 3``)
``_mark``  scratch space for the backward pass's graph walk
"""

from __future__ import annotations

import numbers
from typing import Iterable, Optional, Tuple, Union

from . import backward as _engine
from . import graph as _graph
from .mode import GRAD_MODE
from .ops import OPS, Op

__all__ = ["Value", "Constant", "sum", "as_value"]

Number = Union[int, float]
#: What an operator accepts on its other side: a Value or a real number.
Operand = Union["Value", int, float]

_new = object.__new__

_ADD = OPS["add"]
_SUB = OPS["sub"]
_MUL = OPS["mul"]
_DIV = OPS["div"]
_NEG = OPS["neg"]
_POWC = OPS["powc"]
_POW = OPS["pow"]
_ABS = OPS["abs"]
_EXP = OPS["exp"]
_LOG = OPS["log"]
_LOG1P = OPS["log1p"]
_SQRT = OPS["sqrt"]
_TANH = OPS["tanh"]
_SIGMOID = OPS["sigmoid"]
_SOFTPLUS = OPS["softplus"]
_RELU = OPS["relu"]
_SIN = OPS["sin"]
_COS = OPS["cos"]
_SUM = OPS["sum"]


def _is_real_number(x) -> bool:
    """int, float or a numpy real scalar; not bool (a truth value is not a number here)."""
    t = type(x)
    return t is float or t is int or (isinstance(x, numbers.Real) and not isinstance(x, (bool, Value)))


def _number(x, what: str) -> float:
    """``x`` as a float if it is a real number; else a TypeError naming its type."""
    if _is_real_number(x):
        return float(x)
    t = type(x)
    raise TypeError(f"{what}: expected a real number (int, float or numpy scalar), got {t.__name__}: {x!r}")


def _node(data: float, op: Op, a, b):
    """A new node of ``op`` (or a leaf, inside ``no_grad``)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._mark = None
    if GRAD_MODE.enabled:
        out._op = op
        out._a = a
        out._b = b
    else:
        out._op = out._a = out._b = None
    return out


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back."""

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_mark")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _number(data, "Value")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._mark = None

    # -- read-only views of the graph ---------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that made this node (``""`` for a leaf)."""
        op = self._op
        return "" if op is None else op.name

    @property
    def parents(self) -> Tuple["Value", ...]:
        """The input nodes, in the order given (``a + a`` lists ``a`` twice)."""
        return _graph.parents(self)

    @property
    def is_leaf(self) -> bool:
        """True for nodes no op made: inputs, parameters, constants, detached values."""
        return self._op is None

    @property
    def param(self) -> Optional[float]:
        """The constant of a ``PARAM`` op (the ``3`` of ``x ** 3``); else ``None``."""
        op = self._op
        return self._b if op is not None and op.kind == 3 else None

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={self.data!r}, grad={self.grad!r}{name})"

    # -- arithmetic.  add and mul, the hottest ops, are written out in full; sub,
    # neg, relu and number powers compute their (one-line) forward here and make
    # the node with one call; the rest go through _binary/_unary and the rule table.
    def __add__(self, other: "Operand") -> "Value":
        if type(other) is not Value:
            other = _lift(other)
            if other is None:
                return NotImplemented
        out = _new(Value)
        out.data = self.data + other.data
        out.grad = 0.0
        out.label = ""
        out._mark = None
        if GRAD_MODE.enabled:
            out._op = _ADD
            out._a = self
            out._b = other
        else:
            out._op = out._a = out._b = None
        return out

    def __radd__(self, other: "Operand") -> "Value":
        other = _lift(other)
        if other is None:
            return NotImplemented
        return other.__add__(self)

    def __mul__(self, other: "Operand") -> "Value":
        if type(other) is not Value:
            other = _lift(other)
            if other is None:
                return NotImplemented
        out = _new(Value)
        out.data = self.data * other.data
        out.grad = 0.0
        out.label = ""
        out._mark = None
        if GRAD_MODE.enabled:
            out._op = _MUL
            out._a = self
            out._b = other
        else:
            out._op = out._a = out._b = None
        return out

    def __rmul__(self, other: "Operand") -> "Value":
        other = _lift(other)
        if other is None:
            return NotImplemented
        return other.__mul__(self)

    def __sub__(self, other: "Operand") -> "Value":
        if type(other) is Value:
            return _node(self.data - other.data, _SUB, self, other)
        return _binary(self, other, _SUB)

    def __rsub__(self, other: "Operand") -> "Value":
        return _binary(other, self, _SUB)

    def __truediv__(self, other: "Operand") -> "Value":
        return _binary(self, other, _DIV)

    def __rtruediv__(self, other: "Operand") -> "Value":
        return _binary(other, self, _DIV)

    def __neg__(self) -> "Value":
        return _node(-self.data, _NEG, self, None)

    def __pos__(self) -> "Value":
        return self

    def __pow__(self, exponent: "Operand") -> "Value":
        t = type(exponent)
        if t is int or t is float:
            k = float(exponent)
            return _node(_POWC.forward(self.data, k), _POWC, self, k)
        if isinstance(exponent, Value):
            return _binary(self, exponent, _POW)
        try:
            k = _number(exponent, "pow (exponent)")
        except TypeError:
            return NotImplemented
        return _node(_POWC.forward(self.data, k), _POWC, self, k)

    def __rpow__(self, base: "Operand") -> "Value":
        return _binary(base, self, _POW)

    def __abs__(self) -> "Value":
        return _unary(self, _ABS)

    # -- elementary functions (names match numpy's, so np.exp(array_of_values) works)
    def exp(self) -> "Value":
        """e ** self."""
        return _unary(self, _EXP)

    def log(self) -> "Value":
        """Natural logarithm; DomainError for self <= 0."""
        return _unary(self, _LOG)

    def log1p(self) -> "Value":
        """ln(1 + self), accurate when self is tiny; DomainError for self <= -1."""
        return _unary(self, _LOG1P)

    def sqrt(self) -> "Value":
        """Square root; DomainError for self < 0."""
        return _unary(self, _SQRT)

    def tanh(self) -> "Value":
        """Hyperbolic tangent, in (-1, 1)."""
        return _unary(self, _TANH)

    def sigmoid(self) -> "Value":
        """1 / (1 + e ** -self), computed without overflow for any input."""
        return _unary(self, _SIGMOID)

    def softplus(self) -> "Value":
        """ln(1 + e ** self), computed without overflow for any input."""
        return _unary(self, _SOFTPLUS)

    def relu(self) -> "Value":
        """max(self, 0)."""
        d = self.data
        return _node(d if d > 0.0 else 0.0, _RELU, self, None)

    def sin(self) -> "Value":
        """Sine (radians)."""
        return _unary(self, _SIN)

    def cos(self) -> "Value":
        """Cosine (radians)."""
        return _unary(self, _COS)

    # -- gradients ------------------------------------------------------------
    def backward(self, gradient: Number = 1.0) -> None:
        """Backpropagate from this node: leaves accumulate ``d self / d leaf``
        into ``.grad``; intermediate nodes get this pass's gradient."""
        _engine.backward(self, _number(gradient, "backward (gradient)"))

    def zero_grad(self) -> None:
        """Reset the gradient of this node and of every node it depends on."""
        for node in _graph.topological_order(self):
            node.grad = 0.0

    def detach(self) -> "Value":
        """A new leaf with the same number and label, cut off from this graph."""
        out = Value(self.data, self.label)
        return out


class Constant(Value):
    """A leaf made from a plain number inside an expression (the ``2`` of ``2 * x``).

    It behaves exactly like a Value; its own type lets diagrams show it as a
    constant rather than an input.
    """

    __slots__ = ()


def _lift(x):
    """``x`` as a node: Values pass through, numbers become Constants, else None."""
    t = type(x)
    if t is Value or t is Constant:
        return x
    if t is float or t is int or _is_real_number(x):
        c = _new(Constant)
        c.data = float(x)
        c.grad = 0.0
        c.label = ""
        c._op = c._a = c._b = c._mark = None
        return c
    if isinstance(x, Value):  # a user's subclass of Value
        return x
    return None


def as_value(x) -> Value:
    """``x`` if it is a Value, else a new leaf Value holding the number ``x``."""
    if isinstance(x, Value):
        return x
    return Value(x)


def _binary(a, b, op: Op):
    if type(a) is not Value:
        a = _lift(a)
        if a is None:
            return NotImplemented
    if type(b) is not Value:
        b = _lift(b)
        if b is None:
            return NotImplemented
    return _node(op.forward(a.data, b.data), op, a, b)


def _unary(a: Value, op: Op):
    # _node written out: unary ops (activations) are hot enough to save the call.
    out = _new(Value)
    out.data = op.forward(a.data)
    out.grad = 0.0
    out.label = ""
    out._mark = None
    out._b = None
    if GRAD_MODE.enabled:
        out._op = op
        out._a = a
    else:
        out._op = out._a = None
    return out


def sum(terms: Iterable) -> Value:  # noqa: A001 - deliberately mirrors the builtin
    """One node for ``t_1 + t_2 + ... + t_n`` (numbers become constants).

    Unlike the builtin ``sum``, which chains n - 1 additions, this is a single
    n-ary node: faster, and a diagram shows it as one box.
    """
    nodes = tuple(terms)
    total = 0.0
    for t in nodes:  # the common case: all Values; add up as we check
        if type(t) is not Value:
            break
        total += t.data
    else:
        if nodes:
            return _node(total, _SUM, nodes, None)
    lifted = []
    for i, t in enumerate(nodes):
        n = _lift(t)
        if n is None:
            raise TypeError(f"sum: term {i} is a {type(t).__name__}, expected a Value or a real number")
        lifted.append(n)
    if not lifted:
        return _lift(0.0)
    nodes = tuple(lifted)
    return _node(_SUM.forward(*[n.data for n in nodes]), _SUM, nodes, None)
