"""How a node stores its number, its op and its inputs: the one module that knows.

Every other module reads a node through the views here (:func:`inputs`,
:func:`constants`, :func:`rule_args`) or through the public properties of
:class:`autonn.Value` built on them.

Layout (``__slots__``, no ``__dict__``; about 110 bytes a node with its float):

``data``   the value, a Python float
``grad``   d(root)/d(this node) after ``backward()``; 0.0 before
``label``  an optional name, shown in diagrams
``_op``    the :class:`~autonn.ops.Op`, or ``None`` for a leaf
``_a``     the first input node; for ops of any other shape, the tuple of input nodes
``_b``     the second input node, or the constant of a one-constant op (the ``3`` of
           ``x ** 3``), or for other shapes the tuple of constants (or ``None``)
``_mark``  scratch for :func:`topological_order`: a tag unique to one walk, so no
           walk ever has to clear what an earlier one left (and, inside
           :func:`numbered_graph`, the node's position, cleared before it returns)
``_hooks`` the gradient hooks of :meth:`autonn.Value.register_hook`; never set on
           nodes without hooks (reading it then needs a default), so making a node
           costs nothing for it

Two fields for the inputs, not one tuple, because nearly every node has one
or two inputs and a tuple would cost 40-56 more bytes each.  A node holds
no function objects and is in no reference cycle, so dropping the output of
a graph frees the whole graph by reference counting alone.
"""

from __future__ import annotations

import numbers
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar, Union

from .mode import GRAD_MODE, WATCHERS
from .ops import BINARY, FLOAT_MATH, NARY, OPS, PARAM, UNARY, Op
from .ops.absent import ABSENT

__all__ = ["Node", "SLOTS", "fill", "topological_order", "numbered_graph", "store_gradients", "real_gradient", "add_hook", "HookHandle", "inputs", "constants", "rule_args", "rule_nodes", "op_of", "reverse_accumulate",
           "new_leaf", "float_value"]

_new = object.__new__
# What the reverse loop hands to Op.pullback: a rule that raised, or whose result
# does not unpack into one gradient per input (pullback then names the op).
_RULE_TROUBLE = (ArithmeticError, ValueError, TypeError)

SLOTS = ("data", "grad", "label", "_op", "_a", "_b", "_mark", "_hooks")

# The walk's marks live on the nodes (a slot is several times faster than a dict
# of a million nodes); walks take this lock, so threads walking one graph take turns.
_WALK_LOCK = threading.RLock()


class Node:
    """The storage of one graph node; :class:`autonn.Value` adds the arithmetic."""

    __slots__ = SLOTS
    # What type checkers should know of the slots (annotations only: no class attributes).
    data: float
    grad: float
    label: str
    _op: Optional[Op]
    _a: Any  # a node, or a tuple of nodes (see the layout above)
    _b: Any  # a node, a constant, a tuple of constants, or None
    _mark: object
    _hooks: List[Callable[[Any], Any]]

    def __reduce__(self) -> Tuple[Any, ...]:
        """How pickle and ``copy.deepcopy`` take a node: by value, its whole graph, with no recursion.

        The arguments list every node this one depends on first (inputs before
        the nodes using them), then this node's own fields with its inputs.
        Pickle saves each listed node before the next, so by the time a node
        is saved its inputs are already in the pickle's memo and it refers to
        them without descending: a chain of a million nodes pickles in a flat
        loop, and shared inputs (``a * a``, one parameter in many places, two
        Values pickled together) stay shared.  The op is saved by its name.
        """
        return _rebuild, (type(self), _graph_before(self), *self._fields())

    def __copy__(self) -> Any:
        """``copy.copy``: a new node with the same number, op and inputs (the inputs are shared)."""
        return _rebuild(type(self), [], *self._fields())

    def _fields(self) -> Tuple[Any, ...]:
        return (self.data, self.grad, self.label, None if self._op is None else self._op.name, inputs(self),
                constants(self), getattr(self, "_hooks", None))


#: A node class (Value or its subclasses), for functions that make nodes of the caller's class.
N = TypeVar("N", bound=Node)
#: A gradient: a float on the float path, a node when gradients are built as a graph.
Gradient = Any


def fill(out: Node, data: float, op: Optional[Op], ins: Sequence[Node], consts: Sequence[float] = ()) -> None:
    """Make the fresh ``out`` a node of ``op`` on ``ins`` (a leaf inside ``no_grad``)."""
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._mark = None
    if op is None:
        out._op = out._a = out._b = None
    elif GRAD_MODE.special == 0:
        _link(out, op, ins, consts)
    else:
        _record_specially(out, op, ins, consts)


