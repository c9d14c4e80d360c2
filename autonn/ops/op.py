"""What an op is, and the one registry of ops.

An :class:`Op` is written once and evaluated by every path of the engine:

``forward(*xs, m)``
    the op's value.  ``m`` is a math namespace (:mod:`.floatmath` for plain
    floats, :mod:`.arraymath` for numpy arrays), so the same function gives
    the eager value and the compiled one.  A forward without an ``m``
    parameter is a plain float function; the compiler then runs it sample by
    sample.
``vjp(g, out, *xs, m)``
    the vector-Jacobian product: ``g * d out / d x_i`` for every input, as a
    tuple.  ``m`` may also build graph nodes (``grad(..., create_graph=True)``),
    so a rule uses only arithmetic, comparisons through ``m`` and ``m``'s
    functions; the same code then differentiates floats, arrays and graphs.
``formulas``
    the derivative as a learner writes it, one text per input (one for all
    the inputs of an n-ary op).  Diagrams, the ledger and the README's table
    show this text.
``domain``
    the :class:`Domain` checks that say where the op is undefined; every path
    raises the same error there, naming the op and the numbers.
``piecewise``
    the op picks one of several formulas (relu, clamp, where...): its rule
    selects its gradient (``m.select``) rather than multiplying it by a 0/1
    factor, and an input it does not select gets nothing.

Beyond its domain an op follows IEEE 754, as numpy does: overflow gives
``inf``, and ``sin(inf)`` is ``nan``.  ``nan`` in gives ``nan`` out.
"""

from __future__ import annotations

import inspect
import keyword
import numbers
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

import numpy as np

from .arraymath import ARRAY_MATH
from .floatmath import FLOAT_MATH
from .generate import derived_formulas, generated_forward, generated_vjp
from .pycode import GLOBALS
from .symbolic import RuleForm, rule_form

__all__ = ["Op", "Domain", "DomainError", "OpError", "OPS", "ON_CHANGE", "define", "selecting", "UNARY", "BINARY", "PARAM",
           "NARY"]


class DomainError(ValueError):
    """An op was applied outside the domain where it is defined (e.g. ``log(-1)``)."""


class OpError(TypeError):
    """An op's own definition misbehaved (its forward raised, or its rule returned the wrong count)."""


# The op's shape: how many node inputs it takes and whether a constant follows them.
UNARY = 1  # one input
BINARY = 2  # two inputs
PARAM = 3  # one input and one constant number (the 3 of ``x ** 3``)
NARY = 4  # any number of inputs (``sum``), or a shape none of the above


class Domain:
    """Where an op is undefined: ``undefined(*xs, m)`` is true (per element, on arrays) there.

    ``message`` is formatted with the offending numbers as ``{0}``, ``{1}``...
    and follows the op's name: ``log: expected a positive number, got -1.0``.

    ``signalled=True`` says the op's float forward itself already signals
    every undefined point (it raises, or gives a non-finite or non-float
    result there, as ``math.log(-1)`` and ``0.0 ** -1`` do); the eager engine
    then runs the check only when that happens, instead of before every call.
    A test holds each built-in op to its claim.
    """

    __slots__ = ("undefined", "message", "error", "signalled")

    def __init__(self, undefined: Callable[..., Any], message: str, error: Type[Exception] = DomainError,
                 signalled: bool = False) -> None:
        self.undefined: Callable[..., Any] = undefined
        self.message: str = message
        self.error: Type[Exception] = error
        self.signalled: bool = signalled


class _RulesAsGraphs(threading.local):
    """How deep this thread is in rules run as graphs (``grad(..., create_graph=True)``).

    While it is not 0, an op applied to Values follows IEEE 754 beyond its
    domain instead of raising: a rule's slope is then ``inf`` or ``nan``
    exactly as on floats (``sqrt``'s slope at 0 is ``inf``, ``0 ** -0.5`` is
    ``inf``), so a gradient graph gives the float path's numbers and a branch
    that does not select such a slope still gives 0.  Read only on the
    slow path of :meth:`Op.value`, never when a number comes out finite.
    """

    depth = 0


RULES_AS_GRAPHS = _RulesAsGraphs()


def _number_text(x: float) -> str:
    return repr(float(x))


