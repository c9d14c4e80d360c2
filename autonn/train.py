"""A small training loop: repeat (zero gradients, compute loss and gradients, update).

The loop does not care how gradients are computed.  A *step* is any function
that fills every parameter's ``.grad`` and returns the loss as a float:
:func:`eager_step` makes one from a function that builds the loss as a
Value; a compiled program that fills ``.grad`` works the same way.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Union

import numpy as np

from .arguments import real_array
from .mode import collector_paused
from .optim import Optimizer
from .value import Value
from .value import sum as sum_values

__all__ = ["eager_step", "mean_loss_step", "fit", "History", "accuracy", "LiveCallback", "set_live_view"]

Step = Callable[[], float]


def eager_step(loss_fn: Callable[[], Value]) -> Step:
    """A step that builds the loss with ``loss_fn()``, backpropagates it and returns its number."""

    def step() -> float:
        loss = loss_fn()
        if not isinstance(loss, Value):
            raise TypeError(f"eager_step: the loss function returned a {type(loss).__name__}, expected a Value")
        loss.backward()
        return loss.data

    return step


def mean_loss_step(sample_loss: Callable[[List[float]], Value], data: Union[Sequence[Sequence[float]], np.ndarray[Any, Any]]) -> Step:
    """A step over a whole data set: the mean of ``sample_loss(row)`` over the rows of ``data``.

    ``data`` is a 2-D array (or list of rows); each row is passed as a list of
    floats.  The loss is one n-ary ``autonn.sum`` node over the samples,
    divided by their number.  ``autonn.compile(sample_loss, params,
    n_inputs).step_on(data)`` is the same step, compiled.
    """
    rows = real_array(data, "data", "mean_loss_step")
    if rows.ndim != 2 or rows.shape[0] == 0:
        raise ValueError(f"mean_loss_step: data must be a non-empty 2-D array of rows, got shape {rows.shape}")
    rows = rows.tolist()
    n = len(rows)
    return eager_step(lambda: sum_values([sample_loss(row) for row in rows]) / n)


class History(List[float]):
    """The loss of every epoch (a list of floats, as ``fit`` always returned) and how long it took.

    ``seconds[i]`` is the training time from the start to the end of epoch
    ``i + 1`` (the time spent logging left out); ``notes`` maps an epoch to the ``extra()`` text logged there.
    ``history.loss`` is the list itself, for readability.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: List[float] = []
        self.notes: Dict[int, str] = {}

    @property
    def loss(self) -> List[float]:
        """The loss after each epoch, in order (the list itself)."""
        return self

    @property
    def elapsed(self) -> float:
        """Seconds spent in the whole run (0 before the first epoch)."""
        return self.seconds[-1] if self.seconds else 0.0


class LiveCallback(Protocol):
    """What ``fit(..., live=...)`` reports to while it trains (:class:`autonn.viz.live.Live` is one).

    ``start`` once before the first step, ``update`` after every optimiser
    step (the gradients are still in ``.grad`` then), ``close`` at the end,
    also when training stops with an error.  The callback keeps its own pace:
    ``update`` must return quickly when it is not time to draw.
    """

    def start(self, parameters: Sequence[Value], epochs: Optional[int] = None) -> None:
        """Training of ``parameters`` for ``epochs`` steps begins."""

    def update(self, step: int, loss: float) -> None:
        """Step ``step`` (from 1) is done, with this loss; the gradients are still in ``.grad``."""

    def close(self) -> None:
        """Training has ended (finished, or stopped by an error)."""


# What ``live=True`` makes.  Training sits below drawing, so it cannot import the live view:
# ``autonn`` (the package, at the top) hands it over with set_live_view when it is imported.
_live_view: Optional[Callable[[], LiveCallback]] = None


def set_live_view(factory: Optional[Callable[[], LiveCallback]]) -> None:
    """Make ``fit(..., live=True)`` report to ``factory()`` (``import autonn`` sets autonn's live view)."""
    global _live_view
    if factory is not None and not callable(factory):
        raise TypeError(f"set_live_view: factory must be callable or None, got {type(factory).__name__}")
    _live_view = factory


def _live_callback(live: Any) -> Optional[LiveCallback]:
    if live is None or live is False:
        return None
    if live is True:
        if _live_view is None:
            raise RuntimeError("fit: live=True needs a live view, and none is set (import autonn sets one)")
        return _live_view()
    if not all(callable(getattr(live, name, None)) for name in ("start", "update", "close")):
        raise TypeError(f"fit: live must be True, False, None or an object with start, update and close "
                        f"(such as autonn.viz.live.Live), got {type(live).__name__}")
    callback: LiveCallback = live
    return callback


