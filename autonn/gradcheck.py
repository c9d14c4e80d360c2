"""``gradcheck``: is autograd's gradient right?  Decided with no step size to tune, in float64.

Public because users call it in their own tests::

    from autonn import gradcheck
    assert gradcheck(lambda w, x: (w * x).tanh(), [0.3, -1.2])

For each input the function is moved along that input alone, over a ladder
of steps halving from the size of the number down to where rounding hides
the change, and the Taylor remainder ``f(x + h) - f(x - h) - 2 h g`` is
watched as the step shrinks (see :mod:`autonn.remainder`): it shrinks like
``h**3`` when the gradient ``g`` is right and only like ``h`` when it is
wrong, whatever the scale of ``x``.  A step that would leave an op's domain
is not taken; near a domain edge the remainder is one-sided (``h**2``
against ``h``), and the report says so.

On a failure the message is a table (input, analytic, numeric, difference,
how it was decided), followed by the first node whose own rule disagrees
with its own op's differences (:mod:`autonn.blame`), with the line of your
code that built it.

Given ``eps=``, the check is the classic one: the central difference with
that step, compared with ``|analytic - numeric| <= atol + rtol * |numeric|``.
Given only ``atol=``/``rtol=``, the ladder decides and a mismatch within
that tolerance of its best difference quotient is accepted.
:func:`compare_gradients` is the one comparison both ``gradcheck`` and
``autonn.testing.assert_grads_close`` run (the latter adds a third column,
a gradient derived by hand).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .arguments import real_number
from .blame import first_wrong_node
from .functional import grad
from .graph import topological_order
from .guard import user_line
from .mode import no_grad, watching
from .remainder import Verdict, check_slope
from .value import Value

__all__ = ["gradcheck", "GradcheckError", "numeric_grad", "compare_gradients", "AUTO"]

_EPS = sys.float_info.epsilon


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of both."""


class _Auto:
    """The default of ``eps``, ``atol`` and ``rtol``: chosen by the check itself (none is needed)."""

    def __repr__(self) -> str:
        return "AUTO"


#: The default of ``eps``/``atol``/``rtol``: no step size and no tolerance; the remainder's order decides.
AUTO: Any = _Auto()
Tolerance = Union[float, _Auto]


def _call(f: Callable[..., Any], xs: Sequence[float], who: str = "gradcheck") -> Value:
    out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    return out


def numeric_grad(f: Callable[..., Any], xs: Sequence[float], eps: float = 1e-6, who: str = "gradcheck") -> List[float]:
    """Central-difference estimate of the gradient of ``f`` at ``xs`` (float64)."""
    result = []
    with no_grad():
        for i in range(len(xs)):
            up = list(xs)
            down = list(xs)
            up[i] += eps
            down[i] -= eps
            result.append((_call(f, up, who).data - _call(f, down, who).data) / (2.0 * eps))
    return result


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    # nan or inf anywhere is never close: a gradient check has nothing to compare there.
    return abs(a - b) <= atol + rtol * abs(b)


def _reference_grads(reference: Callable[..., Any], xs: List[float], who: str) -> List[float]:
    got: Any = reference(*xs)
    if isinstance(got, (int, float)) and not isinstance(got, bool) and len(xs) == 1:
        got = [got]
    try:
        result = [float(g) for g in got]  # pyright: ignore[reportGeneralTypeIssues]  # a non-iterable is refused below
    except TypeError:
        raise TypeError(f"{who}: reference must return one number per input (a list or tuple of "
                        f"{len(xs)}), got {type(got).__name__}: {got!r}") from None
    if len(result) != len(xs):
        raise ValueError(f"{who}: reference returned {len(result)} gradient(s) for {len(xs)} input(s)")
    return result


def _tolerance(value: Tolerance, what: str, who: str, default: float) -> float:
    return default if isinstance(value, _Auto) else real_number(value, what, who, least=0.0)


