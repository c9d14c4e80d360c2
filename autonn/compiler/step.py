"""The public entry point: ``compile`` a per-sample loss, then run it on whole batches."""

from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..arguments import first_non_real, real_array
from ..flatparams import FlatParameters, ParameterStore
from ..train import mean_loss_step
from .backend import BACKENDS, NumpyBackend, make_backend
from ..anomaly import AnomalyError, is_watching
from .exact import batch_gradients, first_anomaly
from .hoist import hoist
from .interfaces import Backend
from .schedule import Plan, schedule
from .trace import check_params, trace

__all__ = ["compile", "CompiledLoss", "batch_step"]

_REDUCTIONS = ("mean", "sum")
_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class _Run:
    """One scheduled plan with its value and gradient arrays (kept between calls of one batch size)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.batch = -1
        self.V: Any = None
        self.G: Any = None

    def forward(self, X: np.ndarray, pvec: Any) -> Any:
        plan = self.plan
        xp = plan.xp
        if X.shape[0] != self.batch:
            V = xp.zeros((plan.n_rows, X.shape[0]))
            V[plan.const_rows] = plan.const_values
            self.V, self.G, self.batch = V, xp.zeros((plan.n_rows, X.shape[0])), X.shape[0]
        V = self.V
        V[plan.input_rows] = xp.asarray(X.T)
        for kernel in plan.forward:
            kernel.forward(V, pvec)
        return V

    def backward(self, gp: Any, seed_rows: Any, seed: Any) -> None:
        plan, V, G = self.plan, self.V, self.G
        if plan.zero_rows is not None:
            G[plan.zero_rows] = 0.0
        if plan.zero_params is not None:
            gp[plan.zero_params] = 0.0
        G[seed_rows] = seed
        for kernel in plan.backward:
            kernel.backward(V, G, gp)


class _Hoisted:
    """The parameter-only part of the graph, run once per call on one column (see :mod:`.hoist`)."""

    def __init__(self, graph: Any, boundary: List[int], n_params: int, pvec: Any, gp: Any, xp: Backend) -> None:
        # its parameter gradients are added to the per-sample plan's, already in gp
        self.run = _Run(schedule(graph, 0, pvec, gp, keep=boundary, xp=xp, add_to_gp=True))
        self.n_params = n_params
        self.no_inputs = np.zeros((1, 0), dtype=xp.dtype)  # one column, no input

    def forward(self, pvec: Any) -> None:
        """Compute the boundary nodes into their places after the real parameters."""
        V = self.run.forward(self.no_inputs, pvec)
        pvec[self.n_params:] = V[self.run.plan.kept_rows, 0]

    def backward(self, gp: Any) -> None:
        """Add each parameter's gradient through the hoisted nodes, given theirs in ``gp``."""
        self.run.backward(gp, self.run.plan.kept_rows, gp[self.n_params:, None])


