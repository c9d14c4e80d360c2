"""``Expression``: a small scalar expression graph that autonn can evaluate and a person can read.

An expression is a list of inputs ``x0, x1, ...`` (with their numbers) and a
list of steps in order; each step applies one op of :data:`autonn.OPS` to
earlier inputs or steps (so a step can be used more than once: a shared
subexpression) and its constant numbers.  The last step is the output.

This is what :func:`autonn.testing.expressions` draws and what
:func:`autonn.testing.check_engine` runs through two engines; it is plain
data, so it prints, compares and shrinks well.
"""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

from ..ops import OPS, Op
from ..value import Value, apply

__all__ = ["Expression", "Step"]

# Precedence of what a text is, for parentheses: higher binds tighter.
_ATOM, _POWER, _NEGATION, _PRODUCT, _SUM = 5, 4, 3, 2, 1
_SYMBOL_PRECEDENCE = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}


class Step(NamedTuple):
    """One op applied to earlier inputs or steps (``args`` index inputs first, then steps)."""

    op: str
    args: Tuple[int, ...]
    consts: Tuple[float, ...] = ()


def _number_text(x: float) -> str:
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _wrap(text: str, precedence: int, needed: int) -> str:
    return text if precedence >= needed else f"({text})"


def _step_text(op: Op, parts: List[Tuple[str, int]], consts: Sequence[float]) -> Tuple[str, int]:
    """The text of one step from its operands' texts (and their precedences)."""
    if op.symbol and op.arity == 1 and not op.consts:  # unary minus; -(-x), never --x
        return "-" + _wrap(parts[0][0], parts[0][1], _NEGATION + 1), _NEGATION
    if op.symbol and op.arity == 1 and op.consts == 1:  # x ** k
        return f"{_wrap(parts[0][0], parts[0][1], _POWER + 1)} {op.symbol} {_number_text(consts[0])}", _POWER
    if op.symbol and op.arity == 2:
        prec = _SYMBOL_PRECEDENCE.get(op.symbol, _SUM)
        right_assoc = op.symbol == "**"
        left = _wrap(parts[0][0], parts[0][1], prec + 1 if right_assoc else prec)
        right = _wrap(parts[1][0], parts[1][1], prec if right_assoc else prec + 1)
        return f"{left} {op.symbol} {right}", prec
    args = [text for text, _ in parts] + [repr(float(c)) for c in consts]
    return f"{op.name}({', '.join(args)})", _ATOM


def _shifted(index: int, offset: Tuple[int, int, int]) -> int:
    """A fragment's local index moved to where the fragment is copied: inputs to
    ``input_base + i``, steps to ``step_base + j`` (after all the tree's inputs)."""
    input_base, step_base, n_inputs = offset
    return input_base + index if index < n_inputs else step_base + index - n_inputs


