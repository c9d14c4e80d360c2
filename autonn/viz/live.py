"""Watch training as it runs: the loss curve, the decision boundary, the network's weights and gradients.

``fit(..., live=True)`` or ``fit(..., live=Live(model, data=(X, y)))``, or in
a loop of your own::

    live = Live(model, data=(X, y), loss=lambda: hinge(model(X), y))
    for step in range(100):
        ...                                  # forward, backward, optimiser step
        live.update(step, loss.data)         # after the step: the gradients are still there
    live.close()

In Jupyter the view is one output that updates in place (one display
handle, ``handle.update``); elsewhere it writes one self-contained HTML page,
and a small data file beside it that the page polls, so a browser shows it
updating (written on a thread of their own, :mod:`~autonn.viz.live_writer`;
``close`` returns once the last frame is on disk).  Drawing is throttled by wall time: at most one frame per ``every``
seconds, and never more than ``budget`` of the time spent so far, so a slow
picture slows training little.  Every frame drawn is recorded (its step, loss
and parameter values): :meth:`Live.player` opens any recorded step in the
player (:func:`autonn.animate`), with its ledger.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..arguments import real_array, real_number
from ..value import Value
from .live_model import Unit, grid_scores, wiring
from .live_page import STYLE, data_js, figure, frame_html, page_html
from .live_writer import FileWriter
from .live_svg import NetworkLayout, boundary_svg, curve_svg, network_svg, points_svg
from .player import animate

__all__ = ["Live", "DEFAULT_PATH", "wait_after"]

#: Where the page goes when no path is given and no notebook is running.
DEFAULT_PATH = "autonn-live.html"

#: Cells per side of the decision boundary's grid.
GRID = 28

#: A network with more weights than this is not drawn: each frame would cost too much, and
#: the edges would be too thin to read.
MAX_DRAWN_WEIGHTS = 4000

_PARAMETER = re.compile(r"^(?P<neuron>.+)\.(?:w(?P<k>\d+)|b)$")
_LAYERED = re.compile(r"^L(?P<layer>\d+)\.N\d+$")


@dataclass
class _Neuron:
    """A neuron read back from parameter names (``L0.N1.w2``), when no model was given."""

    w: List[Value]
    b: Value
    activation: str = "linear"


def _units_from_parameters(params: Sequence[Value]) -> Optional[Tuple[List[str], List[Unit]]]:
    """Inputs and neurons rebuilt from ``autonn.nn`` parameter names; None if the names are not a model's."""
    weights: Dict[str, Dict[int, Value]] = {}
    biases: Dict[str, Value] = {}
    for p in params:
        m = _PARAMETER.match(p.label or "")
        if m is None:
            return None
        if m.group("k") is None:
            biases[m.group("neuron")] = p
        else:
            weights.setdefault(m.group("neuron"), {})[int(m.group("k"))] = p
    if not biases or set(weights) != set(biases):
        return None
    names = list(biases)
    nin = max(len(weights[n]) for n in names if _layer(n) in (0, None))
    inputs = [f"x{i + 1}" for i in range(nin)]
    units = []
    for name in names:
        ws = [weights[name][k] for k in sorted(weights[name])]
        layer = _layer(name)
        sources = [f"L{layer - 1}.N{k}" if layer else f"x{k + 1}" for k in range(len(ws))]
        if any(s not in biases and s not in inputs for s in sources):
            return None
        units.append(Unit(name, tuple(sources), _Neuron(ws, biases[name])))
    return inputs, units


def _layer(name: str) -> Optional[int]:
    m = _LAYERED.match(name)
    return int(m.group("layer")) if m else None


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython is optional: without it, never)."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    ip = get() if get is not None else None
    return ip is not None and hasattr(ip, "kernel")


