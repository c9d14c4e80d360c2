"""autonn's eager engine beside the minimal pure-Python engine of ``minimal_engine.py``.

    python benchmarks/eager_limit.py [--quick]

Four workloads, each built and backpropagated by both engines from the same
numbers, with the graph built in the user's own code (not inside an autonn
call):

* a random graph of 20,000 ops with shared subexpressions (``random_graph.py``);
* one SGD step of an MLP(2, [16, 16, 1]) with a hinge loss on 100 points, the
  neurons written out in a user's loop (``w . x + b`` with the engine's n-ary sum);
* a 100,000-term sum (one n-ary node over 100,000 leaves);
* a chain of 200,000 additions.

Both ways of counting the cycle collector: on (as users run), and off while
the sample runs (the engines' own work alone).  The engines take turns.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import autonn  # noqa: E402
import minimal_engine  # noqa: E402
import random_graph  # noqa: E402
from timing import Case, alternate  # noqa: E402

ENGINES = {"autonn": (autonn.Value, autonn.sum), "minimal": (minimal_engine.V, minimal_engine.vsum)}
SIZES = (2, 16, 16, 1)


def mlp_problem(n_points: int = 100):
    X, y = autonn.datasets.make_moons(n_points, noise=0.1, seed=0)
    import random
    rng = random.Random(0)
    layers = [[([rng.uniform(-1, 1) / nin ** 0.5 for _ in range(nin)], 0.0) for _ in range(nout)]
              for nin, nout in zip(SIZES[:-1], SIZES[1:])]
    return X.tolist(), y.tolist(), layers


def mlp_setup(engine: str, problem):
    cls, vsum = ENGINES[engine]
    xs, ys, layers = problem
    params = [[([cls(w) for w in ws], cls(b)) for ws, b in layer] for layer in layers]
    flat = [p for layer in params for ws, b in layer for p in ws + [b]]
    return cls, vsum, xs, ys, params, flat


def mlp_step(state) -> float:
    """What a user writes: every neuron is relu(w . x + b) (the last one linear), a hinge loss, SGD."""
    cls, vsum, xs, ys, params, flat = state
    losses = []
    last = len(params) - 1
    for x, y in zip(xs, ys):
        h = x
        for depth, layer in enumerate(params):
            outs = [vsum([w * xi for w, xi in zip(ws, h)]) + b for ws, b in layer]
            h = outs if depth == last else [o.relu() for o in outs]
        losses.append((1.0 - y * h[0]).relu())
    loss = vsum(losses) * (1.0 / len(xs))
    for p in flat:
        p.grad = 0.0
    loss.backward()
    for p in flat:
        p.data -= 0.05 * p.grad
    return loss.data


def sum_step(state) -> float:
    cls, vsum, numbers = state
    total = vsum([cls(x) for x in numbers])
    total.backward()
    return total.data


def chain_step(state) -> float:
    cls, n = state
    a = cls(1e-7)
    x = cls(0.0)
    for _ in range(n):
        x = x + a
    x.backward()
    return a.grad


def workloads() -> Dict[str, Dict[str, Case]]:
    leaves, steps = random_graph.make_recipe(20_000)
    problem = mlp_problem()
    numbers = [((i * 7919) % 1000) / 1000.0 for i in range(100_000)]
    n_chain = 200_000
    out: Dict[str, Dict[str, Case]] = {}
    for collector in (True, False):
        tag = "" if collector else " (collector off)"
        rows = {
            "random graph, 20,000 ops": (lambda e: ENGINES[e][0],
                                         lambda cls: random_graph.build_and_backward(cls, leaves, steps), 4),
            "MLP(2,[16,16,1]) step, 100 points, user loop": (lambda e: mlp_setup(e, problem), mlp_step, 2),
            "100,000-term sum": (lambda e: (ENGINES[e][0], ENGINES[e][1], numbers), sum_step, 2),
            "200,000-op chain": (lambda e: (ENGINES[e][0], n_chain), chain_step, 1),
        }
        for title, (setup, run, number) in rows.items():
            out[title + tag] = {e: Case(e, (lambda e=e, setup=setup: setup(e)), run, number=number,
                                        collect_inside=True, collector=collector) for e in ENGINES}
    return out


def check_same_numbers() -> None:
    """Both engines must compute the same loss and gradients, or the timing compares nothing."""
    problem = mlp_problem(10)
    results = []
    for engine in ENGINES:
        state = mlp_setup(engine, problem)
        loss = mlp_step(state)
        results.append((loss, [p.data for p in state[-1]]))
    (l1, p1), (l2, p2) = results
    if abs(l1 - l2) > 1e-12 or max(abs(a - b) for a, b in zip(p1, p2)) > 1e-12:
        raise SystemExit("autonn and the minimal engine disagree on the MLP step")


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    args = parser.parse_args(argv)
    check_same_numbers()
    repeats = 3 if args.quick else 7
    print("| workload | autonn | minimal engine | autonn / minimal | target |")
    print("|---|---|---|---|---|")
    verdicts = []
    for title, cases in workloads().items():
        med = alternate(list(cases.values()), repeats)
        ratio = med["autonn"] / med["minimal"]
        target = "<= 1.15x" if "collector off" in title else ""
        met = "" if not target else ("met" if ratio <= 1.15 else "NOT met")
        if target:
            verdicts.append(ratio <= 1.15)
        print(f"| {title} | {med['autonn'] * 1e3:.1f} ms | {med['minimal'] * 1e3:.1f} ms | {ratio:.2f}x | "
              f"{target} {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
