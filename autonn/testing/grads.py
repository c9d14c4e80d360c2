"""``assert_grads_close``: autograd, central differences (float64) and your own derivation, side by side."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from ..gradcheck import AUTO, GradcheckError, Tolerance, compare_gradients

__all__ = ["assert_grads_close"]


def assert_grads_close(f: Callable[..., Any], inputs: Sequence[Any], reference: Optional[Callable[..., Any]] = None, *,
                       eps: Tolerance = AUTO, atol: Tolerance = AUTO, rtol: Tolerance = AUTO) -> None:
    """Assert that autonn's gradient of ``f`` at ``inputs`` matches finite differences and ``reference``.

    ``f`` takes one Value per input and returns a Value; ``inputs`` are
    numbers or Values.  ``reference``, if given, takes the input numbers and
    returns the gradient you derived (one number per input).  Both autograd
    and the reference are checked as :func:`autonn.gradcheck` checks: by how
    the Taylor remainder of ``f`` shrinks over a ladder of steps, with no
    step to choose (or, given ``eps``, by one central difference within
    ``atol + rtol * |numeric|``).  On a disagreement, raise
    :class:`autonn.GradcheckError` (an AssertionError) whose message is a
    table: input, autograd, numeric, reference, which of them disagree, how
    each input was decided, and the first node whose own rule is wrong.
    """
    if not callable(f):  # (reference is checked where it is used)
        raise TypeError(f"assert_grads_close: f must be a function returning a Value, got {type(f).__name__}: {f!r:.80}")
    table = compare_gradients(f, inputs, eps, atol, rtol, reference=reference, who="assert_grads_close",
                              analytic_name="autograd")
    if table is not None:
        raise GradcheckError(table)
