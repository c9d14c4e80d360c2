"""``check_engine``: run expressions through another scalar engine and through autonn, op by op.

The other engine follows micrograd's shape: ``Value(x)`` makes a leaf, the
operators ``+ - * / **`` and unary ``-`` build nodes, methods named like
autonn's ops (``relu``, ``tanh``, ``exp``, ``log``...) apply the others,
``out.backward()`` fills ``.grad`` of the leaves.  Which ops it has is found
by trying each one; the rest are listed as not supported, with the reason.

Checks run smallest first:

1. every supported op alone, on a grid of simple numbers (0, ±0.5, ±1, ±2,
   where kinks and domain edges are) and constants, first with a separate
   input per argument and then with one input in several places (``x0 * x0``);
2. random expression graphs of the ops that passed (hypothesis draws them and
   shrinks a failing one), then cut down to the smallest failing subexpression.

A gradient that is wrong only where a node is used more than once, and right
once every use has its own copy of it, is named as such: for one op alone
(``x0 + x0``) its rule overwrites a gradient where it should add to it; in a
larger graph, the engine may also run a node's backward before all of its
gradient has arrived.  What is found is an :class:`~autonn.testing.report.EngineReport`.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from ..arguments import real_number, whole_number
from ..functional import grad
from ..ops import OPS, Op
from .expression import Expression, Step
from .report import NO_METHOD, EngineReport, Finding, at_text
from .strategies import expressions

__all__ = ["check_engine"]

GRID = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 0.7)
CONSTANT_GRID = (2.0, 3.0, 0.0, 1.0, -1.0, 0.5, 1.5, -2.0, 0.01)
#: Errors by which an engine says it does not do something (micrograd: ``assert isinstance(k, (int, float))``).
_REFUSALS = (TypeError, AttributeError, NotImplementedError, AssertionError)
_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}


# -- the engine under test, applied the way autonn's ops are ---------------------

def _engine_call(op: Op, methods: Mapping[str, Callable[..., Any]], value_class: Any) -> Optional[Callable[..., Any]]:
    """How the engine applies ``op`` (``fn(args, consts) -> node``), or None if it has no way to."""
    if op.name in methods:
        fn = methods[op.name]
        return lambda args, consts: fn(*args, *consts)
    if op.symbol in _OPERATORS and op.arity == 2 and not op.consts:
        binary = _OPERATORS[op.symbol]
        return lambda args, consts: binary(args[0], args[1])
    if op.symbol == "-" and op.arity == 1 and not op.consts:
        return lambda args, consts: -args[0]
    if op.symbol == "**" and op.arity == 1 and op.consts == 1:
        return lambda args, consts: args[0] ** consts[0]
    if callable(getattr(value_class, op.name, None)):
        name = op.name
        return lambda args, consts: getattr(args[0], name)(*args[1:], *consts)
    if op.name == "abs" and hasattr(value_class, "__abs__"):
        return lambda args, consts: abs(args[0])
    return None


def _same(a: float, b: float, atol: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _number(x: Any) -> float:
    return float(getattr(x, "data", x))


def _error_text(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class _Checker:
    """Runs one expression through both engines and says how they differ (None if they agree)."""

    def __init__(self, value_class: Any, calls: Dict[str, Callable[..., Any]], atol: float, rtol: float) -> None:
        self.value_class = value_class
        self.calls = calls
        self.atol = atol
        self.rtol = rtol

    def engine_run(self, expr: Expression) -> Any:
        """The engine's leaves and nodes for ``expr``; raises what the engine raises."""
        leaves = [self.value_class(v) for v in expr.values]
        nodes = list(leaves)
        for s in expr.steps:
            nodes.append(self.calls[s.op]([nodes[a] for a in s.args], s.consts))
        return leaves, nodes

    def engine_grads(self, expr: Expression) -> List[float]:
        leaves, nodes = self.engine_run(expr)
        nodes[-1].backward()
        return [_number(leaf.grad) for leaf in leaves]

    def difference(self, expr: Expression) -> Optional[Tuple[str, str, str]]:
        """``(op, kind, detail)`` for the first disagreement in ``expr``, else None."""
        out, leaves = expr.build()
        texts = expr.texts()
        n = len(expr.values)
        # Forward, step by step: the first step whose value differs names the op.
        step_values = _autonn_step_values(expr)
        try:
            theirs = self.engine_run(expr)
        except Exception as err:  # noqa: BLE001 - any failure of the engine is a finding
            k = self._failing_step(expr)
            return expr.steps[k].op, "error", f"building {texts[n + k]} raised {_error_text(err)}"
        for k, (node, want) in enumerate(zip(theirs[1][n:], step_values)):
            try:
                got = _number(node)
            except (TypeError, ValueError) as err:
                return expr.steps[k].op, "value", f"{texts[n + k]} is not a real number ({_error_text(err)})"
            if not _same(got, want, self.atol, self.rtol):
                return expr.steps[k].op, "value", f"value of {texts[n + k]}: engine {got!r}, autonn {want!r}"
        wanted = grad(out, leaves)
        try:
            got_grads = self.engine_grads(expr)
        except Exception as err:  # noqa: BLE001
            return self._blame(expr), "error", f"backward() raised {_error_text(err)}"
        for i, (got, want) in enumerate(zip(got_grads, wanted)):
            if not _same(got, want, self.atol, self.rtol):
                detail = f"d/d{expr.names[i]}: engine {got!r}, autonn {want!r}"
                shared = self._shared_use(expr, wanted)
                if shared:
                    return self._blame(expr), "shared use", f"{detail}; {shared}"
                return self._blame(expr), "gradient", detail
        return None

    def _failing_step(self, expr: Expression) -> int:
        for k in range(len(expr.steps)):
            try:
                self.engine_run(expr.subexpression(k))
            except Exception:  # noqa: BLE001
                return k
        return len(expr.steps) - 1

    @staticmethod
    def _blame(expr: Expression) -> str:
        """The op a gradient difference is charged to: the expression's only op, else none in particular."""
        return expr.ops[0] if len(expr.ops) == 1 else ""

    def _shared_use(self, expr: Expression, wanted: List[float]) -> str:
        """A sentence if the engine agrees once every use of a node has its own copy, else ''."""
        if max(expr.uses()) < 2:
            return ""
        untied = expr.untied()
        if untied is None:
            return ""
        tree, origins = untied
        try:
            copies = self.engine_grads(tree)
        except Exception:  # noqa: BLE001
            return ""
        summed = [0.0] * len(expr.values)
        for j, i in enumerate(origins):
            summed[i] += copies[j]
        if not all(_same(g, w, self.atol, self.rtol) for g, w in zip(summed, wanted)):
            return ""
        agrees = f"with every use given its own copy ({tree}) the engine agrees"
        if len(expr.steps) == 1:  # one op on one node twice: no order to get wrong, so its rule sets, not adds
            return f"{agrees}: it overwrites the gradient of a node used more than once instead of adding to it"
        return (f"{agrees}: a node used more than once does not get the sum over its uses (its backward "
                "runs before all of its gradient has arrived - an order that is not topological - or one "
                "op's rule overwrites what another added)")


