"""Taylor mode against nested grad: every derivative to order 8 of a 100-op expression along a direction.

    python benchmarks/taylor_mode.py          # also a section of benchmarks/run.py (--taylor)

Both compute ``[g(0), g'(0), ..., g^(k)(0)]`` for ``g(t) = f(x + t v)``:
``autonn.taylor`` in one pass of truncated series through the graph, nested
``grad`` by differentiating the graph of each derivative again
(``create_graph=True``).  The expression is fixed (a seeded recipe over smooth
ops, shared subexpressions included) and both results are checked equal
before anything is timed.  Taylor mode is also timed at orders 4, 8, 16 and
32: doubling the order should cost at most 4x (quadratic), since each node's
series costs about ``order**2 / 2`` multiplications.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import numpy as np  # noqa: E402

import autonn  # noqa: E402
from autonn import Value  # noqa: E402
from timing import Case, alternate  # noqa: E402

UNARY = ["tanh", "sin", "cos", "sigmoid", "atan", "erf", "softplus"]
BINARY = ["add", "mul", "sub"]
POINT = [0.3, -0.6, 0.8]
DIRECTION = [1.0, 0.5, -0.3]


def make_recipe(n_ops: int = 100, seed: int = 0) -> List[Tuple[str, Tuple[int, ...]]]:
    """Steps ``(op, argument indices)``: inputs first, then each step, reading the latest step and any earlier one."""
    rng = np.random.default_rng(seed)
    steps: List[Tuple[str, Tuple[int, ...]]] = []
    for k in range(n_ops):
        latest = len(POINT) + k - 1
        if rng.random() < 0.5:
            steps.append((str(rng.choice(UNARY)), (latest,)))
        else:
            steps.append((str(rng.choice(BINARY)), (latest, int(rng.integers(0, latest + 1)))))
    return steps


def expression(steps: List[Tuple[str, Tuple[int, ...]]]) -> Callable[..., Value]:
    def f(*xs: Value) -> Value:
        nodes = list(xs)
        for op, args in steps:
            nodes.append(autonn.value.apply(autonn.OPS[op], *[nodes[a] for a in args]))
        return nodes[-1]

    return f


def nested_grad(f: Callable[..., Value], order: int) -> List[float]:
    t = Value(0.0)
    d = f(*[x + t * v for x, v in zip(POINT, DIRECTION)])
    found = [d.data]
    for _ in range(order):
        d = autonn.grad(d, t, create_graph=True)
        found.append(d.data)
    return found


def by_taylor(f: Callable[..., Value], order: int) -> List[float]:
    return autonn.taylor(f, POINT, DIRECTION, order)


def check_equal(f: Callable[..., Value], order: int) -> float:
    """The largest relative difference between the two, per derivative; raises if above 1e-9."""
    a, b = by_taylor(f, order), nested_grad(f, order)
    worst = max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(a, b))
    if worst > 1e-9:
        raise SystemExit(f"taylor and nested grad disagree at order {order}: {a} vs {b}")
    return worst


def measure(repeats: int, n_ops: int = 100, order: int = 8) -> Dict[str, float]:
    """Median seconds of each case: nested grad and Taylor mode at ``order``, and Taylor at 4..32."""
    f = expression(make_recipe(n_ops))
    check_equal(f, order)
    cases = [Case(f"nested grad, order {order}", lambda: f, lambda g: nested_grad(g, order), number=1)]
    for k in sorted({4, order, 16, 32}):
        cases.append(Case(f"taylor, order {k}", lambda: f, lambda g, k=k: by_taylor(g, k), number=5))
    return alternate(cases, repeats)


def rows(med: Dict[str, float], order: int = 8) -> List[Tuple[str, str, str, bool]]:
    """(what, median, target, met) for the table of benchmarks/run.py."""
    nested, taylor = med[f"nested grad, order {order}"], med[f"taylor, order {order}"]
    ratio = nested / taylor
    out = [(f"nested grad, order {order}", f"{nested * 1e3:.1f} ms", "", True),
           (f"taylor, order {order}", f"{taylor * 1e3:.2f} ms",
            f">= 50x faster than nested grad ({ratio:,.0f}x)", ratio >= 50)]
    orders = sorted(int(name.rsplit(" ", 1)[1]) for name in med if name.startswith("taylor"))
    for low, high in zip(orders, orders[1:]):
        growth = med[f"taylor, order {high}"] / med[f"taylor, order {low}"]
        bound = (high / low) ** 2
        out.append((f"taylor, order {low} -> {high}", f"{med[f'taylor, order {high}'] * 1e3:.2f} ms",
                    f"at most quadratic: order {low} -> {high} costs <= {bound:g}x ({growth:.2f}x)", growth <= bound))
    return out


def main() -> int:
    med = measure(repeats=5)
    print(f"100-op expression, derivatives along a direction; medians of 5 alternating rounds; "
          f"equal to 1e-9 relative (worst {check_equal(expression(make_recipe()), 8):.1e})")
    for what, value, target, met in rows(med):
        print(f"{what:<24} {value:>12}  {target}{'' if met else '  NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
