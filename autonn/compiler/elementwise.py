"""Elementwise steps: the nodes of one op as one array call, and chains of steps.

:class:`Elementwise` runs a group of nodes of one op (``16 x relu``): the
input rows gathered, the op's own forward once on whole arrays, and
backward the op's own rule once.  :class:`Chain` runs consecutive groups
where each step's outputs are read by the next step alone (a layer and its
activation, an activation and the next layer, a hinge loss's ``y * s``,
``1 - ...`` and ``relu``): forward one after the other, and backward each
step's gradient goes straight to the step before it, an array in hand,
instead of being written into ``G`` and read back.

Both evaluate only the ops' definitions (:mod:`autonn.ops.builtin`, or a
user's :func:`~autonn.register_op`), with the backend's math namespace: the
same text the eager engine runs on floats.
"""

from __future__ import annotations

from enum import Enum
from operator import itemgetter
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..ops import FLOAT_MATH, Op
from .interfaces import Backend
from .kernels import Linear
from .scatter import FirstWrites, Scatter, rows_ref, strided_view

__all__ = ["Elementwise", "Chain", "COLUMNS", "BatchDomainError"]

class Joint(Enum):
    """A :class:`Chain` joint that is no input position (an int): the previous step's
    outputs are the columns of a layer of sums."""

    COLUMNS = "columns"


COLUMNS = Joint.COLUMNS


class BatchDomainError(ValueError):
    """An op was undefined for one sample and its scalar check did not say why (should not happen)."""


def _raise_domain(op: Any, args: Sequence[Any], bad: Any, shape: Tuple[int, ...], labels: List[str], xp: Backend) -> None:
    """Raise the op's own domain error for the first bad sample, as the eager
    engine would, adding the sample and the node."""
    bad = np.broadcast_to(xp.to_numpy(bad), shape)
    args = [xp.to_numpy(x) for x in args]
    sample, row = (int(i[0]) for i in np.nonzero(bad.T))  # lowest sample first
    numbers = [float(np.broadcast_to(x, bad.shape)[row, sample]) for x in args]
    node = f" (node {labels[row]!r})" if labels[row] else ""
    try:
        op.check(numbers)
    except (ArithmeticError, ValueError) as err:
        raise type(err)(f"{err}, at sample {sample} of the batch{node}") from None
    raise BatchDomainError(f"{op.name}: undefined for {numbers} at sample {sample} of the batch{node}")


def _per_sample_forward(op: Any, xp: Backend) -> Callable[..., Any]:
    """A forward written for floats only, run sample by sample."""
    return xp.elementwise(op.value, 1)


def _per_sample_vjp(op: Any, n_inputs: int, xp: Backend) -> Callable[..., Any]:
    """A float-only op's rule, run sample by sample (with the float math namespace)."""
    if n_inputs == 1:  # np.vectorize wants a bare number from a one-output function
        per_sample = xp.elementwise(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH)[0], 1)
    else:
        per_sample = xp.elementwise(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH), n_inputs)

    def run(g: Any, y: Any, args: Any) -> Any:
        out = per_sample(g, y, *args)
        return out if isinstance(out, tuple) else (out,)

    return run


def _runs_on_arrays(op: Any, n_inputs: int, consts: Tuple[float, ...], xp: Backend) -> bool:
    """True if the op's forward and rule, which take ``m``, really accept whole arrays.

    A registered op may take ``m`` yet call ``math.sin`` (floats only): on an
    array that raises a TypeError that names no op.  Such an op is tried here
    once, on a small array, and then runs sample by sample instead, where
    its forward and rule get floats, as eagerly.
    """
    xs = [xp.zeros((1, 2)) + 0.5 for _ in range(n_inputs)]
    args = tuple(xs) + tuple(consts)
    try:
        with np.errstate(all="ignore"):
            out = op.forward(*args, xp.math) if op.arity is not None else op.forward(*args, m=xp.math)
            op.pullback(xp.zeros((1, 2)) + 1.0, out, args, xp.math)
    except TypeError:
        return False
    except (ArithmeticError, ValueError):
        return True  # outside the domain at the probe: the arrays themselves were accepted
    return True


def _column(pvec: Any, pidx: np.ndarray, xp: Backend) -> Callable[[Any], Any]:
    """A reader giving the parameters ``pvec[pidx]`` as a column, whatever ``V`` it is
    handed: a view where they are evenly spaced (a view of ``pvec`` stays current),
    else gathered at each call."""
    view = strided_view(pvec, pidx[:, None], xp)
    if view is not None:
        return lambda V: view
    index = xp.index(pidx)
    return lambda V: pvec[index][:, None]


