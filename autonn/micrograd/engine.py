"""micrograd's ``Value``, node for node: ``Value(data, _children=(), _op='')``.

A learner's micrograd code reads and writes the inside of its nodes: ``_prev``
(the set of a node's inputs), ``_op`` (the op, as a string such as ``'+'`` or
``'ReLU'``) and ``_backward`` (the closure that hands a node's gradient to its
inputs).  micrograd's ``trace_graph.ipynb`` draws a graph from ``_prev`` and
``_op``; the lecture adds ``tanh`` by hand with ``out = Value(t, (self,),
'tanh')`` and ``out._backward = _backward``.  This ``Value`` has all of it,
so that code runs with only its imports changed.

What is autonn's here: each built-in op's number and its local derivatives
come from the op's one definition in :data:`autonn.ops.OPS` (``+`` is
``add``, ``**k`` is ``powc``, ``ReLU`` is ``relu``...), with its domain
checks, so ``Value(-1.0) ** 0.5`` is an error naming the op, not micrograd's
complex number.  A node built by an op keeps no closure of its own: its
``_backward`` is made when it is read, so the graph holds no reference
cycle; a closure that you set is kept and called, as in micrograd (it refers
to its node, a cycle that Python's garbage collector frees).

The graph is micrograd's, not autonn's: ``-a`` is ``a * -1``, ``a - b`` is
``a + (-b)`` and ``a / b`` is ``a * b**-1``, so ``draw_dot`` shows the nodes
micrograd shows.  :func:`autonn.micrograd.to_autonn` turns such a graph into
autonn Values, for diagrams, the ledger and the player.
"""

from __future__ import annotations

import numbers
from functools import partial
from typing import Any, Callable, Iterable, List, Optional, Set, Tuple, TypeVar

from ..ops import FLOAT_MATH, OPS, Op

__all__ = ["Value"]

_ADD, _MUL, _POWC, _RELU = OPS["add"], OPS["mul"], OPS["powc"], OPS["relu"]
_TANH, _EXP, _LOG = OPS["tanh"], OPS["exp"], OPS["log"]

V = TypeVar("V", bound="Value")


def _real(x: object) -> bool:
    """A real number micrograd would take as a Value's data (bool is not one here)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _nothing() -> None:
    """A leaf's ``_backward``: it has no inputs to hand a gradient to."""


def _pull(node: "Value") -> None:
    """Hand ``node.grad`` to its inputs through its op's derivative rule (what a built-in node's
    ``_backward`` does); each input adds what it receives, so a reused input sums its uses."""
    children = node._children
    args = [c.data for c in children]
    args += node._consts
    op = node._rule
    assert op is not None  # only called for nodes an op made
    for child, g in zip(children, op.pullback(node.grad, node.data, args, FLOAT_MATH)):
        child.grad += g


