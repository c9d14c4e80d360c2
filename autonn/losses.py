"""Loss functions: how wrong a model's outputs are, as one Value to backpropagate.

Every loss takes the model's outputs - a Value, a list of Values or a numpy
object array of any shape (e.g. the ``(samples, 1)`` output of a batch) - and
the targets as numbers of the same shape (size-1 axes aside, or flat in
row-major order), and returns the *mean* over samples.

=========================  ===============================================
``mse``                    mean of (pred - target)**2
``half_mse``               0.5 * mse: its gradient is the plain mean error
``hinge``                  mean of relu(1 - y * score), y in {-1, +1}
``binary_cross_entropy``   from probabilities p, y in [0, 1]: mean of
                           -(y log p + (1 - y) log(1 - p))
``binary_cross_entropy_    the same from logits z (p = sigmoid(z)): mean
with_logits``              of softplus(z) - y z, never overflows
``cross_entropy``          over a list of logits per sample and a class
                           index: log-sum-exp(logits) - logits[target];
                           or class probabilities (one-hot): the sum of
                           p_j (log-sum-exp(logits) - logits[j])
=========================  ===============================================

The two binary losses follow PyTorch's names and meanings: for a
probability 0.9 with label 1, ``binary_cross_entropy`` gives
``-log 0.9 = 0.105``, and ``binary_cross_entropy_with_logits`` of the logit
0.9 gives ``softplus(-0.9) = 0.341``.

:func:`closed_form_line_grads` gives the gradient of ``half_mse`` for the
line ``w x + b`` by hand, to check autograd against.
"""

from __future__ import annotations

import numbers
from typing import Any, List, Sequence, Tuple, Union

import numpy as np

from .arguments import real_array
from .ops import OPS, Domain, DomainError, define
from .value import Value, apply
from .value import sum as value_sum

__all__ = [
    "mse",
    "half_mse",
    "hinge",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "closed_form_line_grads",
]

Outputs = Union[Value, float, Sequence[Any], np.ndarray[Any, Any]]
#: Targets or labels: a number, a sequence of them, or an array of any shape.
Targets = Union[float, Sequence[Any], np.ndarray[Any, Any]]


def _flat(x: Any, what: str, who: str) -> List[Any]:
    """The elements of ``x`` (a scalar, a sequence or an array of any shape) as a flat list."""
    if isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool):
        return [x]
    if isinstance(x, np.ndarray):
        items: List[Any] = x.ravel().tolist()
    elif isinstance(x, Sequence) and not isinstance(x, str):
        items = np.asarray(x, dtype=object).ravel().tolist()
    else:
        raise TypeError(f"{who}: {what} must be a Value, a number, a sequence or an array, got {type(x).__name__}")
    for i, v in enumerate(items):
        if not isinstance(v, (Value, numbers.Real)) or isinstance(v, bool):
            raise TypeError(f"{who}: {what}[{i}] is a {type(v).__name__}, expected a number or a Value")
    return items


def _shape(x: Any) -> Tuple[int, ...]:
    """The shape of ``x`` as :func:`_flat` reads it (a scalar has shape ``()``)."""
    if isinstance(x, (Value, numbers.Real)):
        return ()
    return np.shape(x) if isinstance(x, np.ndarray) else np.asarray(x, dtype=object).shape


def _pairs(pred: Outputs, target: Any, who: str) -> Tuple[List[Any], List[Any]]:
    """Predictions and targets as two flat lists, paired element by element.

    Their shapes must match, size-1 axes aside (a ``(n, 1)`` batch column
    pairs with ``n`` targets), or one side may be flat (1-D), paired with the
    other in row-major order (``(n, k)`` outputs with ``n * k`` targets).
    Equal sizes alone are not enough: a ``(3, 2)`` and a ``(2, 3)`` array
    would pair the wrong elements.
    """
    p = _flat(pred, "predictions", who)
    t = _flat(target, "targets", who)
    ps, ts = _shape(pred), _shape(target)
    if len(p) != len(t):
        raise ValueError(
            f"{who}: {len(p)} predictions but {len(t)} targets (shapes {ps} and {ts}); they must match one to one"
        )
    pq, tq = tuple(d for d in ps if d != 1), tuple(d for d in ts if d != 1)
    if pq != tq and len(pq) > 1 and len(tq) > 1:
        raise ValueError(
            f"{who}: predictions of shape {ps} and targets of shape {ts} do not line up; "
            "their shapes must be equal (size-1 axes aside, e.g. (n, 1) and (n,)), or one side flat"
        )
    if not p:
        raise ValueError(f"{who}: no predictions given")
    return p, t


def _mean(terms: List[Value]) -> Value:
    return value_sum(terms) / len(terms)


