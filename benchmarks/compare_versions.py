"""The compiled network step of an earlier commit beside this checkout's, in one process.

    python benchmarks/compare_versions.py d64c4ed            # the 2,001-neuron network
    python benchmarks/compare_versions.py d64c4ed --size small --repeats 31

The earlier commit's ``autonn`` package is extracted (``git archive``) into a
temporary folder under another name, so both versions are imported side by
side and take turns, as every benchmark here does; each traces and compiles
its own copy of the same network (workload (e)), checks that both give the
same loss and gradients, and the medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Callable, Dict, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]

import numpy as np  # noqa: E402

import autonn  # noqa: E402
import mlp_step  # noqa: E402
import network_step  # noqa: E402
from autonn.datasets import make_moons  # noqa: E402


def load_commit(commit: str, folder: str):
    """The ``autonn`` package of ``commit``, imported as ``autonn_<commit>``."""
    name = "autonn_" + "".join(c for c in commit if c.isalnum())
    archive = subprocess.run(["git", "-C", ROOT, "archive", commit, "autonn"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    os.rename(os.path.join(folder, "autonn"), os.path.join(folder, name))
    # The trace guard tells the package's own frames from the user's by their module
    # name ("autonn."): the copy must recognise its own name instead.
    for base, _, files in os.walk(os.path.join(folder, name)):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(base, f)
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
                if 'startswith("autonn.")' in text:
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text.replace('startswith("autonn.")', f'startswith("{name}.")'))
    sys.path.insert(0, folder)
    return importlib.import_module(name)


def network_step_of(pkg, size: str) -> Tuple[Callable[[], Tuple[float, np.ndarray]], float]:
    """A compiled SGD step of workload (e)'s network built with ``pkg``, and its compile time."""
    net = network_step.make_network(size=size, network=pkg.nn.Network)
    X, y = make_moons(100, noise=0.1, seed=0)
    Xy = np.column_stack([X, y])
    start = time.perf_counter()
    step = pkg.compiler.compile(lambda v: (1.0 - v[2] * net(v[:2])[0]).relu(), net.parameters(), 3)
    seconds = time.perf_counter() - start
    held = step.flat.held()  # trains on the flat vector, as workload (e)
    held.__enter__()
    opt = pkg.optim.SGD(step.flat, lr=mlp_step.LR)

    def run() -> Tuple[float, np.ndarray]:
        out = step(Xy)
        opt.step()
        return out

    run.held = held  # type: ignore[attr-defined]  # the block lasts as long as the step

    return run, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="the earlier commit (any name git understands)")
    parser.add_argument("--size", choices=sorted(network_step.SIZES), default="large")
    parser.add_argument("--repeats", type=int, default=21, help="timed rounds (default 21)")
    parser.add_argument("--number", type=int, default=10, help="steps per timed sample (default 10)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        old = load_commit(args.commit, folder)
        steps: Dict[str, Tuple[Callable, float]] = {args.commit: network_step_of(old, args.size),
                                                     "this checkout": network_step_of(autonn, args.size)}
        (l0, g0), (l1, g1) = (run() for run, _ in steps.values())
        worst = max(abs(l0 - l1), float(np.max(np.abs(g0 - g1))))
        if worst > 1e-12:
            raise SystemExit(f"the two versions disagree: loss {l0} vs {l1}, largest difference {worst}")
        samples: Dict[str, list] = {k: [] for k in steps}
        for round_ in range(args.repeats + 1):
            for name, (run, _) in steps.items():
                gc.collect()
                start = time.perf_counter()
                for _ in range(args.number):
                    run()
                if round_:
                    samples[name].append((time.perf_counter() - start) / args.number)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"workload (e), {args.size} network: medians of {args.repeats} alternating rounds of {args.number} steps "
          f"(the two agree to {worst:.1e})")
    for name, (_, seconds) in steps.items():
        print(f"  {name:>14}: {med[name] * 1e3:8.3f} ms per step (compiled in {seconds:.2f} s)")
    print(f"  ratio: {med[args.commit] / med['this checkout']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
