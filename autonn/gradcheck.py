"""``gradcheck``: compare autograd with central finite differences, in float64.

Public because users call it in their own tests::

    from autonn import gradcheck
    assert gradcheck(lambda w, x: (w * x).tanh(), [0.3, -1.2])

For each input x_i the numeric derivative is the central difference

    (f(..., x_i + eps, ...) - f(..., x_i - eps, ...)) / (2 eps)

whose error shrinks like eps**2; it is compared with the analytic gradient
from :func:`autonn.grad` using ``|analytic - numeric| <= atol + rtol * |numeric|``.
"""

from __future__ import annotations

from typing import Callable, List, Sequence

from .arguments import real_number
from .functional import grad
from .mode import no_grad
from .value import Value

__all__ = ["gradcheck", "GradcheckError", "numeric_grad"]


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of both."""


def _call(f: Callable, xs: Sequence[float]) -> Value:
    out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out


def numeric_grad(f: Callable, xs: Sequence[float], eps: float = 1e-6) -> List[float]:
    """Central-difference estimate of the gradient of ``f`` at ``xs`` (float64)."""
    result = []
    with no_grad():
        for i in range(len(xs)):
            up = list(xs)
            down = list(xs)
            up[i] += eps
            down[i] -= eps
            result.append((_call(f, up).data - _call(f, down).data) / (2.0 * eps))
    return result


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence,
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
    inputs = list(inputs)  # a generator is read once
    eps = real_number(eps, "eps", "gradcheck", positive=True)
    atol = real_number(atol, "atol", "gradcheck", least=0.0)
    rtol = real_number(rtol, "rtol", "gradcheck", least=0.0)
    xs = [x.data if isinstance(x, Value) else float(Value(x).data) for x in inputs]
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = grad(out, leaves) if leaves else []
    numeric = numeric_grad(f, xs, eps)
    rows = []
    ok = True
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        diff = abs(a - n)
        good = diff <= atol + rtol * abs(n)
        ok = ok and good
        label = inputs[i].label if isinstance(inputs[i], Value) and inputs[i].label else f"x{i}"
        rows.append((label, xs[i], a, n, diff, "" if good else "  <-- mismatch"))
    if ok:
        return True
    header = f"{'input':>8} {'at':>12} {'analytic':>16} {'numeric':>16} {'difference':>12}"
    lines = [
        f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):",
        header,
        *(f"{r[0]:>8} {r[1]:>12.6g} {r[2]:>16.9g} {r[3]:>16.9g} {r[4]:>12.3g}{r[5]}" for r in rows),
    ]
    raise GradcheckError("\n".join(lines))
