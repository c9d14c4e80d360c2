"""The graphs of the six practice levels, built from the op registry with random small numbers.

Each builder takes a ``random.Random`` and returns the output node and the
labels whose gradients the learner is asked for.  Every node carries a label,
so the question and the ledger name each step the same way.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Tuple

from ..ops import OPS
from ..value import Constant, Value, apply

__all__ = ["LEVELS", "build"]

Built = Tuple[Value, List[str]]

#: The levels, easiest first: what each one practises.
LEVELS: Dict[int, str] = {
    1: "one op: the local derivatives of a single op",
    2: "a chain: three ops in a row, each gradient from the one above",
    3: "a reused node: values used twice, whose gradients add up",
    4: "sub and div: the minus signs of the second input",
    5: "a neuron: tanh(w1*x1 + w2*x2 + b)",
    6: "a small MLP with a loss: two tanh neurons, a linear output and a squared error",
}

_NUMBERS = [-3.0, -2.0, -1.5, -0.5, 0.5, 1.5, 2.0, 3.0]
_SMALL = [-1.0, -0.5, -0.2, 0.2, 0.5, 1.0]


def _op(name: str, label: str, *operands: Any) -> Value:
    """A node of the registry's op ``name`` on ``operands``, labelled ``label``."""
    out = apply(OPS[name], *operands)
    out.label = label
    return out


def _leaves(rng: random.Random, names: str, choices: List[float] = _NUMBERS) -> List[Value]:
    return [Value(rng.choice(choices), name) for name in names.split()]


def one_op(rng: random.Random) -> Built:
    name = rng.choice(["add", "mul", "exp", "tanh", "powc"])
    a, b = _leaves(rng, "a b")
    if name in ("add", "mul"):
        return _op(name, "y", a, b), ["a", "b"]
    if name == "powc":
        return _op(name, "y", a, float(rng.choice([2, 3]))), ["a"]
    a.data = rng.choice(_SMALL)
    return _op(name, "y", a), ["a"]


def chain(rng: random.Random) -> Built:
    a, b, c, f = _leaves(rng, "a b c f")
    d = _op("mul", "d", a, b)
    e = _op(rng.choice(["add", "mul"]), "e", d, c)
    return _op("mul", "L", e, f), ["e", "f", "d", "c", "a", "b"]


def reused(rng: random.Random) -> Built:
    a, b = _leaves(rng, "a b")
    c = _op("mul", "c", a, b)          # c is used by d and by L, a by c and by d
    d = _op("add", "d", c, a)
    return _op("mul", "L", c, d), ["d", "c", "a", "b"]


def sub_div(rng: random.Random) -> Built:
    a, b = _leaves(rng, "a b")
    (e,) = _leaves(rng, "e", [-2.0, -0.5, 0.5, 2.0, 4.0])
    c = _op("sub", "c", a, b)
    d = _op("div", "d", c, e)
    return _op("sub", "L", d, b), ["d", "c", "e", "a", "b"]


def neuron(rng: random.Random) -> Built:
    x1, x2 = (Constant(rng.choice([-2.0, -1.0, 1.0, 2.0]), name) for name in ("x1", "x2"))
    w1, w2, b = _leaves(rng, "w1 w2 b", _SMALL)
    p1, p2 = _op("mul", "w1*x1", w1, x1), _op("mul", "w2*x2", w2, x2)
    s = _op("add", "s", p1, p2)
    n = _op("add", "n", s, b)
    return _op("tanh", "o", n), ["n", "s", "b", "w1*x1", "w2*x2", "w1", "w2"]


def _tanh_neuron(ws: List[Value], xs: List[Any], b: Value, name: str) -> Value:
    products = [_op("mul", f"{w.label}*{x.label}", w, x) for w, x in zip(ws, xs)]
    s = _op("add", f"s{name}", *products)
    n = _op("add", f"n{name}", s, b)
    return _op("tanh", f"h{name}", n)


def mlp(rng: random.Random) -> Built:
    x1, x2 = (Constant(rng.choice([-1.0, 0.5, 1.0, 2.0]), name) for name in ("x1", "x2"))
    y = Constant(rng.choice([-1.0, 1.0]), "y")
    w11, w12, b1, w21, w22, b2, v1, v2, c = _leaves(rng, "w11 w12 b1 w21 w22 b2 v1 v2 c", _SMALL)
    h1 = _tanh_neuron([w11, w12], [x1, x2], b1, "1")
    h2 = _tanh_neuron([w21, w22], [x1, x2], b2, "2")
    q1, q2 = _op("mul", "v1*h1", v1, h1), _op("mul", "v2*h2", v2, h2)
    out = _op("add", "out", _op("add", "t", q1, q2), c)
    if abs(out.data - y.data) < 0.5:  # a sizeable error, so the gradients are not all near 0
        y.data = -y.data
    e = _op("sub", "e", out, y)
    loss = _op("powc", "L", e, 2.0)
    return loss, ["e", "out", "c", "v1", "v2", "h1", "h2", "n1", "n2", "b1", "b2", "w11", "w12", "w21", "w22"]


_BUILDERS: Dict[int, Callable[[random.Random], Built]] = {
    1: one_op, 2: chain, 3: reused, 4: sub_div, 5: neuron, 6: mlp,
}


def build(level: int, rng: random.Random) -> Built:
    """The graph of an exercise at ``level`` (a key of :data:`LEVELS`)."""
    return _BUILDERS[level](rng)