def _duration(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 05 s``, ``1 h 02 min``: a time left, to the precision that matters."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def fit(
    step: Step,
    optimizer: Optimizer,
    epochs: int,
    *,
    log_every: Optional[int] = None,
    log: Optional[Callable[[str], None]] = print,
    extra: Optional[Callable[[], str]] = None,
    live: Union[bool, LiveCallback, None] = None,
) -> History:
    """Run ``epochs`` updates; return the :class:`History` (the loss of each epoch, and timings).

    Progress is shown as it goes: every ``log_every`` epochs (and at the first
    and last) a line ``epoch  N of E  loss L  (R epochs/s, T left)`` and, if
    given, the text ``extra()`` returns (e.g. an accuracy).  By default about
    ten lines are printed; ``log_every=0`` or ``log=None`` trains silently.
    ``log`` receives each line (``print`` by default).  Each step runs with
    the cycle collector paused (:func:`autonn.mode.collector_paused`): its
    graph holds no cycles.

    ``live=True`` shows the run as it goes (the loss curve, the step, the
    network's weights and gradients: :class:`autonn.viz.live.Live`, in place
    in Jupyter, else a page ``autonn-live.html`` a browser shows updating);
    ``live=Live(model, data=(X, y))`` adds the decision boundary.  Any
    :class:`LiveCallback` works.
    """
    if not callable(step):
        raise TypeError(f"fit: step must be a function of no arguments returning the loss, got {type(step).__name__}")
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(
            f"fit: optimizer must be an optimiser (autonn.optim.SGD, Adam: with step() and zero_grad()), "
            f"got {type(optimizer).__name__}"
        )
    if not isinstance(epochs, numbers.Integral) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if log_every is None:
        log_every = max(1, epochs // 10)
    elif not isinstance(log_every, numbers.Integral) or isinstance(log_every, bool) or log_every < 0:
        raise ValueError(f"fit: log_every must be an int >= 0, got {log_every!r}")
    if log is not None and not callable(log):
        raise TypeError(f"fit: log must be a function taking a line of text, or None, got {type(log).__name__}")
    if log is None:
        log_every = 0
    view = _live_callback(live)
    history = History()
    if view is None:
        _train(step, optimizer, epochs, log_every, log, extra, history, None)
        return history
    view.start(optimizer.params, epochs)
    try:
        _train(step, optimizer, epochs, log_every, log, extra, history, view)
    finally:
        view.close()
    return history


def _train(step: Step, optimizer: Optimizer, epochs: int, log_every: int, log: Optional[Callable[[str], None]],
           extra: Optional[Callable[[], str]], history: History, view: Optional[LiveCallback]) -> None:
    """The loop of :func:`fit`, filling ``history``."""
    width = len(str(epochs))
    start = time.perf_counter()
    logging = 0.0  # time spent in extra() and log(), left out of the timings
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        with collector_paused():  # the step's graph has no cycles to find
            loss = float(step())
        optimizer.step()
        history.append(loss)
        history.seconds.append(time.perf_counter() - start - logging)
        if view is not None:
            view.update(epoch, loss)
        if log is not None and log_every and (epoch % log_every == 0 or epoch == epochs or epoch == 1):
            elapsed = history.seconds[-1]
            rate = epoch / elapsed if elapsed > 0 else float("inf")
            left = (epochs - epoch) / rate if rate > 0 else 0.0
            speed = f"{rate:,.0f}" if rate >= 100 else f"{rate:.3g}"
            line = f"epoch {epoch:{width}d} of {epochs}  loss {loss:.6g}  ({speed} epochs/s, {_duration(left)} left)"
            began = time.perf_counter()
            if extra is not None:
                note = extra()
                history.notes[epoch] = note
                line += "  " + note
            log(line)
            logging += time.perf_counter() - began


def accuracy(scores: Union[Sequence[Any], np.ndarray[Any, Any]], labels: Union[Sequence[float], np.ndarray[Any, Any]]) -> float:
    """Fraction of samples where the sign of the score matches the label (-1/+1).

    ``scores`` and ``labels`` must have the same shape, a column ``(n, 1)``
    counting as ``(n,)`` (what a one-output model returns for a batch); a
    ``(2, 3)`` against a ``(3, 2)`` is refused, not paired up.  At least one
    sample; labels are real numbers, scores real numbers or Values.
    """
    s_arr = _column_as_vector(np.asarray(scores, dtype=object))
    y_arr = _column_as_vector(np.asarray(labels, dtype=object))
    if s_arr.shape != y_arr.shape:
        raise ValueError(f"accuracy: scores have shape {s_arr.shape} but labels have shape {y_arr.shape}; expected the same")
    if s_arr.size == 0:
        raise ValueError("accuracy: no samples (scores and labels are empty); the fraction would be 0/0")
    s = []
    for v in s_arr.ravel().tolist():
        if isinstance(v, Value):
            v = v.data
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"accuracy: scores must be numbers or Values, found {type(v).__name__}: {v!r}")
        s.append(float(v))
    y = []
    for v in y_arr.ravel().tolist():
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"accuracy: labels must be numbers (-1/+1), found {type(v).__name__}: {v!r}")
        y.append(float(v))
    for what, numbers_ in (("scores", s), ("labels", y)):
        bad = [v for v in numbers_ if not math.isfinite(v)]
        if bad:  # nan > 0 is False: a nan would count as a -1 without a word
            raise ValueError(f"accuracy: {what} must be finite numbers, found {bad[0]!r}")
    return float(np.mean((np.array(s) > 0) == (np.array(y) > 0)))


def _column_as_vector(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return a.reshape(-1) if a.ndim == 2 and a.shape[1] == 1 else a
