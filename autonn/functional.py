"""Gradients as functions: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``hvp``, ``jvp``.

Two styles, one engine:

* ``autonn.grad(output, inputs)`` - the gradients of a graph you built (PyTorch's
  ``torch.autograd.grad``), first or, with ``create_graph=True``, higher order;
* ``autonn.grad(f)``, ``value_and_grad(f)``, ``jacobian(f)``, ``hessian(f)``,
  ``hvp(f)``, ``jvp(f, ...)`` - transforms of a Python function (HIPS autograd's
  and JAX's style).  ``f`` takes scalars (numbers or Values) or flat sequences
  of them and returns a Value (a sequence of Values for ``jacobian``).

Reverse mode runs the one reverse walk (:func:`autonn.backward.reverse_pass`);
forward mode (``jvp``) pushes tangents through the same rules
(:func:`autonn.forward.forward_pass`).  Called on plain numbers a transform
returns floats; called on Values it returns Values built from the rules, so
transforms compose: ``hessian(f)`` is forward mode over ``grad(f)``, and
``grad(grad(f))`` is a second derivative.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Literal, Protocol, Sequence, Tuple, Union, overload

import numpy as np

from .arguments import real_number
from .backward import depends_on, reverse_pass
from .forward import forward_pass
from .graph import topological_order
from .node import real_gradient
from .ops import FLOAT_MATH
from .value import VALUE_MATH, Constant, Value

__all__ = ["grad", "value_and_grad", "jacobian", "hessian", "hvp", "jvp"]

ArgNums = Union[int, Sequence[int]]


def _gradients(output: Value, wanted: Sequence[Value], create_graph: bool) -> List[Any]:
    order = topological_order(output)
    relevant = depends_on(order, wanted)
    if create_graph:
        grads = reverse_pass(order, output, Constant(1.0), VALUE_MATH, relevant)
        return [_as_node(grads.get(x, 0.0)) for x in wanted]
    grads = reverse_pass(order, output, 1.0, FLOAT_MATH, relevant)
    found = [grads.get(x, 0.0) for x in wanted]
    return [g if type(g) is float else real_gradient(x, g, grads) for x, g in zip(wanted, found)]


def _as_node(x: Any) -> Value:
    return x if isinstance(x, Value) else Constant(float(x))


#: What a transform returns: a function of the same arguments as ``f`` (numbers give floats,
#: Values give Values; a list or array argument gives a list or array).
Transformed = Callable[..., Any]
#: A number a transformed function takes (an int or a numpy scalar is a float here).
_Num = float


class GradientFunction(Protocol):
    """What ``grad(f)`` returns, typed by its arguments: numbers in, a float out; a Value
    among them, a Value out (to differentiate again); a list of numbers, a list of floats."""

    @overload
    def __call__(self, x: _Num, /, *args: _Num) -> float: ...
    @overload
    def __call__(self, x: Value, /, *args: Union[Value, _Num]) -> Value: ...
    @overload
    def __call__(self, x: Sequence[_Num], /, *args: Union[Sequence[_Num], _Num]) -> List[float]: ...
    @overload
    def __call__(self, *args: Any) -> Any: ...


class ValueAndGradFunction(Protocol):
    """What ``value_and_grad(f)`` returns: ``(value, gradient)``, typed as :class:`GradientFunction`."""

    @overload
    def __call__(self, x: _Num, /, *args: _Num) -> Tuple[float, float]: ...
    @overload
    def __call__(self, x: Value, /, *args: Union[Value, _Num]) -> Tuple[Value, Value]: ...
    @overload
    def __call__(self, x: Sequence[_Num], /, *args: Union[Sequence[_Num], _Num]) -> Tuple[float, List[float]]: ...
    @overload
    def __call__(self, *args: Any) -> Tuple[Any, Any]: ...


#: What ``jacobian(f)`` and ``hessian(f)`` return: a function giving a numpy array.
ArrayFunction = Callable[..., "np.ndarray[Any, Any]"]


@overload
def grad(output: Value, inputs: Value, create_graph: Literal[False] = ...) -> float: ...
@overload
def grad(output: Value, inputs: Value, create_graph: Literal[True]) -> Value: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[False] = ...) -> List[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> List[Value]: ...
@overload
def grad(output: Value, inputs: "np.ndarray[Any, Any]", create_graph: bool = ...) -> "np.ndarray[Any, Any]": ...
@overload
def grad(output: Value, inputs: Union[Value, Sequence[Value]], create_graph: bool) -> Any: ...
@overload
def grad(output: Callable[..., Any], *, argnums: int = ...) -> GradientFunction: ...
@overload
def grad(output: Callable[..., Any], *, argnums: Sequence[int]) -> Callable[..., Tuple[Any, ...]]: ...
def grad(output: Any, inputs: Any = None, create_graph: bool = False, *, argnums: ArgNums = 0) -> Any:
    """Gradients: of a graph (``grad(output, inputs)``) or of a function (``grad(f)``).

    ``grad(output, inputs)`` returns ``[d output / d x for x in inputs]``
    without touching any ``.grad``.  ``inputs`` is a list or tuple of nodes
    (a single node gives a single gradient; a numpy object array of Values
    gives an array of the same shape); intermediate nodes are fine (their
    gradient is what ``backward()`` would leave in their ``.grad``).  An input
    that ``output`` does not depend on gets 0.  Only the part of the graph
    between ``inputs`` and ``output`` is visited, so a slope towards anything
    else is never computed.  With ``create_graph=True`` the gradients are
    Values built by running the same derivative rules on Values, so they can
    be differentiated again; an infinite slope on the way (``sqrt`` at 0)
    is ``inf`` there too, as on floats.

    ``grad(f, argnums=0)`` returns the function ``x -> d f / d x`` for a
    function ``f`` returning one Value: the gradient with respect to argument
    ``argnums`` (an int; a tuple of ints gives a tuple of gradients).
    """
    if callable(output) and not isinstance(output, Value):
        if inputs is not None:
            raise TypeError("grad(f): pass argnums= by keyword; the second argument is for grad(output, inputs)")
        f = output
        who, nums = _checked("grad", f, argnums)
        run = _value_and_grad(who, f, nums)

        def gradient(*args: Any) -> Any:
            return run(*args)[1]

        gradient.__name__ = who
        return gradient
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__} (or pass a function: grad(f))")
    if inputs is None:
        raise TypeError("grad: inputs is missing: the Values to differentiate with respect to")
    shape = None
    if isinstance(inputs, np.ndarray):
        shape = inputs.shape
        wanted: Sequence[Any] = inputs.ravel().tolist()
    elif isinstance(inputs, (list, tuple)):
        wanted = inputs
    else:
        wanted = (inputs,)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    result = _gradients(output, wanted, create_graph)
    if shape is not None:
        return np.array(result, dtype=object if create_graph else float).reshape(shape)
    return result if isinstance(inputs, (list, tuple)) else result[0]


# -- transforms of functions -------------------------------------------------------------

def _checked(who: str, f: Any, argnums: Any = 0) -> Tuple[str, ArgNums]:
    """``(who(f's name), argnums)`` once ``f`` is callable and ``argnums`` an int or a non-empty tuple/list
    of ints (numpy integers become Python ints).

    Checked when the transform is made, so ``grad(None)`` fails there rather
    than at the first call; whether the numbers name real arguments is checked
    at each call, when the arguments are known.
    """
    if not callable(f):
        raise TypeError(f"{who}: f must be a function returning Values, got {type(f).__name__}: {f!r:.80}")
    whole = (int, np.integer)
    if isinstance(argnums, (list, tuple)):
        fine = len(argnums) > 0 and all(isinstance(k, whole) and not isinstance(k, (bool, np.bool_)) for k in argnums)
    else:
        fine = isinstance(argnums, whole) and not isinstance(argnums, (bool, np.bool_))
    if not fine:
        raise TypeError(f"{who}: argnums must be an int or a non-empty tuple of ints (the arguments to differentiate), "
                        f"got {argnums!r:.80}")
    nums: ArgNums = tuple(int(k) for k in argnums) if isinstance(argnums, (list, tuple)) else int(argnums)
    return f"{who}({getattr(f, '__name__', 'f')})", nums


class _Args:
    """A function's arguments made ready to differentiate.

    Each argument is a scalar (a number or a Value) or a flat sequence of
    them.  Numbers become fresh leaves; Values are used as they are, and then
    the results are Values too (``nested``), so an outer transform can
    differentiate them.
    """

    def __init__(self, who: str, args: Tuple[Any, ...], argnums: ArgNums) -> None:
        if not args:
            raise TypeError(f"{who}: the function needs at least one argument")
        self.single = isinstance(argnums, int) and not isinstance(argnums, bool)
        nums: Tuple[int, ...] = (argnums,) if self.single else tuple(argnums)  # type: ignore[assignment,arg-type]  # single: an int; else a sequence (a bool fails in tuple())
        for k in nums:
            if isinstance(k, bool) or not isinstance(k, int) or not -len(args) <= k < len(args):
                raise ValueError(f"{who}: argnums must name arguments 0 to {len(args) - 1}, got {argnums!r}")
        self.nums = tuple(k % len(args) for k in nums)
        self.nested = False
        self.values: List[Any] = []
        self.leaves: List[List[Value]] = []  # per differentiated argument, its scalar leaves
        self.kinds: List[str] = []  # "scalar", "list", "array" per differentiated argument
        for i, a in enumerate(args):
            if i in self.nums:
                leaves, kind = self._leaves(who, i, a)
                self.leaves.append(leaves)
                self.kinds.append(kind)
                self.values.append(leaves[0] if kind == "scalar" else (leaves if kind == "list" else np.array(leaves, dtype=object)))
            elif isinstance(a, (int, float, np.floating, np.integer)) and not isinstance(a, bool):
                self.values.append(Constant(float(a)))  # held fixed, but still a Value for f to compute with
            else:
                self.values.append(a)

    def _leaves(self, who: str, i: int, a: Any) -> Tuple[List[Value], str]:
        if isinstance(a, Value):
            self.nested = True
            return [a], "scalar"
        if isinstance(a, (list, tuple, np.ndarray)):
            items = list(np.asarray(a, dtype=object).ravel()) if isinstance(a, np.ndarray) else list(a)
            if isinstance(a, np.ndarray) and a.ndim != 1:
                raise ValueError(f"{who}: argument {i} must be a scalar or a flat sequence, got shape {a.shape}")
            return [self._leaf(who, i, x) for x in items], "array" if isinstance(a, np.ndarray) else "list"
        return [self._leaf(who, i, a)], "scalar"

    def _leaf(self, who: str, i: int, x: Any) -> Value:
        if isinstance(x, Value):
            self.nested = True
            return x
        try:
            return Value(x, f"arg{i}")
        except TypeError:
            raise TypeError(f"{who}: argument {i} must be a real number, a Value or a flat sequence of them, "
                            f"got {type(x).__name__}: {x!r}") from None

    def flat(self) -> List[Value]:
        return [leaf for leaves in self.leaves for leaf in leaves]

    def shape_like(self, flat: List[Any]) -> Any:
        """``flat`` (one entry per scalar leaf) regrouped like the differentiated arguments."""
        out: List[Any] = []
        k = 0
        for leaves, kind in zip(self.leaves, self.kinds):
            part = flat[k:k + len(leaves)]
            k += len(leaves)
            if kind == "scalar":
                out.append(part[0])
            elif kind == "array":
                out.append(np.array(part, dtype=object if self.nested else float))
            else:
                out.append(list(part))
        return out[0] if self.single else tuple(out)


def _call(who: str, f: Callable[..., Any], values: List[Any]) -> Any:
    out = f(*values)
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        out = Constant(float(out))  # a function that ignores its inputs
    return out


@overload
def value_and_grad(f: Callable[..., Any], argnums: int = ...) -> ValueAndGradFunction: ...
@overload
def value_and_grad(f: Callable[..., Any], argnums: Sequence[int]) -> Callable[..., Tuple[Any, Tuple[Any, ...]]]: ...
def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Tuple[Any, Any]]:
    """The function ``args -> (f(args), d f / d args[argnums])`` for ``f`` returning one Value.

    The value is a float (a Value when called on Values); the gradient has
    the shape of the argument (a float, a list, an array; a tuple of them
    for several ``argnums``).
    """
    who, nums = _checked("value_and_grad", f, argnums)
    return _value_and_grad(who, f, nums)


def _value_and_grad(who: str, f: Callable[..., Any], argnums: ArgNums) -> Transformed:
    def run(*args: Any) -> Tuple[Any, Any]:
        a = _Args(who, args, argnums)
        out = _call(who, f, a.values)
        if not isinstance(out, Value):
            raise TypeError(f"{who}: the function must return one Value, got {type(out).__name__}")
        grads = _gradients(out, a.flat(), create_graph=a.nested)
        return (out if a.nested else out.data), a.shape_like(grads)

    return run


def _outputs(who: str, out: Any) -> Tuple[List[Value], bool]:
    """The outputs as a list, and whether ``f`` returned a single Value."""
    if isinstance(out, Value):
        return [out], True
    if isinstance(out, np.ndarray):
        out = list(out.ravel())
    if isinstance(out, (list, tuple)):
        outs: List[Any] = [Constant(float(o)) if isinstance(o, (int, float)) and not isinstance(o, bool) else o for o in out]
        for i, o in enumerate(outs):
            if not isinstance(o, Value):
                raise TypeError(f"{who}: output {i} is a {type(o).__name__}, expected a Value")
        return outs, False
    raise TypeError(f"{who}: the function must return a Value or a sequence of Values, got {type(out).__name__}")


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, mode: str = "reverse") -> ArrayFunction:
    """The function ``args -> J`` with ``J[i][j] = d f_i / d x_j``, for ``f`` returning several Values.

    ``x`` are the scalars of the arguments named by ``argnums``, flattened in
    order.  ``J`` is a 2-D numpy array (a 1-D one for a single output).
    ``mode="reverse"`` runs one reverse pass per output; ``"forward"`` one
    forward pass per input (fewer passes when there are fewer inputs).
    """
    who, argnums = _checked("jacobian", f, argnums)
    if not isinstance(mode, str) or mode not in ("reverse", "forward"):
        raise ValueError(f"{who}: mode must be 'reverse' or 'forward', got {mode!r}")

    def run(*args: Any) -> "np.ndarray[Any, Any]":
        a = _Args(who, args, argnums)
        outs, single = _outputs(who, _call(who, f, a.values))
        xs = a.flat()
        if mode == "reverse":
            rows = [_gradients(o, xs, create_graph=a.nested) for o in outs]
        else:
            columns = [_tangents(outs, xs, [1.0 if k == j else 0.0 for k in range(len(xs))], a.nested)
                       for j in range(len(xs))]
            rows = [[columns[j][i] for j in range(len(xs))] for i in range(len(outs))]
        J = np.array(rows, dtype=object if a.nested else float)
        return J[0] if single else J

    return run


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> ArrayFunction:
    """The function ``args -> H`` with ``H[i][j] = d^2 f / d x_i d x_j``: forward mode over ``grad(f)``."""
    _, argnums = _checked("hessian", f, argnums)

    def gradient_flat(*args: Any) -> List[Any]:
        g = grad(f, argnums=argnums)(*args)
        return _flatten(g)

    return jacobian(gradient_flat, argnums, mode="forward")


def _flatten(g: Any) -> List[Any]:
    parts = g if isinstance(g, tuple) else (g,)
    flat: List[Any] = []
    for p in parts:
        flat.extend(list(np.asarray(p, dtype=object).ravel()) if isinstance(p, (list, np.ndarray)) else [p])
    return flat


def _tangents(outs: List[Value], xs: List[Value], v: Sequence[Any], nested: bool) -> List[Any]:
    """The directional derivatives of ``outs`` along ``v`` (one tangent per x): one forward pass."""
    if nested:
        tangents: Dict[Value, Any] = {x: (t if isinstance(t, Value) else Constant(float(t))) for x, t in zip(xs, v)}
        pushed = forward_pass(outs, tangents, VALUE_MATH, Constant(1.0))
        return [_as_node(pushed.get(o, 0.0)) for o in outs]
    tangents = {x: float(t) for x, t in zip(xs, v)}
    pushed = forward_pass(outs, tangents)
    return [float(pushed.get(o, 0.0)) for o in outs]


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Tuple[Any, Any]:
    """``(f(*primals), directional derivative of f along tangents)``, by one forward-mode pass.

    ``primals`` and ``tangents`` are sequences of the same structure (one
    scalar or flat sequence per argument of ``f``); every argument is
    differentiated.  ``f`` returns one Value or a sequence of them; so do the
    two results (floats on numbers, Values on Values).
    """
    who, _ = _checked("jvp", f)
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError(f"{who}: primals and tangents must be tuples (one entry per argument of the function)")
    if len(primals) != len(tangents):
        raise ValueError(f"{who}: {len(primals)} primals but {len(tangents)} tangents; give one per argument")
    a = _Args(who, tuple(primals), tuple(range(len(primals))))
    v = _flatten(tuple(tangents))
    xs = a.flat()
    if len(v) != len(xs):
        raise ValueError(f"{who}: the tangents hold {len(v)} numbers, the primals {len(xs)}; they must match")
    outs, single = _outputs(who, _call(who, f, a.values))
    dout = _tangents(outs, xs, v, a.nested or any(isinstance(t, Value) for t in v))
    values = outs if a.nested else [o.data for o in outs]
    return (values[0], dout[0]) if single else (values, dout)


def hvp(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[[Sequence[Any], Any], List[Any]]:
    """The function ``(args, v) -> H v``: the Hessian of ``f`` times ``v``, without forming ``H``.

    Forward mode over reverse: the gradient is built as a graph once, then
    one forward pass pushes ``v`` through it.  ``v`` is flat, one number per
    scalar of the arguments named by ``argnums``.
    """
    who, argnums = _checked("hvp", f, argnums)

    def run(args: Sequence[Any], v: Any) -> List[Any]:
        if not isinstance(args, (list, tuple)):
            raise TypeError(f"{who}: args must be a tuple of the function's arguments")
        a = _Args(who, tuple(args), argnums)
        out = _call(who, f, a.values)
        if not isinstance(out, Value):
            raise TypeError(f"{who}: the function must return one Value, got {type(out).__name__}")
        xs = a.flat()
        vs = list(np.asarray(v, dtype=object).ravel()) if isinstance(v, (list, tuple, np.ndarray)) else [v]
        vs = [t if isinstance(t, Value) else real_number(t, f"v[{i}]", who) for i, t in enumerate(vs)]
        if len(vs) != len(xs):
            raise ValueError(f"{who}: v holds {len(vs)} numbers, the differentiated arguments {len(xs)}")
        gradient = _gradients(out, xs, create_graph=True)
        return _tangents(gradient, xs, vs, a.nested)

    return run
