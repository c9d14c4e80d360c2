"""Optimisers: turn the gradients in ``p.grad`` into updates of ``p.data``.

Usage, one training step::

    opt = SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    loss = ...; loss.backward()     # or any code that fills p.grad
    opt.step()

The state (momentum, Adam's moments) is kept in numpy arrays inside the
optimiser, one entry per parameter, never on the Values.

When its parameters are those of a compiled step (they read through to the
step's :class:`~autonn.flatparams.ParameterStore`), an optimiser reads their
gradients and updates their numbers as two vectors, with no Python loop over
the parameters; nothing changes in how it is written.  Given a
:class:`~autonn.flatparams.FlatParameters` (a compiled step's ``step.flat``),
it reads the step's last gradients ``flat.grad`` and updates ``flat.data`` in
place::

    opt = SGD(step.flat, lr=0.1)
    with step.flat.held():
        for _ in range(1000):
            step(X)          # writes step.flat.grad
            opt.step()       # updates step.flat.data
    # here every p.data holds the trained numbers

``opt.state_dict()`` is the optimiser's hyperparameters, step count and
per-parameter state as float arrays; ``load_state_dict`` puts them back, so
``model.save(path, optimizer=opt)`` and ``model.load(path, optimizer=opt)``
resume a run exactly where it stopped, bit for bit.
"""

from __future__ import annotations

import signal
import threading

try:
    # The C function itself: signal.signal converts both handlers to enums by raising
    # and catching ValueError, about 10 us a swap, more than a whole small step's update.
    from _signal import signal as _set_handler  # type: ignore[import-not-found]  # no stub: the C half of signal
except ImportError:  # an interpreter without the C module: the documented function
    from signal import signal as _set_handler
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .arguments import real_number
from .flatparams import CLAIMS, FlatParameters, ParameterStore, store_of
from .nn.module import Module, write_all_or_nothing
from .nn.state import StateDict, check_state
from .value import Value

__all__ = ["Optimizer", "SGD", "Adam"]

#: What an optimiser updates: a model, a list of its parameters, or a compiled step's flat parameters.
Parameters = Union[Module[Any], Iterable[Value], FlatParameters]
#: Where an optimiser reads and writes numbers as vectors: flat parameters, a store, or None (each Value).
Vectors = Union[FlatParameters, ParameterStore, None]


class _SigintDeferred:
    """Hold back Ctrl-C (SIGINT) inside a ``with`` block and deliver it right after.

    Python raises KeyboardInterrupt between any two bytecodes, so a handler
    could itself be interrupted half way through putting things back; with
    the signal deferred, the block's assignments finish first.  Only the main
    thread receives signals, so elsewhere the block runs as it is.  (A class,
    not a generator: an optimiser step enters it every time, and a
    generator-based context manager costs twice as much.)
    """

    __slots__ = ("received", "previous", "swapped")

    def __enter__(self) -> None:
        self.received: List[Any] = []
        self.swapped = threading.current_thread() is threading.main_thread()
        if self.swapped:
            received = self.received
            self.previous: Any = _set_handler(signal.SIGINT, lambda signum, frame: received.append(frame))

    def __exit__(self, *exc: Any) -> None:
        if not self.swapped:
            return
        previous = self.previous
        _set_handler(signal.SIGINT, previous)
        if self.received:
            if callable(previous):
                previous(signal.SIGINT, self.received[0])
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


def _positive(x: Any, name: str, who: str, allow_zero: bool = False) -> float:
    if allow_zero:
        return real_number(x, name, who, least=0.0)
    return real_number(x, name, who, positive=True)


