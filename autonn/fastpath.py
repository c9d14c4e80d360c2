"""The eager engine's hot code, generated from the ops' rules: Value's operators and the reverse loop.

Each op's forward and rule are expressions (:mod:`autonn.ops.symbolic`);
here they become the bodies of

* the operator methods of ``Value`` (``__mul__``, ``tanh``...): the op's
  forward pasted in as Python arithmetic, then the node recorded - one call
  from the user's code, no call of the rule and no namespace in between;
* the reverse loop of ``backward()``: for the common ops, each rule pasted
  in as a branch of one loop that writes gradients straight into the nodes;
  any other op runs its own generated ``float_vjp``.

Nothing here is a second copy of a rule: the text is printed from the
expressions at import, and again whenever an op's definition changes
(:data:`autonn.ops.ON_CHANGE`), so an edited rule moves these paths too.
``source_of(fn)`` shows what was generated.

Anything unusual - a result that is not a finite float, a rule that raises,
a ``.data`` that is no number - leaves the fast code for the op's checked
methods (:meth:`~autonn.ops.Op.value`, :meth:`~autonn.ops.Op.pullback`),
which give IEEE 754 results or an error naming the op.
"""

from __future__ import annotations

import numbers
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .mode import GRAD_MODE
from .node import _WALK_LOCK, _record_specially, inputs, real_gradient, rule_args
from .ops import FLOAT_MATH, ON_CHANGE, OPS, UNARY, Op
from .ops.absent import ABSENT
from .ops.pycode import compile_function, emit
from .ops.symbolic import Expr, fold

__all__ = ["operator_method", "float_backward", "source_of", "INLINE_OPS"]

#: Rule errors on floats: the checked path then gives the IEEE result or names the op.
_TROUBLE = (ArithmeticError, ValueError, TypeError)
_new = object.__new__

#: The ops whose rules the reverse loop holds inline, most common first (each further op costs
#: every op after it one comparison; the rest call their own generated rule).
INLINE_OPS = ("add", "mul", "sum", "sub", "relu", "powc", "neg", "tanh", "exp", "div", "sigmoid", "log")


def source_of(fn: Callable[..., Any]) -> str:
    """The Python source generated for ``fn`` (an operator method or the reverse loop)."""
    return getattr(fn, "__autonn_source__", "")


# -- operators ------------------------------------------------------------------------------

def _forward_lines(op: Op, indent: str, args: Sequence[str]) -> Optional[Tuple[List[str], str]]:
    """The op's forward as statements over the locals ``args``, or None when it has no form."""
    form = op.form
    if form is None or form.forward is None or not op.plain:
        return None
    names = dict(zip(form.inputs, args))
    lines, (value,) = emit([form.forward], names, indent=indent)
    return lines, value


def operator_method(cls: type, op: Op, lift: Optional[Callable[[Any], Any]] = None, swap: bool = False,
                    constant: bool = False, name: str = "operator") -> Callable[..., Any]:
    """The method ``cls.<name>`` applying ``op``: a one-input op (``self``), a two-input op
    (``self`` and ``other``, lifted; ``swap`` for the reflected form) or a one-input op with its
    constant (``constant``: ``x ** 3``)."""
    unary = op.kind == UNARY
    body = [f"def {name}({'self' if unary else 'self, other'}):"]
    if unary:
        nodes, reads = ["self"], ["_x0 = self.data"]
        args = ["_x0"]
    elif constant:
        nodes, reads = ["self"], ["_x0 = self.data", "_x1 = other"]
        args = ["_x0", "_x1"]
    else:
        body += ["    if type(other) is not _cls:", "        other = _lift(other)", "        if other is None:",
                 "            return NotImplemented"]
        nodes = ["other", "self"] if swap else ["self", "other"]
        reads = [f"_x0 = {nodes[0]}.data", f"_x1 = {nodes[1]}.data"]
        args = ["_x0", "_x1"]
    body += ["    " + r for r in reads]
    fast = _forward_lines(op, "        ", args)
    if fast is None:
        body.append(f"    data = _op.value({', '.join(args)})")
    else:
        lines, value = fast
        body += ["    try:"] + lines + [f"        data = {value}", "    except _TROUBLE:", "        data = None",
                                          "    if type(data) is not float or data - data != 0.0:",
                                          f"        data = _op.value({', '.join(args)})"]
    body += ["    out = _new(_cls)", "    out.data = data", "    out.grad = 0.0", "    out.label = ''",
             "    out._mark = None", "    if _MODE.special == 0:", "        out._op = _op", f"        out._a = {nodes[0]}"]
    if unary:
        body += ["        out._b = None", "    else:", "        out._b = None",
                 "        _record(out, _op, (self,), ())"]
    elif constant:
        body += ["        out._b = other", "    else:", "        _record(out, _op, (self,), (other,))"]
    else:
        body += [f"        out._b = {nodes[1]}", "    else:", f"        _record(out, _op, ({nodes[0]}, {nodes[1]}), ())"]
    body += ["    return out", ""]
    scope = {"_cls": cls, "_lift": lift, "_op": op, "_new": _new, "_MODE": GRAD_MODE, "_record": _record_specially,
             "_TROUBLE": _TROUBLE}
    return compile_function(name, "\n".join(body), scope)


