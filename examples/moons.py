"""Two moons: an MLP learns a curved decision boundary.

Data: two interleaving half circles (autonn.datasets.make_moons, labels -1 /
+1).  Model: MLP(2, [16, 16, 1]) with ReLU hidden layers.  Loss: the hinge
loss relu(1 - y * score), averaged over the data; optimiser: Adam.

Saves moons_boundary.png (decision boundary) and moons_loss.png (loss
curve), drawn by autonn.plot, in the current directory, or in --out-dir, if
matplotlib is installed (pip install -e ".[plot]"); examples/gallery.py
writes them to viz/.

    python examples/moons.py [--epochs 100] [--lr 0.05] [--n 100] [--no-plot] [--out-dir .] [--compiled]

--compiled traces the per-sample loss once (autonn.compiler) and runs each
step on the whole batch as numpy array operations: same numbers, much faster.
"""

import argparse
import os
import time
from typing import List

import numpy as np

import autonn
from autonn.compiler import batch_step
from autonn.datasets import make_moons
from autonn.nn import MLP
from autonn.optim import Adam
from autonn.plot import plot_decision_boundary, plot_loss
from autonn.train import accuracy, fit


def sample_loss(model: MLP, row) -> autonn.Value:
    """Hinge loss of one row ``(x1, x2, label)``: relu(1 - label * score)."""
    x1, x2, label = row
    (score,) = model([x1, x2])
    return (1.0 - label * score).relu()


def scores(model: MLP, X: np.ndarray) -> np.ndarray:
    """The model's scores for every row of X, as floats (no graph is kept)."""
    with autonn.no_grad():
        return model(X).astype(float).ravel()


def save_plots(model: MLP, X: np.ndarray, y: np.ndarray, history: List[float], out_dir: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed, so no pictures; get it with: pip install -e ".[plot]"')
        return
    os.makedirs(out_dir, exist_ok=True)
    ax = plot_decision_boundary(model, X, y)
    path = os.path.normpath(os.path.join(out_dir, "moons_boundary.png"))
    ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plot_loss(history, ylabel="mean hinge loss")
    loss_path = os.path.normpath(os.path.join(out_dir, "moons_loss.png"))
    ax.figure.savefig(loss_path, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"saved {path} and {loss_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=100, help="full-batch training steps (default 100)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default 0.05)")
    parser.add_argument("--n", type=int, default=100, help="number of points (default 100)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise of the moons (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights (default 0)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[16, 16], help="hidden layer sizes (default 16 16)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw pictures")
    parser.add_argument("--out-dir", default=".", help="where the pictures go (default: the current directory)")
    parser.add_argument("--compiled", action="store_true", help="run each step as compiled numpy code")
    args = parser.parse_args()

    X, y = make_moons(n=args.n, noise=args.noise, seed=args.seed)
    data = np.column_stack([X, y])
    model = MLP(2, args.hidden + [1], activation="relu", seed=args.seed)
    print(f"{model}: {len(model.parameters())} parameters; {args.n} points; hinge loss; Adam(lr={args.lr})")

    step = batch_step(lambda row: sample_loss(model, row), model.parameters(), data, compiled=args.compiled)
    logging_time = [0.0]

    def progress() -> str:
        """The accuracy after the update, for the log line (its time is not counted)."""
        t0 = time.perf_counter()
        text = f"accuracy {accuracy(scores(model, X), y):.2f}"
        logging_time[0] += time.perf_counter() - t0
        return text

    start = time.perf_counter()
    history = fit(
        step,
        Adam(model.parameters(), lr=args.lr),
        args.epochs,
        log_every=max(1, args.epochs // 10),
        extra=progress,
    )
    elapsed = time.perf_counter() - start - logging_time[0]
    final = accuracy(scores(model, X), y)
    print(f"final training accuracy: {final:.1%}")
    per_epoch = 1000 * elapsed / max(1, args.epochs)
    print(f"time per epoch (forward + backward + Adam update, {args.n} points): {per_epoch:.1f} ms")
    if not args.no_plot:
        save_plots(model, X, y, history, args.out_dir)


if __name__ == "__main__":
    main()
