"""Where the eager engine spends its time: cProfile of workloads (a) and (b).

    python benchmarks/profile_eager.py [--top 15]

Prints, for each workload, how much of its time the cycle collector takes
(the same runs with ``gc`` on and off), how long each phase takes (building
the graph, the backward walk, the rules), then the functions with the most
time spent in their own code (tottime), which is where a faster core has to
save.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import autonn  # noqa: E402
from autonn.graph import topological_order  # noqa: E402
import mlp_step  # noqa: E402
import random_graph  # noqa: E402


def profile(title: str, fn, repeats: int, top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeats):
        fn()
    prof.disable()
    print(f"\n=== {title} ({repeats} runs) ===")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def per_run(fn, runs: int = 8) -> float:
    """Seconds per run of ``fn``, over ``runs`` runs in a row (as in a training loop)."""
    fn()
    start = time.perf_counter()
    for _ in range(runs):
        fn()
    return (time.perf_counter() - start) / runs


def collector_share(title: str, fn) -> None:
    on = per_run(fn)
    gc.disable()
    try:
        off = per_run(fn)
    finally:
        gc.enable()
    print(f"{title}: {on * 1e3:.1f} ms a run with the cycle collector on, {off * 1e3:.1f} ms with it off "
          f"({(on - off) / on:.0%} of the time is the collector)")


def phases(title: str, build, runs: int = 7) -> None:
    """Median time of each phase: building the graph, the backward walk alone, backward."""
    samples = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        out = build()
        t1 = time.perf_counter()
        topological_order(out)
        t2 = time.perf_counter()
        out.backward()
        t3 = time.perf_counter()
        del out
        samples.append((t1 - t0, t2 - t1, t3 - t2))
    b, w, bw = (statistics.median(col) * 1e3 for col in zip(*samples[1:]))
    print(f"{title}: build {b:.1f} ms, then backward {bw:.1f} ms "
          f"(of which the walk that orders the nodes {w:.1f} ms, the rules {bw - w:.1f} ms)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    leaves, steps = random_graph.make_recipe(20_000)
    X, y, weights = mlp_step.problem()
    state = mlp_step.autonn_eager_setup(X, y, weights)
    graph = lambda: random_graph.build_and_backward(autonn.Value, leaves, steps)  # noqa: E731
    step = lambda: mlp_step.autonn_eager_step(state)  # noqa: E731
    print(f"with every imported object visible to the collector ({len(gc.get_objects()):,} tracked objects):")
    collector_share("  (a) random graph", graph)
    collector_share("  (b) eager MLP step", step)
    gc.collect()
    gc.freeze()  # as benchmarks/run.py does: imported libraries out of the collector's sight
    print(f"with the {gc.get_freeze_count():,} objects from imports frozen (gc.freeze), as benchmarks/run.py times:")
    collector_share("  (a) random graph", graph)
    collector_share("  (b) eager MLP step", step)
    print("phases, with the collector on (imports frozen):")
    model, xs, ys = state
    phases("  (a) random graph", lambda: random_graph.build(autonn.Value, leaves, steps))
    phases("  (b) eager MLP step", lambda: autonn.sum(
        [(1.0 - yi * model(xi)[0]).relu() for xi, yi in zip(xs, ys)]) * (1.0 / len(xs)))
    profile("(a) random graph, 20,000 ops, build+backward",
            lambda: random_graph.build_and_backward(autonn.Value, leaves, steps), 3, args.top)
    profile("(b) eager MLP step", lambda: mlp_step.autonn_eager_step(state), 3, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
