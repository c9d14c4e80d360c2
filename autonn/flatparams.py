"""Parameters held as one numpy vector while training compiled.

A model's parameters are Values, one Python object each.  Reading every
``p.data`` before a compiled step and writing every update back after it
costs a Python loop over all parameters, which at a million parameters is
longer than the step's own arithmetic.  Two things here remove that loop:

* :class:`ParameterStore` moves the numbers of leaf Values into two float64
  vectors, ``data`` and ``grad``, and makes the Values read and write through
  to them: ``p.data`` is ``store.data[i]``, ``p.grad`` is ``store.grad[i]``,
  and ``p.data = x`` writes ``store.data[i]``.  A compiled step keeps its
  parameters in a store (in float64 the vector *is* the step's own parameter
  vector), so a step reads no Value, adds its gradients to every ``p.grad``
  with one vector addition, and an optimiser over the same Values updates the
  vector in place: the Values are right whenever they are read, with no
  copy in between.  A Value belongs to one store at a time; a later store
  over it (another compiled step) takes it over, with its numbers, and the
  earlier one takes it back, with its numbers, at its next call.
* :class:`FlatParameters` is a step's own view of its parameter vector and
  of the gradients of its last call (``step.flat``), for an optimiser built
  on the step itself.  ``with flat.held():`` makes the step read ``data``
  alone and lets the Values lag until the block ends; since the Values read
  through to a float64 step's vector it changes nothing there, and for a
  float32 step it saves one conversion of the vector per call.
"""

from __future__ import annotations

import numbers
import threading
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Sequence

import numpy as np

from .guard import TRACES, from_user, refuse_assignment, refuse_if_traced
from .node import Node
from .value import Value

__all__ = ["FlatParameters", "ParameterStore", "store_of"]

# The slot behind a plain Value's ``.data``: in a store's Values it holds the
# Value's position in the store's vectors (the number itself lives there).
_SLOT = Node.__dict__["data"]
_slot_get = _SLOT.__get__
_slot_set = _SLOT.__set__


class _Claims:
    """How many times any store has taken Values over: a store (or an optimiser
    that recognised one) whose count is still current knows without a loop
    that no Value has changed hands since it last looked."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.RLock()


CLAIMS = _Claims()


def _plain_value(data: float, grad: float, label: str) -> Value:
    """A plain leaf Value: what a copy or a pickle of a store's Value becomes."""
    v = Value(data, label)
    v.grad = grad
    return v


def _real(x: object, what: str) -> float:
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"Value.{what}: a parameter of a compiled step holds a real number (int or float), "
                    f"got {type(x).__name__}: {x!r}")


def _reading_class(store: "ParameterStore") -> type:
    """A subclass of Value, made for one store, whose ``data`` and ``grad`` are the store's entries.

    The class adds no slot (so a plain Value can become one by assigning its
    ``__class__``) and is named ``Value``: to the user it is one.  Reads from
    user code inside a trace are refused as :mod:`autonn.guard` refuses them
    for every Value.
    """
    data, grad = store.data, store.grad
    data_item, grad_item = data.item, grad.item

    def get_data(self: Value) -> float:
        if TRACES.active and from_user(1):
            refuse_if_traced(self, ".data")
        number: float = data_item(_slot_get(self, None))
        return number

    def set_data(self: Value, x: float) -> None:
        if TRACES.active and from_user(1):
            refuse_assignment(self)
        data[_slot_get(self, None)] = _real(x, "data")

    def get_grad(self: Value) -> float:
        number: float = grad_item(_slot_get(self, None))
        return number

    def set_grad(self: Value, x: float) -> None:
        grad[_slot_get(self, None)] = _real(x, "grad")

    def reduce(self: Value, protocol: Any = None) -> Any:
        return (_plain_value, (self.data, self.grad, self.label))  # a copy is a Value of its own

    namespace = {
        "__slots__": (),
        "__module__": Value.__module__,
        "__qualname__": "Value",
        "__doc__": Value.__doc__,
        "data": property(get_data, set_data, doc="The number, kept in a compiled step's parameter vector."),
        "grad": property(get_grad, set_grad, doc="The accumulated gradient, kept beside the number."),
        "__reduce_ex__": reduce,
        "__reduce__": reduce,
        "store": store,
    }
    return type("Value", (Value,), namespace)