def _record_specially(out: Node, op: Op, ins: Sequence[Node], consts: Sequence[float]) -> None:
    """The slow path of recording a node: this thread may be inside ``no_grad``
    (then ``out`` stays a leaf), and watchers (anomaly detection, the
    compiler's trace) may want to see it."""
    if GRAD_MODE.enabled:
        _link(out, op, ins, consts)
    else:
        out._op = out._a = out._b = None
    for watch in WATCHERS.new_node:
        watch(out, op, ins)


def _link(out: Node, op: Op, ins: Sequence[Node], consts: Sequence[float]) -> None:
    """Store ``op`` and its inputs on ``out``, in the layout described above."""
    out._op = op
    kind = op.kind
    if kind == UNARY:
        out._a = ins[0]
        out._b = None
    elif kind == BINARY:
        out._a = ins[0]
        out._b = ins[1]
    elif kind == PARAM:
        out._a = ins[0]
        out._b = consts[0]
    else:
        out._a = ins if type(ins) is tuple else tuple(ins)
        out._b = tuple(consts) if consts else None


# Per thread, since the last node that listed its graph (see Node.__reduce__): the nodes it
# listed and not yet saved ("pending"), and those saved since ("done").
_PICKLING = threading.local()


def _graph_before(node: Node) -> List[Any]:
    """The nodes pickle must save before ``node``: all it depends on, inputs first.

    ``[]`` when ``node`` was listed that way by a node being pickled and every
    input it has that an op made was saved since: then pickle has them in its memo
    already and saving ``node`` refers to them without descending.  A list left
    over by a pickle that failed halfway cannot mislead this test into recursion:
    a node answered ``[]`` has inputs that are saved, or that list their own graph.
    """
    pending: Optional[set[int]] = getattr(_PICKLING, "pending", None)
    if pending is not None and id(node) in pending:
        done: set[int] = _PICKLING.done
        if all(x._op is None or id(x) in done for x in inputs(node)):
            pending.discard(id(node))
            done.add(id(node))
            return []
    if node._op is None:
        return []
    before = topological_order(node)[:-1]
    _PICKLING.pending = {id(n) for n in before if n._op is not None}
    _PICKLING.done = set()
    return before


def _rebuild(cls: Type[N], before: List[Any], data: float, grad: float, label: str, op_name: Optional[str],
             ins: Tuple[Any, ...], consts: Tuple[float, ...], hooks: Optional[List[Callable[[Any], Any]]]) -> N:
    """A node from the fields :meth:`Node.__reduce__` saved (``before`` is already rebuilt: its inputs)."""
    out = _new(cls)
    out.data = data
    out.grad = grad
    out.label = label
    out._mark = None
    if op_name is None:
        out._op = out._a = out._b = None
    else:
        op = OPS.get(op_name)
        if op is None:
            raise ValueError(f"unpickling a {cls.__name__}: its op {op_name!r} is not registered in this process; "
                             "run the register_op call that defines it before loading")
        if (op.arity is not None and len(ins) != op.arity) or len(consts) != op.consts:
            raise ValueError(f"unpickling a {cls.__name__}: op {op_name!r} takes {op.arity} input(s) and "
                             f"{op.consts} constant(s), the pickle has {len(ins)} and {len(consts)}")
        _link(out, op, ins, consts)
    if hooks:
        out._hooks = list(hooks)
    return out


def op_of(node: Node) -> Optional[Op]:
    """The node's :class:`~autonn.ops.Op`, or ``None`` for a leaf."""
    return node._op


def inputs(node: Node) -> Tuple[Any, ...]:
    """The input nodes of ``node`` in the order given (``()`` for a leaf; ``a + a`` lists ``a`` twice)."""
    op = node._op
    if op is None:
        return ()
    kind = op.kind
    if kind == BINARY:
        return (node._a, node._b)
    if kind == NARY:
        nodes: Tuple[Any, ...] = node._a  # an n-ary node keeps the tuple itself
        return nodes
    return (node._a,)


def constants(node: Node) -> Tuple[float, ...]:
    """The constant numbers of ``node``'s op (the ``3`` of ``x ** 3``); ``()`` for most ops."""
    op = node._op
    if op is None or not op.consts:
        return ()
    if op.kind == PARAM:
        return (node._b,)
    consts: Tuple[float, ...] = node._b  # other shapes keep the tuple itself
    return consts


def rule_args(node: Node) -> Tuple[float, ...]:
    """What ``node``'s forward and rule take: its inputs' numbers, then its constants."""
    kind = node._op.kind  # type: ignore[union-attr]  # called only on nodes an op made
    if kind == UNARY:
        return (node._a.data,)
    if kind == BINARY:
        return (node._a.data, node._b.data)
    if kind == PARAM:
        return (node._a.data, node._b)
    xs = tuple(x.data for x in node._a)
    return xs + node._b if node._b else xs


