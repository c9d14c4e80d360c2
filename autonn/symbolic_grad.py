"""Derivatives you can read and run: ``formula(f)`` and ``export(f, nargs)``.

Both trace ``f`` once into a graph (on Values, with Python branches on them
refused, since a formula must hold at every point), then read each node's op
as expressions (:mod:`autonn.ops.symbolic`): its forward with its inputs'
expressions substituted, and its rule giving each input's share of the
gradient - the same reverse accumulation ``backward()`` runs, on
expressions instead of numbers.

* :func:`formula` returns the derivative with respect to one argument as
  one simplified expression in ``f``'s own argument names (Python with
  ``math.``, or LaTeX);
* :func:`export` returns the source of a standalone module, ``f`` and
  ``grad_f``, one line per node with a comment naming its rule, importing
  only ``math`` (or ``numpy`` with ``lang="numpy"``).
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .graph import topological_order
from .node import constants, inputs, op_of
from .ops import OPS, DomainError, Op
from .ops.floatmath import INLINE
from .ops.pycode import Dialect, emit
from .ops.symbolic import Expr, num, substitute, var
from .ops.text import expand_ops, latex_text, python_text, simplify
from .value import TraceError, Value, tracing

__all__ = ["formula", "export", "SymbolicError"]


class SymbolicError(TypeError):
    """``f`` uses an op whose rule cannot be read as an expression (named in the message)."""


# Points at which f is traced: its numbers only decide that f runs (a domain may refuse some).
_PROBES = ((0.5, 0.75, 0.625, 0.875), (1.5, 2.5, 1.25, 3.5), (-0.5, -0.75, 0.3, -0.3), (0.1, 0.2, 0.3, 0.4),
           (1.0, 1.0, 1.0, 1.0))


def _argument_names(f: Callable[..., Any], who: str, nargs: Optional[int]) -> List[str]:
    if not callable(f):
        raise TypeError(f"{who}: f must be a function of numbers, got {type(f).__name__}")
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params)
    if nargs is None:
        if variadic or not named:
            raise TypeError(f"{who}: cannot read how many numbers f takes from its signature; give nargs")
        return named
    if not isinstance(nargs, int) or isinstance(nargs, bool) or nargs < 1:
        raise ValueError(f"{who}: nargs must be a whole number >= 1, got {nargs!r}")
    if len(named) >= nargs:
        return named[:nargs]
    if not variadic and params:
        raise TypeError(f"{who}: f takes {len(named)} number(s), nargs is {nargs}")
    return named + [f"x{i}" for i in range(len(named), nargs)]


def _trace(f: Callable[..., Any], names: List[str], who: str, at: Optional[Sequence[float]] = None
           ) -> Tuple[List[Value], Value]:
    """``f`` run on Values named after its arguments: ``(arguments, output)``."""
    last: Optional[Exception] = None
    probes: Sequence[Sequence[float]] = _PROBES
    if at is not None:
        if not isinstance(at, (list, tuple)) or len(at) != len(names):
            raise ValueError(f"{who}: at must be a list of {len(names)} numbers (one per argument), got {at!r}")
        probes = [[float(x) for x in at]]
    for probe in probes:
        args = [Value(probe[i % len(probe)] + 0.01 * (i // len(probe)), name) for i, name in enumerate(names)]
        try:
            with tracing(args):
                out = f(*args)
        except DomainError as err:
            last = err
            continue
        except TraceError as err:
            raise TraceError(f"{who}: f makes a Python decision on its arguments, so no one formula holds "
                             f"everywhere; write the choice with autonn.where / relu / maximum. ({err})") from None
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            out = Value(float(out))
        if not isinstance(out, Value):
            raise TypeError(f"{who}: f must return one number (a Value), got {type(out).__name__}")
        return args, out
    raise ValueError(f"{who}: f raised at every point tried ({last})")


def _form(op: Op, who: str) -> Any:
    if op.form is None:
        raise SymbolicError(f"{who}: the op {op.name!r} cannot be read as an expression ({op.not_symbolic}); "
                            "write its forward and vjp with the math namespace m (m.exp, m.where...) to export it")
    return op.form


class _Graph:
    """The traced graph as expressions: each node's value and, on request, the gradient of the output."""

    def __init__(self, args: List[Value], out: Value, who: str) -> None:
        self.who = who
        self.order = topological_order(out)
        self.args = args
        self.arg_of = {id(a): a.label for a in args}

    def leaf(self, node: Any) -> Expr:
        name = self.arg_of.get(id(node))
        return var(name) if name is not None else num(node.data)

    def local(self, node: Any, value: Dict[int, Expr], g: Expr) -> List[Expr]:
        """Each input's share of gradient ``g``, from the node's rule, in the given expressions."""
        op = op_of(node)
        form = _form(op, self.who)  # type: ignore[arg-type]
        ins = inputs(node)
        bound = {"g": g, "out": value[id(node)]}
        if form.uniform:
            share = substitute(form.vjp[0], bound)
            return [share] * len(ins)
        bound.update(self.bindings(node, form, value))
        return [substitute(e, bound) for e in form.vjp]

    def bindings(self, node: Any, form: Any, value: Dict[int, Expr]) -> Dict[str, Expr]:
        parts = [value[id(x)] for x in inputs(node)] + [num(c) for c in constants(node)]
        return dict(zip(form.inputs, parts))

    def forward(self, node: Any, value: Dict[int, Expr]) -> Expr:
        op = op_of(node)
        form = _form(op, self.who)  # type: ignore[arg-type]
        if form.forward is None:  # n-ary: the sum of its inputs
            parts = [value[id(x)] for x in inputs(node)]
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            return total
        return substitute(form.forward, self.bindings(node, form, value))