class ParameterStore:
    """The numbers and gradients of the leaf Values ``params`` in the float64 vectors ``data`` and ``grad``.

    The Values read and write through to the vectors (see the module
    docstring).  ``data`` may be given (a view into a compiled step's own
    parameter vector); both vectors are updated in place, never replaced.
    Only plain Values (or Values of another store) can be held: check with
    :meth:`can_hold` first.
    """

    def __init__(self, params: Sequence[Value], data: Optional[np.ndarray[Any, Any]] = None) -> None:
        self.params: List[Value] = list(params)
        n = len(self.params)
        self.data: np.ndarray[Any, Any] = np.zeros(n) if data is None else data
        if self.data.shape != (n,) or self.data.dtype != np.float64:
            raise ValueError(f"ParameterStore: data must be a float64 vector of shape ({n},), "
                             f"got {self.data.dtype} of shape {self.data.shape}")
        self.grad: np.ndarray[Any, Any] = np.zeros(n)
        self.cls = _reading_class(self)
        self.claimed_at = -1
        self.claim()

    @staticmethod
    def can_hold(params: Sequence[Any]) -> bool:
        """True if every one of ``params`` is a plain Value or a Value of a store
        (a user's own subclass of Value keeps its own storage)."""
        return all(type(p) is Value or getattr(type(p), "store", None) is not None for p in params)

    def claim(self) -> None:
        """Take every Value over, with its current number and gradient."""
        with CLAIMS.lock:
            self.data[:] = [p.data for p in self.params]
            self.grad[:] = [p.grad for p in self.params]
            cls = self.cls
            for i, p in enumerate(self.params):
                if type(p) is not Value:
                    p.__class__ = Value  # out of the store that held it, before its slot changes
                _slot_set(p, i)
                p.__class__ = cls
            CLAIMS.count += 1
            self.claimed_at = CLAIMS.count

    def holds_all(self) -> bool:
        """True if every Value still reads through to this store (no loop unless some store claimed since)."""
        if self.claimed_at == CLAIMS.count:
            return True
        with CLAIMS.lock:
            cls = self.cls
            if any(type(p) is not cls for p in self.params):
                return False
            self.claimed_at = CLAIMS.count
            return True

    def ensure(self) -> None:
        """Make every Value read through to this store again, if another store took any over."""
        if not self.holds_all():
            self.claim()

    def updated(self) -> None:
        """``data`` was changed in place: the Values read it already, so there is nothing to do."""

    def __len__(self) -> int:
        return len(self.params)

    def __repr__(self) -> str:
        return f"ParameterStore({len(self.params)} parameters)"


def store_of(params: Sequence[Any]) -> Optional[ParameterStore]:
    """The store whose Values are exactly ``params``, in order, if there is one; else None."""
    if not params:
        return None
    store = getattr(type(params[0]), "store", None)
    if not isinstance(store, ParameterStore) or len(store.params) != len(params) or not store.holds_all():
        return None
    if all(a is b for a, b in zip(store.params, params)):
        return store
    return None


class FlatParameters:
    """The numbers of ``params`` (leaf Values) in the vector ``data``, their gradients in ``grad``.

    ``data`` and ``grad`` may be given (views into a compiled step's own
    vectors); they are updated in place, never replaced, so views of them
    (the weight matrices of a compiled layer) stay current.  With a
    ``store`` holding the Values, :meth:`pull` and :meth:`push` are one
    vector copy (none when ``data`` is the store's own vector), not a loop.
    """

    def __init__(self, params: List[Any], data: Optional[np.ndarray[Any, Any]] = None, grad: Optional[np.ndarray[Any, Any]] = None,
                 store: Optional[ParameterStore] = None) -> None:
        self.params: List[Any] = list(params)  # leaf Values
        self.store = store
        n = len(self.params)
        self.data: np.ndarray[Any, Any] = np.zeros(n) if data is None else data
        self.grad: np.ndarray[Any, Any] = np.zeros(n) if grad is None else grad
        if self.data.shape != (n,) or self.grad.shape != (n,):
            raise ValueError(f"FlatParameters: data and grad must have shape ({n},), "
                             f"got {self.data.shape} and {self.grad.shape}")
        self._holders = 0
        self._lock = threading.Lock()
        self.pull()

    @property
    def is_held(self) -> bool:
        """True inside a :meth:`held` block: ``data`` is the truth and the Values may be behind."""
        return self._holders > 0

    def pull(self) -> None:
        """Load ``data`` from the Values (after code changed some ``p.data``)."""
        store = self.store
        if store is not None:
            store.ensure()
            if self.data is not store.data:
                self.data[:] = store.data
            return
        self.data[:] = np.fromiter((p.data for p in self.params), dtype=float, count=len(self.params))

    def push(self) -> None:
        """Write ``data`` into the Values (before reading them, saving the model or an eager call)."""
        store = self.store
        if store is not None:
            store.ensure()
            if self.data is not store.data:
                store.data[:] = self.data
            return
        for p, x in zip(self.params, self.data.tolist()):
            p.data = x

    def updated(self) -> None:
        """``data`` was changed in place: outside a held block, the Values follow at once."""
        if not self._holders:
            self.push()

    @contextmanager
    def held(self) -> Iterator["FlatParameters"]:
        """Train on ``data`` alone inside the block; the Values get the numbers on leaving it."""
        with self._lock:
            if not self._holders:
                self.pull()
            self._holders += 1
        try:
            yield self
        finally:
            with self._lock:
                self._holders -= 1
                if not self._holders:
                    self.push()

    def __len__(self) -> int:
        return len(self.params)

    def __repr__(self) -> str:
        return f"FlatParameters({len(self.params)} parameters{', held' if self._holders else ''})"