def _autonn_step_values(expr: Expression) -> List[float]:
    data = list(expr.values)
    for s in expr.steps:
        data.append(OPS[s.op].value(*[data[a] for a in s.args], *s.consts))
    return data[len(expr.values):]


def _argument_patterns(arity: int) -> List[Tuple[int, ...]]:
    """Ways to fill ``arity`` places with inputs: all distinct first, then with repeats (x0 * x0)."""
    patterns = []
    for pattern in itertools.product(range(arity), repeat=arity):
        # restricted growth: the first place is x0, each new input is the next unused one
        if all(p <= max(pattern[:i], default=-1) + 1 for i, p in enumerate(pattern)):
            patterns.append(pattern)
    return sorted(patterns, key=lambda p: -len(set(p)))


def _single_op_expressions(op: Op, limit: int) -> List[Expression]:
    """``op`` alone on the grid, inside its domain; separate inputs first, shared ones after.

    Each way of placing the inputs gets at most ``limit`` points, spread over the whole grid
    (a fixed shuffle picks them) and kept in grid order."""
    arities = [op.arity] if op.arity is not None else [1, 2, 3]
    constant_sets = list(itertools.product(CONSTANT_GRID, repeat=op.consts))
    found: List[Any] = []
    for arity in arities:
        for pattern in _argument_patterns(arity):
            points = list(itertools.product(itertools.product(GRID, repeat=max(pattern) + 1), constant_sets))
            inside = []
            for values, cs in points:
                try:
                    out = op.value(*[values[p] for p in pattern], *cs)
                except (ArithmeticError, ValueError):  # outside the op's domain
                    continue
                if not math.isnan(out):
                    inside.append((values, cs))
            if len(inside) > limit:
                chosen = set(random.Random(0).sample(range(len(inside)), limit))
                inside = [point for i, point in enumerate(inside) if i in chosen]
            found.extend(Expression(values, [Step(op.name, tuple(pattern), cs)]) for values, cs in inside)
    return found