def formula(f: Callable[..., Any], argnum: int = 0, style: str = "python",
            at: Optional[Sequence[float]] = None) -> str:
    """The derivative of ``f`` with respect to argument ``argnum``, as an expression in ``f``'s own names.

    ``style="python"``: a Python expression using ``math.`` functions, so
    ``eval(text, {"math": math}, {"x": 0.3, ...})`` is the gradient;
    ``style="latex"``: the same in LaTeX.  ``f`` takes numbers and uses
    autonn's ops (``x.tanh()``, ``autonn.where``...); a Python ``if`` on an
    argument raises :class:`TraceError` (no one formula would hold), and
    an op whose rule is not symbolic raises :class:`SymbolicError`.  ``f``
    is traced at a few points of its own choosing until one lies in every
    op's domain; ``at`` gives the point instead (the formula does not
    depend on it).

    >>> formula(lambda x, y: (x * y).tanh(), argnum=1)
    '(1 - math.tanh(x*y)**2)*x'
    """
    who = "formula"
    if style not in ("python", "latex"):
        raise ValueError(f"{who}: style must be 'python' or 'latex', got {style!r}")
    names = _argument_names(f, who, None)
    if not isinstance(argnum, int) or isinstance(argnum, bool) or not 0 <= argnum < len(names):
        raise ValueError(f"{who}: argnum must be a whole number from 0 to {len(names) - 1} "
                         f"(f takes {names}), got {argnum!r}")
    args, out = _trace(f, names, who, at)
    graph = _Graph(args, out, who)
    value: Dict[int, Expr] = {}
    for node in graph.order:
        value[id(node)] = graph.leaf(node) if op_of(node) is None else graph.forward(node, value)
    grads: Dict[int, Expr] = {id(out): num(1.0)}
    for node in reversed(graph.order):
        g = grads.get(id(node))
        if g is None or op_of(node) is None:
            continue
        g = simplify(g)
        for x, share in zip(inputs(node), graph.local(node, value, g)):
            prev = grads.get(id(x))
            grads[id(x)] = share if prev is None else prev + share
    result = grads.get(id(args[argnum]), num(0.0))
    result = simplify(expand_ops(simplify(result), lambda name: OPS[name].form if name in OPS else None))
    return python_text(result) if style == "python" else latex_text(result)