def _label(x: Any, i: int) -> str:
    return x.label if isinstance(x, Value) and x.label else f"x{i}"


def compare_gradients(f: Callable[..., Any], inputs: Sequence[Any], eps: Tolerance = AUTO, atol: Tolerance = AUTO,
                      rtol: Tolerance = AUTO, reference: Optional[Callable[..., Any]] = None, who: str = "gradcheck",
                      analytic_name: str = "analytic") -> Optional[str]:
    """Check autograd (and ``reference``) against ``f`` itself; ``None`` if all agree, else a report.

    ``reference(*numbers)`` returns the gradient as derived by hand, one
    number per input; it is checked the same way as autograd.  With ``eps``
    the check is the classic central difference (see the module's text).
    """
    inputs = list(inputs)  # a generator is read once
    classic = not isinstance(eps, _Auto)
    step = real_number(eps, "eps", who, positive=True) if classic else 0.0
    tolerant = classic or not (isinstance(atol, _Auto) and isinstance(rtol, _Auto))
    absolute = _tolerance(atol, "atol", who, 1e-5 if classic else 0.0)
    relative = _tolerance(rtol, "rtol", who, 1e-4 if classic else 0.0)
    if reference is not None and not callable(reference):
        raise TypeError(f"{who}: reference must be callable (numbers -> gradient), got {type(reference).__name__}")
    xs = [x.data if isinstance(x, Value) else float(Value(x).data) for x in inputs]
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    sites: Dict[Any, str] = {}
    if classic:
        out = f(*leaves)
    else:
        def record(node: Any, op: Any, ins: Any) -> None:
            sites[node] = user_line(3)

        with watching(record):
            out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    analytic = grad(out, leaves) if leaves else []
    columns = [(analytic_name, analytic)]
    if reference is not None:
        columns.append(("reference", _reference_grads(reference, xs, who)))
    if classic:
        return _classic(f, inputs, xs, columns, step, absolute, relative, who)
    order = topological_order(out)
    noise = _rounding(out, order)
    rows: List[Tuple[str, float, List[float], float, List[str], str]] = []
    failed: Optional[int] = None
    for i, x in enumerate(xs):
        along = _along(f, xs, i, who)
        verdicts = [check_slope(along, x, float(col[i]), noise) for _, col in columns]
        numeric = verdicts[0].numeric
        right = [v.ok or (tolerant and _close(col[i], numeric, absolute, relative))
                 for (_, col), v in zip(columns, verdicts)]
        # Named as before: the column that disagrees with autograd (numeric: autograd itself is wrong).
        disagree = (["numeric"] if not right[0] else []) + ["reference" for r in right[1:] if r != right[0]]
        if not right[0] and failed is None:
            failed = i
        notes = verdicts[0].note if len(columns) == 1 else \
            "; ".join(f"{name}: {v.note}" for (name, _), v in zip(columns, verdicts))
        rows.append((_label(inputs[i], i), x, [col[i] for _, col in columns], numeric, disagree, notes))
    if not any(row[4] for row in rows):
        return None
    return _report(who, columns, rows, tolerant, absolute, relative,
                   None if failed is None else first_wrong_node(order, leaves[failed], sites))


def _along(f: Callable[..., Any], xs: List[float], i: int, who: str) -> Callable[[float], float]:
    """``h -> f(xs with input i moved by h)``, evaluated without recording a graph."""
    def moved(h: float) -> float:
        probe = list(xs)
        probe[i] = xs[i] + h
        with no_grad():
            return float(_call(f, probe, who).data)

    return moved


def _rounding(out: Value, order: List[Any]) -> float:
    """How much rounding can move ``out``: each node's rounding, times how much ``out`` depends on it."""
    slopes = grad(out, order)
    total = 0.0
    for node, slope in zip(order, slopes):
        term = abs(float(slope) * node.data)
        if term - term == 0.0:
            total += term
    return 2.0 * _EPS * total