class CompiledLoss:
    """A traced loss, run forward and backward on a batch as numpy array operations.

    Call it with a batch ``X`` of shape ``(batch, n_inputs)`` (row ``s`` is
    sample ``s``; column ``j`` feeds the function's ``inputs[j]``)::

        loss, grads = step(X)

    ``loss`` is the mean (or sum) over the batch of the function's output, a
    float; ``grads[i]`` is ``d loss / d params[i]``.  Parameters are read from
    their ``.data`` at every call, so an optimiser that changes ``p.data``
    between calls trains the compiled function too.  With
    ``accumulate_grad=True`` the gradients are also added to each ``p.grad``,
    as ``loss.backward()`` would, so ``autonn.optim`` optimisers work
    unchanged.

    ``step.flat`` (:class:`~autonn.flatparams.FlatParameters`) is the step's
    own parameter vector: inside ``with step.flat.held():`` the step reads
    ``step.flat.data`` instead of the Values and every call leaves the
    gradients in ``step.flat.grad``, so an optimiser built on ``step.flat``
    trains with no Python loop over the parameters.

    A step may be shared between threads: calls run one at a time.

    A gradient that comes out inf or nan is recomputed sample by sample on
    the eager engine (:mod:`.exact`), so a branch no rule selects contributes
    nothing here too, exactly as in ``backward()``.  Inside
    ``autonn.detect_anomaly()`` a loss or gradient that is still inf or nan
    raises :class:`~autonn.AnomalyError` naming the first such sample's row.
    """

    def __reduce__(self) -> Tuple[Any, ...]:
        """A step is not pickled or copied: its kernels and buffers belong to this process's trace."""
        raise TypeError("CompiledLoss cannot be pickled or copied: its kernels are generated for the graph traced "
                        "in this process; pickle or copy the model (or step.params) instead and call "
                        "autonn.compile again on the copy")

    def __init__(self, params: List[Any], n_inputs: int, reduction: str, plan: Plan,
                 hoisted: Optional[_Hoisted], pvec: np.ndarray, gp: np.ndarray,
                 on_backend: Tuple[Any, Any, bool], graph: Any, exact: bool) -> None:
        self.params = params
        self._graph = graph  # the whole traced graph, for the eager recomputation and detect_anomaly
        self._exact = exact  # whether a non-finite gradient is recomputed eagerly (a piecewise op is in the graph)
        self.n_inputs = n_inputs
        self.reduction = reduction
        self._plan = plan
        self._xp = plan.xp
        self.backend: str = plan.xp.name
        self._run = _Run(plan)
        self._hoisted = hoisted
        # parameter numbers (then the hoisted nodes' values) and their gradients: the
        # kernels hold views of these two vectors, so they are never replaced.  The
        # backend's copies are the same memory for numpy and PyTorch on the CPU, else
        # they are copied across at each call.
        self._pvec = pvec
        self._gp = gp
        self._pvec_d, self._gp_d, self._shared = on_backend
        n = len(params)
        # The parameters' numbers live in a store the Values read through to: in
        # float64 the step's own vector, so nothing is copied at a call; in float32 a
        # float64 vector of their own, converted into the step's at each call.
        self._store: Optional[ParameterStore] = None
        if ParameterStore.can_hold(params):
            self._store = ParameterStore(params, pvec[:n] if pvec.dtype == np.float64 else None)
        data = self._store.data if self._store is not None and pvec.dtype == np.float64 else pvec[:n]
        self.flat = FlatParameters(params, data, gp[:n], self._store)
        # The step's arrays (values, gradients, gathered weights) are reused
        # between calls; one call at a time keeps a shared step correct.
        self._lock = threading.Lock()

    def _check(self, X: Any, who: str) -> Any:  # a float array (numpy's stubs lose the type on the way)
        found = first_non_real(X)
        if found is not None:  # as model(X): no bool, str, complex or None read as a number
            raise TypeError(
                f"{who}: X must hold real numbers (shape (batch, {self.n_inputs})), "
                f"found {type(found[0]).__name__}: {found[0]!r}"
            )
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError, OverflowError) as err:
            raise TypeError(f"{who}: X must be an array of numbers of shape (batch, {self.n_inputs}): {err}") from None
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"{who}: expected X of shape (batch, {self.n_inputs}) (one row per sample, "
                f"one column per input), got shape {X.shape}"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{who}: the batch is empty (X has shape {X.shape}); expected at least one sample")
        return X

    def _forward(self, X: np.ndarray) -> Any:
        if not self.flat.is_held:
            self.flat.pull()
        if not self._shared:
            self._xp.write_back(self._pvec_d, self._pvec)
        if self._hoisted is not None:
            self._hoisted.forward(self._pvec_d)
        return self._run.forward(X, self._pvec_d)

    def __call__(self, X: Any, accumulate_grad: bool = False) -> Tuple[float, np.ndarray[Any, Any]]:
        """``(loss, grads)`` for the batch ``X`` (see the class docstring)."""
        X = self._check(X, "compiled step")
        with self._lock, np.errstate(all="ignore"):
            V = self._forward(X)
            total = self._xp.total(V[self._plan.root_row])
            scale = 1.0 / X.shape[0] if self.reduction == "mean" else 1.0
            self._run.backward(self._gp_d, self._plan.root_row, scale)
            if self._hoisted is not None:
                self._hoisted.backward(self._gp_d)
            if not self._shared:
                self._gp[...] = self._xp.to_numpy(self._gp_d)
            pvec = self._pvec[:len(self.params)]
            finite = bool(np.isfinite(self.flat.grad).all())
            if self._exact and not finite:
                self.flat.grad[...] = batch_gradients(self._graph, X, pvec, scale)[0]
                finite = bool(np.isfinite(self.flat.grad).all())
            if is_watching() and not (finite and np.isfinite(total)):
                found = first_anomaly(self._graph, X, pvec, scale)
                if found is not None:
                    raise AnomalyError(found)
            grads = self.flat.grad.copy()
        if accumulate_grad:
            store = self._store
            if store is not None:
                store.ensure()
                store.grad += grads
            else:
                for p, g in zip(self.params, grads.tolist()):
                    p.grad += g
        return total * scale, grads

    def step_on(self, X: Any) -> Callable[[], float]:
        """A training step on the fixed batch ``X``: each call adds the gradients to
        every ``p.grad`` (as ``backward()`` would) and returns the loss, the
        contract of :func:`autonn.train.fit` and of ``train.mean_loss_step``."""
        X = self._check(X, "compiled step_on")
        return lambda: self(X, accumulate_grad=True)[0]

    def evaluate(self, X: Any) -> np.ndarray[Any, Any]:
        """The function's output for every sample of ``X`` (forward only), shape ``(batch,)``."""
        X = self._check(X, "compiled evaluate")
        with self._lock, np.errstate(all="ignore"):
            return np.array(self._xp.to_numpy(self._forward(X)[self._plan.root_row]))

    def summary(self) -> str:
        """What the compiler made of the graph: one line per vectorised step, then what each
        pass gave (trace -> fuse -> group -> layout -> emit, see :mod:`autonn.compiler`)."""
        plan = self._plan
        lines = [
            f"{plan.n_nodes} traced nodes -> {_count(plan.forward, 'forward step')}, "
            f"{_count(plan.backward, 'backward step')} ({plan.n_absorbed} products absorbed into matrices)"
        ]
        lines += _numbered(plan.forward)
        passes = [plan.passes]
        if self._hoisted is not None:
            once = self._hoisted.run.plan
            lines.append(f"once per call, not per sample: {len(once.kept_rows)} parameter-only node(s) the samples "
                         f"read, {_count(once.forward, 'step')}:")
            lines += _numbered(once.forward)
            passes.append(once.passes)
        for title, lines_of_passes in zip(("passes:", "passes, once per call:"), passes):
            lines.append(title)
            lines += [f"  {line}" for line in lines_of_passes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        plan = self._plan
        on = "" if self.backend == "numpy" else f", backend={self.backend!r} on {self._xp.device}"
        return (f"CompiledLoss({len(self.params)} params, {self.n_inputs} inputs, reduction={self.reduction!r}, "
                f"{len(plan.forward)} steps for {plan.n_nodes} nodes{on})")



def _count(items: List[Any], what: str) -> str:
    return f"{len(items)} {what}{'' if len(items) == 1 else 's'}"


def _numbered(steps: List[Any]) -> List[str]:
    """The steps' descriptions, numbered; a chain's links go on lines of their own, indented."""
    lines = []
    for i, step in enumerate(steps):
        first, *rest = step.describe().split("\n")
        lines.append(f"  {i + 1:>3}. {first}")
        lines += [f"       {line}" for line in rest]
    return lines


def compile(  # noqa: A001 - the natural name; autonn.compile reads well
    loss_fn: Callable[[List[Any]], object],
    params: Sequence[Any],
    n_inputs: int,
    reduction: str = "mean",
    example: Optional[Sequence[float]] = None,
    allow_unused: bool = False,
    dtype: Any = np.float64,
    backend: str = "numpy",
    device: Optional[str] = None,
) -> CompiledLoss:
    """Trace ``loss_fn`` once and return a :class:`CompiledLoss` that runs it on whole batches.

    ``loss_fn(inputs)`` takes a list of ``n_inputs`` scalar Values (one
    sample: features and target alike) and returns one Value, the loss of
    that sample.  It is called once, on placeholders, so a choice made in
    Python from a traced number (``if x.data > 0``, ``float(x)``, ``bool(x)``)
    would be frozen for every sample: it raises :class:`~autonn.TraceError`
    naming the line instead; choices written with ops (``autonn.where``,
    ``relu``, ``maximum``) run per sample.

    ``params`` are the leaf Values to differentiate (e.g. ``model.parameters()``);
    every one must be used by the function, unless ``allow_unused=True``
    (then an unused one gets gradient 0).  Any other leaf the function
    reads is a constant, frozen at its current number.

    ``reduction`` is ``"mean"`` or ``"sum"`` over the batch.  ``example``
    gives the placeholders' numbers during the trace (default zeros) if
    zeros would be outside the function's domain.

    ``dtype=np.float32`` runs the step (values, gradients and the flat
    parameter vector) in single precision: about twice the speed for wide
    layers, with results within about 1e-5 of float64, relative to the size
    of the numbers involved (more where the loss is badly conditioned).

    ``backend="torch"`` runs the same plan (the same steps and the ops' own
    rules) on PyTorch tensors, on ``device`` (default: ``"cuda"`` if PyTorch
    finds a GPU, else ``"cpu"``; any device string PyTorch accepts).  PyTorch
    is imported only then and is not a dependency of autonn.  Losses and
    gradients still come back as a float and a numpy array, and in float64
    they equal the numpy backend's to about 1e-12.
    """
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"compile: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype is None or dtype not in _DTYPES:  # (a dtype compares equal to None: float64)
        raise ValueError(f"compile: dtype must be numpy.float64 or numpy.float32, got {dtype!r}")
    if not callable(loss_fn):
        raise TypeError(f"compile: loss_fn must be a function of a list of input Values, got {type(loss_fn).__name__}")
    if not isinstance(backend, str):  # (an array would make the membership test ambiguous)
        raise ValueError(f"compile: backend must be one of {BACKENDS}, got {backend!r:.80}")
    if example is not None:
        example = real_array(example, "example", "compile").ravel().tolist()
    xp = make_backend(backend, dtype, device)
    try:  # a device that holds no numbers (PyTorch's shape-only "meta") is refused here, not at the first call
        xp.to_numpy(xp.asarray(np.zeros(1, dtype=dtype)))
    except Exception as err:
        raise ValueError(f"compile: device={device!r} cannot hand numbers back ({type(err).__name__}: {err}); "
                         "give a device that holds numbers, such as 'cpu' or 'cuda'") from None
    params = check_params(params, "compile")  # once: an iterator can be read only once
    try:
        graph = whole = trace(loss_fn, params, n_inputs, example, allow_unused)
    except (IndexError, ValueError) as err:
        if not isinstance(err, IndexError) and "values to unpack" not in str(err):
            raise
        # loss_fn(inputs) indexed or unpacked its list of inputs: almost always a wrong n_inputs
        raise ValueError(f"compile: loss_fn raised {type(err).__name__} ({err}) on its list of n_inputs={n_inputs} "
                         "inputs; n_inputs must count every input it reads (the features and the target)") from err
    split = hoist(graph, len(params))
    size = len(params) + (0 if split is None else len(split[2]))
    pvec = np.zeros(size, dtype=dtype)
    gp = np.zeros(size, dtype=dtype)
    (pvec_d, shared), (gp_d, _) = xp.mirror(pvec), xp.mirror(gp)
    hoisted = None
    if split is not None:
        graph, per_step, boundary = split
        hoisted = _Hoisted(per_step, boundary, len(params), pvec_d, gp_d, xp)
    plan = schedule(graph, n_inputs, pvec_d, gp_d, xp=xp)
    # Only a piecewise op's rule can leave a branch out, where eager and batch may differ.
    exact = any(op is not None and op.piecewise for op in whole.ops)
    return CompiledLoss(params, n_inputs, reduction, plan, hoisted, pvec, gp, (pvec_d, gp_d, shared), whole, exact)


def batch_step(sample_loss: Callable[..., Any], params: Any, data: Any, compiled: bool = False) -> Callable[[], float]:
    """A training step over the rows of ``data``: the mean of ``sample_loss(row)``.

    Each call adds d(mean loss)/d p to every ``p.grad`` and returns the loss,
    the contract of :func:`autonn.train.fit`.  Eager by default
    (:func:`autonn.train.mean_loss_step`); ``compiled=True`` traces
    ``sample_loss`` once and runs every step on the whole batch with numpy
    (:meth:`CompiledLoss.step_on`) - the same numbers, much faster.
    """
    if not compiled:
        return mean_loss_step(sample_loss, data)
    data = real_array(data, "data", "batch_step")
    if data.ndim != 2:
        raise ValueError(f"batch_step: data must be a 2-D array of rows, got shape {data.shape}")
    return compile(sample_loss, params, n_inputs=data.shape[1]).step_on(data)
