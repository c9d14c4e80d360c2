"""``Network``: neurons wired in any acyclic shape, not only in layers.

Every neuron names its *sources*: network inputs or other neurons.  A neuron
may read any input and any neuron that does not (directly or through others)
read it - skip connections, a neuron fed from two depths, several outputs::

    net = Network(inputs=["x1", "x2"], seed=0)
    net.add("h1", ["x1", "x2"], "tanh")
    net.add("h2", ["x1", "h1"], "tanh")          # reads an input and a neuron
    net.add("out", ["h1", "h2", "x2"], "linear") # a skip connection from x2
    y, = net([0.5, -1.0])                        # outputs: neurons nobody reads

or all at once, in any order (it is sorted, and a cycle is reported)::

    Network(["x1", "x2"], {"out": (["h1", "x2"], "linear"), "h1": ["x1", "x2"]})

Neuron ``"h1"`` has weights ``"h1.w0"``, ``"h1.w1"``, ... (one per source, in
the order given) and bias ``"h1.b"``.
"""

from __future__ import annotations

import heapq
import numbers
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union, overload

import numpy as np

from ..value import Value
from .activation import Activation, resolve_activation
from .batch import ONE, read_input
from .checks import check_count, check_name, float_array
from .init import Seed, check_init, initial_weights, make_rng
from .module import Batch, Module, ObjectArray, Sample
from .neuron import Neuron

__all__ = ["Network", "WiringError"]

Wiring = Union[Mapping[str, object], Sequence[Tuple[Any, ...]]]
#: One wiring entry, checked: (name, sources, activation or None).
_Entry = Tuple[str, Tuple[str, ...], Optional[Activation]]


class WiringError(ValueError):
    """The wiring of a Network is impossible: a cycle, an unknown source, a name used twice."""