def mse(pred: Outputs, target: Targets) -> Value:
    """Mean squared error: ``mean((pred - target) ** 2)``."""
    p, t = _pairs(pred, target, "mse")
    return _mean([(a - b) ** 2 for a, b in zip(p, t)])


def half_mse(pred: Outputs, target: Targets) -> Value:
    """``0.5 * mean((pred - target) ** 2)``; d/d pred_i = (pred_i - target_i) / n."""
    p, t = _pairs(pred, target, "half_mse")
    return value_sum([(a - b) ** 2 for a, b in zip(p, t)]) * (0.5 / len(p))


def _checked_label(yi: Value, i: int, check: str, who: str) -> Value:
    """The label Value ``yi`` passed through the op ``check`` (``label_pm1`` or ``label_01``):
    the check is then part of the graph, so it runs again on every row of a compiled
    batch, where ``yi`` is a column of data rather than this one number."""
    try:
        return apply(OPS[check], yi)
    except DomainError as err:
        raise DomainError(f"{who}: label {i}: {err}") from None


def _label_set(t: List[Any], allowed: Any, who: str) -> List[Any]:
    """The labels, each checked to be one of ``allowed`` (-1 and +1); a Value through ``label_pm1``."""
    out = []
    for i, v in enumerate(t):
        if isinstance(v, Value):
            out.append(_checked_label(v, i, "label_pm1", who))
        elif v not in allowed:
            raise ValueError(f"{who}: label {i} is {v!r}; expected one of {sorted(allowed)}")
        else:
            out.append(v)
    return out


def hinge(scores: Outputs, labels: Targets) -> Value:
    """Hinge (max-margin) loss: ``mean(relu(1 - y * score))`` with labels ``y`` in {-1, +1}."""
    s, y = _pairs(scores, labels, "hinge")
    y = _label_set(y, {-1.0, 1.0}, "hinge")
    return _mean([(1.0 - si * yi).relu() for si, yi in zip(s, y)])


def _binary_label(yi: Any, i: int, who: str) -> Tuple[Union[Value, float], float]:
    """Label ``i`` checked to lie in [0, 1], and its number (for messages): a number as a
    float, a Value through the op ``label_01``."""
    if isinstance(yi, Value):
        return _checked_label(yi, i, "label_01", who), yi.data
    d = float(yi)
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"{who}: label {i} is {d!r}; expected a number in [0, 1]")
    return d, d


def binary_cross_entropy(probs: Outputs, labels: Targets) -> Value:
    """Cross-entropy of probabilities ``p`` against labels ``y`` in [0, 1], as PyTorch's function of this name.

    Per sample ``-(y log p + (1 - y) log(1 - p))``, with ``log(1 - p)``
    computed as ``log1p(-p)``.  For outputs that are logits (any real
    number, before a sigmoid) use :func:`binary_cross_entropy_with_logits`,
    which is also exact where ``sigmoid`` rounds to 0 or 1.

    A probability outside [0, 1] is refused (it is most likely a logit).  A
    probability of exactly 0 or 1 whose log is needed has an infinite loss:
    it is refused too, where PyTorch would clamp that log at -100.  A label
    given as a number picks the form with one log; a label given as a Value
    (e.g. a target column of :func:`autonn.compile`) always gets both terms,
    so the formula holds for every label (``d loss / d y = log(1 - p) - log p``).
    """
    who = "binary_cross_entropy"
    p, y = _pairs(probs, labels, who)
    terms = []
    for i, (pi, yi) in enumerate(zip(p, y)):
        yi, d = _binary_label(yi, i, who)
        q = pi.data if isinstance(pi, Value) else float(pi)
        if not 0.0 <= q <= 1.0:
            raise ValueError(
                f"{who}: prediction {i} is {q!r}; expected a probability in [0, 1] "
                "(for logits use binary_cross_entropy_with_logits)"
            )
        needs_log_p = isinstance(yi, Value) or d != 0.0
        needs_log_1mp = isinstance(yi, Value) or d != 1.0
        if (needs_log_p and q == 0.0) or (needs_log_1mp and q == 1.0):
            raise ValueError(
                f"{who}: prediction {i} is {q!r} with label {d!r}: the loss is infinite; "
                "keep probabilities inside (0, 1), or pass logits to binary_cross_entropy_with_logits"
            )
        pi = pi if isinstance(pi, Value) else Value(pi)
        if isinstance(yi, Value):
            # no branch on yi.data: under compile it is a placeholder's number
            terms.append(-(yi * pi.log() + (1.0 - yi) * (-pi).log1p()))
        elif d == 1.0:
            terms.append(-pi.log())
        elif d == 0.0:
            terms.append(-(-pi).log1p())
        else:
            terms.append(-(pi.log() * d + (-pi).log1p() * (1.0 - d)))
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Outputs, labels: Targets) -> Value:
    """Cross-entropy of ``sigmoid(z)`` against ``y`` in [0, 1], from the logits ``z``, as PyTorch's function of this name.

    Per sample ``-(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))``, which
    equals ``softplus(z) - y z``: ``softplus(-z)`` for ``y = 1`` and
    ``softplus(z)`` for ``y = 0``.  ``softplus`` never overflows, so neither
    does this loss, for any logit.  For outputs that are already
    probabilities use :func:`binary_cross_entropy`.

    A label given as a number picks the cheapest of these forms.  A label
    given as a Value (e.g. a target column of :func:`autonn.compile`, whose
    number changes from sample to sample) always gets the form that holds
    for every ``y``, ``y softplus(-z) + (1 - y) softplus(z)``: exact at
    ``y = 0`` and ``y = 1`` like the number forms, and differentiable in
    ``y`` (``d loss / d y = -z``).
    """
    who = "binary_cross_entropy_with_logits"
    z, y = _pairs(logits, labels, who)
    terms = []
    for i, (zi, yi) in enumerate(zip(z, y)):
        yi, d = _binary_label(yi, i, who)
        zi = zi if isinstance(zi, Value) else Value(zi)
        if isinstance(yi, Value):
            # no branch on yi.data: under compile it is a placeholder's number
            terms.append(yi * (-zi).softplus() + (1.0 - yi) * zi.softplus())
        elif d == 1.0:
            terms.append((-zi).softplus())
        elif d == 0.0:
            terms.append(zi.softplus())
        else:
            terms.append(zi.softplus() - zi * d)
    return _mean(terms)


