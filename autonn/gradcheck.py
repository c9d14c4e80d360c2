"""``gradcheck``: compare autograd with central finite differences, in float64.

Public because users call it in their own tests::

    from autonn import gradcheck
    assert gradcheck(lambda w, x: (w * x).tanh(), [0.3, -1.2])

For each input x_i the numeric derivative is the central difference

    (f(..., x_i + eps, ...) - f(..., x_i - eps, ...)) / (2 eps)

whose error shrinks like eps**2; it is compared with the analytic gradient
from :func:`autonn.grad` using ``|analytic - numeric| <= atol + rtol * |numeric|``.
:func:`compare_gradients` is the one comparison both ``gradcheck`` and
``autonn.testing.assert_grads_close`` run (the latter adds a third column,
a gradient derived by hand).
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from .arguments import real_number
from .functional import grad
from .mode import no_grad
from .value import Value

__all__ = ["gradcheck", "GradcheckError", "numeric_grad", "compare_gradients"]


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of both."""


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


def compare_gradients(f: Callable[..., Any], inputs: Sequence[Any], eps: float, atol: float, rtol: float,
                      reference: Optional[Callable[..., Any]] = None, who: str = "gradcheck",
                      analytic_name: str = "analytic") -> Optional[str]:
    """Compare autograd with central differences (and ``reference``); ``None`` if all agree, else a table.

    ``reference(*numbers)`` returns the gradient as derived by hand, one
    number per input; each input's row is a mismatch if autograd disagrees
    with the central difference or with the reference.
    """
    inputs = list(inputs)  # a generator is read once
    eps = real_number(eps, "eps", who, positive=True)
    atol = real_number(atol, "atol", who, least=0.0)
    rtol = real_number(rtol, "rtol", who, least=0.0)
    if reference is not None and not callable(reference):
        raise TypeError(f"{who}: reference must be callable (numbers -> gradient), got {type(reference).__name__}")
    xs = [x.data if isinstance(x, Value) else float(Value(x).data) for x in inputs]
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    columns = [(analytic_name, grad(out, leaves) if leaves else [])]
    columns.append(("numeric", numeric_grad(f, xs, eps, who)))
    if reference is not None:
        columns.append(("reference", _reference_grads(reference, xs, who)))
    auto = columns[0][1]
    rows = []
    ok = True
    for i, x in enumerate(xs):
        others = [col[i] for _, col in columns[1:]]
        disagree = [name for (name, col) in columns[1:] if not _close(auto[i], col[i], atol, rtol)]
        ok = ok and not disagree
        diff = max(abs(auto[i] - o) for o in others)
        label = inputs[i].label if isinstance(inputs[i], Value) and inputs[i].label else f"x{i}"
        mark = f"  <-- mismatch ({', '.join(disagree)})" if disagree else ""
        rows.append(f"{label:>8} {x:>12.6g} " + " ".join(f"{col[i]:>16.9g}" for _, col in columns)
                    + f" {diff:>12.3g}{mark}")
    if ok:
        return None
    header = f"{'input':>8} {'at':>12} " + " ".join(f"{name:>16}" for name, _ in columns) + f" {'difference':>12}"
    return "\n".join([f"{who} failed (eps={eps}, atol={atol}, rtol={rtol}):", header, *rows])


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Return True if autograd matches central differences for every input of ``f``.

    ``inputs`` are numbers or Values (only their numbers are used; their
    ``.grad`` is left alone).  ``f`` takes ``len(inputs)`` Values and returns
    one Value.  On a mismatch, raise :class:`GradcheckError` whose message is a
    table: input, analytic, numeric, difference.
    """
    table = compare_gradients(f, inputs, eps, atol, rtol)
    if table is not None:
        raise GradcheckError(table)
    return True