# -- export -----------------------------------------------------------------------------------

def _math_dialect() -> Dialect:
    names = ["exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
             "sinh", "cosh", "tanh", "erf"]
    functions = {n: f"math.{n}({{0}})" for n in names}
    functions.update({"abs": "abs({0})", "pow": "({0} ** {1})"})
    # The float namespace's helpers as the engine writes them inline, in names a module with only `math` has
    # (a branch not selected is simply 0 there: the module has no engine to skip it).
    functions.update({name: text.replace("_NAN", "math.nan").replace("_ABSENT", "0.0") for name, text in INLINE.items()})
    return Dialect(functions, lambda x: _literal(x, "math"), "_{name}({args})")


def _numpy_dialect() -> Dialect:
    np_names = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}
    names = ["exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
             "sinh", "cosh", "tanh", "abs", "sign", "isnan"]
    functions = {n: f"np.{np_names.get(n, n)}({{0}})" for n in names}
    functions.update({
        "erf": "_erf({0})", "pow": "np.power({0}, {1})", "where": "np.where({0}, {1}, {2})",
        "select": "np.where(np.not_equal({0}, 0.0), {1}, 0.0)",
        "gt": "np.greater({0}, {1})", "ge": "np.greater_equal({0}, {1})", "lt": "np.less({0}, {1})",
        "le": "np.less_equal({0}, {1})", "eq": "np.equal({0}, {1})", "ne": "np.not_equal({0}, {1})",
        "maximum": "np.maximum({0}, {1})", "minimum": "np.minimum({0}, {1})", "step": "np.heaviside({0}, 0.0)",
    })
    return Dialect(functions, lambda x: _literal(x, "np"), "_{name}({args})")


def _literal(x: float, module: str) -> str:
    if x != x:
        return f"{module}.nan"
    if x in (math.inf, -math.inf):
        return f"{module}.inf" if x > 0 else f"(-{module}.inf)"
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _ops_called(forms: Sequence[Expr]) -> List[str]:
    """The ops that expressions apply by name (a rule calling ``m.sigmoid``), each once, callees first."""
    found: List[str] = []
    stack = list(forms)
    seen = set()
    while stack:
        e = stack.pop()
        if e.head == "op" and e.args[0] not in found:
            found.append(e.args[0])
            form = OPS[e.args[0]].form
            if form is not None and form.forward is not None:
                stack.append(form.forward)
        for p in e.operands():
            if p.key not in seen:
                seen.add(p.key)
                stack.append(p)
    return list(reversed(found))