class Elementwise:
    """Every node of one op that is ready at once: one array call forward, one rule call backward.

    An op whose forward takes ``m`` (every built-in op) runs on whole arrays
    with the backend's namespace; a forward written for floats only runs
    sample by sample (correct, slower).
    """

    def __init__(self, op: Any, out: slice, inputs: List[List[int]], input_needs_grad: List[List[bool]],
                 consts: Tuple[float, ...], labels: List[str], xp: Backend,
                 from_params: Sequence[int] = (), pvec: Any = None) -> None:
        self.op: Op = op
        self.xp = xp
        self.m = xp.math
        self.out = out
        self.consts = tuple(consts)
        self.labels = labels
        # Input positions listed in from_params read parameters (inputs[p] holds their
        # indices): a column of pvec that broadcasts across the batch, not rows of V.
        self.params = {p: np.asarray(inputs[p], dtype=np.intp) for p in from_params}
        self.refs = [None if p in self.params else xp.index(rows_ref(r)) for p, r in enumerate(inputs)]
        # with parameter columns, each position's reader of V (a column ignores V)
        self._getters = [_column(pvec, self.params[p], xp) if p in self.params else itemgetter(ref)
                         for p, ref in enumerate(self.refs)] if self.params else []
        # all input rows in one C call (each a slice view where the rows are consecutive)
        self._gather = itemgetter(*self.refs) if len(self.refs) > 1 and not self.params else None
        # each input position's rows of V, in member order (None: it reads parameters)
        self.rows = [None if p in self.params else np.asarray(r, dtype=np.intp) for p, r in enumerate(inputs)]
        self.needs = [np.asarray(n, dtype=bool) for n in input_needs_grad]
        self.n_inputs = len(inputs)
        # The ops' forwards and rules are read at each call (never copied), so
        # they may be replaced after compiling; only how to call them is fixed here.
        self.on_arrays = op.vectorized and _runs_on_arrays(op, self.n_inputs, self.consts, xp)
        self.fixed_arity = op.arity is not None
        if not self.on_arrays:
            self._per_sample = (_per_sample_forward(op, xp), _per_sample_vjp(op, self.n_inputs, xp))
        self.grads: List[Tuple[int, Any, Scatter]] = []  # (input position, local rows or None, Scatter)
        self.param_grads: List[Tuple[int, Scatter]] = []  # (input position, Scatter into the parameter gradients)
        self.passed_on: Optional[int] = None  # the input whose gradient backward_from returns (in a Chain)

    def _args(self, V: Any) -> Tuple[Any, ...]:
        if self._getters:
            args = tuple([get(V) for get in self._getters])
        else:
            args = (V[self.refs[0]],) if self._gather is None else self._gather(V)
        return args + self.consts if self.consts else args

    def forward(self, V: Any, pvec: Any) -> None:
        args = self._args(V)
        op = self.op
        if op.domain:
            self._check_domain(args, V[self.out].shape)
        if not self.on_arrays:
            V[self.out] = self._per_sample[0](*args)
        elif self.fixed_arity:
            V[self.out] = op.forward(*args, self.m)
        else:
            V[self.out] = op.forward(*args, m=self.m)

    def _check_domain(self, args: Tuple[Any, ...], shape: Tuple[int, ...]) -> None:
        bad = None
        for d in self.op.domain:
            mask = d.undefined(*args, self.m)
            bad = mask if bad is None else bad | mask
        if self.xp.any(bad):
            _raise_domain(self.op, args, bad, shape, self.labels, self.xp)

    def plan_backward(self, rows: FirstWrites, params: FirstWrites, passed_on: Optional[int] = None) -> None:
        """Plan the writes of the gradients of every input that needs one, except
        the input ``passed_on`` (whose gradient a :class:`Chain` hands on instead)."""
        if passed_on is not None and self.needs[passed_on].all():
            self.passed_on = passed_on
        # (a parameter always needs its gradient, so these writes are never skipped,
        # even in a chain that stops handing on before this link)
        for i, pidx in self.params.items():
            self.param_grads.append((i, params.scatter(pidx)))
        for i, (r, needs) in enumerate(zip(self.rows, self.needs)):
            if i == passed_on or r is None or not needs.any():
                continue  # an input with no parameter behind it needs no gradient
            local = None if needs.all() else np.flatnonzero(needs)
            self.grads.append((i, None if local is None else self.xp.index(local),
                               rows.scatter(r if local is None else r[local])))

    def local_grads(self, V: Any, g: Any) -> Tuple[Any, ...]:
        """The op's rule on this group: ``g * d out / d x_i`` for every input."""
        args = self._args(V)
        op, out = self.op, V[self.out]
        if not self.on_arrays:
            return self._per_sample[1](g, out, args)  # type: ignore[no-any-return]  # a tuple of arrays
        if self.fixed_arity:
            local = op.vjp(g, out, *args, self.m)
            if type(local) is tuple and len(local) == self.n_inputs:
                return local
        return op.pullback(g, out, args, self.m)  # (pullback names the op if the rule gave the wrong count)

    def send(self, G: Any, gp: Any, local: Tuple[Any, ...], shape: Tuple[int, ...]) -> None:
        """Write the planned inputs' gradients into their rows of ``G``, and add the
        parameters' (summed over the batch) into ``gp``."""
        xp = self.xp
        for i, rows, scatter in self.grads:
            c = xp.full(local[i], shape)
            scatter(G, c if rows is None else c[rows])
        for i, scatter in self.param_grads:
            scatter(gp, xp.row_sum(xp.full(local[i], shape)))

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        self.backward_from(V, G, gp, G[self.out])

    def backward_from(self, V: Any, G: Any, gp: Any, g: Any) -> Any:
        """Backward, given the gradient ``g`` arriving at this group's outputs; returns
        the gradient of the input a :class:`Chain` hands on (None if there is none)."""
        local = self.local_grads(V, g)
        self.send(G, gp, local, g.shape)
        return None if self.passed_on is None else self.xp.full(local[self.passed_on], g.shape)

    @property
    def has_backward(self) -> bool:
        return bool(self.grads or self.param_grads)

    def describe(self) -> str:
        k = f" (constants {tuple(self.consts)!r})" if self.consts else ""
        n = self.out.stop - self.out.start
        each = "" if self.on_arrays else " (sample by sample: its forward takes floats only)"
        return f"{n} x {self.op.name}{k}{each}"