def rule_nodes(node: Node) -> Tuple[Any, ...]:
    """The same as :func:`rule_args` with the input nodes themselves (for rules that build graphs)."""
    return inputs(node) + constants(node)


def topological_order(roots: Union[Node, List[Any], Tuple[Any, ...]]) -> List[Any]:
    """Every node that ``roots`` depend on, each once, inputs before the nodes using them.

    ``roots`` is one node or a sequence of nodes.  Iterative depth-first
    search: a node goes back on the stack above its unvisited inputs and is
    emitted when it comes up again.  The one graph walk of autonn (see
    :mod:`autonn.graph`); it lives here because it reads the layout directly.
    """
    if not isinstance(roots, (list, tuple)):
        roots = (roots,)
    expanded = object()  # tags unique to this walk
    emitted = object()
    order: List[Any] = []
    emit = order.append
    stack = list(reversed(roots))
    push = stack.append
    pop = stack.pop
    with _WALK_LOCK:
        while stack:
            node = pop()
            mark = node._mark
            if mark is emitted:
                continue
            if mark is expanded:  # back on top: all of its inputs are out
                node._mark = emitted
                emit(node)
                continue
            op = node._op
            if op is None:
                node._mark = emitted
                emit(node)
                continue
            node._mark = expanded
            push(node)
            kind = op.kind
            if kind == BINARY:
                b = node._b
                if b._mark is not emitted:
                    push(b)
                a = node._a
                if a._mark is not emitted:
                    push(a)
            elif kind == NARY:
                for x in reversed(node._a):
                    if x._mark is not emitted:
                        push(x)
            else:
                a = node._a
                if a._mark is not emitted:
                    push(a)
    return order


def numbered_graph(root: Node) -> Tuple[List[Any], List[Any], List[Tuple[int, ...]]]:
    """``root``'s topological order, each node's op, and the positions of its inputs in the order.

    ``(order, ops, positions)``: ``ops[i]`` is ``None`` for a leaf;
    ``positions[i]`` is ``()`` for a leaf, else one position per input, in
    order (``a + a`` lists ``a``'s twice).  The positions are kept in the
    walk's scratch slot while they are read, not in a dict keyed by node:
    for the compiler's traces of millions of nodes that saves a hash entry
    and an id a node, and most of the time.
    """
    with _WALK_LOCK:
        order = topological_order(root)
        for i, node in enumerate(order):
            node._mark = i
        ops = [node._op for node in order]
        positions: List[Tuple[int, ...]] = []
        append = positions.append
        leaf = ()
        for node, op in zip(order, ops):
            if op is None:
                append(leaf)
                continue
            kind = op.kind
            if kind == BINARY:
                append((node._a._mark, node._b._mark))
            elif kind == NARY:
                append(tuple([x._mark for x in node._a]))
            else:
                append((node._a._mark,))
        for node in order:  # no node keeps a position once its graph is numbered
            node._mark = None
    return order, ops, positions


class _Hooks:
    """How many nodes hold gradient hooks right now (0: the reverse loop skips the check)."""

    __slots__ = ("live",)

    def __init__(self) -> None:
        self.live: int = 0


HOOKS = _Hooks()


class HookHandle:
    """What :func:`add_hook` returns: ``remove()`` takes the hook off its node."""

    __slots__ = ("_node", "_fn")

    def __init__(self, node: Node, fn: Callable[[Any], Any]) -> None:
        self._node: Optional[Node]
        self._node = node
        self._fn = fn

    def remove(self) -> None:
        node, fn = self._node, self._fn
        if node is None:
            return
        self._node = None
        hooks = getattr(node, "_hooks", None)
        if hooks and fn in hooks:
            hooks.remove(fn)
            if not hooks:
                del node._hooks
                with _WALK_LOCK:
                    HOOKS.live -= 1


def add_hook(node: Node, fn: Callable[[Any], Any]) -> HookHandle:
    """Run ``fn(gradient)`` whenever a reverse pass completes ``node``'s gradient (see Value.register_hook)."""
    with _WALK_LOCK:
        hooks = getattr(node, "_hooks", None)
        if hooks is None:
            node._hooks = [fn]
            HOOKS.live += 1
        else:
            hooks.append(fn)
    return HookHandle(node, fn)


def run_hooks(node: Node, g: Gradient) -> Gradient:
    """``g`` after every hook of ``node`` has seen it; a hook returning something other than None replaces it."""
    for fn in list(node._hooks):
        replaced = fn(g)
        if replaced is not None:
            g = replaced
    return g


def store_gradients(grads: Dict[Node, Gradient]) -> None:
    """Write a pass's ``{node: gradient}`` into ``.grad``: leaves add it to what they
    hold (PyTorch's accumulation), intermediate nodes keep this pass's value."""
    for node, g in grads.items():
        if type(g) is not float:
            g = real_gradient(node, g, grads)
        if node._op is None:
            node.grad += g
        else:
            node.grad = g


