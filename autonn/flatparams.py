"""Parameters held as one numpy vector while training compiled.

A model's parameters are Values, one Python object each.  Reading every
``p.data`` before a compiled step and writing every update back after it
costs a Python loop over all parameters, which at a million parameters is
most of the step.  :class:`FlatParameters` keeps the numbers in one vector
(``data``) with the gradients beside it (``grad``): a compiled step reads
``data`` and writes ``grad``, an optimiser updates ``data`` in place, and
the Values receive the numbers when :meth:`FlatParameters.push` is called.

``with flat.held():`` is a training loop's block: on entry the vector is
loaded from the Values, inside it the Values are not touched, and on exit
(normal, exception or Ctrl-C alike) the Values get the current numbers.
Outside a ``held()`` block every optimiser step writes the Values at once,
as before, so nothing is ever stale there.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

import numpy as np

__all__ = ["FlatParameters"]


class FlatParameters:
    """The numbers of ``params`` (leaf Values) in the vector ``data``, their gradients in ``grad``.

    ``data`` and ``grad`` may be given (views into a compiled step's own
    vectors); they are updated in place, never replaced, so views of them
    (the weight matrices of a compiled layer) stay current.
    """

    def __init__(self, params: List[Any], data: Optional[np.ndarray[Any, Any]] = None, grad: Optional[np.ndarray[Any, Any]] = None) -> None:
        self.params: List[Any] = list(params)  # leaf Values
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
        self.data[:] = np.fromiter((p.data for p in self.params), dtype=float, count=len(self.params))

    def push(self) -> None:
        """Write ``data`` into the Values (before reading them, saving the model or an eager call)."""
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