class Expression:
    """Inputs ``x0, x1, ...`` with numbers, and steps applying ops of :data:`autonn.OPS` in order.

    ``expr(*values)`` builds it with autonn (Values or numbers in, a Value
    out), so it can be handed to :func:`autonn.gradcheck` or
    :func:`autonn.testing.assert_grads_close` with ``expr.values``;
    ``str(expr)`` is the expression written out (the parser of ``autonn
    draw`` reads it back); :meth:`program` lists it step by step, showing
    which subexpressions are shared.
    """

    __slots__ = ("values", "steps")

    def __init__(self, values: Sequence[float], steps: Sequence[Step]) -> None:
        self.values: Tuple[float, ...] = tuple(float(v) for v in values)
        self.steps = tuple(Step(s.op, tuple(s.args), tuple(float(c) for c in s.consts)) for s in steps)
        if not self.steps:
            raise ValueError("Expression: needs at least one step (an op applied to the inputs)")
        for k, s in enumerate(self.steps):
            if s.op not in OPS:
                raise ValueError(f"Expression: step {k} uses {s.op!r}, which is not an op of autonn.OPS")
            if any(not 0 <= a < len(self.values) + k for a in s.args):
                raise ValueError(f"Expression: step {k} refers to {s.args}; only inputs and earlier steps "
                                 f"(0..{len(self.values) + k - 1}) may be used")

    # -- reading -----------------------------------------------------------------
    @property
    def names(self) -> Tuple[str, ...]:
        """The input names, ``x0, x1, ...``."""
        return tuple(f"x{i}" for i in range(len(self.values)))

    @property
    def ops(self) -> Tuple[str, ...]:
        """The ops used, each once, in order of first use."""
        return tuple(dict.fromkeys(s.op for s in self.steps))

    def uses(self) -> List[int]:
        """How many times each input and each step is used as an argument."""
        counts = [0] * (len(self.values) + len(self.steps))
        for s in self.steps:
            for a in s.args:
                counts[a] += 1
        return counts

    def texts(self) -> List[str]:
        """The text of every input and step, each written out in full."""
        parts: List[Tuple[str, int]] = [(name, _ATOM) for name in self.names]
        for s in self.steps:
            parts.append(_step_text(OPS[s.op], [parts[a] for a in s.args], s.consts))
        return [text for text, _ in parts]

    def __str__(self) -> str:
        return self.texts()[-1]

    def __repr__(self) -> str:
        at = ", ".join(f"{n}={v!r}" for n, v in zip(self.names, self.values))
        return f"Expression({str(self)!r}, {at})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Expression) and (self.values, self.steps) == (other.values, other.steps)

    def __hash__(self) -> int:
        return hash((self.values, self.steps))

    def __len__(self) -> int:
        return len(self.steps)

    def program(self) -> str:
        """One line per step (``t0 = x0 * x1``), so a shared subexpression appears once, by its name."""
        n = len(self.values)
        names = list(self.names) + [f"t{k}" for k in range(len(self.steps))]
        lines = [", ".join(f"{name} = {v!r}" for name, v in zip(self.names, self.values))]
        for k, s in enumerate(self.steps):
            text, _ = _step_text(OPS[s.op], [(names[a], _ATOM) for a in s.args], s.consts)
            lines.append(f"{names[n + k]} = {text}")
        return "\n".join(lines)

    # -- evaluating with autonn -------------------------------------------------
    def __call__(self, *xs: Any) -> Value:
        if len(xs) != len(self.values):
            raise TypeError(f"Expression: takes {len(self.values)} input(s) ({', '.join(self.names)}), "
                            f"got {len(xs)}")
        nodes = list(xs)
        for s in self.steps:
            nodes.append(apply(OPS[s.op], *[nodes[a] for a in s.args], *s.consts))
        out: Value = nodes[-1]
        return out

    def build(self) -> Tuple[Value, List[Value]]:
        """The output Value and the input leaves (labelled ``x0, x1, ...``), at :attr:`values`."""
        leaves = [Value(v, name) for v, name in zip(self.values, self.names)]
        return self(*leaves), leaves

    # -- smaller and untied versions (used to shrink and diagnose) --------------
    def subexpression(self, k: int) -> "Expression":
        """The expression whose output is step ``k``: only what it needs, inputs renumbered."""
        n = len(self.values)
        needed = [False] * (n + k + 1)
        needed[n + k] = True
        for j in range(n + k, n - 1, -1):  # steps only refer backwards, so one sweep marks all
            if needed[j]:
                for a in self.steps[j - n].args:
                    needed[a] = True
        new_index = {}
        values: List[float] = []
        for i in range(n):
            if needed[i]:
                new_index[i] = len(values)
                values.append(self.values[i])
        steps: List[Step] = []
        for j in range(n, n + k + 1):
            if needed[j]:
                s = self.steps[j - n]
                new_index[j] = len(values) + len(steps)
                steps.append(Step(s.op, tuple(new_index[a] for a in s.args), s.consts))
        return Expression(values, steps)

    def bypassed(self, k: int, position: int) -> "Expression":
        """Step ``k`` removed, its uses taking its argument number ``position`` instead (a smaller graph)."""
        n = len(self.values)
        if not 0 <= k < len(self.steps) - 1:
            raise ValueError(f"Expression.bypassed: step {k} is the output or does not exist")
        replacement = self.steps[k].args[position]

        def moved(a: int) -> int:
            if a == n + k:
                return replacement
            return a - 1 if a > n + k else a

        steps = [s if j < k else Step(s.op, tuple(moved(a) for a in s.args), s.consts)
                 for j, s in enumerate(self.steps) if j != k]
        return Expression(self.values, steps).subexpression(len(steps) - 1)

    def with_values(self, values: Sequence[float]) -> "Expression":
        """The same steps at other input numbers."""
        if len(values) != len(self.values):
            raise ValueError(f"Expression.with_values: expected {len(self.values)} numbers, got {len(values)}")
        return Expression(values, self.steps)

    def untied(self, limit: int = 200) -> Optional[Tuple["Expression", List[int]]]:
        """Every use of an input or step given its own copy (the graph as a tree).

        Returns the tree and, for each of its inputs, the input it copies (so
        a gradient of the original input is the sum over its copies); ``None``
        if the tree would have more than ``limit`` steps.
        """
        n = len(self.values)
        # A fragment: (inputs it copies, its steps with arguments local to the fragment).
        fragments: List[Tuple[List[int], List[Step]]] = [([i], []) for i in range(n)]
        for s in self.steps:
            origins: List[int] = []
            pieces = []
            for a in s.args:
                pieces.append(fragments[a])
                origins.extend(fragments[a][0])
            steps: List[Step] = []
            roots = []
            input_base = 0
            for piece_inputs, piece_steps in pieces:
                offset = (input_base, len(origins) + len(steps), len(piece_inputs))
                for ps in piece_steps:
                    steps.append(Step(ps.op, tuple(_shifted(a, offset) for a in ps.args), ps.consts))
                last = len(piece_inputs) + len(piece_steps) - 1
                roots.append(_shifted(last, offset))
                input_base += len(piece_inputs)
            steps.append(Step(s.op, tuple(roots), s.consts))
            if len(steps) > limit:
                return None
            fragments.append((origins, steps))
        origins, steps = fragments[-1]
        return Expression([self.values[i] for i in origins], steps), origins