# A class index given as a Value (a column of data under autonn.compile) is checked by an
# op, as hinge's and the binary losses' labels are (see the label checks in
# autonn.ops.builtin): the check then runs on every row of a compiled batch.  Its
# constant is the number of classes.
define("label_class", lambda y, k, m: y * 1.0, lambda g, out, y, k, m: (g * 1.0,), consts=1,
       domain=[Domain(lambda y, k, m: m.fractional(y) | m.lt(y, 0.0) | m.gt(y, k - 1.0) | m.ne(y, y),
                      "expected a class index: a whole number at least 0 and below {1} (the number of classes), got {0}")],
       doc="y itself, for a whole number 0 <= y < k (the class index of cross_entropy)")


def _log_sum_exp(logits: List[Any]) -> Any:
    """``log(sum_j exp(z_j))``, shifted by the largest logit ``m``: exp never overflows, and the
    result (and its gradient, the softmax) is the same for any shift.  For Values, ``m`` is
    built from ops (max(a, b) = b + relu(a - b)) rather than read from ``.data``, so the
    formula never depends on the numbers: traced once by autonn.compile, it stays right for
    every sample."""
    m = _largest(logits)
    exps = [((v - m) if isinstance(v, Value) else Value(float(v) - m)).exp() for v in logits]
    return value_sum(exps).log() + m


def _cross_entropy_one(logits: List[Any], target: Any, who: str) -> Value:
    k = len(logits)
    if k == 0:
        raise ValueError(f"{who}: the logits are empty; expected one score per class (at least one)")
    if isinstance(target, Value):  # a class index whose number may change (a compiled column)
        try:
            index = apply(OPS["label_class"], target, float(k))
        except DomainError as err:
            raise DomainError(f"{who}: target: {err}") from None
        picked = value_sum([apply(OPS["eq"], index, float(j)) * z for j, z in enumerate(logits)])
        out: Value = _log_sum_exp(logits) - picked
        return out
    if not isinstance(target, (numbers.Number, str)) and hasattr(target, "__len__"):
        return _cross_entropy_soft(logits, _flat(target, "target", who), who)
    if not isinstance(target, numbers.Integral) or isinstance(target, bool) or not 0 <= target < k:  # type: ignore[operator]  # Integral declares no order; every integral type has one
        raise ValueError(f"{who}: target must be a class index in 0..{k - 1}, got {target!r} (or a Value "
                         f"holding the index, or {k} class probabilities, one-hot for a hard label)")
    out = _log_sum_exp(logits) - logits[int(target)]
    return out


