"""Run every speed workload side by side and print medians and targets.

    python benchmarks/run.py            # the full run (about a minute)
    python benchmarks/run.py --quick    # 2 rounds instead of 7, a 100,000-op chain, no width 1024
    python benchmarks/run.py --only f   # the workloads of some letters alone (f runs f and g)

Workloads (the same data and the same graph for every engine):

(a) build + backward of a 20,000-op random graph with shared subexpressions
    (autonn eager vs micrograd; the cycle collector on, as users run it, and
    off, the engines' own work alone);
(b) one eager training step of MLP(2, [16, 16, 1]) on 100 two-moons points
    (autonn vs micrograd vs PyTorch with 0-d tensors);
(c) bytes per node (tracemalloc) and a 1,000,000-op chain built and
    backpropagated;
(d) the same training step compiled (autonn.compile) vs micrograd's eager
    step vs PyTorch batched (nn.Linear) vs a hand-written numpy step, and the
    compiled step on the torch backend (backend="torch");
(e) an irregular network (skip connections across depths), eager and
    compiled (no target: it shows the compiler is not limited to layers), and
    one of 2,001 neurons, compiled;
(f) the compiled SGD step as users write it (``SGD(model.parameters())`` and
    ``step.step_on(X)``, run as ``fit`` runs them: the parameter path) and on
    its flat parameter vector, MLP(2, [w, w, 1]) for widths 16, 256 and 1024 on
    1,000 rows and width 16 on 10 rows, vs the same step by hand in numpy
    float64 and PyTorch float32 (the parameter path in float32 beside it), and
    the compiled step on the torch backend beside PyTorch float64 by hand;
(g) that step with an L2 term ``alpha * sum(p * p)`` vs without (the two alone, taking turns);
(i) the eager engine beside a minimal pure-Python engine (``minimal_engine.py``) on a random graph,
    an MLP step written in the user's loop, a 100,000-term sum and a 200,000-op chain
    (``eager_limit.py``), the collector on and off;
(h) with ``--trace-scaling`` only (minutes): tracing time and memory per traced
    node for MLPs from 9,000 to 2.1 million nodes;
(j) with ``--import-time`` only (seconds, nothing else runs): ``import autonn``
    in a fresh interpreter against ``import numpy`` alone (benchmarks/import_time.py).
(j) with ``--taylor`` only (minutes: nested grad to order 8 takes most of a
    minute a round): every derivative to order 8 of a 100-op expression along
    a direction, ``autonn.taylor`` vs nested ``grad``, and Taylor mode at
    orders 4 to 32 (see benchmarks/taylor_mode.py).

micrograd and PyTorch are optional; a missing one is skipped with a note.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
# this checkout's autonn, not whichever one is installed; then the sibling modules
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import numpy as np  # noqa: E402

import autonn  # noqa: E402
import eager_limit  # noqa: E402
import import_time  # noqa: E402
import memory  # noqa: E402
import minimal_engine  # noqa: E402
import mlp_step  # noqa: E402
import network_step  # noqa: E402
import random_graph  # noqa: E402
import taylor_mode  # noqa: E402
import trace_scaling  # noqa: E402
import wide_step  # noqa: E402
from engines import NOTES, micrograd_engine, torch  # noqa: E402
from timing import Case, alternate  # noqa: E402


class Table:
    """Rows of (workload, engine, median, target, verdict), printed as Markdown."""

    def __init__(self) -> None:
        self.rows: List[tuple] = []
        self.verdicts: List[bool] = []

    def add(self, workload: str, engine: str, value: str, target: str = "", met: Optional[bool] = None) -> None:
        verdict = "" if met is None else ("met" if met else "NOT met")
        if met is not None:
            self.verdicts.append(met)
        self.rows.append((workload, engine, value, target, verdict))

    def render(self) -> str:
        head = ("workload", "engine", "median", "target (measured)", "")
        widths = [max(len(str(r[i])) for r in self.rows + [head]) for i in range(5)]
        line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
        out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        # workloads run in the order that suits timing; list them by their letter
        out += [line(r) for r in sorted(self.rows, key=lambda r: r[0][:3])]
        return "\n".join(out)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def random_graph_workload(table: Table, n_ops: int, repeats: int) -> None:
    leaves, steps = random_graph.make_recipe(n_ops)
    # Several graphs in a row per sample, then a collection, all timed: a graph's
    # memory is freed however the engine frees it (reference counting, or the
    # cycle collector), as in a user's loop.  The same runs with the collector
    # off (and the collection after the timer) give the other way of counting.
    run = lambda cls: random_graph.build_and_backward(cls, leaves, steps)  # noqa: E731
    cases = []
    for collector in (True, False):
        tag = "" if collector else " (collector off)"
        cases.append(Case("autonn eager" + tag, lambda: autonn.Value, run, number=6, collect_inside=True,
                          collector=collector))
        if micrograd_engine is not None:
            cases.append(Case("micrograd" + tag, lambda: micrograd_engine.Value, run, number=3,
                              collect_inside=True, collector=collector))
    med = alternate(cases, repeats)
    name = f"(a) random graph, {n_ops:,} ops, build+backward"
    for tag in ("", " (collector off)"):
        table.add(name, "autonn eager" + tag, ms(med["autonn eager" + tag]))
        if "micrograd" + tag in med:
            ratio = med["micrograd" + tag] / med["autonn eager" + tag]
            if tag:
                table.add(name, "micrograd" + tag, ms(med["micrograd" + tag]), f"(autonn {ratio:.1f}x faster)")
            else:
                table.add(name, "micrograd", ms(med["micrograd"]), f">= 8x faster than micrograd ({ratio:.1f}x)",
                          ratio >= 8)


def mlp_workloads(table: Table, repeats: int) -> None:
    X, y, weights = mlp_step.problem()
    # Several steps in a row per sample, as in a training loop: the cycle
    # collector's full sweeps (triggered by allocations) land inside the timing.
    numbers = {"autonn eager": 6, "micrograd": 2, "PyTorch 0-d tensors": 2,
               "autonn compiled": 200, "autonn compiled, torch backend": 50, "PyTorch batched": 20,
               "numpy by hand": 200}
    names = mlp_step.available(list(mlp_step.ENGINES))
    cases = []
    for name in names:
        setup, step = mlp_step.ENGINES[name]
        eager = name in ("autonn eager", "micrograd", "PyTorch 0-d tensors")
        cases.append(Case(name, (lambda s=setup: s(X, y, weights)), step, number=numbers.get(name, 1),
                          collect_inside=eager))
        if name in ("autonn eager", "micrograd"):  # the other way of counting the collector
            cases.append(Case(name + " (collector off)", (lambda s=setup: s(X, y, weights)), step,
                              number=numbers.get(name, 1), collect_inside=True, collector=False))
    med = alternate(cases, repeats)

    b = "(b) eager MLP(2,[16,16,1]) step, 100 moons"
    table.add(b, "autonn eager", ms(med["autonn eager"]))
    mg = med.get("micrograd")
    if mg is not None:
        ratio = mg / med["autonn eager"]
        table.add(b, "micrograd", ms(mg), f">= 8x faster than micrograd ({ratio:.1f}x)", ratio >= 8)
    off = med["autonn eager (collector off)"]
    table.add(b, "autonn eager (collector off)", ms(off))
    if "micrograd (collector off)" in med:
        ratio = med["micrograd (collector off)"] / off
        table.add(b, "micrograd (collector off)", ms(med["micrograd (collector off)"]), f"(autonn {ratio:.1f}x faster)")
    if "PyTorch 0-d tensors" in med:
        ratio = med["PyTorch 0-d tensors"] / med["autonn eager"]
        table.add(b, "PyTorch 0-d tensors", ms(med["PyTorch 0-d tensors"]), f"(autonn eager {ratio:.1f}x faster)")

    d = "(d) compiled step, same MLP and data"
    comp = med["autonn compiled"]
    table.add(d, "autonn compiled", ms(comp))
    if mg is not None:
        ratio = mg / comp
        table.add(d, "micrograd (eager)", ms(mg), f">= 1000x faster than micrograd ({ratio:,.0f}x)", ratio >= 1000)
    if "PyTorch batched" in med:
        ratio = med["PyTorch batched"] / comp
        table.add(d, "PyTorch batched", ms(med["PyTorch batched"]),
                  f"faster than PyTorch batched ({ratio:.1f}x)", ratio > 1)
    ratio = comp / med["numpy by hand"]
    table.add(d, "numpy by hand", ms(med["numpy by hand"]), f"within 3x of numpy ({ratio:.2f}x)", ratio <= 3)
    if "autonn compiled, torch backend" in med:
        tb = med["autonn compiled, torch backend"]
        table.add(d, "autonn compiled, torch backend", ms(tb),
                  f"({tb / comp:.2f}x the numpy backend, {tb / med['PyTorch batched']:.2f}x PyTorch batched)")


def network_workload(table: Table, repeats: int) -> None:
    cases = [Case("autonn eager", network_step.eager_setup, network_step.eager_step, number=6, collect_inside=True),
             Case("autonn compiled", network_step.compiled_setup, network_step.compiled_step, number=200)]
    if torch is not None:
        cases.append(Case("autonn compiled, torch backend", lambda: network_step.compiled_setup("torch"),
                          network_step.compiled_step, number=50))
    eager_loss = network_step.eager_step(network_step.eager_setup())
    compiled_loss = network_step.compiled_step(network_step.compiled_setup())
    if abs(eager_loss - compiled_loss) > 1e-12:
        raise SystemExit(f"eager and compiled disagree on the network workload: {eager_loss} vs {compiled_loss}")
    med = alternate(cases, repeats)
    e = "(e) irregular Network step (49 neurons, skips)"
    table.add(e, "autonn eager", ms(med["autonn eager"]))
    ratio = med["autonn eager"] / med["autonn compiled"]
    table.add(e, "autonn compiled", ms(med["autonn compiled"]), f"(compiled {ratio:,.0f}x faster than eager)")
    if "autonn compiled, torch backend" in med:
        ratio = med["autonn compiled, torch backend"] / med["autonn compiled"]
        table.add(e, "autonn compiled, torch backend", ms(med["autonn compiled, torch backend"]),
                  f"({ratio:.2f}x the numpy backend)")

    large = [Case("autonn compiled", lambda: network_step.compiled_setup(size="large"), network_step.compiled_step,
                  number=5)]
    if torch is not None:
        large.append(Case("autonn compiled, torch backend", lambda: network_step.compiled_setup("torch", "large"),
                          network_step.compiled_step, number=5))
    med = alternate(large, repeats)
    e = "(e) irregular Network step (2,001 neurons, skips)"
    table.add(e, "autonn compiled", ms(med["autonn compiled"]))
    if "autonn compiled, torch backend" in med:
        ratio = med["autonn compiled, torch backend"] / med["autonn compiled"]
        table.add(e, "autonn compiled, torch backend", ms(med["autonn compiled, torch backend"]),
                  f"({ratio:.2f}x the numpy backend)")


def wide_workloads(table: Table, repeats: int, widths) -> None:
    configs = [(w, 1000) for w in widths] + [(16, 10)]
    for width, rows in configs:
        worst = wide_step.check_same_losses(width, rows)
        if worst > 1e-9:
            raise SystemExit(f"compiled and numpy steps disagree at width {width}, {rows} rows: {worst}")
        number = max(1, int(20_000 / (width * width * rows / 1000 + 50)))  # ~fixed time per sample
        cases = [Case("autonn compiled", lambda: wide_step.compiled_setup(width, rows), wide_step.compiled_step,
                      number=number),
                 Case("autonn parameters", lambda: wide_step.parameter_setup(width, rows), wide_step.parameter_step,
                      number=number),
                 Case("numpy by hand", lambda: wide_step.numpy_setup(width, rows), wide_step.numpy_step, number=number)]
        if torch is not None:
            cases.append(Case("autonn parameters float32", lambda: wide_step.parameter_setup(width, rows, np.float32),
                              wide_step.parameter_step, number=number))
        cases.append(Case("autonn compiled float32", lambda: wide_step.compiled_setup(width, rows, dtype=np.float32),
                          wide_step.compiled_step, number=number))
        if torch is not None:
            cases.append(Case("PyTorch float32", lambda: wide_step.torch32_setup(width, rows), wide_step.torch32_step,
                              number=number))
            cases.append(Case("autonn compiled, torch backend",
                              lambda: wide_step.compiled_setup(width, rows, backend="torch"), wide_step.compiled_step,
                              number=number))
            cases.append(Case("PyTorch float64", lambda: wide_step.torch64_setup(width, rows), wide_step.torch32_step,
                              number=number))
        med = alternate(cases, repeats)
        f = f"(f) compiled SGD step, MLP(2,[{width},{width},1]), {rows:,} rows"
        comp, params, numpy_ms = med["autonn compiled"], med["autonn parameters"], med["numpy by hand"]
        limit = 1.15 if rows >= 1000 else 1.3
        table.add(f, "autonn compiled, parameter path", ms(params),
                  f"within {limit}x of numpy ({params / numpy_ms:.2f}x)", params / numpy_ms <= limit)
        table.add(f, "autonn compiled (flat parameters)", ms(comp), f"({comp / numpy_ms:.2f}x numpy)")
        table.add(f, "numpy float64 by hand", ms(numpy_ms))
        c32 = med["autonn compiled float32"]
        table.add(f, "autonn compiled float32", ms(c32))
        if "PyTorch float32" in med:
            t32, p32 = med["PyTorch float32"], med["autonn parameters float32"]
            table.add(f, "PyTorch float32 (nn.Linear)", ms(t32), f"(autonn float32 {c32 / t32:.2f}x its time)")
            if width >= 1024:
                table.add(f, "autonn parameter path float32", ms(p32),
                          f"at most PyTorch float32 ({p32 / t32:.2f}x)", p32 <= t32)
            else:
                table.add(f, "autonn parameter path float32", ms(p32), f"({p32 / t32:.2f}x PyTorch float32)")
            tb, t64 = med["autonn compiled, torch backend"], med["PyTorch float64"]
            table.add(f, "autonn compiled float64, torch backend", ms(tb),
                      f"({tb / comp:.2f}x the numpy backend, {tb / t64:.2f}x PyTorch float64)")
            table.add(f, "PyTorch float64 (nn.Linear)", ms(t64))
        if rows == 1000:  # (g): the two steps alone, taking turns, so neither follows another engine's run
            pair = alternate([Case("plain", lambda: wide_step.compiled_setup(width, rows), wide_step.compiled_step,
                                   number=number),
                              Case("L2", lambda: wide_step.compiled_setup(width, rows, True),
                                   wide_step.compiled_step, number=number)], repeats)
            g = f"(g) compiled step + alpha*sum(p*p), width {width}, {rows:,} rows"
            ratio = pair["L2"] / pair["plain"]
            table.add(g, "autonn compiled (plain)", ms(pair["plain"]))
            table.add(g, "autonn compiled + L2", ms(pair["L2"]),
                      f"within 1.2x of the plain step ({ratio:.2f}x)", ratio <= 1.2)
        if width in wide_step.TRACE_SECONDS and width >= 256:
            table.add(f, "trace + compile, once", f"{wide_step.TRACE_SECONDS[width]:.1f} s")


def trace_workload(table: Table, widths) -> None:
    rows = [trace_scaling.measure(w) for w in widths]
    for w, (n, traced, scheduled, peak) in zip(widths, rows):
        h = "(h) tracing MLP(2,[w,w,1]), per traced node"
        us, per = traced / n * 1e6, peak / n
        table.add(h, f"width {w}: {n:,} nodes", f"{us:.2f} us, {per:.0f} B",
                  f"<= 5 us and 300 B a node (schedule {scheduled / n * 1e6:.2f} us)", us <= 5 and per <= 300)


def eager_limit_workloads(table: Table, repeats: int) -> None:
    """(i) autonn's eager engine beside the minimal pure-Python engine, both ways of counting the collector."""
    eager_limit.check_same_numbers()
    for title, cases in eager_limit.workloads().items():
        med = alternate(list(cases.values()), repeats)
        ratio = med["autonn"] / med["minimal"]
        name = "(i) " + title.replace(" (collector off)", "")
        tag = " (collector off)" if "collector off" in title else ""
        table.add(name, "minimal engine" + tag, ms(med["minimal"]))
        if tag:
            table.add(name, "autonn eager" + tag, ms(med["autonn"]), f"within 1.15x of the minimal engine ({ratio:.2f}x)",
                      ratio <= 1.15)
        else:
            table.add(name, "autonn eager", ms(med["autonn"]), f"({ratio:.2f}x the minimal engine)")


