"""``Value``: a scalar that remembers how it was computed, so gradients can flow back.

Every operator and method applies an op of :data:`autonn.ops.OPS` with
:func:`apply`: the op's domain check, then its own forward, then a node
(:mod:`autonn.node`) that records the op and its inputs.  The derivative
rules stay in the op; a node holds no function objects.

:data:`VALUE_MATH` is the rules' math namespace on Values: running a rule
with it builds the gradient as a graph, which is how
``grad(..., create_graph=True)`` differentiates the rules themselves.
:func:`register_op` adds a user's op to the registry; from then on every path
(backward, grad, compile, diagrams, the ledger, the expression parser)
handles it.
"""

from __future__ import annotations

import numbers
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, ClassVar, ContextManager, Iterable, Optional, Sequence, Set, Tuple, Union

from . import backward as _engine
from .graph import topological_order
from .fastpath import operator_method
from .node import HookHandle, Node, add_hook, constants, fill, float_value, inputs, new_leaf, op_of
from .guard import TRACES, TraceError, refuse_if_traced, user_line  # noqa: F401 - re-exported
from .guard import tracing as _guard_tracing
from .ops import ON_CHANGE, OPS, Domain, Op, define
from .ops.absent import ABSENT

__all__ = ["Value", "Constant", "sum", "as_value", "apply", "register_op", "VALUE_MATH", "where", "maximum",
           "minimum", "gt", "lt", "tracing", "TraceError"]

Number = Union[int, float]
#: What an operator accepts on its other side: a Value or a real number.
Operand = Union["Value", int, float]

_new = object.__new__

_SUM = OPS["sum"]


def _is_real_number(x: object) -> bool:
    """int, float or a numpy real scalar; not bool (a truth value is not a number here)."""
    t = type(x)
    return t is float or t is int or (isinstance(x, numbers.Real) and not isinstance(x, (bool, Value)))


def _float(x: Any, what: str) -> float:
    """``float(x)`` for a real number ``x``; an int beyond float range is a ValueError naming ``what``."""
    try:
        return float(x)
    except OverflowError:
        digits = len(str(abs(int(x))))
        raise ValueError(f"{what}: an int of {digits} digits is too large for a float (at most about 1.8e308)") from None


def _number(x: object, what: str) -> float:
    """``x`` as a float if it is a real number; else a TypeError naming its type."""
    if _is_real_number(x):
        return _float(x, what)
    t = type(x)
    raise TypeError(f"{what}: expected a real number (int, float or numpy scalar), got {t.__name__}: {x!r}")


