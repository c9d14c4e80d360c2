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
import re
import string
import threading
from types import MappingProxyType
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

import numpy as np

from .arraymath import ARRAY_MATH
from .floatmath import FLOAT_MATH
from .generate import derived_formulas, generated_forward, generated_vjp
from .pycode import GLOBALS
from .symbolic import RuleForm, rule_form

__all__ = ["Op", "Domain", "DomainError", "OpError", "OPS", "ON_CHANGE", "define", "remove_op", "seal_builtins",
           "selecting", "UNARY", "BINARY", "PARAM", "NARY"]


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
        if not callable(undefined):
            raise TypeError(f"Domain: undefined must be a function (*xs, m) -> bool, got {type(undefined).__name__}")
        if not isinstance(message, str) or not message:
            raise TypeError(f"Domain: message must be a non-empty str, got {type(message).__name__}: {message!r}")
        if not (isinstance(error, type) and issubclass(error, Exception)):
            raise TypeError(f"Domain: error must be an exception class, got {error!r}")
        if not isinstance(signalled, bool):
            raise TypeError(f"Domain: signalled must be True or False, got {type(signalled).__name__}: {signalled!r}")
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
        """Forget everything derived from the definition (it is made again, from the new definition,
        when next read: see :meth:`__getattr__`) and tell the listeners."""
        setter = object.__setattr__
        vectorized = "m" in inspect.signature(self.forward).parameters
        setter(self, "vectorized", vectorized)
        # plain: a finite float from the forward is the value, with no check first
        setter(self, "plain", vectorized and all(d.signalled for d in self.domain))
        for name in _DERIVED:
            try:
                object.__delattr__(self, name)
            except AttributeError:
                pass
        for listener in list(ON_CHANGE):
            listener(self)

    def __getattr__(self, name: str) -> Any:
        # Reached only for a derived attribute not made yet (a set slot is found before this):
        # each is made on first use, so importing autonn compiles no rule it does not run.
        make = _DERIVED.get(name)
        if make is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        if name in ("form", "not_symbolic"):
            form, why = rule_form(self)
            object.__setattr__(self, "form", form)
            object.__setattr__(self, "not_symbolic", why)
        else:
            object.__setattr__(self, name, make(self))
        return object.__getattribute__(self, name)

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
        """``g * d out / d x_i`` for every input, from the rule, checked for its count and types.

        On floats, a rule that raises (an infinite slope divides by zero) is
        re-run in numpy float64, giving ``inf`` or ``nan`` as IEEE 754 says;
        run as a graph (``m.builds_graph``), its ops follow IEEE 754 the same way.
        A rule that fails otherwise is reported naming this op.
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
            local = self._call_vjp(g, out, args, m)
        except TypeError as err:
            if m is FLOAT_MATH:
                self._check_numbers(args)  # a .data that is no number: say so, naming the op
                if isinstance(g, (bool, str, bytes)) or not isinstance(g, numbers.Real):
                    raise OpError(f"{self.name}: the gradient handed to its vjp is {type(g).__name__} {g!r}, not a "
                                  "number: the vjp of an op using this node's result returned it") from err
            raise self._rule_failed(err, args, m) from err
        except (ArithmeticError, ValueError) as err:
            if m is not FLOAT_MATH:
                raise self._rule_failed(err, args, m) from err
            try:
                with np.errstate(all="ignore"):
                    local = self._call_vjp(np.float64(g), np.float64(out), [np.float64(a) for a in args], ARRAY_MATH)
            except Exception:
                raise self._rule_failed(err, args, m) from err
            return tuple(float(x) for x in self._checked(local, args, m))
        except Exception as err:
            raise self._rule_failed(err, args, m) from err
        return self._checked(local, args, m)

    def _call_vjp(self, g: Any, out: Any, args: Sequence[Any], m: Any) -> Any:
        if m is FLOAT_MATH:
            return self.float_vjp(g, out, *args)  # generated from the rule (or the rule itself)
        return self.vjp(g, out, *args, m=m) if self.arity is None else self.vjp(g, out, *args, m)

    def _checked(self, local: Any, args: Sequence[Any], m: Any) -> Tuple[Any, ...]:
        """The rule's result as a tuple of one gradient per input, each a number (or, when the
        rule builds a graph or runs on arrays, a node or an array); else an OpError naming the op."""
        n = len(args) - self.consts
        if type(local) is list:
            local = tuple(local)
        if type(local) is not tuple or len(local) != n:
            got = f"{len(local)} gradients" if isinstance(local, tuple) else f"a {type(local).__name__}"
            raise OpError(f"{self.name}: its vjp must return a tuple of {n} gradient(s), one per input; got {got}")
        for i, x in enumerate(local):
            if type(x) is not float and (isinstance(x, (bool, str, bytes)) or not (
                    isinstance(x, numbers.Real) or (m is not FLOAT_MATH and _is_number_like(x)))):
                if m is FLOAT_MATH:
                    self._check_numbers(args)  # the cause may be an input's .data that is no number
                raise OpError(f"{self.name}: its vjp returned {type(x).__name__} {x!r} as the gradient of input {i}"
                              f"{_at(args, m)}; expected a number")
        return local  # a tuple, checked above

    def _rule_failed(self, err: Exception, args: Sequence[Any], m: Any) -> Exception:
        """The error to raise for a rule that raised ``err``: the same kind of error, naming this op."""
        if type(err).__module__.split(".")[0] == "autonn":
            return err  # autonn's own errors (a domain error of an op inside the rule, ...) name their cause
        hint = ""
        if m is not FLOAT_MATH and (isinstance(err, TypeError) or "truth value" in str(err)):
            hint = ("; the rule also runs on Values (create_graph=True) and on numpy arrays (compile), so it may use "
                    "only arithmetic and m's functions: write a branch as m.where(m.gt(x, 0), a, b), not a Python if")
        message = f"{self.name}: its vjp raised {type(err).__name__}: {err}{_at(args, m)}{hint}"
        if type(err).__module__ == "builtins" and isinstance(err, (ArithmeticError, ValueError)):
            return type(err)(message)
        return OpError(message)


def _at(args: Sequence[Any], m: Any) -> str:
    """Where a rule was evaluated, for an error message (on floats only: other inputs have no short form)."""
    return f" at {list(map(_number_text, args))}" if m is FLOAT_MATH and all(
        isinstance(a, numbers.Real) for a in args) else ""


def _is_number_like(x: object) -> bool:
    """A gradient a graph-building or array rule may give: a node (anything with ``.data``) or a numpy array."""
    return hasattr(x, "data") or isinstance(x, np.ndarray)


# The registry itself: only define() and remove_op() write it.
_REGISTRY: Dict[str, Op] = {}
#: What is made from an op's definition on first use, and how (``form`` and ``not_symbolic`` together).
_DERIVED: Dict[str, Callable[[Op], Any]] = {
    "form": rule_form, "not_symbolic": rule_form, "float_forward": generated_forward, "float_vjp": generated_vjp,
    "formulas": derived_formulas,
}

#: Every op, by name: the one list of ops that every path reads (read-only: add ops with
#: ``autonn.register_op``).
OPS: Mapping[str, Op] = MappingProxyType(_REGISTRY)
GLOBALS["_ops"] = OPS  # what generated code calls for a rule that applies another op

#: Called with an op whenever its definition is made or changed: the paths generated from it
#: elsewhere (Value's operators, the reverse loop) make themselves again.
ON_CHANGE: List[Callable[[Op], None]] = []
# The ops autonn itself defines: never replaced or removed (the engine's fast paths hold them).
_BUILTIN: set[str] = set()

# What the expression parser reads as a name (autonn.expr), and the names it leaves to
# variables: a letter, optionally followed by digits (x, y, w1, x2, b).
_PARSER_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
_VARIABLE_NAME = re.compile(r"[A-Za-z][0-9]*\Z")


def seal_builtins() -> None:
    """Mark every op defined so far as built in (called once, after :mod:`.builtin`)."""
    _BUILTIN.update(_REGISTRY)


def remove_op(name: str, missing_ok: bool = False) -> None:
    """Take out an op added with ``autonn.register_op`` (a test cleaning up, a notebook starting over).

    Graphs already built with it keep working; new uses of the name fail.  Built-in ops
    cannot be removed.  A name that is not registered is a KeyError unless ``missing_ok``."""
    if name in _BUILTIN:
        raise ValueError(f"remove_op: {name!r} is a built-in op; only ops added with register_op can be removed")
    if name not in _REGISTRY:
        if missing_ok:
            return
        raise KeyError(f"remove_op: no op named {name!r}")
    del _REGISTRY[name]


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
    _check_name(name, who, replace)
    if not isinstance(consts, int) or isinstance(consts, bool) or consts < 0:
        raise TypeError(f"{who}: consts must be an int >= 0 (how many trailing arguments are constant numbers), "
                        f"got {type(consts).__name__}: {consts!r}")
    for what, text in (("symbol", symbol), ("doc", doc)):
        if not isinstance(text, str):
            raise TypeError(f"{who}: {what} must be a str, got {type(text).__name__}: {text!r}")
    for what, fn in (("forward", forward), ("vjp", vjp)):
        if not callable(fn):
            raise TypeError(f"{who}: {what} must be callable, got {type(fn).__name__}")
    if formula is not None and not (isinstance(formula, str) or (isinstance(formula, (list, tuple)) and formula)):
        raise TypeError(f"{who}: formula must be a non-empty str, or one str per input; got "
                        f"{type(formula).__name__}: {formula!r}")
    if isinstance(domain, (str, Domain)) or not isinstance(domain, (list, tuple)):
        raise TypeError(f"{who}: domain must be a list of autonn.ops.Domain, got {type(domain).__name__}")
    n = _positional_count(forward, who, "forward")
    arity = None if n is None else n - consts
    if arity is not None and arity < 1:
        raise ValueError(f"{who}: forward must take at least one input besides its consts={consts} constant(s), "
                         f"takes {n} argument(s) in all")
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
    for i, d in enumerate(domain):
        if not isinstance(d, Domain):
            raise TypeError(f"{who}: domain[{i}] must be an autonn.ops.Domain, got {type(d).__name__}")
        _check_message(d.message, (arity or 1) + consts, f"{who}: domain[{i}]")
    op = Op(name, arity, forward, selecting(vjp) if piecewise else vjp, formulas, domain, consts, symbol, doc,
            piecewise)
    _REGISTRY[name] = op
    for listener in list(ON_CHANGE):  # now that the registry holds it
        listener(op)
    return op


def _check_name(name: object, who: str, replace: object) -> None:
    """A name the expression parser reads as a function, free (or, with ``replace``, a user's op)."""
    if not isinstance(replace, bool):
        raise TypeError(f"{who}: replace must be True or False, got {type(replace).__name__}: {replace!r}")
    if not isinstance(name, str) or not _PARSER_NAME.match(name) or keyword.iskeyword(name):
        raise ValueError(f"register_op: name must be an identifier of ASCII letters, digits and _ (not starting with "
                         f"a digit, not a Python keyword), which expressions can call; got {name!r}")
    if _VARIABLE_NAME.match(name):
        raise ValueError(f"{who}: a letter, optionally followed by digits, is a variable in expressions "
                         f"(autonn draw 'x*y', autonn.expr): an op named {name!r} would take it from them; "
                         "choose a longer name")
    if name in _REGISTRY:
        if name in _BUILTIN:
            raise ValueError(f"{who}: an op named {name!r} already exists, built in ({_REGISTRY[name]!r}) and "
                             "never replaced; choose another name")
        if not replace:
            raise ValueError(f"{who}: an op named {name!r} already exists ({_REGISTRY[name]!r}); choose another "
                             "name, or pass replace=True to redefine it (re-running a notebook cell)")


def _check_message(message: str, n_args: int, who: str) -> None:
    """The domain message formats with the op's ``n_args`` numbers (``{0}``...): checked now, not when it is hit."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    except ValueError as e:
        raise ValueError(f"{who}: message {message!r} is not a valid format string ({e})") from None
    for field in fields:
        index = field.split(".")[0].split("[")[0]
        if not (index == "" or (index.isdigit() and int(index) < n_args)):
            raise ValueError(f"{who}: message {message!r} has the field {{{field}}}; it may name only the op's "
                             f"numbers, {{0}} to {{{n_args - 1}}}")
    try:
        message.format(*["1.0"] * n_args)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as e:
        raise ValueError(f"{who}: message {message!r} does not format with the op's numbers "
                         f"({type(e).__name__}: {e})") from None