def taylor_workload(table: Table, repeats: int) -> None:
    med = taylor_mode.measure(repeats)
    for what, value, target, met in taylor_mode.rows(med):
        table.add("(j) derivatives to order 8, 100-op expression", what, value, target, met if target else None)


def memory_workloads(table: Table, chain_ops: int) -> None:
    c = "(c) memory"
    per = memory.bytes_per_node(autonn.Value)
    table.add(c, "autonn: bytes per node", f"{per:.0f} B", "<= 120 bytes per node", per <= 120)
    table.add(c, "minimal engine: bytes per node", f"{memory.bytes_per_node(minimal_engine.V):.0f} B")
    if micrograd_engine is not None:
        table.add(c, "micrograd: bytes per node", f"{memory.bytes_per_node(micrograd_engine.Value):.0f} B")
    try:
        seconds = memory.long_chain(autonn.Value, chain_ops)
        table.add(c, f"autonn: {chain_ops:,}-op chain", ms(seconds), "built and backpropagated", True)
    except (RecursionError, MemoryError) as err:
        table.add(c, f"autonn: {chain_ops:,}-op chain", type(err).__name__, "built and backpropagated", False)
    if micrograd_engine is not None:
        try:
            memory.long_chain(micrograd_engine.Value, 10_000)
            result = "ok"
        except RecursionError:
            result = "RecursionError"
        table.add(c, "micrograd: 10,000-op chain", result)