def check_engine(value_class: Any, *, ops: Optional[Sequence[str]] = None, methods: Optional[Mapping[str, Any]] = None,
                 max_examples: int = 300, max_steps: int = 6, atol: float = 1e-9, rtol: float = 1e-7,
                 seed: int = 0, name: str = "") -> EngineReport:
    """Compare a micrograd-shaped engine with autonn, op by op, then on random graphs.

    ``value_class`` makes leaves (``value_class(2.0)``).  ``ops`` limits the
    check to these autonn op names (default: every op of :data:`autonn.OPS`
    now); ``methods`` maps an op name to a function applying the engine's own
    version (``{"sigmoid": lambda v: v.sig()}``), for names that differ.
    ``max_examples`` random graphs of up to ``max_steps`` steps are drawn with
    ``seed``.  Values and gradients agree if ``|engine - autonn| <= atol +
    rtol * |autonn|`` (nan with nan, inf with the same inf).  Returns an
    :class:`EngineReport`; ``report.assert_ok()`` raises with it in a test.
    """
    if not callable(value_class):
        raise TypeError(f"check_engine: value_class must be the engine's Value class (callable), "
                        f"got {type(value_class).__name__}")
    who = "check_engine"
    max_examples = whole_number(max_examples, "max_examples", who)
    max_steps = whole_number(max_steps, "max_steps", who, least=1)
    seed = whole_number(seed, "seed", who)
    atol = real_number(atol, "atol", who, least=0.0)
    rtol = real_number(rtol, "rtol", who, least=0.0)
    if not isinstance(name, str):
        raise TypeError(f"{who}: name must be a str (the engine's name in the report), got {type(name).__name__}")
    if methods is not None and not isinstance(methods, Mapping):
        raise TypeError(f"{who}: methods must be a dict of op name -> function, got {type(methods).__name__}")
    methods = dict(methods or {})
    for op_name, method in methods.items():
        if not callable(method):
            raise TypeError(f"{who}: methods[{op_name!r}] must be a function applying the engine's own version "
                            f"(e.g. lambda a, b: a + b), got {type(method).__name__}: {method!r}")
    if ops is not None and (isinstance(ops, str) or not isinstance(ops, (list, tuple)) or not all(isinstance(n, str) for n in ops)):
        raise TypeError(f"{who}: ops must be a list of op names (str), got {ops!r}")
    names = list(OPS) if ops is None else list(ops)
    unknown = [n for n in names + list(methods) if n not in OPS]
    if unknown:
        raise ValueError(f"check_engine: unknown op(s) {unknown}; known: {', '.join(OPS)}")
    label = name or getattr(value_class, "__module__", "") + "." + getattr(value_class, "__qualname__", "Value")
    unsupported: Dict[str, str] = {}
    calls: Dict[str, Callable[..., Any]] = {}
    for op_name in names:
        call = _engine_call(OPS[op_name], methods, value_class)
        if call is None:
            unsupported[op_name] = f"{NO_METHOD} {op_name!r}"
        else:
            calls[op_name] = call
    checker = _Checker(value_class, calls, atol, rtol)
    findings: List[Finding] = []
    agree: List[str] = []
    for op_name in list(calls):
        examples = _single_op_expressions(OPS[op_name], limit=80)
        refusal = _refusal(checker, examples)
        if refusal:  # the engine says, every time, that it does not do this op
            unsupported[op_name] = refusal
            del calls[op_name]
            continue
        failures = [(expr, diff) for expr, diff in ((e, checker.difference(e)) for e in examples) if diff]
        if not failures:
            agree.append(op_name)
            continue
        for kind in dict.fromkeys(d[1] for _, d in failures):
            same = [(e, d) for e, d in failures if d[1] == kind]
            expr, (_, _, detail) = same[0]
            also = tuple(at_text(e) for e, _ in same[1:4])
            findings.append(Finding(op_name, kind, expr, detail, f"at {len(same)} of {len(examples)} points", also))
    graphs = _random_graphs(checker, agree, max_examples, max_steps, seed)
    checked, failing = graphs
    if failing is not None:
        smallest = _smallest_failing(checker, failing)
        op_name, kind, detail = checker.difference(smallest)  # type: ignore[misc]  # smallest still fails
        findings.append(Finding(op_name, kind, smallest, detail))
    blamed = {f.op for f in findings}
    agree = [op_name for op_name in agree if op_name not in blamed]
    return EngineReport(label, agree, unsupported, findings, checked)