class Op:
    """One primitive: its name, shape, forward, derivative rule and domain, and what is derived from them.

    Derived (again whenever ``forward``, ``vjp``, ``domain``, ``arity`` or
    ``consts`` is replaced, so every path follows an edited rule):

    ``form``
        the forward and rule as expressions (:mod:`.symbolic`), or None with
        the reason in ``not_symbolic`` when they cannot be evaluated on symbols;
    ``float_forward``, ``float_vjp``
        Python functions generated from ``form`` that compute on floats
        exactly what ``forward(*xs, FLOAT_MATH)`` and ``vjp(..., FLOAT_MATH)``
        compute, without the namespace (the definition itself where there is
        no form); :meth:`source` shows them;
    ``formulas``
        the derivative for each input as text, printed from ``form``.
    """

    __slots__ = ("name", "arity", "consts", "kind", "forward", "vjp", "hand_formulas", "domain", "symbol",
                 "vectorized", "plain", "doc", "form", "not_symbolic", "float_forward", "float_vjp", "formulas",
                 "_ready", "piecewise")
    # Set by _derive from the definition (annotations only: the slots hold them).
    vectorized: bool
    plain: bool
    form: Optional[RuleForm]
    not_symbolic: str
    float_forward: Callable[..., Any]
    float_vjp: Callable[..., Any]
    formulas: Tuple[str, ...]
    _ready: bool

    def __init__(self, name: str, arity: Optional[int], forward: Callable[..., Any], vjp: Callable[..., Any],
                 formulas: Tuple[str, ...] = (), domain: Tuple[Domain, ...] = (), consts: int = 0,
                 symbol: str = "", doc: str = "", piecewise: bool = False) -> None:
        object.__setattr__(self, "_ready", False)
        self.name: str = name
        self.piecewise: bool = piecewise
        self.arity: Optional[int] = arity  # None: any number of inputs, at least one
        self.consts: int = consts
        if consts == 0 and arity == 1:
            self.kind: int = UNARY
        elif consts == 0 and arity == 2:
            self.kind = BINARY
        elif consts == 1 and arity == 1:
            self.kind = PARAM
        else:
            self.kind = NARY
        self.forward: Callable[..., Any] = forward
        self.vjp: Callable[..., Any] = vjp
        # A text given with the definition: shown only where the rule has no symbolic form.
        self.hand_formulas: Tuple[str, ...] = formulas
        self.domain: Tuple[Domain, ...] = domain
        self.symbol: str = symbol  # the operator that writes it ("+", "**"), if any
        self.doc: str = doc
        object.__setattr__(self, "_ready", True)
        self._derive()

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name in ("forward", "vjp", "domain", "arity", "consts") and self._ready:
            self._derive()

    def _derive(self) -> None:
        """Everything the fast paths, the formulas and the listeners read, made again from the definition."""
        setter = object.__setattr__
        vectorized = "m" in inspect.signature(self.forward).parameters
        setter(self, "vectorized", vectorized)
        # plain: a finite float from the forward is the value, with no check first
        setter(self, "plain", vectorized and all(d.signalled for d in self.domain))
        form, why = rule_form(self)
        setter(self, "form", form)
        setter(self, "not_symbolic", why)
        setter(self, "float_forward", generated_forward(self))
        setter(self, "float_vjp", generated_vjp(self))
        setter(self, "formulas", derived_formulas(self))
        for listener in list(ON_CHANGE):
            listener(self)

    @property
    def symbolic(self) -> bool:
        """True when the forward and rule were evaluated on symbols: generated code, derived formulas."""
        return self.form is not None

    def source(self) -> str:
        """The Python code generated from the definition for floats (forward, then the rule)."""
        parts = []
        for fn in (self.float_forward, self.float_vjp):
            text = getattr(fn, "__autonn_source__", None)
            parts.append(text if text is not None else
                         f"# {self.name}: {getattr(fn, '__doc__', '')}\n")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {'; '.join(self.formulas)})"

    @property
    def formula(self) -> str:
        """All of the op's derivative formulas, in one line."""
        return ", ".join(self.formulas)

    def formula_for(self, position: int, consts: Sequence[float] = ()) -> str:
        """The derivative formula for input number ``position``; with ``consts`` (a node's constants,
        the 2 of ``x ** 2``) the formula of that node, simplified (``d(a^2)/da = 2*a``)."""
        formulas = derived_formulas(self, tuple(consts)) if consts and self.form is not None else self.formulas
        return formulas[position] if position < len(formulas) else formulas[-1]

    # -- evaluation on plain floats: what the eager engine runs ---------------
    def check(self, args: Sequence[float]) -> None:
        """Raise the op's domain error if ``args`` (inputs, then constants) lie outside its domain."""
        for d in self.domain:
            if d.undefined(*args, FLOAT_MATH):
                text = d.message.format(*map(_number_text, args))
                raise d.error(f"{self.name}: {text}")

    def value(self, *args: float) -> float:
        """The op on floats: domain checked, then the forward, IEEE 754 beyond it."""
        domain = self.domain
        if domain and not self.plain:
            self._check_numbers(args)
            if not RULES_AS_GRAPHS.depth:
                self.check(args)
        try:
            out = self.float_forward(*args)
        except (ArithmeticError, ValueError, TypeError) as err:
            self._check_numbers(args)
            if domain and not RULES_AS_GRAPHS.depth:
                self.check(args)
            return self._ieee_value(args, err)
        if type(out) is float and out - out == 0.0:
            return out
        self._check_numbers(args)  # an odd result may come from an input that is no number
        if domain and not RULES_AS_GRAPHS.depth:
            self.check(args)  # a non-finite or odd result may mean a point outside the domain
        return self._as_float(out, args)

    def _check_numbers(self, args: Sequence[object]) -> None:
        """A TypeError naming the op and the argument if one is not a real number (a ``.data``
        set to a string, None or a complex number fails here, at its first use, not far away)."""
        for i, x in enumerate(args):
            if type(x) is not float and (isinstance(x, bool) or not isinstance(x, numbers.Real)):
                raise TypeError(f"{self.name}: argument {i} is {type(x).__name__} {x!r}; the numbers of Values "
                                "(and an op's constants) must be real numbers (int or float)")

    def _as_float(self, out: Any, args: Sequence[float]) -> float:
        try:
            return float(out)
        except (TypeError, ValueError):
            raise OpError(f"{self.name}: forward returned {type(out).__name__} {out!r} at {list(args)}, "
                          "expected a real number") from None

    def _ieee_value(self, args: Sequence[float], err: Exception) -> float:
        """Re-run the forward in numpy's float64, which gives inf or nan where Python's math raises."""
        message = (f"{self.name}: forward raised {type(err).__name__}: {err} at {list(args)}; "
                   "an op's forward must give a number wherever its domain allows")
        if not self.vectorized:
            raise OpError(message) from err
        try:
            with np.errstate(all="ignore"):
                return float(self.forward(*map(np.float64, args), m=ARRAY_MATH))
        except (ArithmeticError, ValueError, TypeError):
            raise OpError(message) from err

    def pullback(self, g: Any, out: Any, args: Sequence[Any], m: Any) -> Tuple[Any, ...]:
        """``g * d out / d x_i`` for every input, from the rule, checked for its count.

        On floats, a rule that raises (an infinite slope divides by zero) is
        re-run in numpy float64, giving ``inf`` or ``nan`` as IEEE 754 says;
        run as a graph (``m.builds_graph``), its ops follow IEEE 754 the same way.
        """
        if getattr(m, "builds_graph", False):
            RULES_AS_GRAPHS.depth += 1
            try:
                return self._pullback(g, out, args, m)
            finally:
                RULES_AS_GRAPHS.depth -= 1
        return self._pullback(g, out, args, m)

    def _pullback(self, g: Any, out: Any, args: Sequence[Any], m: Any) -> Tuple[Any, ...]:
        try:
            if m is FLOAT_MATH:
                local = self.float_vjp(g, out, *args)
            else:
                local = self.vjp(g, out, *args, m=m) if self.arity is None else self.vjp(g, out, *args, m)
        except TypeError:
            if m is FLOAT_MATH:
                self._check_numbers(args)  # a .data that is no number: say so, naming the op
            raise
        except (ArithmeticError, ValueError):
            if m is not FLOAT_MATH:
                raise
            with np.errstate(all="ignore"):
                local = self._pullback(np.float64(g), np.float64(out), [np.float64(a) for a in args], ARRAY_MATH)
            return tuple(float(x) for x in local)
        n = len(args) - self.consts
        if type(local) is list:
            local = tuple(local)
        if type(local) is not tuple or len(local) != n:
            got = f"{len(local)} gradients" if isinstance(local, tuple) else f"a {type(local).__name__}"
            raise OpError(f"{self.name}: its vjp must return a tuple of {n} gradient(s), one per input; got {got}")
        return local


