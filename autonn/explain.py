"""The chain-rule ledger: how every gradient on the way from ``x`` to the output is formed.

Backpropagation gives each node the gradient

    grad(v) = sum over every use c of v:  grad(c) * d c / d v

where ``d c / d v`` is the local derivative of ``c``'s op, taken from its rule
in :mod:`autonn.ops` at the current values.  :func:`ledger` writes that sum out
for each node on the paths from ``wrt`` to ``root``, from the output down, with
the rule's formula and the numbers - the same arithmetic ``backward`` does,
term by term::

    >>> w, x = Value(3.0, "w"), Value(2.0, "x")
    >>> y = w * x
    >>> y.label = "y"
    >>> explain(y, wrt=w)      # prints the ledger

Nodes without a label are called ``n<i>``, ``i`` being their position in
:func:`autonn.graph.topological_order` - the same ids as in the DOT text of
:func:`autonn.to_dot`; a label that several nodes share gets that id added
(``L0.N0(n12)``).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple, Union

from .arguments import whole_number
from .backward import reverse_pass
from .graph import parents, topological_order
from .node import op_of
from .ops import Op
from .value import Constant, Value
from .viz.local import local_derivatives, rule_formula
from .viz.style import format_number

__all__ = ["ledger", "explain", "path_nodes", "value_line", "use_line"]


def path_nodes(order: Sequence[Any], wrt: Sequence[Any]) -> List[Any]:
    """The nodes of ``order`` that depend on one of ``wrt`` (``wrt`` included), in order."""
    targets = set(map(id, wrt))
    on_path = set()
    result = []
    for node in order:
        if id(node) in targets or any(id(p) in on_path for p in parents(node)):
            on_path.add(id(node))
            result.append(node)
    return result


class _Names:
    """Printable names: the label, else ``n<i>``; constants print as their number."""

    def __init__(self, order: Sequence[Any], precision: int) -> None:
        self.index = {id(node): i for i, node in enumerate(order)}
        self.precision = precision
        seen: Dict[str, int] = {}
        for node in order:
            if node.label:
                seen[node.label] = seen.get(node.label, 0) + 1
        # A label shared by several nodes (a neuron's output for every sample)
        # gets the node's id added, so each line names one node.
        self.shared = {label for label, count in seen.items() if count > 1}

    def __call__(self, node: Any) -> str:
        if isinstance(node, Constant) and not node.label:
            return format_number(node.data, self.precision, compact=True)
        i = self.index[id(node)]
        if not node.label:
            return f"n{i}"
        return f"{node.label}(n{i})" if node.label in self.shared else node.label

    def number(self, x: float) -> str:
        return format_number(x, self.precision)


def _expression(node: Any, name: _Names, numbers: bool) -> str:
    """``node``'s op applied to its inputs, by name or by value."""
    show: Callable[[Any], str] = (lambda v: name.number(v.data)) if numbers else name
    op: Op = op_of(node)  # type: ignore[assignment]  # an op made every node explained
    args = [show(x) for x in parents(node)] + [format_number(c, name.precision, compact=True) for c in node.constants]
    if op.symbol and len(args) == 2:
        return f"{args[0]} {op.symbol} {args[1]}"
    if op.symbol and len(args) == 1:
        return f"{op.symbol}{args[0]}"
    if len(args) > 5:  # long sums: the first few, the last, and the count
        return f"{op.name}({', '.join(args[:3] + ['...', args[-1]])}) [{len(args)} terms]"
    return f"{op.name}({', '.join(args)})"


def _rule(user: Any, k: int, name: _Names) -> str:
    """The rule's formula for input ``k`` of ``user``, with its letters bound to names."""
    op: Op = op_of(user)  # type: ignore[assignment]  # an op made every user of a node
    ins = parents(user)
    if op.arity is None:
        binding = f"a_{k + 1} = {name(ins[k])}"
    else:
        letters = ["a", "b", "c", "d"] if len(ins) <= 2 else [f"x{i + 1}" for i in range(len(ins))]
        binding = ", ".join(f"{letter} = {name(x)}" for letter, x in zip(letters, ins))
        if user.constants and op.form is None:  # else the formula has the constants in it already
            for c in user.constants:
                binding += f", k = {format_number(c, name.precision, compact=True)}"
    return f"{op.name}: {rule_formula(user, k)}; {binding}"


def value_line(node: Any, name: _Names) -> str:
    """How ``node`` got its number: ``y = w * x = 3 * 2 = 6``, or ``w = 3  (leaf)``."""
    value = name.number(node.data)
    if node.is_leaf:
        kind = "constant" if isinstance(node, Constant) else "leaf"
        return f"{name(node)} = {value}  ({kind})"
    expr, nums = _expression(node, name, numbers=False), _expression(node, name, numbers=True)
    return f"{name(node)} = {expr} = {nums} = {value}"


def use_line(node: Any, user: Any, k: int, name: _Names, sign: str = "=") -> str:
    """The chain rule for one use: ``grad(x) = grad(u) x d(u)/d(x)   [the rule, its letters bound]``.

    ``sign="+="`` writes one of several uses, added to what ``x`` already has.
    """
    me, u = name(node), name(user)
    return f"grad({me}) {sign} grad({u}) x d({u})/d({me})   [{_rule(user, k, name)}]"



MAX_PRECISION = 17  # digits after the point; a float has no more to show


