"""An exercise, and the grading that names the first wrong step and the slip behind it.

Grading goes down from the output, in the order backpropagation finishes the
nodes, to the first answer that is wrong.  The slip is found by recomputing
that node's gradient under each wrong rule of :mod:`~autonn.practice.slips`:
once with the right gradients above it (one slip at this step) and once with
the slip followed everywhere (a rule the learner holds throughout).  The
first rule that gives the learner's number is named.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..backward import local_gradients
from ..explain import _Names, ledger, value_line
from ..graph import consumers, parents, topological_order
from ..node import op_of
from ..value import Value
from .slips import MISCONCEPTIONS, edge_share, flips_sign, walk

__all__ = ["Exercise", "Result", "close_enough"]

#: Answers are read as a learner writes them: to about two decimals.
ABS_TOLERANCE = 6e-3
REL_TOLERANCE = 2e-3


def close_enough(answer: float, right: float) -> bool:
    """Whether ``answer`` is ``right`` as far as a learner's rounding to two decimals goes."""
    return abs(answer - right) <= ABS_TOLERANCE + REL_TOLERANCE * abs(right)


@dataclass(frozen=True)
class Result:
    """The grade of one set of answers.

    ``correct``: every asked gradient right.  ``first_wrong``: the label of
    the wrong answer nearest the output (None when all are right).
    ``misconception``: a key of :data:`~autonn.practice.MISCONCEPTIONS` (None
    when all are right).  ``explanation``: what went wrong, in words, and the
    ledger lines that show the right number.  ``expected``: every asked
    label's right gradient.
    """

    correct: bool
    first_wrong: Optional[str]
    misconception: Optional[str]
    explanation: str
    expected: Dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.explanation