class Value(Node):
    """A scalar that remembers how it was computed, so gradients can flow back."""

    __slots__ = ()

    def __init__(self, data: Number, label: str = "") -> None:
        # A leaf: the node layout of autonn.node, written out (making leaves is a hot path).
        self.data = data if type(data) is float else _number(data, "Value")
        if type(label) is not str:
            if not isinstance(label, str):
                raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
            label = str(label)
        self.label = label
        self.grad = 0.0
        self._op = self._a = self._b = self._mark = None

    # -- read-only views of the graph ---------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that made this node (``""`` for a leaf)."""
        op = op_of(self)
        return "" if op is None else op.name

    @property
    def parents(self) -> Tuple["Value", ...]:
        """The input nodes, in the order given (``a + a`` lists ``a`` twice)."""
        return inputs(self)

    @property
    def constants(self) -> Tuple[float, ...]:
        """The constant numbers of the op (the ``3`` of ``x ** 3``); ``()`` for most ops."""
        return constants(self)

    @property
    def is_leaf(self) -> bool:
        """True for nodes no op made: inputs, parameters, constants, detached values."""
        return op_of(self) is None

    @property
    def param(self) -> Optional[float]:
        """The constant of a one-constant op (the ``3`` of ``x ** 3``); else ``None``."""
        c = constants(self)
        return c[0] if len(c) == 1 else None

    def __float__(self) -> float:
        if TRACES.active:
            refuse_if_traced(self, "float()")
        return self.data

    def item(self) -> float:
        """The number, as a plain float (as PyTorch's ``tensor.item()``)."""
        if TRACES.active:
            refuse_if_traced(self, ".item()")
        return self.data

    def __bool__(self) -> bool:
        """The truth of the number, as for a float (PyTorch's rule): ``bool(Value(0.0))`` is False.

        Inside a function being compiled it raises: a branch on a traced number
        would be frozen for every sample (see ``autonn.compile``)."""
        if TRACES.active:
            refuse_if_traced(self, "bool()")
        return self.data != 0.0

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the number; ``f"{v}"`` is the repr."""
        if TRACES.active:
            refuse_if_traced(self, "format()")
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        # Six significant digits and the op: what a learner reads at a glance
        # (``v.data`` has every digit).
        parts = [format(self.data, ".6g")]
        if self.grad:
            parts.append(f"grad={self.grad:.6g}")
        op = op_of(self)
        if op is not None:
            parts.append(f"op={op.name!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- operators: each applies its op from the registry.  The common ones are
    # are generated from their ops' rules by autonn.fastpath, after the class.
    if TYPE_CHECKING:
        # What type checkers see of the operators and methods set after the class.
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def exp(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        # Set by autonn/__init__.py: Jupyter's rich display (drawing sits above the engine).
        _repr_html_: ClassVar[Callable[[Value], str]]

    def __pos__(self) -> "Value":
        return self

    def __pow__(self, exponent: "Operand") -> "Value":
        if isinstance(exponent, Value):
            return _power_of_values(self, exponent)
        t = type(exponent)
        if t is int or t is float or _is_real_number(exponent):
            return _power(self, _float(exponent, "pow (exponent)"))
        return NotImplemented

    def __abs__(self) -> "Value":
        return apply(OPS["abs"], self)

    # -- elementary functions (names match numpy's, so np.exp(array_of_values) works)
    def expm1(self) -> "Value":
        """e ** self - 1, accurate when self is tiny."""
        return apply(OPS["expm1"], self)

    def log(self) -> "Value":
        """Natural logarithm; DomainError for self <= 0."""
        return apply(OPS["log"], self)

    def log2(self) -> "Value":
        """Base-2 logarithm; DomainError for self <= 0."""
        return apply(OPS["log2"], self)

    def log10(self) -> "Value":
        """Base-10 logarithm; DomainError for self <= 0."""
        return apply(OPS["log10"], self)

    def log1p(self) -> "Value":
        """ln(1 + self), accurate when self is tiny; DomainError for self <= -1."""
        return apply(OPS["log1p"], self)

    def sqrt(self) -> "Value":
        """Square root; DomainError for self < 0."""
        return apply(OPS["sqrt"], self)

    def sin(self) -> "Value":
        """Sine (radians); nan for ±inf."""
        return apply(OPS["sin"], self)

    def cos(self) -> "Value":
        """Cosine (radians); nan for ±inf."""
        return apply(OPS["cos"], self)

    def tan(self) -> "Value":
        """Tangent (radians)."""
        return apply(OPS["tan"], self)

    def asin(self) -> "Value":
        """Arcsine; DomainError outside [-1, 1]."""
        return apply(OPS["asin"], self)

    def acos(self) -> "Value":
        """Arccosine; DomainError outside [-1, 1]."""
        return apply(OPS["acos"], self)

    def atan(self) -> "Value":
        """Arctangent."""
        return apply(OPS["atan"], self)

    def sinh(self) -> "Value":
        """Hyperbolic sine."""
        return apply(OPS["sinh"], self)

    def cosh(self) -> "Value":
        """Hyperbolic cosine."""
        return apply(OPS["cosh"], self)

    def erf(self) -> "Value":
        """The error function."""
        return apply(OPS["erf"], self)

    # -- activations ------------------------------------------------------------
    def softplus(self) -> "Value":
        """ln(1 + e ** self), computed without overflow for any input."""
        return apply(OPS["softplus"], self)

    def leaky_relu(self, slope: "Operand" = 0.01) -> "Value":
        """self if self > 0 else slope * self."""
        return apply(OPS["leaky_relu"], self, slope)

    def elu(self, alpha: "Operand" = 1.0) -> "Value":
        """self if self > 0 else alpha * (e ** self - 1)."""
        return apply(OPS["elu"], self, alpha)

    def gelu(self) -> "Value":
        """self * Phi(self), Phi the standard normal CDF (the exact form, as PyTorch's default)."""
        return apply(OPS["gelu"], self)

    def silu(self) -> "Value":
        """self * sigmoid(self) (also called swish)."""
        return apply(OPS["silu"], self)

    def sign(self) -> "Value":
        """1, 0 or -1 (derivative 0)."""
        return apply(OPS["sign"], self)

    def maximum(self, other: "Operand") -> "Value":
        """The larger of self and other; at a tie each gets half the gradient."""
        return apply(OPS["maximum"], self, other)

    def minimum(self, other: "Operand") -> "Value":
        """The smaller of self and other; at a tie each gets half the gradient."""
        return apply(OPS["minimum"], self, other)

    def clamp(self, lo: "Operand", hi: "Operand") -> "Value":
        """self limited to [lo, hi]; DomainError if lo > hi."""
        return apply(OPS["clamp"], self, lo, hi)

    # -- gradients ------------------------------------------------------------
    def backward(self, gradient: Number = 1.0) -> None:
        """Backpropagate from this node: leaves accumulate ``d self / d leaf``
        into ``.grad``; intermediate nodes get this pass's gradient."""
        _engine.backward(self, _number(gradient, "backward (gradient)"))

    def register_hook(self, fn: Callable[[float], Optional[float]]) -> HookHandle:
        """Call ``fn(gradient)`` whenever a backward pass (``backward()`` or ``autonn.grad``)
        completes the gradient of this node; if ``fn`` returns something other than None,
        that replaces the gradient from there on (PyTorch's rule).  A leaf's hook runs
        before the gradient is added to ``.grad``.  Returns a handle: ``handle.remove()``."""
        if not callable(fn):
            raise TypeError(f"register_hook: fn must be callable, got {type(fn).__name__}")
        return add_hook(self, fn)

    def zero_grad(self) -> None:
        """Reset the gradient of this node and of every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> "Value":
        """A new leaf with the same number and label, cut off from this graph."""
        return Value(self.data, self.label)


class Constant(Value):
    """A leaf made from a plain number inside an expression (the ``2`` of ``2 * x``).

    It behaves exactly like a Value; its own type lets diagrams show it as a
    constant rather than an input.
    """

    __slots__ = ()


def _lift(x: Any) -> Optional[Value]:
    """``x`` as a node: Values pass through, numbers become Constants, else None."""
    t = type(x)
    if t is float:  # the common case (2.0 * x), written out: a Constant leaf, as new_leaf makes it
        node: Constant = _new(Constant)
        node.data = x
        node.grad = 0.0
        node.label = ""
        node._op = node._a = node._b = node._mark = None
        return node
    if t is Value or t is Constant:
        same: Value = x
        return same
    if t is int or _is_real_number(x):
        return new_leaf(Constant, _float(x, "a number in an expression"))
    if isinstance(x, Value):  # a user's subclass of Value
        return x
    return None


def _made_method(name: str, method: Callable[..., Any], doc: str) -> Callable[..., Any]:
    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__module__ = __name__  # found as autonn.value.Value.<name>: pickle saves it by that name
    method.__doc__ = doc
    return method


# The operators and the common methods: each generated from its op's forward (see
# autonn.fastpath), and made again whenever that op's definition changes.
_OPERATORS = (
    ("__add__", "add", False, "self + other"), ("__radd__", "add", True, "other + self"),
    ("__sub__", "sub", False, "self - other"), ("__rsub__", "sub", True, "other - self"),
    ("__mul__", "mul", False, "self * other"), ("__rmul__", "mul", True, "other * self"),
    ("__truediv__", "div", False, "self / other"), ("__rtruediv__", "div", True, "other / self"),
    ("__rpow__", "pow", True, "other ** self"),
    ("__neg__", "neg", False, "-self"),
    ("exp", "exp", False, "e ** self."),
    ("tanh", "tanh", False, "Hyperbolic tangent, in (-1, 1)."),
    ("sigmoid", "sigmoid", False, "1 / (1 + e ** -self), computed without overflow for any input."),
    ("relu", "relu", False, "max(self, 0); nan stays nan."),
)


def _install(name: str, op_name: str, swap: bool, doc: str) -> Callable[..., Any]:
    """Generate Value's method ``name`` from its op's current definition and set it on the class."""
    method = _made_method(name, operator_method(Value, OPS[op_name], _lift, swap, name=name), doc)
    setattr(Value, name, method)
    return method


def _on_first_call(name: str, op_name: str, swap: bool, doc: str) -> Callable[..., Any]:
    """A stand-in for the method ``name`` that generates the real one when first called (so importing
    autonn compiles no operator it does not use), puts it in its place and hands the call on."""
    def first_call(self: Value, *other: Any) -> Any:
        return _install(name, op_name, swap, doc)(self, *other)

    return _made_method(name, first_call, doc)


def _power(x: Value, k: float) -> Value:  # x ** 3: the exponent is the op's constant
    global _power
    _power = operator_method(Value, OPS["powc"], constant=True, name="power")
    out: Value = _power(x, k)
    return out


def _power_of_values(x: Value, y: Value) -> Value:  # x ** y: both are inputs
    global _power_of_values
    _power_of_values = operator_method(Value, OPS["pow"], _lift, name="power_of_values")
    out: Value = _power_of_values(x, y)
    return out


_FIRST_POWER, _FIRST_POWER_OF_VALUES = _power, _power_of_values


def _make_operators(changed: Optional[Op] = None) -> None:
    """Put Value's operators (those of ``changed`` alone, when one op changed) back to their stand-ins:
    each is generated again, from the op's current definition, when next called."""
    global _power, _power_of_values
    for name, op_name, swap, doc in _OPERATORS:
        if changed is None or changed.name == op_name:
            setattr(Value, name, _on_first_call(name, op_name, swap, doc))
    if changed is None or changed.name == "powc":
        _power = _FIRST_POWER
    if changed is None or changed.name == "pow":
        _power_of_values = _FIRST_POWER_OF_VALUES


_make_operators()
ON_CHANGE.append(lambda op: _make_operators(op) if OPS.get(op.name) is op else None)


def as_value(x: Union[Value, float]) -> Value:
    """``x`` if it is a Value, else a new leaf Value holding the number ``x``."""
    if isinstance(x, Value):
        return x
    return Value(x)


def apply(op: Op, *operands: Operand) -> Value:
    """``op`` applied to ``operands``: the inputs (Values or numbers), then its constants."""
    n_consts = op.consts
    n_inputs = len(operands) - n_consts
    if (op.arity is not None and n_inputs != op.arity) or n_inputs < 1:
        expected = "at least 1" if op.arity is None else str(op.arity + n_consts)
        raise TypeError(f"{op.name}: takes {expected} argument(s), got {len(operands)}")
    ins = []
    for i in range(n_inputs):
        x = operands[i]
        node = x if type(x) is Value else _lift(x)
        if node is None:
            raise TypeError(f"{op.name}: argument {i} is a {type(x).__name__}, expected a Value or a real number")
        ins.append(node)
    consts = tuple(_number(c, f"{op.name} (constant {j})") for j, c in enumerate(operands[n_inputs:]))
    out = _new(Value)
    fill(out, float_value(op, [x.data for x in ins] + list(consts)), op, ins, consts)
    return out


_JUST_VALUES = frozenset([Value])
_DATA = attrgetter("data")


def sum(terms: Iterable[Operand]) -> Value:  # noqa: A001 - deliberately mirrors the builtin
    """One node for ``t_1 + t_2 + ... + t_n`` (numbers become constants).

    Unlike the builtin ``sum``, which chains n - 1 additions, this is a single
    n-ary node: faster, and a diagram shows it as one box.
    """
    # Tuples throughout: the node keeps the tuple of its inputs, and a tuple of numbers goes
    # into the op's forward(*xs) without another copy.
    nodes: Tuple[Any, ...] = terms if type(terms) is tuple else tuple(terms)
    if not _JUST_VALUES.issuperset(map(type, nodes)):  # numbers (or anything else) among the terms
        lifted = list(nodes)
        for i, t in enumerate(lifted):
            if type(t) is not Value:
                node = _lift(t)
                if node is None:
                    raise TypeError(f"sum: term {i} is a {type(t).__name__}, expected a Value or a real number")
                lifted[i] = node
        nodes = tuple(lifted)
    if not nodes:
        return new_leaf(Constant, 0.0)
    out = _new(Value)
    fill(out, float_value(_SUM, tuple(map(_DATA, nodes))), _SUM, nodes)
    return out


def _data(x: Union[Value, float]) -> float:
    return x.data if isinstance(x, Value) else x


_FLAT_OPS = frozenset(["gt", "ge", "lt", "le", "eq", "ne", "step", "sign"])
_FLAT_ARITHMETIC = frozenset(["add", "sub", "mul", "neg"])


def _flat(x: Any) -> bool:
    """True if ``x`` (a number or a small graph) is constant wherever its branches stay the same:
    built from constants, comparisons, steps and signs by arithmetic and ``where`` (whose
    condition does not matter).  No recursion: an explicit stack over the small graph of a slope."""
    stack = [x]
    while stack:
        node = stack.pop()
        if not isinstance(node, Value):
            continue
        op = op_of(node)
        if op is None:
            if type(node) is Constant:
                continue
            return False
        if op.name in _FLAT_OPS:
            continue
        if op.name == "where":
            stack.extend(inputs(node)[1:])
        elif op.name in _FLAT_ARITHMETIC:
            stack.extend(inputs(node))
        else:
            return False
    return True


class _ValueMath:
    """The rules' math namespace on Values: every function is an op, so a rule run on
    Values records its whole computation - its branches too (comparisons and ``where``
    are ops) - and can be differentiated again or compiled."""

    name = "value"
    builds_graph = True  # rules run with it follow IEEE 754 beyond a domain (see Op.pullback)
    @staticmethod
    def select(mask: Operand, value: Operand) -> Any:
        """``value`` where ``mask`` is not 0, else nothing (:data:`~autonn.ops.absent.ABSENT`).

        The gradient being built is evaluated at the graph's own numbers, so a
        branch not taken there gets no node at all.  Inside a compilation the
        choice is left to each sample: the result is a ``where`` node."""
        if _data(mask) == 0.0 and not (TRACES.active and TRACES.mine):
            # Only a slope that is 0 on a whole branch (a selector: step, a comparison, a constant)
            # hands on nothing; one that is 0 here but moves with an input (leaky_relu's slope s at
            # s = 0) keeps its product, so its own derivatives survive.
            return ABSENT if _flat(mask) else value
        return apply(OPS["where"], mask, value, 0.0)

    @staticmethod
    def fractional(a: Union[Value, float]) -> bool:
        # Only domain checks use this, and they run on numbers, never on graphs.
        d = float(_data(a))
        return d - d == 0.0 and not d.is_integer()

    # Comparisons and selections of plain numbers (a rule's constants, such as the k of
    # x ** k) are decided here, not recorded: the graph keeps only the branch taken.
    @staticmethod
    def where(condition: Any, a: Operand, b: Operand) -> Any:
        if isinstance(condition, Value):
            return apply(OPS["where"], condition, a, b)
        return a if condition else b

    @staticmethod
    def eq(a: Operand, b: Operand) -> Any:
        return apply(OPS["eq"], a, b) if isinstance(a, Value) or isinstance(b, Value) else a == b

    @staticmethod
    def pow(a: Operand, b: Operand) -> Value:
        # A number exponent is a constant: powc, which forms no exponent gradient.
        if isinstance(b, Value):
            return apply(OPS["pow"], a, b)
        return apply(OPS["powc"], a, b)

    def __getattr__(self, name: str) -> Callable[..., Value]:
        op = OPS.get(name)
        if op is None:
            raise AttributeError(f"the graph-building math namespace has no op {name!r}")
        return lambda *xs: apply(op, *xs)


VALUE_MATH = _ValueMath()


# -- functions for branch-free code (what a compiled function uses instead of ``if``) ------

def where(condition: Operand, a: Operand, b: Operand) -> Value:
    """``a`` where ``condition`` is not 0, else ``b`` - a branch as an op, so it compiles per sample."""
    return apply(OPS["where"], condition, a, b)


def maximum(a: Operand, b: Operand) -> Value:
    """The larger of ``a`` and ``b`` (each gets half the gradient at a tie)."""
    return apply(OPS["maximum"], a, b)


def minimum(a: Operand, b: Operand) -> Value:
    """The smaller of ``a`` and ``b`` (each gets half the gradient at a tie)."""
    return apply(OPS["minimum"], a, b)


def gt(a: Operand, b: Operand) -> Value:
    """1 if ``a > b`` else 0, as a node (its derivative is 0)."""
    return apply(OPS["gt"], a, b)


def lt(a: Operand, b: Operand) -> Value:
    """1 if ``a < b`` else 0, as a node (its derivative is 0)."""
    return apply(OPS["lt"], a, b)


def tracing(sources: Iterable[Value]) -> ContextManager[Set[Any]]:
    """Inside the block, reading the number of a node that depends on ``sources`` from your
    code raises :class:`TraceError` naming your line (see :mod:`autonn.guard`)."""
    return _guard_tracing(Value, sources)


def register_op(name: str, forward: Callable[..., Any], vjp: Callable[..., Any], formula: Union[str, Sequence[str]], *,
                domain: Sequence[Domain] = (), consts: int = 0, doc: str = "", replace: bool = False,
                piecewise: bool = False) -> Callable[..., Value]:
    """Add an op to autonn and return a function that applies it to Values or numbers.

    ``forward(*xs) -> float`` gives the op's value; ``vjp(g, out, *xs, m) ->
    tuple`` gives ``g * d out / d x_i`` for every input, using only
    arithmetic and the math namespace ``m`` (``m.exp``, ``m.where``,
    ``m.gt``, any op's name...).  ``formula`` is the derivative as text, one
    per input or one for all.  A forward that also takes ``m`` runs on whole
    numpy arrays when compiled; without it the compiler runs it sample by
    sample.  ``domain`` lists :class:`autonn.ops.Domain` checks that raise where the
    op is undefined; ``consts`` trailing arguments are constant numbers.

    ``name`` is what expressions call it by: ASCII letters, digits and ``_``,
    not a single letter (optionally with digits), which expressions keep for
    variables.  Every argument is checked here; a rule that fails later is
    reported naming the op.  A name already registered is refused unless
    ``replace=True`` (re-running a notebook cell redefines the op; graphs
    built before keep the old definition; built-in ops cannot be replaced).

    ``piecewise=True`` declares an op that picks between formulas (a kink, a
    clamp, a choice): its rule, written as ``g * slope``, then *selects*
    instead - an input whose slope is 0 gets nothing rather than ``0 * g``,
    so an infinite gradient reaching an inactive side gives 0, not nan, as
    for the built-in relu, clamp and where.

    After this call the op works in ``backward()``, ``autonn.grad`` (also
    with ``create_graph=True``), ``autonn.compile``, diagrams, the ledger,
    ``gradcheck``, the expression parser and ``autonn draw``.
    """
    if not isinstance(doc, str):
        raise TypeError(f"register_op({name!r}): doc must be a str, got {type(doc).__name__}: {doc!r}")
    op = define(name, forward, vjp, formula, domain=domain, consts=consts, doc=doc or name, replace=replace,
                piecewise=piecewise)

    def apply_op(*operands: Operand) -> Value:
        return apply(op, *operands)

    apply_op.__name__ = apply_op.__qualname__ = name
    apply_op.__doc__ = f"The op {name!r}: {doc or name}.  Derivative: {op.formula}."
    return apply_op

