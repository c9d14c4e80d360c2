"""Where the eager engine spends its time: cProfile of workloads (a) and (b).

    python benchmarks/profile_eager.py [--top 15]

Prints, for each workload, how much of its time the cycle collector takes
(the same runs with ``gc`` on and off), then the functions with the most time
spent in their own code (tottime), which is where a faster core has to save.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import autonn  # noqa: E402
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    leaves, steps = random_graph.make_recipe(20_000)
    X, y, weights = mlp_step.problem()
    state = mlp_step.autonn_eager_setup(X, y, weights)
    collector_share("(a) random graph", lambda: random_graph.build_and_backward(autonn.Value, leaves, steps))
    collector_share("(b) eager MLP step", lambda: mlp_step.autonn_eager_step(state))
    profile("(a) random graph, 20,000 ops, build+backward",
            lambda: random_graph.build_and_backward(autonn.Value, leaves, steps), 3, args.top)
    profile("(b) eager MLP step", lambda: mlp_step.autonn_eager_step(state), 3, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