def _report(who: str, columns: List[Tuple[str, List[float]]],
            rows: List[Tuple[str, float, List[float], float, List[str], str]], tolerant: bool,
            atol: float, rtol: float, blame: Any) -> str:
    names = [name for name, _ in columns]
    header = (f"{'input':>8} {'at':>12} {names[0]:>16} {'numeric':>16} "
              + "".join(f"{name:>16} " for name in names[1:]) + f"{'difference':>12}")
    tolerance = f"; accepting atol={atol}, rtol={rtol}" if tolerant else ""
    lines = [f"{who} failed (each input decided by how the Taylor remainder shrinks over a ladder of steps"
             f"{tolerance}):",
             header]
    for label, x, values, numeric, wrong, _ in rows:
        mark = f"  <-- mismatch ({', '.join(wrong)})" if wrong else ""
        lines.append(f"{label:>8} {x:>12.6g} {values[0]:>16.9g} {numeric:>16.9g} "
                     + "".join(f"{v:>16.9g} " for v in values[1:])
                     + f"{max(abs(values[0] - v) for v in [numeric, *values[1:]]):>12.3g}{mark}")
    lines.append("How each input was decided:")
    lines.extend(f"  {label}: {note}" for label, _, _, _, _, note in rows)
    if blame is not None:
        lines.append(f"Blame: {blame}")
    elif any("numeric" in row[4] for row in rows):
        lines.append("Blame: every node's own rule agrees with its own differences; the mismatch comes from "
                     "how f combines them (or from Python code in f that is not an op)")
    return "\n".join(lines)


def _classic(f: Callable[..., Any], inputs: List[Any], xs: List[float], columns: List[Tuple[str, List[float]]],
             eps: float, atol: float, rtol: float, who: str) -> Optional[str]:
    """The check with a given step: one central difference, compared within ``atol + rtol * |numeric|``."""
    columns = [columns[0], ("numeric", numeric_grad(f, xs, eps, who)), *columns[1:]]
    auto = columns[0][1]
    rows = []
    ok = True
    for i, x in enumerate(xs):
        others = [col[i] for _, col in columns[1:]]
        disagree = [name for (name, col) in columns[1:] if not _close(auto[i], col[i], atol, rtol)]
        ok = ok and not disagree
        diff = max(abs(auto[i] - o) for o in others)
        mark = f"  <-- mismatch ({', '.join(disagree)})" if disagree else ""
        rows.append(f"{_label(inputs[i], i):>8} {x:>12.6g} " + " ".join(f"{col[i]:>16.9g}" for _, col in columns)
                    + f" {diff:>12.3g}{mark}")
    if ok:
        return None
    header = f"{'input':>8} {'at':>12} " + " ".join(f"{name:>16}" for name, _ in columns) + f" {'difference':>12}"
    return "\n".join([f"{who} failed (eps={eps}, atol={atol}, rtol={rtol}):", header, *rows])


def gradcheck(f: Callable[..., Value], inputs: Sequence[Any], eps: Tolerance = AUTO, atol: Tolerance = AUTO,
              rtol: Tolerance = AUTO) -> bool:
    """Return True if autograd's gradient of ``f`` is right at ``inputs``; else raise with a report.

    ``inputs`` are numbers or Values (only their numbers are used; their
    ``.grad`` is left alone).  ``f`` takes ``len(inputs)`` Values and returns
    one Value.  With no ``eps``, each input is decided by how the Taylor
    remainder shrinks over a ladder of steps (order 2 or 3 when right, 1
    when wrong), staying inside every op's domain; with ``eps`` it is the
    classic central difference within ``atol + rtol * |numeric|`` (defaults
    1e-5 and 1e-4).  On a mismatch, raise :class:`GradcheckError` whose
    message is a table (input, analytic, numeric, difference), how each input
    was decided, and the first node whose own rule is wrong, with your line.
    """
    table = compare_gradients(f, inputs, eps, atol, rtol)
    if table is not None:
        raise GradcheckError(table)
    return True