def _refusal(checker: _Checker, examples: List[Expression]) -> str:
    """The engine's own words if building the op fails on every example with an error that says
    "not supported" (TypeError, AttributeError, NotImplementedError, AssertionError); else ''.

    Any other error (a NameError in the engine's ``tanh``) is a finding, not a missing op."""
    first = ""
    for expr in examples:
        try:
            checker.engine_run(expr)
        except _REFUSALS as err:
            first = first or _error_text(err)
            continue
        except Exception:  # noqa: BLE001 - a failure of the op, reported by difference()
            return ""
        return ""
    return first


def _random_graphs(checker: _Checker, ops: List[str], max_examples: int, max_steps: int,
                   seed: int) -> Tuple[int, Optional[Expression]]:
    """Random graphs of ``ops`` through both engines: how many, and a (shrunk) failing one or None."""
    if not ops or max_examples <= 0:
        return 0, None
    counter = [0]

    def differs(expr: Expression) -> bool:
        counter[0] += 1
        return checker.difference(expr) is not None

    config = settings(max_examples=max_examples, database=None, deadline=None,
                      phases=[Phase.generate, Phase.shrink],
                      suppress_health_check=list(HealthCheck))  # pyright: ignore[reportArgumentType]  # the members of HealthCheck
    try:
        failing = find(expressions(ops=ops, max_steps=max_steps), differs, settings=config,
                       random=random.Random(seed))
    except NoSuchExample:
        return counter[0], None
    return counter[0], failing


def _smallest_failing(checker: _Checker, expr: Expression) -> Expression:
    """A failing expression no smaller part of which fails: repeatedly take a failing subexpression or
    the graph with one step bypassed (its uses fed by one of its arguments), fewest steps first."""
    while True:
        smaller = [expr.subexpression(k) for k in range(len(expr.steps) - 1)]
        smaller += [expr.bypassed(k, p) for k in range(len(expr.steps) - 1) for p in range(len(expr.steps[k].args))]
        for candidate in sorted(smaller, key=len):
            if checker.difference(candidate) is not None:
                expr = candidate
                break
        else:
            return expr
