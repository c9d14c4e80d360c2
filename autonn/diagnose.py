"""Why is this gradient nan, inf or 0?  ``autonn.diagnose(root, wrt)`` says, naming the op and your line.

A gradient that comes out wrong is made at one node: the first rule, from the
output down, that turned a finite gradient into inf or nan; or, for a
gradient of exactly 0, the place where every path from ``wrt`` to the output
stopped - a relu or step that was inactive, a ``where`` whose branch was not
taken, a tanh or sigmoid whose slope underflowed to 0, a factor that is 0 -
or there is no path at all.  :func:`diagnose` runs one reverse pass, keeps
what each rule handed to each input, and walks from the output down to that
node.

The line of your code that built a node is known when the graph was built
inside ``with autonn.detect_anomaly():`` (recording it costs a stack walk per
node, so it is never done otherwise); elsewhere the report says how to get it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

from .backward import depends_on
from .graph import topological_order
from .lines import recorded_site
from .node import Node, inputs, op_of, reverse_accumulate, rule_args
from .ops import FLOAT_MATH
from .ops.absent import ABSENT

__all__ = ["diagnose", "Diagnosis", "Finding", "NO_SITE", "rule_turned_non_finite"]

#: What a finding says for the line of a node built outside ``detect_anomaly()``.
NO_SITE = "(line not recorded: build the graph inside `with autonn.detect_anomaly():` to see it)"

# Ops whose slope is never 0 in exact arithmetic, only once it underflows in float64.
_SATURATING = frozenset(["tanh", "sigmoid", "erf", "gelu", "silu", "softplus", "exp", "atan"])


class Finding(NamedTuple):
    """One input whose gradient is nan, inf or exactly 0, and why."""

    position: int  #: its position in ``wrt``
    name: str  #: its label, or ``wrt[i]``
    gradient: float  #: d root / d wrt[index]
    kind: str  #: "non-finite", "inactive", "branch not taken", "saturated", "zero factor", "cancelled", "no path"
    op: str  #: the op where it arose ("" for "no path" and "cancelled")
    site: str  #: the line of your code that built that node (or :data:`NO_SITE`)
    message: str  #: the whole explanation, one paragraph

    def __str__(self) -> str:
        return self.message


class Diagnosis(Tuple[Finding, ...]):
    """The findings of :func:`diagnose`, one per bad gradient; ``str()`` is the report."""

    def __str__(self) -> str:
        if not self:
            return "every gradient is finite and not 0"
        return "\n".join(f.message for f in self)


def _number(x: Any) -> float:
    return float(getattr(x, "data", x))


def _finite(x: float) -> bool:
    return x - x == 0.0


def _name(node: Any, fallback: str) -> str:
    return node.label or fallback


def rule_turned_non_finite(node: Any, k: int, received: float, given: float, site: str) -> str:
    """The sentence naming the rule that turned a finite gradient into inf or nan (also
    :func:`autonn.detect_anomaly`'s, so both say the same)."""
    op = op_of(node)
    assert op is not None
    x = inputs(node)[k]
    described = ", ".join([f"{a.label or type(a).__name__}={a.data!r}" for a in inputs(node)]
                          + [f"constant {c!r}" for c in node.constants])
    return (f"{op.name}({described}) = {node.data!r} received gradient {received!r} and its rule "
            f"({op.formula_for(k)}) gave {given!r} for input {k} ({x.label or type(x).__name__}={x.data!r}); "
            f"the node was built at {site}")


def _call_text(node: Any) -> str:
    """``relu(-1.5)``, ``mul(x=2.0, 0.0)``: the op with its input numbers."""
    parts = [f"{x.label}={x.data!r}" if x.label else repr(x.data) for x in inputs(node)]
    parts += [f"constant {c!r}" for c in node.constants]
    return f"{op_of(node).name}({', '.join(parts)})"  # type: ignore[union-attr]  # only op nodes


def _why_zero(node: Any, k: int, received: float) -> Tuple[str, str]:
    """``(kind, sentence)``: why the rule of ``node`` gave exactly 0 (or nothing) to input ``k``."""
    op = op_of(node)
    assert op is not None
    name = op.name
    xs = [x.data for x in inputs(node)]
    if name == "where":
        if k == 0:
            return "inactive", "a where's condition has slope 0 (a choice has no gradient)"
        taken = "the first" if xs[0] != 0.0 else "the second"
        return "branch not taken", f"the where took {taken} branch (condition {xs[0]!r}), so this one gets nothing"
    if name in ("step", "sign") or (name in ("gt", "ge", "lt", "le", "eq", "ne")):
        return "inactive", f"{name} is flat on both sides of its jump (slope 0 at {xs[k]!r})"
    if name == "relu" or (name in ("leaky_relu", "elu") and k == 1):
        return "inactive", f"the {name} was inactive: its input {xs[0]!r} is <= 0, where its slope is 0"
    if name in ("maximum", "minimum"):
        return "inactive", f"the {name} chose the other input ({xs[1 - k]!r} against {xs[k]!r})"
    if name == "clamp":
        side = "inside [lo, hi]" if k else "outside [lo, hi]"
        return "inactive", f"the clamp's input {xs[0]!r} lies {side} (lo = {xs[1]!r}, hi = {xs[2]!r})"
    if op.piecewise:
        return "inactive", f"{name} does not select this input here (slope 0: {op.formula_for(k)})"
    if name in _SATURATING and all(_finite(x) for x in xs):
        return "saturated", (f"at {xs[0]!r} its slope ({op.formula_for(k)}) underflows to 0 in float64 "
                             f"(the {name} is saturated)")
    if name == "mul" and xs[1 - k] == 0.0:
        return "zero factor", "it is multiplied by the other factor, which is 0"
    return "zero factor", f"its rule ({op.formula_for(k)}) gives 0 here, with gradient {received!r} arriving"


class _Pass:
    """One reverse pass that keeps, for every node, what its rule handed to each input."""

    def __init__(self, root: Any, wanted: Sequence[Any]) -> None:
        self.order = topological_order(root)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.relevant: Set[Any] = depends_on(self.order, wanted)
        self.grads: Dict[Any, Any] = reverse_accumulate(self.order, {root: 1.0}, FLOAT_MATH, self.relevant)
        self._handed: Dict[Any, Tuple[float, Tuple[Any, ...]]] = {}

    def handed(self, node: Any) -> Tuple[float, Tuple[Any, ...]]:
        """``(received, contributions)``: the gradient ``node`` received and its rule's output."""
        known = self._handed.get(node)
        if known is not None:
            return known
        g = self.grads.get(node)
        op = op_of(node)
        if g is None or g is ABSENT:
            known = (0.0, ())
        elif op is None:
            known = (_number(g), ())
        else:
            known = (_number(g), op.pullback(g, node.data, rule_args(node), FLOAT_MATH))
        self._handed[node] = known
        return known

    def below(self, target: Any) -> List[Any]:
        """The op nodes that depend on ``target`` (it included), from the output down."""
        reach = depends_on(self.order, [target])
        return [n for n in reversed(self.order) if n in reach and op_of(n) is not None]


def _origin_of_non_finite(p: _Pass, target: Any) -> Optional[Tuple[Any, int, float, float]]:
    """The first node, from the output down, whose rule turned a finite gradient into inf or nan
    for an input on a path to ``target``: ``(node, input, received, given)``."""
    reach = depends_on(p.order, [target])
    for node in p.below(target):
        received, local = p.handed(node)
        if not _finite(received):
            if node is p.order[-1]:
                return node, -1, received, received  # the seed itself
            continue
        for k, (x, d) in enumerate(zip(inputs(node), local)):
            if x in reach and d is not ABSENT and not _finite(_number(d)):
                return node, k, received, _number(d)
    return None


def _origins_of_zero(p: _Pass, target: Any) -> List[Tuple[Any, int, float]]:
    """Every node that received a gradient other than 0 and gave 0 (or nothing) to every one of
    its inputs on a path to ``target``: ``(node, input, received)``, from the output down."""
    reach = depends_on(p.order, [target])
    found = []
    for node in p.below(target):
        received, local = p.handed(node)
        if received == 0.0 or not local:
            continue
        on_path = [(k, d) for k, (x, d) in enumerate(zip(inputs(node), local)) if x in reach]
        if on_path and all(d is ABSENT or _number(d) == 0.0 for _, d in on_path):
            # (a where's condition never gets a gradient: name the branch, which says more)
            k = on_path[-1][0] if op_of(node).name == "where" else on_path[0][0]  # type: ignore[union-attr]
            found.append((node, k, received))
    return found


def diagnose(root: Any, wrt: Union[Any, Sequence[Any]], sites: Optional[Callable[[Any], Optional[str]]] = None
             ) -> Diagnosis:
    """For each node of ``wrt`` whose gradient d root / d node is nan, inf or exactly 0: why.

    Each :class:`Finding` names the reason (``kind``), the op where it arose
    and the line of your code that built that node (recorded inside
    ``detect_anomaly()``); ``str()`` of the result is the report, one
    paragraph per bad gradient.  An empty result means every gradient is
    finite and not 0.  ``sites`` maps a node to its line (``detect_anomaly``
    passes its own); by default the lines recorded by any active block are used.
    """
    wanted = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    where = sites or recorded_site
    if not isinstance(root, Node):
        raise TypeError(f"diagnose: root must be a Value, got {type(root).__name__}")
    for i, w in enumerate(wanted):
        if not isinstance(w, Node):
            raise TypeError(f"diagnose: wrt[{i}] must be a Value, got {type(w).__name__}: {w!r}")
    p = _Pass(root, wanted)
    findings = []
    for i, w in enumerate(wanted):
        name = _name(w, f"wrt[{i}]")
        g = p.grads.get(w)
        value = 0.0 if g is None or g is ABSENT else _number(g)
        if w not in p.index:
            findings.append(Finding(i, name, 0.0, "no path", "", "",
                                    f"{name}: gradient 0 - there is no path from it to the output: "
                                    "the output does not depend on it at all"))
            continue
        if not _finite(value):
            findings.append(_non_finite(p, w, i, name, value, where))
        elif value == 0.0 and w is not root:
            findings.append(_zero(p, w, i, name, where))
    return Diagnosis(findings)


def _site(where: Callable[[Any], Optional[str]], node: Any) -> str:
    return where(node) or NO_SITE


def _non_finite(p: _Pass, w: Any, i: int, name: str, value: float, where: Callable[[Any], Optional[str]]) -> Finding:
    origin = _origin_of_non_finite(p, w)
    if origin is None:  # a hook replaced a gradient
        return Finding(i, name, value, "non-finite", "", "",
                       f"{name}: gradient {value!r} - it came from a gradient hook, not from a rule")
    node, k, received, given = origin
    site = _site(where, node)
    op = op_of(node).name  # type: ignore[union-attr]  # below() lists op nodes only
    if k < 0:
        text = f"{name}: gradient {value!r} - the gradient passed to backward was {received!r}"
    else:
        text = f"{name}: gradient {value!r} - " + rule_turned_non_finite(node, k, received, given, site)
    return Finding(i, name, value, "non-finite", op, site, text)


def _zero(p: _Pass, w: Any, i: int, name: str, where: Callable[[Any], Optional[str]]) -> Finding:
    origins = _origins_of_zero(p, w)
    if not origins:
        return Finding(i, name, 0.0, "cancelled", "", "",
                       f"{name}: gradient 0 - the gradients along its paths to the output add up to exactly 0")
    node, k, received = origins[0]
    kind, why = _why_zero(node, k, received)
    site = _site(where, node)
    more = f" ({len(origins) - 1} more such place(s) on other paths)" if len(origins) > 1 else ""
    text = f"{name}: gradient 0 - the gradient stops at {_call_text(node)}, built at {site}: {why}{more}"
    return Finding(i, name, 0.0, kind, op_of(node).name, site, text)  # type: ignore[union-attr]
