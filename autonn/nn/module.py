"""``Module``: what every model (Neuron, Layer, MLP, Network) can do.

A module is a collection of neurons.  Everything else - its parameters, their
names, its state as numbers, saving and loading - follows from
:meth:`Module.neurons`, which every module lists in a stable order.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Dict, Generic, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar, Union, overload

import numpy as np

from ..mode import collector_paused
from ..value import Value
from .batch import ONE, read_input, stack_rows
from .state import PathLike, StateDict, check_state
from .statefile import StateFileError, read_state, write_state

if TYPE_CHECKING:  # only for type hints; neuron.py imports this file
    from .neuron import Neuron

__all__ = ["Module", "write_all_or_nothing", "Sample", "Batch", "ObjectArray"]

#: What a model gives for one sample: a Value (Neuron) or a list of Values (Layer, MLP, Network).
Out = TypeVar("Out", covariant=True)
#: One sample: ``nin`` numbers or Values.
Sample = Union[Sequence[Union[Value, float]], np.ndarray[Tuple[int], Any]]
#: A batch: a 2-D numpy array (samples x features) or equal-length rows.
Batch = Union[np.ndarray[Tuple[int, int], Any], Sequence[Sequence[Union[Value, float]]]]
#: A numpy object array of Values (``.astype(float)`` gives the numbers).
ObjectArray = np.ndarray[Any, np.dtype[np.object_]]
#: Where an optimiser's state sits in a file saved with ``save(path, optimizer=opt)``.
OPTIMIZER_PREFIX = "optimizer."


class Resumable(Protocol):
    """What :meth:`Module.save` and :meth:`Module.load` need of an optimiser (:class:`autonn.optim.Optimizer`)."""

    params: List[Value]

    def state_dict(self) -> StateDict: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


def write_all_or_nothing(params: Sequence[Value], new: Union[Sequence[float], np.ndarray[Any, Any]]) -> None:
    """Set ``params[i].data = new[i]`` for all i, or, if anything interrupts that
    (Ctrl-C arrives as a KeyboardInterrupt between any two bytecodes), put back
    the ones already written and re-raise."""
    old = [p.data for p in params]
    done = 0
    try:
        for p, x in zip(params, new):
            p.data = x
            done += 1
    except BaseException:
        for p, x in zip(params[:done + 1], old[:done + 1]):  # +1: the interrupt may follow the write, before the count
            if p.data != x:
                p.data = x
        raise


class Module(Generic[Out]):
    """Base class of the models: parameters, gradients, state and calling conventions.

    Subclasses provide ``neurons()``, ``nin``, ``nout`` and ``forward(xs)``
    for one sample (``xs`` a list of ``nin`` Values or floats).
    """

    if TYPE_CHECKING:  # read-only here: a subclass computes them or sets them as it likes
        @property
        def nin(self) -> int: ...
        @property
        def nout(self) -> int: ...

    # -- what a subclass provides ----------------------------------------------
    def neurons(self) -> List["Neuron"]:
        """Every neuron of the model, in a stable order (evaluation order)."""
        raise NotImplementedError

    def forward(self, xs: List[Any]) -> Out:
        """The output(s) for one sample, ``xs`` already checked to hold ``nin`` items."""
        raise NotImplementedError

    def _name(self) -> str:
        return type(self).__name__

    # -- calling ---------------------------------------------------------------
    @overload
    def __call__(self, xs: "np.ndarray[Tuple[int, int], Any]") -> ObjectArray: ...
    @overload
    def __call__(self, xs: Sequence[Union[Value, float]]) -> Out: ...
    @overload
    def __call__(self, xs: Sequence[Sequence[Union[Value, float]]]) -> ObjectArray: ...
    @overload
    def __call__(self, xs: "np.ndarray[Any, Any]") -> Union[Out, ObjectArray]: ...
    def __call__(self, xs: Union[Sample, Batch]) -> Union[Out, ObjectArray]:
        """Outputs for one sample (1-D sequence) or a batch (2-D numpy array).

        For a batch the result is a (samples, nout) numpy object array of Values.
        """
        kind, rows = read_input(xs, self.nin, self._name())
        # The graph built here holds no reference cycles, so the cycle
        # collector's sweeps over it would find nothing (and cost a third of
        # the call); it is paused for the call and restored after it.
        with collector_paused():
            if kind == ONE:
                return self.forward(rows)
            out: List[List[Any]] = []
            for row in rows:
                y: Any = self.forward(row)  # a Value or a list of them
                out.append([y] if isinstance(y, Value) else y)
        return stack_rows(out, self.nout)

    def scalar(self, xs: Sample) -> Value:
        """The one output of a one-output model for one sample, as a Value (not a list).

        ``model.scalar(x)`` is ``model(x)[0]`` with a check: a model with
        several outputs, or a batch, is an error rather than a silent pick.
        """
        who = f"{self._name()}.scalar"
        if self.nout != 1:
            raise ValueError(f"{who}: the model has {self.nout} outputs; scalar() is for one-output models")
        out: Any = self(xs)
        if isinstance(out, np.ndarray):
            raise ValueError(f"{who}: expected one sample (a 1-D sequence of {self.nin} numbers), got a batch")
        return out if isinstance(out, Value) else out[0]

    # -- parameters ------------------------------------------------------------
    def named_parameters(self) -> List[Tuple[str, Value]]:
        """``(name, Value)`` for every weight and bias: ``"<neuron>.w<i>"``, ``"<neuron>.b"``."""
        named: List[Tuple[str, Value]] = []
        for n in self.neurons():
            named.extend((f"{n.name}.w{i}", w) for i, w in enumerate(n.w))
            named.append((f"{n.name}.b", n.b))
        return named

    def parameters(self) -> List[Value]:
        """Every weight and bias Value, neuron by neuron (weights, then bias)."""
        params: List[Value] = []
        for n in self.neurons():
            params.extend(n.w)
            params.append(n.b)
        return params

    @contextmanager
    def using_parameters(self, params: Sequence[Value]) -> Iterator["Module[Out]"]:
        """Inside the block the model computes with ``params`` (in :meth:`parameters` order)
        instead of its own parameter Values; they are restored afterwards.

        This makes the model a function of its parameters, e.g. for
        :func:`autonn.gradcheck`::

            gradcheck(lambda *ps: loss_of(model, ps), [p.data for p in model.parameters()])
        """
        neurons = self.neurons()
        params = list(params)
        needed = sum(len(n.w) + 1 for n in neurons)
        if len(params) != needed:
            raise ValueError(f"{self._name()}.using_parameters: expected {needed} Values, got {len(params)}")
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{self._name()}.using_parameters: item {i} is a {type(p).__name__}, expected a Value")
        saved = [(n.w, n.b) for n in neurons]
        try:
            k = 0
            for n in neurons:
                m = len(n.w)
                n.w, n.b = params[k : k + m], params[k + m]
                k += m + 1
            yield self
        finally:
            for n, (w, b) in zip(neurons, saved):
                n.w, n.b = w, b

    def zero_grad(self) -> None:
        """Set the ``.grad`` of every parameter to 0."""
        for n in self.neurons():
            for w in n.w:
                w.grad = 0.0
            n.b.grad = 0.0

    # -- state as numbers ------------------------------------------------------
    def _named_neurons(self) -> List["Neuron"]:
        """The neurons, after checking their names are unique (state keys derive from them)."""
        neurons = self.neurons()
        seen: Dict[str, int] = {}
        for n in neurons:
            seen[n.name] = seen.get(n.name, 0) + 1
        repeated = [name for name, count in seen.items() if count > 1]
        if repeated:
            raise ValueError(
                f"{self._name()}: neuron names must be unique to name the state, repeated: {', '.join(repeated)}"
            )
        return neurons

    def _state_shapes(self) -> Dict[str, Tuple[int, ...]]:
        shapes: Dict[str, Tuple[int, ...]] = {}
        for n in self._named_neurons():
            shapes[f"{n.name}.w"] = (len(n.w),)
            shapes[f"{n.name}.b"] = ()
        return shapes

    def state_dict(self) -> StateDict:
        """The parameters as float arrays: ``"<neuron>.w"`` (nin,) and ``"<neuron>.b"`` ()."""
        state: StateDict = {}
        for n in self._named_neurons():
            state[f"{n.name}.w"] = np.array([w.data for w in n.w], dtype=float)
            state[f"{n.name}.b"] = np.array(n.b.data, dtype=float)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from ``state`` into the parameters.

        The names and shapes must match :meth:`state_dict` exactly; if not, a
        ValueError names every mismatch and the model is left unchanged.
        """
        self._assign(check_state(self._state_shapes(), state, f"{self._name()}.load_state_dict"))

    def _assign(self, arrays: StateDict) -> None:
        """Copy checked arrays into the parameters, all or nothing (a Ctrl-C midway puts every number back)."""
        neurons = self.neurons()
        params = [p for n in neurons for p in (*n.w, n.b)]
        new = [x for n in neurons for x in (*arrays[f"{n.name}.w"].tolist(), float(arrays[f"{n.name}.b"]))]
        write_all_or_nothing(params, new)

    def save(self, path: PathLike, optimizer: Optional[Resumable] = None) -> str:
        """Save the parameters to ``path`` (``.npz``, or JSON for ``.json``); return the file name.

        With ``optimizer`` (one that updates this model's parameters), its
        state is saved beside them (names starting ``optimizer.<class>.``), so
        ``load(path, optimizer=...)`` resumes training bit for bit.

        The file is written whole or not at all: a failure (disk full, Ctrl-C)
        leaves any previous file at ``path`` as it was.
        """
        who = f"{self._name()}.save"
        state = self.state_dict()
        if optimizer is not None:
            prefix = self._optimizer_prefix(optimizer, who)
            state.update({prefix + name: value for name, value in optimizer.state_dict().items()})
        return write_state(path, state, who)

    def load(self, path: PathLike, optimizer: Optional[Resumable] = None) -> None:
        """Load parameters saved by :meth:`save` (no pickle); with ``optimizer``, its state too.

        Without ``optimizer`` an optimiser's state in the file is skipped.
        Any problem with the file (missing, not a regular file, corrupt, too
        large, names or shapes that do not match) is a
        :class:`~autonn.nn.StateFileError` (a ValueError) naming the file and
        the problem; the model (and the optimiser) are then unchanged.
        """
        who = f"{self._name()}.load"
        shapes = self._state_shapes()
        if optimizer is None:
            self._assign(read_state(path, shapes, who, ignored=OPTIMIZER_PREFIX))
            return
        prefix = self._optimizer_prefix(optimizer, who)
        before = optimizer.state_dict()
        shapes.update({prefix + name: np.shape(value) for name, value in before.items()})
        arrays = read_state(path, shapes, who)
        try:
            optimizer.load_state_dict({name: arrays[prefix + name] for name in before})
        except ValueError as e:
            raise StateFileError(f"{who}: {path}: {e}") from None
        try:
            self._assign(arrays)
        except BaseException:
            optimizer.load_state_dict(before)
            raise

    def _optimizer_prefix(self, optimizer: Any, who: str) -> str:
        """Where ``optimizer``'s state goes in a file, after checking it updates exactly this model's parameters."""
        if not (callable(getattr(optimizer, "state_dict", None)) and callable(getattr(optimizer, "load_state_dict", None))
                and isinstance(getattr(optimizer, "params", None), list)):
            raise TypeError(f"{who}: optimizer must be an autonn.optim optimiser (with state_dict and "
                            f"load_state_dict), got {type(optimizer).__name__}")
        if list(map(id, optimizer.params)) != list(map(id, self.parameters())):
            raise ValueError(f"{who}: optimizer updates other parameters than this model's "
                             f"({len(optimizer.params)} vs {len(self.parameters())}, or in another order); "
                             "give the optimiser made for this model")
        return f"{OPTIMIZER_PREFIX}{type(optimizer).__name__}."