def ledger(root: Value, wrt: Union[Value, Sequence[Value], None] = None, *, precision: int = 4, max_terms: int = 8, max_nodes: Optional[int] = 60) -> str:
    """The chain-rule ledger of ``d root / d wrt`` as text (see :func:`explain`).

    ``wrt`` is a Value, a list of Values, or None for every leaf.  Nodes are
    listed from the output down to ``wrt``; for each, its gradient is written
    as the sum over its uses of ``grad(use) × local derivative``, with the
    rule's formula.  A node with more than ``max_terms`` uses shows the first
    few and the sum of the rest.  At most ``max_nodes`` nodes are written out
    (the ones nearest the output), then a line says how many more there are;
    ``max_nodes=None`` writes them all.
    """
    if not isinstance(root, Value):
        raise TypeError(f"ledger: root must be a Value, got {type(root).__name__}")
    if wrt is None:
        order = topological_order(root)
        wanted = [n for n in order if n.is_leaf and not isinstance(n, Constant)]
    else:
        try:
            wanted = [wrt] if isinstance(wrt, Value) else list(wrt)
        except TypeError:
            raise TypeError(f"ledger: wrt must be a Value, a list of Values or None, got {type(wrt).__name__}") from None
        if not wanted:
            raise ValueError("ledger: wrt is an empty list; give the Values to differentiate with respect to, or None for every leaf")
        for i, w in enumerate(wanted):
            if not isinstance(w, Value):
                raise TypeError(f"ledger: wrt[{i}] is a {type(w).__name__}, expected a Value")
        order = topological_order(root)
    max_terms = whole_number(max_terms, "max_terms", "ledger", least=2)
    precision = whole_number(precision, "precision", "ledger", most=MAX_PRECISION)
    if max_nodes is not None:
        max_nodes = whole_number(max_nodes, "max_nodes", "ledger", least=1)
    name = _Names(order, precision)
    in_graph = set(map(id, order))
    missing = [w for w in wanted if id(w) not in in_graph]
    if missing:
        listed = ", ".join(repr(w) for w in missing[:3])
        raise ValueError(f"ledger: {listed} is not part of the graph of {name(root)}, so d {name(root)} / d it is 0")

    nodes = path_nodes(order, wanted)
    on_path = set(map(id, nodes))
    grads = reverse_pass(order, root, 1.0)
    users: Dict[int, List[Any]] = {}
    for node in nodes:
        for k, p in enumerate(parents(node)):
            if id(p) in on_path:
                users.setdefault(id(p), []).append((node, k))

    out = name(root)
    targets = ", ".join(name(w) for w in wanted)
    lines = [
        f"Chain-rule ledger: d {out} / d {targets}",
        "Each gradient is the sum, over the nodes that use a value, of",
        "(that node's gradient) x (the local derivative of its op, from the rule table).",
        "",
    ]
    slopes_cache: Dict[int, Tuple[Any, ...]] = {}
    shown_nodes = list(reversed(nodes))
    hidden = 0
    if max_nodes is not None and len(shown_nodes) > max_nodes:
        hidden = len(shown_nodes) - max_nodes
        shown_nodes = shown_nodes[:max_nodes]
    for node in shown_nodes:
        me = name(node)
        lines.append(value_line(node, name))
        g = grads.get(node, 0.0)
        if node is root:
            lines.append(f"  grad({me}) = 1  (the output: d {me} / d {me})")
            lines.append("")
            continue
        uses = users.get(id(node), [])
        terms = []
        for user, k in uses:
            slopes = slopes_cache.get(id(user))
            if slopes is None:
                slopes = slopes_cache[id(user)] = local_derivatives(user)
            terms.append((grads.get(user, 0.0), slopes[k]))
        if len(uses) == 1:
            (user, k), (gu, slope) = uses[0], terms[0]
            lines.append("  " + use_line(node, user, k, name))
            lines.append(f"      = {name.number(gu)} x {name.number(slope)} = {name.number(g)}")
            lines.append("")
            continue
        lines.append(f"  grad({me}) = sum over its {len(uses)} uses u of grad(u) x du/d({me}):")
        shown = len(uses) if len(uses) <= max_terms else max_terms - 1
        for (user, k), (gu, slope) in zip(uses[:shown], terms[:shown]):
            lines.append(
                f"    u = {name(user)} = {_expression(user, name, numbers=False)}   [{_rule(user, k, name)}]"
            )
            lines.append(f"        {name.number(gu)} x {name.number(slope)} = {name.number(gu * slope)}")
        products = [gu * slope for gu, slope in terms]
        if len(uses) > shown:
            rest = sum(products[shown:])
            lines.append(f"    ... and {len(uses) - shown} more uses, adding up to {name.number(rest)}")
            total = " + ".join(name.number(t) for t in products[:shown]) + f" + {name.number(rest)}"
        else:
            total = " + ".join(name.number(t) for t in products)
        lines.append(f"  grad({me}) = {total} = {name.number(g)}")
        lines.append("")
    if hidden:
        lines.append(f"... and {hidden:,} more nodes further from the output "
                     f"(max_nodes={max_nodes}; pass max_nodes=None to write them all)")
    return "\n".join(lines).rstrip("\n") + "\n"


def explain(root: Value, wrt: Union[Value, Sequence[Value], None] = None, *, precision: int = 4, max_terms: int = 8, max_nodes: Optional[int] = 60,
            file: Optional[TextIO] = None) -> None:
    """Print the chain-rule ledger of ``d root / d wrt`` (see :func:`ledger` for the text).

    For each node on the paths from ``wrt`` to ``root`` it prints how the node
    was computed and how its gradient is formed: the sum over the nodes that
    use it of (their gradient) × (the local derivative, with the rule's
    formula from :mod:`autonn.ops`), with the numbers.
    """
    print(ledger(root, wrt, precision=precision, max_terms=max_terms, max_nodes=max_nodes), end="",
          file=file or sys.stdout)
