"""Pictures of training: the loss curve and a 2-D decision boundary (matplotlib, the ``plot`` extra).

matplotlib is imported only when a function here is called, so ``import
autonn`` never needs it; without it the call says how to get it
(``pip install "autonn-scalar[plot]"``).  Each function draws on the given ``ax``
(or a new figure's) and returns the ``ax``, leaving showing and saving to you.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .mode import no_grad

__all__ = ["plot_loss", "plot_decision_boundary"]


def _pyplot(who: str) -> Any:
    try:
        import matplotlib.pyplot as plt  # pyright: ignore[reportMissingImports]  # the optional plot extra
    except ImportError as error:
        # a ModuleNotFoundError naming matplotlib, as the import itself would raise, with how to get it
        raise ModuleNotFoundError(f'{who}: needs matplotlib, which is not installed; '
                                  'pip install "autonn-scalar[plot]"', name="matplotlib") from error
    return plt


def _axes(ax: Any, who: str, size: Any) -> Any:
    if ax is not None:
        return ax
    _fig, ax = _pyplot(who).subplots(figsize=size)
    return ax


def plot_loss(history: Sequence[float], ax: Any = None, *, title: str = "training loss", ylabel: str = "loss",
              log_scale: bool = True) -> Any:
    """The loss of every epoch (a :class:`autonn.train.History` or any list of numbers) against the epoch.

    ``log_scale`` uses a symmetric log axis, which shows both the first fast
    fall and the slow end of training (and copes with a loss of 0).
    """
    who = "plot_loss"
    losses = np.asarray(list(history), dtype=float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"{who}: history must be a non-empty list of losses, got {losses.size} values")
    ax = _axes(ax, who, (5.5, 3.5))
    ax.plot(np.arange(1, losses.size + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if log_scale:
        ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_title(title)
    return ax


def plot_decision_boundary(model: Any, X: Any, y: Any, ax: Any = None, *, resolution: int = 60, margin: float = 0.5,
                           title: Optional[str] = None) -> Any:
    """The regions where a one-output model's score is positive / negative, its zero line, and the points.

    ``model`` takes 2 inputs and gives 1 output (an ``autonn.nn`` model, or
    any function of a ``(n, 2)`` array returning ``n`` scores); ``X`` is
    ``(n, 2)`` and ``y`` the labels (negative / positive, e.g. -1 / +1).
    The grid of ``resolution`` x ``resolution`` points reaches ``margin``
    beyond the data and is evaluated as one batch without building a graph.
    """
    who = "plot_decision_boundary"
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"{who}: X must be a non-empty (n, 2) array of points, got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{who}: {X.shape[0]} points but {y.shape[0]} labels")
    if getattr(model, "nin", 2) != 2 or getattr(model, "nout", 1) != 1:
        raise ValueError(f"{who}: the model must take 2 inputs and give 1 output, it takes {model.nin} "
                         f"and gives {model.nout}")
    if not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 2:
        raise ValueError(f"{who}: resolution must be an int >= 2, got {resolution!r}")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    with no_grad():
        out = model(np.column_stack([gx.ravel(), gy.ravel()]))
    scores = np.array([float(v) for v in np.asarray(out, dtype=object).ravel()]).reshape(gx.shape)
    ax = _axes(ax, who, (5.5, 4.5))
    ax.contourf(gx, gy, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    if scores.min() < 0 < scores.max():
        ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(X[y <= 0, 0], X[y <= 0, 1], c="#d62728", s=18, label="negative label")
    ax.scatter(X[y > 0, 0], X[y > 0, 1], c="#1f77b4", s=18, label="positive label")
    ax.set_title(title if title is not None else f"{model}: decision boundary", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    return ax