def real_gradient(node: Node, g: object, nodes: Iterable[Node]) -> float:
    """``g`` (the gradient of ``node`` in a pass over ``nodes``) as a float; a gradient that is
    no real number is refused rather than stored, naming the op whose rule gave it if one did
    (else the cause is a ``.data`` set to something like a complex number)."""
    if isinstance(g, numbers.Real) and not isinstance(g, (bool, str)):
        return float(g)
    for n in nodes:  # the slow path, once, to name the culprit: every rule of the pass, checked
        if n._op is not None:
            n._op.pullback(1.0, n.data, rule_args(n), FLOAT_MATH)
    raise TypeError(f"backward: a gradient came out as {type(g).__name__} {g!r}, at a node holding "
                    f"{node.data!r}; the numbers of Values must be real numbers (int or float)")


def reverse_accumulate(order: Sequence[Any], grads: Dict[Any, Gradient], m: Any = FLOAT_MATH,
                       relevant: Optional[Iterable[Any]] = None) -> Dict[Any, Gradient]:
    """The reverse walk's loop: hand each node's gradient in ``grads`` to its inputs.

    Visits ``order`` (a topological order) from the end; for every node with
    a gradient, the op's rule gives ``g * d node / d input`` and each input
    adds that to its own entry.  This is the checked loop, with gradients in
    a dict of its own: ``autonn.grad`` runs it, and so does ``backward()``
    while hooks or watchers want each gradient (else ``backward()`` runs the
    loop generated from the rules, :mod:`autonn.fastpath`).  On floats (``m``
    is FLOAT_MATH) each op's generated ``float_vjp`` is called directly; a
    rule that raises, or returns the wrong number of gradients,
    goes to :meth:`~autonn.ops.Op.pullback`, which re-runs it in IEEE
    arithmetic or names the op.  With another namespace the rule gets the
    nodes themselves (graph-building gradients).  With ``relevant``, only
    nodes in it are visited or receive gradients.

    A gradient that is :data:`~autonn.ops.absent.ABSENT` (a branch no rule
    selected) is stored - ``.grad`` reads it as 0 - but its node's rule is
    never run, so nothing flows on from it; added to a real gradient it
    leaves that gradient unchanged.
    """
    get = grads.get
    symbolic = m is not FLOAT_MATH
    hooked = HOOKS.live > 0  # read once: with no hook anywhere the loop never looks
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        g = get(node)
        if g is None:
            continue
        if hooked and getattr(node, "_hooks", None):
            g = grads[node] = run_hooks(node, g)
        if g is ABSENT:
            continue
        op = node._op
        if op is None or (relevant is not None and node not in relevant):
            continue
        kind = op.kind
        if symbolic or kind == NARY:
            ins = inputs(node)
            if symbolic:
                local = op.pullback(g, node, rule_nodes(node), m)
            else:
                local = op.pullback(g, node.data, rule_args(node), m)
            for x, gx in zip(ins, local):
                if relevant is None or x in relevant:
                    prev = get(x)
                    if prev is None or prev is ABSENT:
                        grads[x] = gx
                    elif gx is not ABSENT:  # (a node plus ABSENT would make an add node)
                        grads[x] = prev + gx
            continue
        a = node._a
        if kind == BINARY:
            b = node._b
            try:
                ga, gb = op.float_vjp(g, node.data, a.data, b.data)
            except _RULE_TROUBLE:
                ga, gb = op.pullback(g, node.data, (a.data, b.data), m)
            if relevant is None or b in relevant:
                prev = get(b)
                grads[b] = gb if prev is None else prev + gb
        elif kind == UNARY:
            try:
                (ga,) = op.float_vjp(g, node.data, a.data)
            except _RULE_TROUBLE:
                (ga,) = op.pullback(g, node.data, (a.data,), m)
        else:  # PARAM: the constant follows the input
            try:
                (ga,) = op.float_vjp(g, node.data, a.data, node._b)
            except _RULE_TROUBLE:
                (ga,) = op.pullback(g, node.data, (a.data, node._b), m)
        if relevant is None or a in relevant:
            prev = get(a)
            grads[a] = ga if prev is None else prev + ga
    return grads


def float_value(op: Op, xs: Sequence[float]) -> float:
    """The op's float value on ``xs``: its forward called directly when nothing needs checking."""
    if op.plain:
        try:
            out = op.float_forward(*xs)
            if type(out) is float and out - out == 0.0:
                return out
        except _RULE_TROUBLE:
            pass
    return op.value(*xs)


def new_leaf(cls: Type[N], data: float) -> N:
    """A new leaf node of class ``cls`` holding ``data`` (a float)."""
    out = _new(cls)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = out._a = out._b = out._mark = None
    return out