class Live:
    """A live view of a training run; see the module's documentation.

    ``model``: the ``autonn.nn`` model being trained (drawn per neuron; with
    ``data``, its decision boundary).  ``data``: ``(X, y)``, ``X`` of shape
    ``(n, 2)`` and labels -1/+1, for the boundary.  ``parameters``: what to
    record (default: the model's, or the optimiser's under ``fit``).
    ``loss``: a function of no arguments that builds the loss as a Value,
    for :meth:`player`.  ``path``: the page to write (default: a notebook
    output when running in Jupyter, else ``autonn-live.html``).  ``every``:
    the least number of seconds between frames (0.1: ten a second).
    ``budget``: the largest share of the time drawing may take (0.1; None:
    no limit but ``every``, e.g. ``every=0, budget=None`` draws every step).
    """

    def __init__(self, model: Any = None, data: Optional[Tuple[Any, Any]] = None, *,
                 parameters: Optional[Sequence[Value]] = None, loss: Optional[Callable[[], Value]] = None,
                 path: Union[str, "os.PathLike[str]", None] = None, every: float = 0.1,
                 budget: Optional[float] = 0.1,
                 title: str = "Training") -> None:
        who = "Live"
        if model is not None and not hasattr(model, "neurons"):
            raise TypeError(f"{who}: model must be an autonn.nn model (with neurons()), got {type(model).__name__}")
        if loss is not None and not callable(loss):
            raise TypeError(f"{who}: loss must be a function of no arguments returning the loss Value, "
                            f"got {type(loss).__name__}")
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{who}: path must be a file name (str or path), got {type(path).__name__}")
        self.every = real_number(every, "every", who, least=0.0)
        self.budget = None if budget is None else real_number(budget, "budget", who, positive=True)
        self.model = model
        self.title = str(title)
        self.loss_fn = loss
        self.data = None if data is None else self._checked_data(data, model)
        self.parameters: List[Value] = list(parameters) if parameters is not None else (
            model.parameters() if model is not None else [])
        self.path = None if path is None else os.fspath(path)
        self.steps: List[int] = []
        self.losses: List[float] = []
        #: step -> the parameters' numbers when that step's frame was drawn
        self.recorded: Dict[int, List[float]] = {}
        self.epochs: Optional[int] = None
        self.frames = 0
        self._handle: Any = None
        self._mode: Optional[str] = None
        self._next = 0.0
        self._closed = False
        self._writer = FileWriter()
        self._network: Union[NetworkLayout, bool, None] = None  # False: the parameters are no network's
        self._grid: Optional[Tuple[np.ndarray[Any, Any], str]] = None

    @staticmethod
    def _checked_data(data: Any, model: Any) -> Tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        who = "Live"
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(f"{who}: data must be a pair (X, y), got {type(data).__name__}")
        X = real_array(data[0], "data X", who)
        y = real_array(data[1], "data y", who).ravel()
        if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
            raise ValueError(f"{who}: data X must be a non-empty (n, 2) array of points, got shape {X.shape}")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"{who}: data has {X.shape[0]} points but {y.shape[0]} labels")
        if model is None:
            raise ValueError(f"{who}: data is for the decision boundary, which needs the model too")
        if model.nin != 2:
            raise ValueError(f"{who}: the decision boundary needs a model of 2 inputs, this one takes {model.nin}")
        return X, y

    # -- the callback fit() calls -------------------------------------------------------
    def start(self, parameters: Sequence[Value], epochs: Optional[int] = None) -> None:
        """Begin a run of ``epochs`` steps training ``parameters`` (fit calls this; a loop of your own need not)."""
        if not self.parameters:
            self.parameters = list(parameters)
        self.epochs = epochs
        self._begin()

    def _begin(self) -> None:
        if self._mode is None:
            self._mode = "file" if self.path is not None or not _in_notebook() else "notebook"
            if self._mode == "file" and self.path is None:
                self.path = DEFAULT_PATH
                print(f"Watching training live: open {Path(self.path).resolve().as_uri()} in a browser",
                      file=sys.stderr)

    def update(self, step: int, loss: float) -> None:
        """Record the loss of ``step``; draw a frame if it is time (call it after the optimiser's step)."""
        if self._closed:
            raise RuntimeError("Live.update: the view is closed; make a new Live for another run")
        self._begin()
        self.steps.append(int(step))
        self.losses.append(float(loss))
        now = time.perf_counter()
        if now >= self._next:
            self._draw(running=True)

    def close(self) -> None:
        """Draw the last frame (if it was not drawn) and mark the run finished."""
        if self._closed:
            return
        self._closed = True
        if self._mode is not None:
            self._draw(running=False)

    def __enter__(self) -> "Live":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- frames ---------------------------------------------------------------------------
    def _draw(self, running: bool) -> None:
        began = time.perf_counter()
        self.recorded[self.steps[-1] if self.steps else 0] = [p.data for p in self.parameters]
        self._show(self._frame(running), running)
        self.frames += 1
        now = time.perf_counter()
        cost = now - began
        # the next frame waits `every`, and long enough that drawing stays within the budget
        self._next = now + wait_after(cost, self.every, self.budget)

    def _frame(self, running: bool) -> str:
        """The frame of the latest step: its number and loss, the pictures, the recorded steps."""
        step = self.steps[-1] if self.steps else 0
        loss = self.losses[-1] if self.losses else math.nan
        return frame_html(self.title, step, self.epochs, loss, self._pictures(), list(self.recorded), running)

    def _pictures(self) -> List[str]:
        pictures = [figure("loss", curve_svg(self.steps, self.losses))] if self.steps else []
        if self.data is not None:
            boundary = self._boundary()
            if boundary is not None:
                pictures.append(figure("decision boundary (blue: score > 0)", boundary))
        layout = self._layout()
        if layout is not None and len(layout.weights) > MAX_DRAWN_WEIGHTS:
            pictures.append(figure("the network", f"<p>{len(layout.weights):,} weights: more than "
                                   f"{MAX_DRAWN_WEIGHTS:,}, too many to draw every frame</p>"))
        elif layout is not None:
            pictures.append(figure("weights (blue +, red -; circles: biases)", network_svg(layout, "data")))
            pictures.append(figure("their gradients", network_svg(layout, "grad")))
        elif self.parameters:
            pictures.append(figure("parameters", self._parameter_table()))
        return pictures

    def _layout(self) -> Optional[NetworkLayout]:
        """The network's drawing layout, worked out at the first frame (the wiring never changes)."""
        if self._network is None:
            if self.model is not None:
                inputs, units, _ = wiring(self.model)
                net: Optional[Tuple[List[str], List[Unit]]] = (inputs, units)
            else:
                net = _units_from_parameters(self.parameters)
            self._network = False if net is None else NetworkLayout(*net)
        return self._network if isinstance(self._network, NetworkLayout) else None

    def _boundary(self) -> Optional[str]:
        X, y = self.data  # type: ignore[misc]  # only called with data
        lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        if self._grid is None:
            gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID))
            self._grid = (np.column_stack([gx.ravel(), gy.ravel()]), points_svg(X, y, (lo[0], hi[0], lo[1], hi[1])))
        grid, points = self._grid
        scores = grid_scores(self.model, grid)
        if scores is None:
            return None
        return boundary_svg(scores.reshape(GRID, GRID), points)

    def _parameter_table(self) -> str:
        rows = "".join(f"<tr><th>{p.label or f'p{i}'}</th><td>{p.data:.4g}</td><td>{p.grad:.4g}</td></tr>"
                       for i, p in enumerate(self.parameters[:40]))
        return f"<table><tr><th></th><th>data</th><th>grad</th></tr>{rows}</table>"

    def _show(self, frame: str, running: bool) -> None:
        if self._mode == "notebook":
            shown: Any = importlib.import_module("IPython.display")  # optional: only in a notebook
            content = shown.HTML(f"<style>{STYLE}</style>{frame}")
            if self._handle is None:
                self._handle = shown.display(content, display_id=True)
            else:
                self._handle.update(content)
            return
        path = self.path or DEFAULT_PATH
        data_file = _data_file(path)
        files = {data_file: data_js(frame, running)}
        if self.frames == 0 or not running:
            files[path] = page_html(self.title, frame, os.path.basename(data_file), running)
        self._writer.submit(files, durable=not running)
        if not running:
            self._writer.close()  # the last frame is on disk when close() returns

    def _repr_html_(self) -> str:
        """The latest frame, for a notebook cell that ends with the view."""
        return f"<style>{STYLE}</style>{self._frame(running=False)}"

    # -- going back to a recorded step ----------------------------------------------------
    def player(self, step: int, path: Union[str, "os.PathLike[str]", None] = None, **options: Any) -> str:
        """Open recorded ``step`` in the player: write its loss graph's page (:func:`autonn.animate`); return the path.

        The parameters are set to their numbers at that step, the loss is
        rebuilt with ``loss()`` (given to :class:`Live`), the page is written,
        and the parameters are put back as they were.  ``options`` go to
        :func:`autonn.animate` (``module`` defaults to the model).
        """
        who = "Live.player"
        if self.loss_fn is None:
            raise ValueError(f"{who}: give Live(loss=...) a function that builds the loss, to rebuild step {step}'s graph")
        if step not in self.recorded:
            near = ", ".join(str(s) for s in list(self.recorded)[-5:]) or "none yet"
            raise KeyError(f"{who}: step {step} was not recorded; recorded steps include {near}")
        if path is None:
            path = f"autonn-step-{step}.html"
        if self.model is not None:
            options.setdefault("module", self.model)
        options.setdefault("title", f"{self.title}: the loss at step {step}")
        now = [p.data for p in self.parameters]
        try:
            for p, x in zip(self.parameters, self.recorded[step]):
                p.data = x
            root = self.loss_fn()
            if not isinstance(root, Value):
                raise TypeError(f"{who}: loss() returned a {type(root).__name__}, expected a Value")
            return animate(root, path, **options)
        finally:
            for p, x in zip(self.parameters, now):
                p.data = x


def wait_after(cost: float, every: float, budget: Optional[float]) -> float:
    """Seconds from the end of a frame that took ``cost`` to the next: ``every``, or longer if
    drawing would otherwise take more than ``budget`` of the time (None: no such limit)."""
    return every if budget is None else max(every, cost / budget)


def _data_file(path: str) -> str:
    """``run.html`` -> ``run.data.js``: the data file beside the page."""
    return os.path.splitext(path)[0] + ".data.js"