class Network(Module[List[Value]]):
    """Neurons wired as any directed acyclic graph over named inputs.

    ``Network(inputs, wiring=None, outputs=None, activation="relu", seed=None)``

    * ``inputs``: the input names (a list of str), or a count ``n`` for
      ``"x0" ... "x<n-1>"``.
    * ``wiring``: optional; ``{name: sources}`` or ``{name: (sources, activation)}``
      or a list of ``(name, sources[, activation])``, in any order.
    * ``outputs``: the neurons whose values the network returns, in order;
      by default every neuron no other neuron reads, in evaluation order.
    * ``activation``: for neurons that do not name their own.
    * ``seed``, ``init``: how weights are drawn (see :mod:`autonn.nn.init`).

    More neurons can be added with :meth:`add`.  Neurons are evaluated in a
    topological order (``neurons()`` lists them in it).
    """

    def __init__(
        self,
        inputs: Union[int, Sequence[str]],
        wiring: Optional[Wiring] = None,
        outputs: Optional[Sequence[str]] = None,
        activation: Activation = "relu",
        *,
        seed: Seed = None,
        init: str = "scaled",
    ) -> None:
        self._init = check_init(init, "Network")
        if isinstance(inputs, numbers.Integral) and not isinstance(inputs, bool):
            inputs = [f"x{i}" for i in range(check_count(inputs, "inputs", "Network"))]
        if isinstance(inputs, str) or not isinstance(inputs, Sequence) or len(inputs) == 0:
            raise TypeError(f"Network: inputs must be a non-empty list of names or a count, got {inputs!r}")
        names = [check_name(x, "Network input") for x in inputs]
        duplicated = sorted({x for x in names if names.count(x) > 1})
        if duplicated:
            raise WiringError(f"Network: input names must be unique, repeated: {', '.join(duplicated)}")
        self.inputs: Tuple[str, ...] = tuple(names)
        self._activation = activation
        self._rng = make_rng(seed, "Network")
        self._neurons: List[Neuron] = []
        self._sources: Dict[str, Tuple[str, ...]] = {}
        self._outputs: Optional[List[str]] = None
        self._sinks: Optional[List[str]] = None  # default outputs, recomputed after add()
        if wiring is not None:
            for name, sources, act in _sorted_wiring(self.inputs, _parse_wiring(wiring)):
                self.add(name, sources, act)
        if outputs is not None:
            self.outputs = outputs

    # -- building --------------------------------------------------------------
    def add(
        self,
        name: str,
        sources: Sequence[str],
        activation: Optional[Activation] = None,
        *,
        w: Optional[Sequence[float]] = None,
        b: Optional[float] = None,
    ) -> Neuron:
        """Add neuron ``name`` reading ``sources`` (inputs or neurons added before it).

        ``activation`` defaults to the network's.  ``w`` and ``b`` give the
        weights (one per source) and bias; otherwise they are drawn from the
        network's random generator.  Returns the new Neuron.
        """
        who = f"Network.add({name!r})"
        check_name(name, who)
        if name in self.inputs:
            raise WiringError(f"{who}: {name!r} is already a network input")
        if name in self._sources:
            raise WiringError(f"{who}: there is already a neuron named {name!r}")
        sources = _check_sources(name, sources, who)
        for s in sources:
            if s == name:
                raise WiringError(f"{who}: the neuron reads itself, which would make a cycle")
            if s not in self.inputs and s not in self._sources:
                raise WiringError(
                    f"{who}: unknown source {s!r}: not a network input ({', '.join(self.inputs)}) "
                    f"nor a neuron added before it ({', '.join(self._sources) or 'none yet'}); "
                    "to give neurons in any order, pass the whole wiring to Network(...)"
                )
        act = self._activation if activation is None else activation
        resolve_activation(act, who)  # before the random draw: a refused neuron leaves the generator as it was
        if w is None and b is None:
            weights, bias = initial_weights(self._rng, len(sources), self._init)
        else:
            if w is None or b is None:
                raise ValueError(f"{who}: give both w and b, or neither")
            weights = float_array(w, (len(sources),), "w (one weight per source)", who).tolist()
            bias = float(float_array(b, (), "b", who))
        neuron = Neuron._build(weights, bias, act, name)
        self._neurons.append(neuron)
        self._sources[name] = sources
        self._sinks = None
        return neuron

    # -- the shape -------------------------------------------------------------
    def _output_names(self) -> List[str]:
        if self._outputs is not None:
            return self._outputs
        if self._sinks is None:
            read = {s for srcs in self._sources.values() for s in srcs}
            self._sinks = [n.name for n in self._neurons if n.name not in read]
        return self._sinks

    @property
    def outputs(self) -> List[str]:
        """Names of the neurons the network returns, in order."""
        return list(self._output_names())

    @outputs.setter
    def outputs(self, names: Sequence[str]) -> None:
        if isinstance(names, str) or not isinstance(names, Sequence) or len(names) == 0:
            raise TypeError(f"Network: outputs must be a non-empty list of neuron names, got {names!r}")
        unknown = [n for n in names if n not in self._sources]
        if unknown:
            raise WiringError(
                f"Network: outputs {', '.join(map(repr, unknown))} are not neurons of the network "
                f"(neurons: {', '.join(self._sources) or 'none'})"
            )
        self._outputs = list(names)

    def sources(self, name: str) -> Tuple[str, ...]:
        """What neuron ``name`` reads, in the order of its weights."""
        if name not in self._sources:
            raise KeyError(f"Network: no neuron named {name!r}")
        return self._sources[name]

    @property
    def wiring(self) -> Dict[str, Tuple[str, ...]]:
        """``{neuron name: its sources}`` in evaluation order."""
        return dict(self._sources)

    @property
    def nin(self) -> int:
        """How many named inputs the network reads."""
        return len(self.inputs)

    @property
    def nout(self) -> int:
        """How many outputs the network gives."""
        return len(self._output_names())

    def neurons(self) -> List[Neuron]:
        return list(self._neurons)

    def neuron(self, name: str) -> Neuron:
        """The neuron called ``name``."""
        for n in self._neurons:
            if n.name == name:
                return n
        raise KeyError(f"Network: no neuron named {name!r}")

    # -- computing -------------------------------------------------------------
    @overload
    def __call__(self, xs: np.ndarray[Tuple[int, int], Any]) -> ObjectArray: ...
    @overload
    def __call__(self, xs: Sequence[Union[Value, float]]) -> List[Value]: ...
    @overload
    def __call__(self, xs: Sequence[Sequence[Union[Value, float]]]) -> ObjectArray: ...
    @overload
    def __call__(self, xs: np.ndarray[Any, Any]) -> Union[List[Value], ObjectArray]: ...
    @overload  # one more form than Module's: inputs by name
    def __call__(self, xs: Mapping[str, Union[Value, float]]) -> List[Value]: ...
    def __call__(self, xs: Union[Sample, Batch, Mapping[str, Union[Value, float]]]) -> Union[List[Value], ObjectArray]:
        """Outputs for one sample (a sequence, or a dict input name -> value) or a 2-D batch."""
        if isinstance(xs, Mapping):
            xs = self._from_mapping(xs)
        if not self._neurons:
            raise WiringError("Network: has no neurons yet; add some with Network.add")
        return super().__call__(xs)

    def _from_mapping(self, xs: Mapping[str, Any]) -> List[Any]:
        missing = [k for k in self.inputs if k not in xs]
        extra = [k for k in xs if k not in self.inputs]
        if missing or extra:
            raise ValueError(
                f"Network: inputs given by name must be exactly {', '.join(self.inputs)}; "
                f"missing: {', '.join(missing) or 'none'}; unknown: {', '.join(map(str, extra)) or 'none'}"
            )
        return [xs[k] for k in self.inputs]

    def forward(self, xs: List[Any]) -> List[Value]:
        """The outputs for one sample (checked list of ``nin`` inputs)."""
        values = self.forward_all(xs, _checked=True)
        return [values[name] for name in self._output_names()]

    def forward_all(self, xs: Union[Sample, Mapping[str, Union[Value, float]]], _checked: bool = False) -> Dict[str, Any]:
        """Every input's and every neuron's value for one sample, by name."""
        if not _checked:
            if isinstance(xs, Mapping):
                xs = self._from_mapping(xs)
            kind, xs = read_input(xs, self.nin, "Network.forward_all")
            if kind != ONE:
                raise ValueError("Network.forward_all: expects one sample, got a batch")
        values = dict(zip(self.inputs, xs))
        sources = self._sources
        for neuron in self._neurons:
            values[neuron.name] = neuron.forward([values[s] for s in sources[neuron.name]])
        return values

    def __repr__(self) -> str:
        return f"Network(inputs={list(self.inputs)}, neurons={len(self._neurons)}, outputs={self.outputs})"