# -- the reverse loop --------------------------------------------------------------------------

def _inline_branch(op: Op) -> Optional[List[str]]:
    """The loop's branch for ``op`` (its rule inline), or None when it has no form."""
    form = op.form
    if form is None:
        return None
    if form.uniform:  # every input gets the same gradient (sum)
        lines, (value,) = emit([form.vjp[0]], {"g": "g", "out": "_out"}, prefix="_s", indent="                ")
        reads = ["            _out = node.data"] if "_out" in "\n".join(lines + [value]) else []
        return (reads + ["            try:"] + lines + [f"                gx = {value}",
                "            except _TROUBLE:", "                _generic(node, op, g)", "                continue",
                "            for x in node._a:"] + _accumulate("x", "gx", "                ", _may_be_absent(form.vjp[0])))
    n = op.arity or 0
    names = {"g": "g", "out": "_out"}
    reads = []
    for i, name in enumerate(form.inputs):
        if i < n:
            names[name] = f"_x{i}"
        else:
            names[name] = "_k"
    lines, values = emit(list(form.vjp), names, prefix="_s", indent="                ")
    used = "\n".join(lines + values)
    if "_out" in used:
        reads.append("_out = node.data")
    nodes = ["a", "b"][:n]
    branch = ["            a = node._a"] + (["            b = node._b"] if n == 2 else [])
    for i, node in enumerate(nodes):
        if f"_x{i}" in used:
            reads.append(f"_x{i} = {node}.data")
    if "_k" in used:
        reads.append("_k = node._b")
    branch += ["            try:"] + ["                " + r for r in reads] + lines
    grads = [f"g{node}" for node in nodes]
    branch += [f"                {grad} = {value}" for grad, value in zip(grads, values)]
    branch += ["            except _TROUBLE:", f"                {', '.join(grads)}{',' if n == 1 else ''} = _pullback(node, op, g)"]
    for (grad, node), expr in reversed(list(zip(zip(grads, nodes), form.vjp))):  # the second input first,
        branch += _accumulate(node, grad, "            ", _may_be_absent(expr))     # as the checked loop does
    return branch


def _accumulate(node: str, grad: str, indent: str, may_be_absent: bool) -> List[str]:
    """``node.grad += grad``, where a node not reached yet holds ABSENT (and ``grad`` may be ABSENT
    when the rule selects): written out, so no Python-level ``__add__`` runs for either."""
    lines = [f"{indent}_prev = {node}.grad", f"{indent}{node}.grad = {grad} if _prev is _ABSENT else _prev + {grad}"]
    if not may_be_absent:
        return lines
    return [f"{indent}if {grad} is not _ABSENT:"] + ["    " + line for line in lines]


def _may_be_absent(expr: Expr) -> bool:
    """True if the rule's expression can hand back nothing (it selects: ``m.select``)."""
    return fold(expr, lambda e, parts: any(parts) or (e.head == "call" and e.args[0] == "select"))  # type: ignore[no-any-return]