def check_same_losses() -> str:
    """All engines must compute the same losses on the MLP workload (same weights, same data)."""
    losses = mlp_step.first_losses(list(mlp_step.ENGINES))
    ref = losses["numpy by hand"]
    worst = max(abs(a - ref[0]) + abs(b - ref[1]) for a, b in losses.values())
    if worst > 1e-9:
        lines = "\n".join(f"  {k}: {v}" for k, v in losses.items())
        raise SystemExit(f"engines disagree on the MLP workload's losses:\n{lines}")
    return f"all engines agree on the MLP losses of steps 1 and 2 ({ref[0]:.12f}, {ref[1]:.12f}; max deviation {worst:.1e})"


def import_time_workload(rounds: int) -> int:
    """(j): the table of the import times alone (the other workloads would only slow this one down)."""
    times = import_time.import_times(rounds)
    extra = times["autonn"] - times["numpy"]
    table = Table()
    table.add("(j) import, fresh interpreter", "numpy alone", f"{times['numpy'] * 1e3:.1f} ms")
    table.add("(j) import, fresh interpreter", "autonn", f"{times['autonn'] * 1e3:.1f} ms",
              f"numpy + {import_time.BUDGET * 1e3:.0f} ms (+{extra * 1e3:.1f} ms)", extra <= import_time.BUDGET)
    print(f"CPU time of each fresh interpreter, medians of {rounds} alternating rounds, bytecode cached as installed")
    print(table.render())
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds and a 100,000-op chain (a smoke run; the same graphs and steps)")
    parser.add_argument("--widths", default=None,
                        help="MLP widths for workload (f), comma-separated (default 16,256,1024; quick 16,256)")
    parser.add_argument("--trace-scaling", action="store_true",
                        help="also measure tracing per node for MLP widths 64 to 1024 (2.1 million nodes; minutes)")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per workload (default 7, quick 2)")
    parser.add_argument("--import-time", action="store_true",
                        help="measure only the import time of autonn against numpy's (fresh interpreters, seconds)")
    parser.add_argument("--only", default="abcdefi",
                        help="the workloads to run, by letter (b and d run together, as do f and g; default all)")
    parser.add_argument("--taylor", action="store_true",
                        help="also time Taylor mode against nested grad to order 8 (minutes: nested grad is slow)")
    args = parser.parse_args(argv)
    if args.import_time:
        return import_time_workload(args.repeats or 21)
    only = set(args.only.replace(",", ""))
    repeats = args.repeats or (2 if args.quick else 7)
    n_ops = 20_000  # the targets are defined on this size: quick mode keeps it
    chain_ops = 100_000 if args.quick else 1_000_000
    widths = [int(w) for w in (args.widths or ("16,256" if args.quick else "16,256,1024")).split(",")]

    print(f"autonn {autonn.__version__}, Python {platform.python_version()}, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else "")
          + f", {os.cpu_count()} CPUs; medians of {repeats} alternating rounds"
          + (" (quick mode: fewer rounds, a shorter chain)" if args.quick else ""))
    for note in NOTES:
        print("note:", note)
    if only & set("bd"):
        print(check_same_losses())
    # Everything that exists now (numpy, PyTorch, ... as imported) leaves the
    # cycle collector's sight.  The collector stays on for the workloads, but
    # its cost then depends on the workload, not on which optional engines
    # happen to be imported (PyTorch alone adds ~140,000 objects that every
    # full collection would otherwise walk, for every engine alike).
    gc.collect()
    gc.freeze()
    print(f"cycle collector on; {gc.get_freeze_count():,} objects from imports frozen out of its sight (gc.freeze)")
    table = Table()
    if "a" in only:
        random_graph_workload(table, n_ops, repeats)
    if "i" in only:
        eager_limit_workloads(table, repeats)
    if only & set("bd"):
        mlp_workloads(table, repeats)
    if "e" in only:
        network_workload(table, repeats)
    if only & set("fg"):
        wide_workloads(table, repeats, widths)
    if args.trace_scaling:
        trace_workload(table, [64, 256, 512, 1024])
    if args.taylor:
        taylor_workload(table, min(repeats, 3))
    if "c" in only:
        memory_workloads(table, chain_ops)
    print()
    print(table.render())
    missed = table.verdicts.count(False)
    print()
    print("every target met" if not missed else f"{missed} target(s) NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