class Chain:
    """Steps in a row, each read by the next one alone, backward hand to hand.

    ``links[k]`` reads the outputs of ``links[k - 1]`` (all of them, in their
    order) and nothing else does: an :class:`Elementwise` at its input
    position ``through[k - 1]``, a layer of sums (:class:`.kernels.Linear`)
    as its columns (``through[k - 1]`` is :data:`COLUMNS`).  So the gradient
    arriving at ``links[k - 1]``'s outputs is exactly the one ``links[k]``
    gives that input, and backward hands that array on directly; every other
    input's gradient is written into ``G`` as the step alone would.  Each
    link's ``backward_from(V, G, gp, g)`` returns the array it hands on (None
    when nothing before it needs one).  Forward is the links' own, in order,
    so ``V`` holds every link's values as before.  An MLP's layers, their
    activations and the loss after them form one chain.
    """

    def __init__(self, links: Sequence[Any], through: Sequence[Any]) -> None:
        self.links = list(links)
        self.through = list(through)
        self.out: slice = self.links[-1].out

    @staticmethod
    def joint(before: Any, after: Any) -> Any:
        """Where ``after`` reads exactly ``before``'s outputs, in order (an input position
        of an :class:`Elementwise`, :data:`COLUMNS` of a dense layer), if it does; else None.
        The caller checks that nothing else reads them."""
        readers: List[Tuple[Any, Any, Any]]  # (where, the rows of V read there, which need a gradient)
        if isinstance(after, Elementwise):
            readers = [(p, rows, after.needs[p]) for p, rows in enumerate(after.rows)]
        elif isinstance(after, Linear):
            readers = [(COLUMNS, after.cols, after.cols_need)]
        else:
            return None
        outputs = np.arange(before.out.start, before.out.stop)
        for where, rows, needs in readers:
            # all of them or none need a gradient: a link hands on all or nothing
            if rows is not None and np.array_equal(rows, outputs) and (needs.all() or not needs.any()):
                return where
        return None

    def forward(self, V: Any, pvec: Any) -> None:
        for link in self.links:
            link.forward(V, pvec)

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        for k in range(len(self.links) - 1, 0, -1):
            self.links[k].plan_backward(rows, params, self.through[k - 1])
        self.links[0].plan_backward(rows, params)

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        g = G[self.out]
        for link in reversed(self.links):
            g = link.backward_from(V, G, gp, g)
            if g is None:
                # a joint needs a gradient for all of its nodes or none (Chain.joint), so
                # None means no parameter is behind the earlier links: nothing left to do
                return

    @property
    def has_backward(self) -> bool:
        return any(link.has_backward for link in self.links)

    def describe(self) -> str:
        """One line per link; each link after the first hands its inputs' gradient back to it."""
        lines = [self.links[0].describe()] + ["-> " + link.describe() for link in self.links[1:]]
        return "\n".join(lines) + f"\n(one chain of {len(self.links)}: gradients handed back link to link)"