def export(f: Callable[..., Any], nargs: Optional[int] = None, lang: str = "python",
           at: Optional[Sequence[float]] = None) -> str:
    """The source of a standalone Python module defining ``f(*args)`` and ``grad_f(*args)``.

    ``grad_f`` returns the list of all partial derivatives.  The module
    imports only ``math`` (``lang="numpy"``: only ``math`` and ``numpy``, and
    every function works element-wise on arrays), and reads like the ledger:
    one line per node of ``f``'s graph, forward then backward, each with a
    comment naming the rule it applies.  Every op must have a symbolic rule
    (all built-in ops do); another raises :class:`SymbolicError` naming it.
    ``nargs`` is needed only when ``f``'s signature does not say; ``at`` as
    for :func:`formula`.
    """
    who = "export"
    if lang not in ("python", "numpy"):
        raise ValueError(f"{who}: lang must be 'python' or 'numpy', got {lang!r}")
    names = _argument_names(f, who, nargs)
    args, out = _trace(f, names, who, at)
    graph = _Graph(args, out, who)
    dialect = _math_dialect() if lang == "python" else _numpy_dialect()
    order = graph.order
    node_name = {}
    for i, node in enumerate(order):
        node_name[id(node)] = graph.arg_of.get(id(node)) or f"n{i}"
    symbol = {id(n): var(node_name[id(n)]) for n in order}
    value = dict(symbol)
    for node in order:
        if op_of(node) is None and id(node) not in graph.arg_of:
            value[id(node)] = num(node.data)

    def line(target: str, expr: Expr, comment: str, env: Dict[str, str], indent: str = "    ") -> List[str]:
        lines, (text,) = emit([expr], env, prefix=f"_{target}_", indent=indent, dialect=dialect)
        return lines + [f"{indent}{target} = {_bare(text)}  # {comment}"]

    env = {node_name[id(n)]: node_name[id(n)] for n in order}
    env.update({"g" + name: "g" + name for name in list(env)})
    forward_lines: List[str] = []
    forms = []
    for node in order:
        op = op_of(node)
        if op is None:
            continue
        expr = graph.forward(node, value)
        forms.append(expr)
        forward_lines += line(node_name[id(node)], expr, f"{op.name}", env)
    result = node_name[id(out)] if op_of(out) is not None or id(out) in graph.arg_of else _literal(out.data, "math")

    backward_lines = [f"    g{node_name[id(out)]} = 1.0  # d out/d out"]
    written = {id(out)}
    for node in reversed(order):
        op = op_of(node)
        if op is None or id(node) not in written:
            continue
        gname = f"g{node_name[id(node)]}"
        for position, (x, share) in enumerate(zip(inputs(node), graph.local(node, value, var(gname)))):
            if op_of(x) is None and id(x) not in graph.arg_of:
                continue  # a constant: its gradient is not returned
            forms.append(share)
            target = f"g{node_name[id(x)]}"
            rule = op.formula_for(position)
            if id(x) in written:
                extra, (text,) = emit([share], env, prefix=f"_{target}_", indent="    ", dialect=dialect)
                # target = target + ...: with numpy, += would also change an array another name shares
                backward_lines += extra + [f"    {target} = {target} + {_bare(text)}  # {op.name}: {rule}"]
            else:
                backward_lines += line(target, share, f"{op.name}: {rule}", env)
                written.add(id(x))
    grads = []
    for a in args:
        grads.append(f"g{a.label}" if id(a) in written else ("np.zeros_like(" + a.label + ")" if lang == "numpy"
                                                               else "0.0"))
    helpers = _helpers(_ops_called(forms), dialect)
    params = ", ".join(names)
    module = ['"""f and its gradient, generated by autonn.export: one line per node, forward then backward."""',
              "", "import math"]
    if lang == "numpy":
        module += ["", "import numpy as np", "", "_erf = np.vectorize(math.erf, otypes=[float])"]
    module += [""] + helpers
    module += ["", f"def f({params}):"] + forward_lines + [f"    return {result}", "", "",
               f"def grad_f({params}):", "    # forward, as in f"] + forward_lines + [
               "    # backward: the gradient of the output with respect to each node, by the rule of its use"] \
        + backward_lines + [f"    return [{', '.join(grads)}]", ""]
    return "\n".join(module)


def _bare(text: str) -> str:
    """``text`` without the parentheses around all of it, when they enclose all of it."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


def _helpers(called: List[str], dialect: Dialect) -> List[str]:
    """A function for each op that a rule applies by name (``_sigmoid``), from that op's forward."""
    lines: List[str] = []
    for name in called:
        form = _form(OPS[name], "export")
        params = [f"_a{i}" for i in range(len(form.inputs))]
        body, (value,) = emit([form.forward], dict(zip(form.inputs, params)), prefix="_t", indent="    ",
                              dialect=dialect)
        lines += [f"def _{name}({', '.join(params)}):", f"    # the op {name}, from its forward"] + body + \
                 [f"    return {value}", "", ""]
    return lines