def _cross_entropy_soft(logits: List[Any], probs: List[Any], who: str) -> Value:
    """``sum_j p_j (lse - z_j)``: the cross-entropy against class probabilities ``p`` (one-hot
    for a hard label), as PyTorch's ``cross_entropy`` with a probability target.  Each
    ``p_j`` is checked to lie in [0, 1], a Value through the op ``label_01`` (per row when compiled)."""
    if len(probs) != len(logits):
        raise ValueError(f"{who}: {len(logits)} logits but {len(probs)} class probabilities; "
                         "expected one probability per class (a one-hot row for a hard label)")
    lse = _log_sum_exp(logits)
    terms = []
    for j, (z, p) in enumerate(zip(logits, probs)):
        p, d = _binary_label(p, j, who)
        if isinstance(p, Value):
            terms.append(p * (lse - z))
        elif d != 0.0:  # a zero probability adds nothing
            terms.append((lse - z) * d)
    if not terms:
        raise ValueError(f"{who}: every class probability is 0; expected probabilities that sum to 1")
    return value_sum(terms)


def _largest(values: List[Any]) -> Any:
    """The largest of ``values``: a float if all are numbers, else a Value made by ops."""
    if not any(isinstance(v, Value) for v in values):
        return max(float(v) for v in values)
    m = values[0]
    for v in values[1:]:
        m = v + (m - v).relu()  # max(m, v), with a slope of 1 on whichever is larger
    return m


def cross_entropy(logits: Outputs, target: Union[int, Sequence[int], np.ndarray[Any, Any]]) -> Value:
    """Softmax cross-entropy from logits: ``log(sum_j exp(z_j)) - z_target``.

    ``logits`` is one sample's list of class scores with ``target`` a class
    index, or a 2-D ``(samples, classes)`` array with ``target`` a sequence of
    indices (the mean over samples is returned).

    The target may also be a Value holding the class index (a column of
    data under :func:`autonn.compile`): it is checked by the op
    ``label_class``, on every row of a compiled batch, and the logit is
    picked with ``eq`` ops rather than by indexing.  Or it may be the class
    probabilities, one per class (a one-hot row for a hard label, numbers or
    Values, each in [0, 1]); then the loss is ``sum_j p_j (lse - z_j)``, as
    PyTorch's ``cross_entropy`` with a probability target (for 2-D logits,
    a 2-D target of the same shape).

    The log-sum-exp is shifted by the largest logit, so it never overflows.
    For Values that largest logit is itself computed with ops
    (``max(a, b) = b + relu(a - b)``), not read from ``.data``, so the
    formula is the same for every input and :func:`autonn.compile` traces it
    correctly: the compiled loss stays finite for logits in any range.
    """
    who = "cross_entropy"
    arr = np.asarray(logits, dtype=object)
    if arr.ndim == 1:
        return _cross_entropy_one(_flat(arr, "logits", who), target, who)
    if arr.ndim != 2:
        raise ValueError(f"{who}: logits must be 1-D (one sample) or 2-D (samples, classes), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{who}: logits of shape {arr.shape} hold no samples")
    t_arr = np.asarray(target, dtype=object)
    targets = list(t_arr) if t_arr.ndim == 2 else t_arr.ravel().tolist()
    if len(targets) != arr.shape[0]:
        raise ValueError(f"{who}: {arr.shape[0]} samples of logits but {len(targets)} targets")
    return _mean([_cross_entropy_one(_flat(row, "logits", who), t, who) for row, t in zip(arr, targets)])


def closed_form_line_grads(w: Union[Value, float], b: Union[Value, float], x: Union[Sequence[float], np.ndarray[Any, Any]],
                           y: Union[Sequence[float], np.ndarray[Any, Any]]) -> Tuple[float, float]:
    """The gradient of ``half_mse(w*x + b, y)`` worked out by hand, for checking autograd.

    With ``Error = w*x + b - y`` (one per data point), the loss is
    ``0.5 * mean(Error**2)``, so

        d loss / d w = mean(Error * x),    d loss / d b = mean(Error).

    ``w`` and ``b`` are numbers or Values (their ``.data`` is used); ``x``
    and ``y`` are equal-length sequences of numbers.  Gradient descent with
    learning rate ``lr`` updates ``w -= lr * mean(Error*x)`` and
    ``b -= lr * mean(Error)``.
    """
    who = "closed_form_line_grads"
    w = w.data if isinstance(w, Value) else w
    b = b.data if isinstance(b, Value) else b
    for name, v in (("w", w), ("b", b)):
        if not isinstance(v, numbers.Real) or isinstance(v, bool):
            raise TypeError(f"{who}: {name} must be a number or a Value, got {type(v).__name__}")
    xa = real_array(x, "x", who).ravel()
    ya = real_array(y, "y", who).ravel()
    if xa.shape != ya.shape or xa.size == 0:
        raise ValueError(f"{who}: x and y must be non-empty and of equal length, got {xa.size} and {ya.size}")
    error = float(w) * xa + float(b) - ya
    return float(np.mean(error * xa)), float(np.mean(error))