#: Every op, by name: the one list of ops that every path reads.
OPS: Dict[str, Op] = {}
GLOBALS["_ops"] = OPS  # what generated code calls for a rule that applies another op

#: Called with an op whenever its definition is made or changed: the paths generated from it
#: elsewhere (Value's operators, the reverse loop) make themselves again.
ON_CHANGE: List[Callable[[Op], None]] = []


def _positional_count(fn: Callable[..., Any], who: str, what: str, count_m: bool = False) -> Optional[int]:
    """How many positional inputs ``fn`` takes (not counting ``m`` unless asked); None for ``*args``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {what} must be a Python function whose signature can be read") from None
    count = 0
    for p in params:
        if p.name == "m" and not count_m:
            continue
        if p.kind == p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            count += 1
    return count


def selecting(rule: Callable[..., Any]) -> Callable[..., Any]:
    """The rule of a piecewise op written as ``g * slope``, made to select instead:
    an input whose slope is 0 gets nothing (:data:`~autonn.ops.absent.ABSENT`
    on floats), not ``0 * g`` - which is nan when ``g`` is infinite."""

    def vjp(g: Any, out: Any, *rest: Any, m: Any = None) -> Any:
        # (a rule is linear in g, so at g = 1 it gives the slopes)
        if m is None:  # a rule of a fixed number of inputs takes m last, by position
            slopes = rule(1.0, out, *rest)
            m = rest[-1]
        else:
            slopes = rule(1.0, out, *rest, m=m)
        return tuple(m.select(s, g * s) for s in slopes)

    return vjp


def define(name: str, forward: Callable[..., Any], vjp: Callable[..., Any],
           formula: Union[str, Sequence[str], None] = None, *,
           domain: Sequence[Domain] = (), consts: int = 0, symbol: str = "", doc: str = "",
           replace: bool = False, piecewise: bool = False) -> Op:
    """Check one op's definition and add it to :data:`OPS`; every path then evaluates it.

    The number of inputs is read from ``forward``'s signature (``*xs`` makes
    an n-ary op); ``consts`` of them, at the end, are constant numbers rather
    than graph inputs.  The formulas shown for the op are printed from its
    rule; ``formula`` (one text per input, or one for all) is shown instead
    only where the rule cannot be evaluated on symbols.
    ``piecewise=True`` marks an op that picks between formulas (a kink, a clamp, a
    choice): its rule, written as ``g * slope``, is made to select (:func:`selecting`).
    """
    who = f"register_op({name!r})" if isinstance(name, str) else "register_op"
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"register_op: name must be a Python identifier, got {name!r}")
    if name in OPS and not replace:
        raise ValueError(f"{who}: an op named {name!r} already exists ({OPS[name]!r}); choose another name")
    for what, fn in (("forward", forward), ("vjp", vjp)):
        if not callable(fn):
            raise TypeError(f"{who}: {what} must be callable, got {type(fn).__name__}")
    n = _positional_count(forward, who, "forward")
    arity = None if n is None else n - consts
    if arity is not None and arity < 1:
        raise ValueError(f"{who}: forward must take at least one input, takes {n} (with {consts} constant(s))")
    rule_n = _positional_count(vjp, who, "vjp", count_m=True)
    if n is not None and rule_n != n + 3:  # n is None exactly when arity is
        raise ValueError(f"{who}: vjp must take (g, out, *inputs, m) by position: {n + 3} arguments for this "
                         f"forward, it takes {'any number' if rule_n is None else rule_n}")
    if arity is None and "m" not in inspect.signature(vjp).parameters:
        raise ValueError(f"{who}: an n-ary op's vjp must take (g, out, *inputs, m) with m by keyword")
    if "m" in inspect.signature(forward).parameters and arity is not None and \
            inspect.signature(forward).parameters["m"].kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                                     inspect.Parameter.POSITIONAL_ONLY):
        raise ValueError(f"{who}: forward takes m by keyword only; it is passed by position (forward(*xs, m))")
    formulas = () if formula is None else (formula,) if isinstance(formula, str) else tuple(formula)
    if formula is not None and (not formulas or not all(isinstance(f, str) and f for f in formulas)):
        raise TypeError(f"{who}: formula must be a non-empty str, or one str per input")
    if len(formulas) > 1 and len(formulas) != (arity or 1):
        raise ValueError(f"{who}: {len(formulas)} formulas for {arity} inputs; give one per input, or one")
    domain = tuple(domain)
    for d in domain:
        if not isinstance(d, Domain):
            raise TypeError(f"{who}: domain entries must be autonn.ops.Domain, got {type(d).__name__}")
    op = Op(name, arity, forward, selecting(vjp) if piecewise else vjp, formulas, domain, consts, symbol, doc,
            piecewise)
    OPS[name] = op
    for listener in list(ON_CHANGE):  # now that the registry holds it
        listener(op)
    return op