class Exercise:
    """One exercise: a graph, the question about it, and :meth:`grade` for the answers.

    Made by :func:`autonn.practice.exercise`.  ``root`` is the output,
    ``asked`` the labels whose gradient ``d root / d label`` is asked, in the
    order backpropagation finishes them (from the output down), ``question``
    the text that asks.
    """

    def __init__(self, level: int, root: Value, asked: List[str], topic: str) -> None:
        self.level = level
        self.root = root
        self._order = topological_order(root)
        self._names = _Names(self._order, 4)
        by_label = {node.label: node for node in self._order if node.label}
        rank = {id(node): i for i, node in enumerate(self._order)}
        self._nodes = sorted((by_label[label] for label in asked), key=lambda node: -rank[id(node)])
        self.asked: List[str] = [node.label for node in self._nodes]
        self._right = walk(self._order, root)
        self.question = self._ask(topic)

    def _ask(self, topic: str) -> str:
        out = self.root.label
        steps = [f"  {value_line(node, self._names)}" for node in self._order]
        wanted = ", ".join(self.asked)
        return "\n".join([
            f"Level {self.level}: {topic}.",
            "The graph, from the inputs to the output:",
            *steps,
            f"Give d {out} / d v, the gradient backpropagation leaves in v.grad, for each v in: {wanted}.",
        ])

    def __str__(self) -> str:
        return self.question

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.question)}</pre>"

    def answer(self) -> Dict[str, float]:
        """The right answers, ``{label: gradient}`` (to check a result, or to plant a slip in a copy)."""
        return {node.label: self._right[id(node)] for node in self._nodes}

    def grade(self, answers: Mapping[str, float]) -> Result:
        """Grade ``answers`` (``{label: gradient}``, one for every label in :attr:`asked`)."""
        if not isinstance(answers, Mapping):
            raise TypeError(f"grade: answers must be a dict of label -> number, got {type(answers).__name__}")
        given = _checked(answers, self.asked)
        expected = self.answer()
        for node in self._nodes:
            if not close_enough(given[node.label], expected[node.label]):
                slip, wrong_use = self._held_throughout(given) or self._diagnose(node, given[node.label])
                text = self._explain(node, given[node.label], slip, wrong_use)
                return Result(False, node.label, slip, text, expected)
        return Result(True, None, None, f"All {len(self.asked)} gradients are right.", expected)

    def _uses(self, node: Any) -> List[Tuple[Any, int]]:
        return [(user, k) for user in consumers(self._order)[node] for k in _positions(user, node)]

    def _held_throughout(self, given: Dict[str, float]) -> Optional[Tuple[str, None]]:
        """The slip that, followed at every step, gives every one of the learner's numbers."""
        for slip in MISCONCEPTIONS:
            if slip == "other":
                break
            grads = walk(self._order, self.root, slip)
            if all(close_enough(given[node.label], grads[id(node)]) for node in self._nodes):
                return slip, None
        return None

    def _diagnose(self, node: Any, answer: float) -> Tuple[str, Optional[Tuple[Any, int]]]:
        """The first slip that gives ``answer`` for ``node``, and the use it went wrong on (if one)."""
        right = self._right[id(node)]
        uses = self._uses(node)
        for slip in MISCONCEPTIONS:
            if slip == "other":
                break
            for value, use in self._candidates(slip, node, uses):
                if close_enough(answer, value) and not close_enough(value, right):
                    return slip, use
        return "other", None

    def _candidates(self, slip: str, node: Any, uses: List[Tuple[Any, int]]) -> List[Tuple[float, Optional[Tuple[Any, int]]]]:
        """The numbers ``slip`` gives for ``node``: at this step alone, then followed everywhere."""
        shares = []
        for user, k in uses:
            g = self._right[id(user)]
            slopes = local_gradients(user, 1.0)
            shares.append((edge_share(None, user, k, g, slopes), edge_share(slip, user, k, g, slopes)))
        found: List[Tuple[float, Optional[Tuple[Any, int]]]] = []
        if slip == "accumulation" and len(uses) > 1:
            found += [(good, use) for (good, _), use in zip(shares, uses)]
        elif slip not in ("accumulation", "order"):
            total = sum(good for good, _ in shares)
            for (good, bad), use in zip(shares, uses):
                found.append((total - good + bad, use))   # the slip on one use
            found.append((sum(bad for _, bad in shares), None))  # on every use
        found.append((walk(self._order, self.root, slip)[id(node)], None))
        return found

    def _explain(self, node: Any, answer: float, slip: str, use: Optional[Tuple[Any, int]]) -> str:
        me, out = self._names(node), self._names(self.root)
        right = self._right[id(node)]
        lines = [f"First wrong: grad({me}). You gave {_num(answer)}; d {out} / d {me} is {_num(right)}.",
                 self._why(node, answer, slip, use), f"(Misconception: {slip} - {MISCONCEPTIONS[slip]}.)", "",
                 "The ledger line that shows it:"]
        lines += ["  " + line for line in _ledger_block(ledger(self.root, node, max_nodes=None), me)]
        return "\n".join(lines)

    def _why(self, node: Any, answer: float, slip: str, use: Optional[Tuple[Any, int]]) -> str:
        me = self._names(node)
        uses = self._uses(node)
        if slip == "accumulation":
            which = self._names(use[0]) if use else "one of them"
            return (f"{me} is used {len(uses)} times: its gradient is the sum of what every use sends back "
                    f"(you gave only what {which} sends).")
        if slip == "sign":
            user, k = use or next(((u, k) for u, k in uses if flips_sign(u, k)), uses[0])
            op = op_of(user)
            return (f"{op.name if op else 'this op'} sends a negative share to its second input "
                    f"(d(a - b)/db = -1, d(a / b)/db = -a/b**2): {self._names(user)} sends "
                    f"{_num(local_gradients(user, 1.0)[k])} x grad({self._names(user)}) to {me}. "
                    "You dropped the minus sign.")
        if slip == "local-derivative":
            user, k = use or next(((u, k) for u, k in uses if len(parents(u)) == 2), uses[0])
            slopes = local_gradients(user, 1.0)
            u = self._names(user)
            return (f"You multiplied by the local derivative of the wrong input: in {u}, "
                    f"d({u})/d({me}) = {_num(slopes[k])}, but you used "
                    f"d({u})/d({self._names(parents(user)[1 - k])}) = {_num(slopes[1 - k])}, the other input's.")
        if slip == "chain":
            user = use[0] if use else uses[0][0]
            return (f"You gave the local derivative alone: multiply it by the gradient arriving from above, "
                    f"grad({self._names(user)}) = {_num(self._right[id(user)])}.")
        if slip == "order":
            early = next((u for u, _ in uses if len(self._uses(u)) > 1), uses[0][0])
            e = self._names(early)
            return (f"You handed grad({e}) on to {me} before it was complete: {e} is used "
                    f"{len(self._uses(early))} times, and passes its gradient to its inputs only after every use "
                    "has added its share. Go through the nodes in reverse topological order.")
        return f"None of the usual slips gives {_num(answer)}: check the arithmetic against the ledger."


def _positions(user: Any, node: Any) -> List[int]:
    return [k for k, x in enumerate(parents(user)) if x is node]


def _num(x: float) -> str:
    return f"{x:.4g}"


def _ledger_block(text: str, name: str) -> List[str]:
    """The lines of ``text`` (a ledger) about the node called ``name``: its value, then how its gradient forms."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name} = "))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def _checked(answers: Mapping[str, Any], asked: List[str]) -> Dict[str, float]:
    """``answers`` as floats, refusing a missing, an unknown or a non-number answer."""
    missing = [label for label in asked if label not in answers]
    if missing:
        raise ValueError(f"grade: answers has no gradient for {', '.join(missing)}; expected one for each of {', '.join(asked)}")
    unknown = [str(label) for label in answers if label not in asked]
    if unknown:
        raise ValueError(f"grade: answers names {', '.join(unknown)}, which was not asked; the labels are {', '.join(asked)}")
    given = {}
    for label in asked:
        x = answers[label]
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
            raise TypeError(f"grade: the answer for {label} must be a finite number, got {x!r}")
        given[label] = float(x)
    return given
