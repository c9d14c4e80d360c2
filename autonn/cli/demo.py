"""The worked example: fit the line ``y = w*x + b`` by gradient descent, step by step.

It follows the article that starts from ``w = 25`` and ``b = 85``, measures
``Error = w*x + b - y`` for every row, takes ``loss = 0.5 * mean(Error**2)``
and updates ``w -= lr * mean(Error*x)`` and ``b -= lr * mean(Error)``.  Here
the two means come out of backpropagation, and every step checks them
against the closed form :func:`autonn.losses.closed_form_line_grads`.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, TextIO, Tuple, Union

import numpy as np

from ..datasets import make_line
from ..losses import closed_form_line_grads
from ..value import Value
from ..value import sum as value_sum

__all__ = ["ARTICLE_START", "GRAPH_ROWS", "line_loss", "Step", "fit_line", "run_demo"]

#: The article's starting parameters.
ARTICLE_START = (25.0, 85.0)

#: Rows of data in the loss graph that is drawn and explained (small enough to read).
GRAPH_ROWS = 3


def line_loss(w: Value, b: Value, x: Union[Sequence[float], np.ndarray[Any, Any]], y: Union[Sequence[float], np.ndarray[Any, Any]]) -> Value:
    """``0.5 * mean(Error**2)`` with ``Error_i = w*x_i + b - y_i``, every node named.

    Row ``i`` (from 1) gives the leaves ``x<i>``, ``y<i>`` and the nodes
    ``w*x<i>``, ``pred<i>``, ``Error<i>`` and ``Error<i>**2``; then come ``sum(Error**2)``,
    ``mean(Error**2)`` and ``loss``.
    """
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"line_loss: x and y must be non-empty and of equal length, got {len(x)} and {len(y)}")
    squares = []
    for i, (xi, yi) in enumerate(zip(x, y), start=1):
        product = w * Value(float(xi), f"x{i}")
        product.label = f"w*x{i}"
        pred = product + b
        pred.label = f"pred{i}"
        error = pred - Value(float(yi), f"y{i}")
        error.label = f"Error{i}"
        square = error**2
        square.label = f"Error{i}**2"
        squares.append(square)
    total = value_sum(squares)
    total.label = "sum(Error**2)"
    mean = total / len(squares)
    mean.label = "mean(Error**2)"
    loss = 0.5 * mean
    loss.label = "loss"
    return loss


def _cell(v: float, width: int) -> str:
    """A number of the table: four decimals, or four significant digits once it is too wide for them."""
    return f"{v:>{width}.4f}" if abs(v) < 1e9 else f"{v:>{width}.4g}"


@dataclass(frozen=True)
class Step:
    """One step of the fit: parameters, loss, and both ways of getting the gradient."""

    step: int
    w: float
    b: float
    loss: float
    grad_w: float  # by backpropagation
    grad_b: float
    mean_error_x: float  # closed form mean(Error*x)
    mean_error: float  # closed form mean(Error)


def fit_line(
    x: Union[Sequence[float], np.ndarray[Any, Any]],
    y: Union[Sequence[float], np.ndarray[Any, Any]],
    steps: int = 10,
    lr: float = 1.0,
    start: Tuple[float, float] = ARTICLE_START,
    file: Optional[TextIO] = None,
) -> List[Step]:
    """Run ``steps`` steps of gradient descent, printing a table to ``file`` (None: silent).

    A run that diverges stops with a :class:`FloatingPointError` naming the
    step, the numbers and the learning rate, before any number that is not
    finite is printed or computed with: a table of ``nan`` would only hide
    where it went wrong.
    """
    w = Value(start[0], "w")
    b = Value(start[1], "b")
    history = []
    if file is not None:
        print(
            f"{'step':>4}  {'w':>9}  {'b':>9}  {'loss':>11}  {'dloss/dw':>10}  "
            f"{'mean(E*x)':>10}  {'dloss/db':>10}  {'mean(E)':>10}",
            file=file,
        )
    for step in range(steps + 1):
        if not (math.isfinite(w.data) and math.isfinite(b.data)):
            raise FloatingPointError(
                f"the fit diverged: step {step - 1}'s update (lr = {lr:g} times the gradient) took w to {w.data:g} "
                f"and b to {b.data:g}; a smaller learning rate is needed")
        w.grad = 0.0
        b.grad = 0.0
        loss = line_loss(w, b, x, y)
        loss.backward()
        if not all(math.isfinite(v) for v in (loss.data, w.grad, b.grad)):
            raise FloatingPointError(
                f"the fit diverged: at step {step} (w = {w.data:g}, b = {b.data:g}) the loss is {loss.data:g} "
                f"and its gradient ({w.grad:g}, {b.grad:g}); lr = {lr:g} is too large")
        mex, me = closed_form_line_grads(w, b, x, y)
        history.append(Step(step, w.data, b.data, loss.data, w.grad, b.grad, mex, me))
        if file is not None:
            print(
                f"{step:>4}  {_cell(w.data, 9)}  {_cell(b.data, 9)}  {_cell(loss.data, 11)}  {_cell(w.grad, 10)}  "
                f"{_cell(mex, 10)}  {_cell(b.grad, 10)}  {_cell(me, 10)}",
                file=file,
            )
        if step < steps:
            w.data -= lr * w.grad
            b.data -= lr * b.grad
    return history


def run_demo(
    points: int = 20,
    steps: int = 10,
    lr: float = 1.0,
    seed: int = 0,
    file: TextIO = sys.stdout,
) -> Tuple[List[Step], Value]:
    """Print the fit on ``points`` rows of :func:`make_line`; return the steps and a small loss graph.

    The graph is the loss on the first :data:`GRAPH_ROWS` rows at the starting
    parameters, after ``backward()``: small enough to draw and to read as a ledger.
    """
    x, y = make_line(points, seed=seed)
    print(
        f"Fitting y = w*x + b to {points} points of autonn.datasets.make_line(seed={seed}) "
        f"(drawn around w = 12, b = 40).",
        file=file,
    )
    print(
        f"Start at w = {ARTICLE_START[0]:g}, b = {ARTICLE_START[1]:g}; Error = w*x + b - y; "
        f"loss = 0.5 * mean(Error**2); lr = {lr:g}.",
        file=file,
    )
    print("Each step: backward() gives dloss/dw and dloss/db; the closed forms are mean(Error*x) and mean(Error).", file=file)
    print("Update: w -= lr * dloss/dw,  b -= lr * dloss/db.\n", file=file)
    history = fit_line(x, y, steps=steps, lr=lr, file=file)
    worst = max(max(abs(s.grad_w - s.mean_error_x), abs(s.grad_b - s.mean_error)) for s in history)
    print(f"\nlargest difference between backward() and the closed form: {worst:.2e}", file=file)
    small = min(GRAPH_ROWS, points)
    w = Value(ARTICLE_START[0], "w")
    b = Value(ARTICLE_START[1], "b")
    loss = line_loss(w, b, x[:small], y[:small])
    loss.backward()
    return history, loss
