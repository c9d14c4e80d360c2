"""What watching costs: ``fit`` with the live view on against the same ``fit`` without it.

    python benchmarks/live_view.py            # 5 rounds
    python benchmarks/live_view.py --quick    # 2 rounds

Both runs train MLP(2, [16, 16, 1]) with Adam on two-moons points, from the
same weights, the runs taking turns (timing.alternate: medians, the heap
collected before each sample).  The live run draws the loss curve, the
decision boundary and the network's weights and gradients into a page in a
temporary folder: with the defaults (at most ten frames a second, and drawing
within a tenth of the time), and at ten frames a second whatever they cost
(``budget=None``).  Two sizes: 100
points (a step of about a third of a second here) and 10 points (a step of a
few tens of milliseconds, so the view draws nearly every tenth of a second and
its cost shows most).  The target: the live run takes at most 1.2 times as
long.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from timing import Case, alternate  # noqa: E402

from autonn import Live  # noqa: E402
from autonn.datasets import make_moons  # noqa: E402
from autonn.losses import hinge  # noqa: E402
from autonn.nn import MLP  # noqa: E402
from autonn.optim import Adam  # noqa: E402
from autonn.train import eager_step, fit  # noqa: E402

TARGET = 1.2


def _setup(n_points: int, folder: str, live: Optional[dict]):
    def setup():
        X, y = make_moons(n=n_points, noise=0.1, seed=0)
        model = MLP(2, [16, 16, 1], seed=0)
        view = None
        if live is not None:
            view = Live(model, data=(X, y), path=os.path.join(folder, f"live-{n_points}.html"), **live)
        return model, X, y, view

    return setup


def _run(epochs: int, frames: Dict[str, List[int]], name: str):
    def run(state):
        model, X, y, view = state
        fit(eager_step(lambda: hinge(model(X), y)), Adam(model.parameters(), lr=0.05), epochs, log=None, live=view)
        if view is not None:
            frames.setdefault(name, []).append(view.frames)

    return run


#: The live runs: the defaults (ten frames a second at most, drawing within a tenth of the time),
#: and ten frames a second whatever they cost (no budget).
LIVE = {"live": {}, "live, 10 frames/s": {"every": 0.1, "budget": None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds instead of 5")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    print("| points | epochs | fit | view | fit with the view | ratio (target <= 1.2) | frames a second |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for n_points, epochs in ((100, 12), (10, 150)):
            frames: Dict[str, List[int]] = {}
            cases = [Case("plain", _setup(n_points, folder, None), _run(epochs, frames, "plain"))]
            cases += [Case(name, _setup(n_points, folder, options), _run(epochs, frames, name))
                      for name, options in LIVE.items()]
            med = alternate(cases, repeats)
            for name in LIVE:
                ratio = med[name] / med["plain"]
                rate = statistics.median(frames[name]) / med[name]
                verdict = "met" if ratio <= TARGET else "MISSED"
                print(f"| {n_points} | {epochs} | {med['plain']:.2f} s | {name} | {med[name]:.2f} s | "
                      f"{ratio:.3f} ({verdict}) | {rate:.1f} |")


if __name__ == "__main__":
    main()