def _loop_source(ops: Mapping[str, Op]) -> Tuple[str, Dict[str, Any]]:
    lines = [
        "def float_backward(order, seed):",
        "    # Gradients go straight into the nodes; float_backward's caller set them to _ABSENT,",
        "    # which stays only where no rule selected the node: its rule is not run, it reads 0.",
        "    order[-1].grad = seed",
        "    for node in reversed(order):",
        "        g = node.grad",
        "        if g is _ABSENT:  # no rule selected it: it runs no rule and reads 0",
        "            node.grad = 0.0",
        "            continue",
        "        op = node._op",
        "        if op is None:",
        "            continue",
    ]
    scope: Dict[str, Any] = {}
    first = True
    for name in INLINE_OPS:
        op = ops.get(name)
        if op is None:
            continue
        branch = _inline_branch(op)
        if branch is None:
            continue
        scope[f"_op_{name}"] = op
        lines.append(f"        {'if' if first else 'elif'} op is _op_{name}:  # {op.name}: generated from its rule")
        lines += branch
        first = False
    lines += ["        else:" if not first else "        if True:", "            _generic(node, op, g)", ""]
    return "\n".join(lines), scope


def _pullback(node: Any, op: Op, g: float) -> Tuple[Any, ...]:
    """The checked rule: IEEE results where Python raises, or an error naming the op."""
    return op.pullback(g, node.data, rule_args(node), FLOAT_MATH)


def _generic(node: Any, op: Op, g: float) -> None:
    """Any op the loop does not hold inline (a user's op among them): its own generated rule,
    checked, then each input's share."""
    # pullback runs the op's generated float_vjp and holds its result to one real number per input
    local = op.pullback(g, node.data, rule_args(node), FLOAT_MATH)
    ins = inputs(node)
    for i in range(len(ins) - 1, -1, -1):
        share = local[i]
        if share is not ABSENT:
            x = ins[i]
            before = x.grad
            x.grad = share if before is ABSENT else before + share


class _Loop:
    """The current generated loop: made on the first ``backward()``, and again after an op it
    holds inline changes."""

    __slots__ = ("_run", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._run: Optional[Callable[[List[Any], float], None]] = None

    @property
    def run(self) -> Callable[[List[Any], float], None]:
        run = self._run
        if run is None:
            with self.lock:
                if self._run is None:
                    source, scope = _loop_source(OPS)
                    scope.update({"_TROUBLE": _TROUBLE, "_generic": _generic, "_pullback": _pullback})
                    self._run = compile_function("float_backward", source, scope)
                run = self._run
        return run

    def changed(self, op: Op) -> None:
        if op.name in INLINE_OPS:
            with self.lock:
                self._run = None


LOOP = _Loop()
ON_CHANGE.append(LOOP.changed)


def _check_leaf(node: Any) -> None:
    data = node.data
    if isinstance(data, numbers.Real) and not isinstance(data, bool):
        return
    raise TypeError(f"backward: a leaf holds {type(data).__name__} {data!r} (label {node.label!r}); the numbers of "
                    "Values must be real numbers (int or float)")


def float_backward(order: List[Any], seed: float) -> None:
    """``backward()`` on floats: every node of ``order`` (a topological order ending with the root)
    gets ``seed * d root / d node``, added to what a leaf held before and replacing what an
    intermediate node held.  The caller holds no hooks and no watchers (they take the checked loop).

    Every node starts the pass holding :data:`~autonn.ops.absent.ABSENT`: one that no rule selects
    keeps it, and the loop then runs no rule for it (a branch not taken contributes nothing) and
    gives it 0.0; a leaf left with it adds nothing."""
    with _WALK_LOCK:  # gradients live in the nodes meanwhile: passes over shared nodes take turns
        # Leaves that already hold a gradient are remembered, to add this pass's total to it
        # once at the end (PyTorch's accumulation: before + this pass, not one term at a time).
        leaves = []
        held = []
        for node in order:
            if node._op is None:
                if type(node.data) is not float:
                    _check_leaf(node)  # a .data set to no real number: refused, not propagated
                before = node.grad
                if before:
                    leaves.append(node)
                    held.append(before)
            node.grad = ABSENT
        try:
            LOOP.run(order, seed)
        except BaseException:
            for node in order:  # as before the pass: no half-added gradient, no ABSENT left behind
                if node._op is None or node.grad is ABSENT:
                    node.grad = 0.0
            for node, before in zip(leaves, held):
                node.grad = before
            raise
        for node, before in zip(leaves, held):
            total = before + node.grad
            node.grad = total if type(total) is float else real_gradient(node, total, dict.fromkeys(order))