def _check_sources(name: str, sources: object, who: str) -> Tuple[str, ...]:
    if isinstance(sources, str) or not isinstance(sources, Sequence) or len(sources) == 0:
        raise TypeError(f"{who}: sources must be a non-empty list of names, got {sources!r}")
    for s in sources:
        if not isinstance(s, str):
            raise TypeError(f"{who}: sources must be names (str), got {type(s).__name__}: {s!r}")
    return tuple(sources)


def _parse_wiring(wiring: Wiring) -> List[Tuple[str, Tuple[str, ...], Optional[Activation]]]:
    """``[(name, sources, activation or None)]`` from the accepted wiring forms.

    A dict maps a name to its sources, or to ``(sources, activation)``; a list
    holds ``(name, sources)`` or ``(name, sources, activation)`` tuples.
    """
    items: List[Tuple[str, object, Optional[Activation]]] = []
    if isinstance(wiring, Mapping):
        for name, spec in wiring.items():
            if isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], (list, tuple)):
                items.append((name, spec[0], spec[1]))  # (sources, activation)
            else:
                items.append((name, spec, None))
    elif isinstance(wiring, Sequence) and not isinstance(wiring, str):
        for i, entry in enumerate(wiring):
            if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
                raise TypeError(f"Network: wiring entry {i} must be (name, sources) or (name, sources, activation)")
            items.append((entry[0], entry[1], entry[2] if len(entry) == 3 else None))
    else:
        raise TypeError(f"Network: wiring must be a dict or a list of tuples, got {type(wiring).__name__}")
    entries: List[_Entry] = []
    seen: Set[str] = set()
    for name, sources, act in items:
        who = f"Network: neuron {name!r}"
        check_name(name, who)
        if name in seen:
            raise WiringError(f"{who} is defined twice")
        seen.add(name)
        entries.append((name, _check_sources(name, sources, who), act))
    return entries


def _sorted_wiring(inputs: Tuple[str, ...], entries: List[_Entry]) -> List[_Entry]:
    """The entries in an order where every neuron comes after its sources.

    Kahn's algorithm, preferring definition order among ready neurons, so a
    wiring already in order is kept as given.  Unknown sources and cycles are
    reported by name.
    """
    index = {name: i for i, (name, _, _) in enumerate(entries)}
    clash = [n for n in index if n in inputs]
    if clash:
        raise WiringError(f"Network: neuron names {', '.join(clash)} are already network inputs")
    unknown = [
        f"{name!r} reads {s!r}"
        for name, sources, _ in entries
        for s in sources
        if s not in index and s not in inputs
    ]
    if unknown:
        raise WiringError(
            f"Network: unknown sources ({'; '.join(unknown)}): not network inputs "
            f"({', '.join(inputs)}) nor neurons ({', '.join(index)})"
        )
    waiting = [len({s for s in sources if s in index}) for _, sources, _ in entries]
    readers: Dict[str, List[int]] = {}
    for i, (_, sources, _) in enumerate(entries):
        for s in set(sources):
            if s in index:
                readers.setdefault(s, []).append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order: List[_Entry] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(entries[i])
        for j in readers.get(entries[i][0], ()):
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(entries):
        raise WiringError(f"Network: the wiring has a cycle: {_find_cycle(entries, waiting, index)}")
    return order


def _find_cycle(entries: List[_Entry], waiting: List[int], index: Dict[str, int]) -> str:
    """Describe one cycle among the neurons Kahn's algorithm could not place."""
    stuck = {entries[i][0] for i, n in enumerate(waiting) if n > 0}
    name = min(stuck, key=index.__getitem__)
    path: List[str] = []
    position: Dict[str, int] = {}
    while name not in position:  # every stuck neuron reads another stuck one
        position[name] = len(path)
        path.append(name)
        name = next(s for s in entries[index[name]][1] if s in stuck)
    cycle = path[position[name]:] + [name]
    return ", ".join(f"{a!r} reads {b!r}" for a, b in zip(cycle, cycle[1:]))