class Optimizer:
    """Holds the parameters (leaf Values) and reads/writes them as numpy vectors."""

    def __init__(self, params: Parameters, lr: float) -> None:
        who = type(self).__name__
        self.flat: Optional[FlatParameters] = params if isinstance(params, FlatParameters) else None
        if self.flat is not None:
            params = self.flat.params
        elif hasattr(params, "parameters") and callable(params.parameters):  # pyright: ignore[reportAttributeAccessIssue]
            params = params.parameters()  # pyright: ignore  # a Module (or any object listing its parameters) was passed
        if isinstance(params, Value):
            raise TypeError(f"{who}: params must be a list of Values, got a single Value (wrap it in a list)")
        try:
            self.params: List[Value] = list(params)  # type: ignore[arg-type]  # a model or flat parameters were unpacked above
        except TypeError:
            raise TypeError(
                f"{who}: params must be a list of Values (or a model with parameters()), got {type(params).__name__}"
            ) from None
        if not self.params:
            raise ValueError(f"{who}: got no parameters to optimise")
        seen = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, expected a Value")
            if not p.is_leaf:
                raise ValueError(
                    f"{who}: parameter {i} ({p.label or p.op}) is computed by an op; only leaf Values can be updated"
                )
            if id(p) in seen:
                raise ValueError(f"{who}: parameter {i} ({p.label or 'unlabelled'}) is listed twice")
            seen.add(id(p))
        self.lr: float = _positive(lr, "lr", who)
        self.steps = 0
        self._store: Optional[ParameterStore] = None
        self._store_seen = -1  # the claim count when the store was looked up

    def _vectors(self) -> Vectors:
        """The vectors to read and write: the flat parameters given, else the store
        holding exactly these parameters (looked up again only after a store claimed
        Values somewhere), else None."""
        if self.flat is not None:
            return self.flat
        if self._store_seen != CLAIMS.count:
            self._store = store_of(self.params)
            self._store_seen = CLAIMS.count
        return self._store

    # -- saving and resuming -----------------------------------------------------
    #: The hyperparameters saved as numbers, beside ``lr`` and ``steps`` (each class lists its own).
    _HYPER: Tuple[str, ...] = ()
    #: The per-parameter state vectors (momentum, moments), one number per parameter.
    _VECTORS: Tuple[str, ...] = ()

    def state_dict(self) -> StateDict:
        """Everything a resumed run needs, as float arrays (copies).

        ``lr``, ``steps``, the hyperparameters and the per-parameter state (one
        number per parameter, in order); :meth:`load_state_dict` takes it back."""
        state: StateDict = {"lr": np.array(self.lr), "steps": np.array(float(self.steps))}
        for name in self._HYPER:
            state[name] = np.array(getattr(self, name), dtype=float)
        for name in self._VECTORS:
            state[name] = np.array(getattr(self, name), dtype=float)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` (this optimiser's class, as many parameters).

        The names and shapes must match exactly and every number must be one
        this optimiser accepts; if not, a ValueError names every problem and
        the optimiser is unchanged.  The hyperparameters (``lr`` ...) are
        loaded too: a resumed run continues the one that was saved.
        """
        who = f"{type(self).__name__}.load_state_dict"
        shapes = {name: np.shape(value) for name, value in self.state_dict().items()}
        arrays = check_state(shapes, state, who, owner=f"this {type(self).__name__} of {len(self.params)} parameters")
        steps = float(arrays["steps"])
        if steps < 0 or steps != int(steps):
            raise ValueError(f"{who}: steps must be a whole number >= 0, got {steps!r}")
        checked = {"lr": _positive(float(arrays["lr"]), "lr", who)}
        checked.update(self._checked_hyper({name: arrays[name] for name in self._HYPER}, who))
        for name, value in checked.items():
            setattr(self, name, value)
        for name in self._VECTORS:
            setattr(self, name, arrays[name].astype(self._dtype()))
        self.steps = int(steps)

    def _checked_hyper(self, arrays: Dict[str, np.ndarray[Any, Any]], who: str) -> Dict[str, Any]:
        """The hyperparameters of a loaded state as this class keeps them, checked as its constructor does."""
        return {}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` (or the flat gradient vector) to 0."""
        vectors = self._vectors()
        if vectors is not None:
            vectors.grad[:] = 0.0
            return
        for p in self.params:
            p.grad = 0.0

    def _gradients(self, vectors: Vectors) -> np.ndarray[Any, Any]:
        if vectors is not None:
            g = vectors.grad
        else:
            g = self._numbers("grad")
        if not np.logical_and.reduce(np.isfinite(g)):  # what .all() runs, without its Python wrapper
            i = int(np.flatnonzero(~np.isfinite(g))[0])
            p = self.params[i]
            raise FloatingPointError(
                f"{type(self).__name__}.step: the gradient of parameter {i} ({p.label or 'unlabelled'}) "
                f"is {g[i]}; not updating"
            )
        return g

    def _dtype(self) -> Any:
        return float if self.flat is None else self.flat.data.dtype

    def _data(self, vectors: Vectors) -> np.ndarray[Any, Any]:
        if vectors is not None:
            return vectors.data
        return self._numbers("data")

    def _numbers(self, field: str) -> np.ndarray[Any, Any]:
        """Every parameter's ``.data`` or ``.grad`` as a vector; a value that is not a real number is a TypeError.

        ``.data`` and ``.grad`` are plain attributes: ``p.grad = "1"`` is not refused when assigned, and numpy
        would read "1" as 1.0, so it is refused here, before a step is taken on it.
        """
        values = [getattr(p, field) for p in self.params]
        if not all(type(x) is float for x in values):  # the usual case: one pass, no per-item checks
            for i, x in enumerate(values):
                if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
                    p = self.params[i]
                    raise TypeError(
                        f"{type(self).__name__}.step: the {field} of parameter {i} ({p.label or 'unlabelled'}) is "
                        f"{type(x).__name__} {x!r}; expected a real number (int or float)"
                    )
        return np.array(values, dtype=float)

    def _commit(self, vectors: Vectors, new: np.ndarray[Any, Any], **state: Any) -> None:
        """Write the new parameter values and the optimiser's new state, all or nothing.

        Everything is computed before this is called; here only assignments
        remain, and Ctrl-C is held back until they are done (see
        :class:`_SigintDeferred`).  If a parameter's setter raises, every
        parameter written so far and every state attribute is put back, so a
        failed :meth:`step` is a step not taken.
        """
        flat = vectors
        old = self._data(flat).copy() if flat is not None else self._data(flat).tolist()
        old_state = {name: getattr(self, name) for name in state}
        with _SigintDeferred():
            try:
                if flat is not None:
                    flat.data[:] = new
                else:
                    write_all_or_nothing(self.params, new.tolist())
                for name, value in state.items():
                    setattr(self, name, value)
                if flat is not None:
                    flat.updated()  # outside a held block the Values follow at once (a store's read it already)
            except BaseException:
                for name, value in old_state.items():
                    setattr(self, name, value)
                if flat is not None:
                    flat.data[:] = old
                    flat.updated()
                else:
                    write_all_or_nothing(self.params, old)
                raise

    def step(self) -> None:
        """Update every parameter from its ``.grad``.

        All or nothing: a non-finite gradient, an exception or Ctrl-C during
        the step leaves the parameters and the optimiser's state as before it.
        """
        raise NotImplementedError


def _momentum(momentum: Any, who: str) -> float:
    value = _positive(momentum, "momentum", who, allow_zero=True)
    if value >= 1.0:
        raise ValueError(f"{who}: momentum must be < 1, got {momentum!r}")
    return value


def _betas(betas: Any, who: str) -> Tuple[float, ...]:
    if isinstance(betas, str) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise TypeError(f"{who}: betas must be two numbers in [0, 1), got {betas!r}")
    checked = tuple(real_number(b, f"betas[{i}]", who, least=0.0) for i, b in enumerate(betas))
    if not all(b < 1.0 for b in checked):
        raise ValueError(f"{who}: betas must be two numbers in [0, 1), got {betas!r}")
    return checked


class SGD(Optimizer):
    """Gradient descent: ``p -= lr * g``; with momentum ``mu``: ``v = mu*v + g; p -= lr * v``."""

    _HYPER = ("momentum",)
    _VECTORS = ("velocity",)

    def __init__(self, params: Parameters, lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum: float = _momentum(momentum, "SGD")
        self.velocity: np.ndarray[Any, Any] = np.zeros(len(self.params), dtype=self._dtype())

    def step(self) -> None:
        vectors = self._vectors()
        g = self._gradients(vectors)
        velocity = self.momentum * self.velocity + g if self.momentum else self.velocity
        update = velocity if self.momentum else g
        self._commit(vectors, self._data(vectors) - self.lr * update, velocity=velocity, steps=self.steps + 1)

    def _checked_hyper(self, arrays: Dict[str, np.ndarray[Any, Any]], who: str) -> Dict[str, Any]:
        return {"momentum": _momentum(float(arrays["momentum"]), who)}


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, bias-corrected.

    ``m = b1*m + (1-b1)*g``;  ``v = b2*v + (1-b2)*g**2``;
    ``p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``.
    """

    _HYPER = ("betas", "eps")
    _VECTORS = ("m", "v")

    def __init__(
        self,
        params: Parameters,
        lr: float = 0.001,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.betas: Tuple[float, ...] = _betas(betas, "Adam")
        self.eps: float = _positive(eps, "eps", "Adam")
        self.m: np.ndarray[Any, Any] = np.zeros(len(self.params), dtype=self._dtype())
        self.v: np.ndarray[Any, Any] = np.zeros(len(self.params), dtype=self._dtype())

    def step(self) -> None:
        vectors = self._vectors()
        g = self._gradients(vectors)
        b1, b2 = self.betas
        t = self.steps + 1
        m = b1 * self.m + (1.0 - b1) * g
        v = b2 * self.v + (1.0 - b2) * g * g
        m_hat = m / (1.0 - b1**t)
        v_hat = v / (1.0 - b2**t)
        self._commit(vectors, self._data(vectors) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps), m=m, v=v, steps=t)

    def _checked_hyper(self, arrays: Dict[str, np.ndarray[Any, Any]], who: str) -> Dict[str, Any]:
        return {"betas": _betas(arrays["betas"].tolist(), who), "eps": _positive(float(arrays["eps"]), "eps", who)}