class Value:
    """A number in micrograd's graph: ``data``, ``grad`` and the node's inputs and op.

    ``Value(data, _children=(), _op='', label='')``: ``_children`` are the
    Values this one was computed from, ``_op`` names how (any string; it is
    what ``draw_dot`` writes), ``label`` an optional name, as in the lecture.
    """

    # Slots for speed; the __dict__ keeps micrograd's freedom to set any attribute of your own on a node.
    __slots__ = ("data", "grad", "label", "_op", "_children", "_rule", "_consts", "_own_backward",
                 "__dict__", "__weakref__")

    # numpy scalars (``np.float64(2) * v``) hand the operation to the Value's reflected operator.
    __array_ufunc__ = None

    def __init__(self, data: Any, _children: Iterable["Value"] = (), _op: str = "", label: str = "") -> None:
        if not _real(data):
            raise TypeError(f"Value: data must be a real number (int, float or numpy scalar), "
                            f"got {type(data).__name__}: {data!r}")
        children = tuple(_children)
        for c in children:
            if not isinstance(c, Value):
                raise TypeError(f"Value: _children must be Values (the inputs of the op), got {type(c).__name__}: {c!r}")
        if not isinstance(_op, str):
            raise TypeError(f"Value: _op must be a str (the op's name, e.g. 'tanh'), got {type(_op).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.data: float = float(data)
        self.grad: float = 0.0
        self.label = label
        self._op = _op
        self._children: Tuple[Value, ...] = children
        self._rule: Optional[Op] = None  # the autonn op behind a built-in node
        self._consts: Tuple[float, ...] = ()  # its constants (the k of x**k)
        self._own_backward: Optional[Callable[[], Any]] = None

    # -- micrograd's internals, as attributes -------------------------------------------------
    @property
    def _prev(self) -> Set["Value"]:
        """The set of this node's inputs (micrograd's ``_prev``)."""
        return set(self._children)

    @property
    def _backward(self) -> Callable[[], Any]:
        """The closure that adds this node's ``grad`` times each local derivative to its inputs' ``grad``.

        A closure you set is the one returned (and the one ``backward()``
        calls); for a node an op made, one is made from the op's rule."""
        own = self._own_backward
        if own is not None:
            return own
        return _nothing if self._rule is None else partial(_pull, self)

    @_backward.setter
    def _backward(self, fn: Callable[[], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"Value._backward must be a function of no arguments, got {type(fn).__name__}")
        self._own_backward = fn

    # -- building nodes -----------------------------------------------------------------------
    def _made(self: V, op: Op, children: Tuple["Value", ...], name: str, consts: Tuple[float, ...] = ()) -> V:
        """A new node of ``op`` on ``children``: its number from the op's definition (domain checked)."""
        args = [c.data for c in children]
        args += consts
        try:
            data = op.forward(*args, m=FLOAT_MATH) if op.plain else None
        except (ArithmeticError, ValueError, TypeError):
            data = None  # value() below says what is wrong, naming the op
        out = object.__new__(type(self))
        # the definition's forward is the value where it gives a finite float; value() checks the rest
        out.data = data if type(data) is float and data - data == 0.0 else op.value(*args)
        out.grad = 0.0
        out.label = ""
        out._op = name
        out._children = children
        out._rule = op
        out._consts = consts
        out._own_backward = None
        return out

    def _lift(self, other: Any) -> Optional["Value"]:
        """``other`` as a Value (a number becomes a leaf, as in micrograd), or None if it is neither."""
        if isinstance(other, Value):
            return other
        return Value(other) if _real(other) else None

    def __add__(self, other: Any) -> Any:
        o = self._lift(other)
        return NotImplemented if o is None else self._made(_ADD, (self, o), "+")

    def __mul__(self, other: Any) -> Any:
        o = self._lift(other)
        return NotImplemented if o is None else self._made(_MUL, (self, o), "*")

    def __pow__(self: V, k: Any) -> V:
        if not _real(k):
            raise TypeError(f"Value.__pow__: the exponent must be an int or float (a constant, as in micrograd), "
                            f"got {type(k).__name__}")
        return self._made(_POWC, (self,), f"**{k}", (float(k),))

    def relu(self: V) -> V:
        """``max(self, 0)``, as micrograd's ``ReLU`` node."""
        return self._made(_RELU, (self,), "ReLU")

    def tanh(self: V) -> V:
        """``tanh(self)`` (the lecture's op; micrograd 0.1.0 has none)."""
        return self._made(_TANH, (self,), "tanh")

    def exp(self: V) -> V:
        """``e ** self`` (the lecture's op; micrograd 0.1.0 has none)."""
        return self._made(_EXP, (self,), "exp")

    def log(self: V) -> V:
        """The natural logarithm (micrograd's exercises ask for it)."""
        return self._made(_LOG, (self,), "log")

    # The rest is micrograd's composition of the ops above, so the graph has micrograd's nodes.
    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        o = self._lift(other)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, other: Any) -> Any:
        return other + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        o = self._lift(other)
        return NotImplemented if o is None else self * o**-1

    def __rtruediv__(self, other: Any) -> Any:
        return other * self**-1

    # -- backpropagation ------------------------------------------------------------------------
    def backward(self) -> None:
        """Set ``self.grad = 1`` and call every node's ``_backward``, outputs before their inputs.

        As in micrograd, gradients add up: clear them (``zero_grad``) before
        a second pass over the same leaves.  The order is found without recursion,
        so a graph of any depth works."""
        order = _topological_order(self)
        self.grad = 1.0
        for node in reversed(order):
            own = node._own_backward
            if own is not None:
                own()
            elif node._rule is not None:
                _pull(node)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _topological_order(root: Value) -> List[Value]:
    """Every node ``root`` depends on, each once, inputs first (depth first, on an explicit stack)."""
    order: List[Value] = []
    seen: Set[int] = set()
    stack: List[Tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node._children):
            if id(child) not in seen:
                stack.append((child, False))
    return order
