"""The simplest possible network, y = w*x + b, trained by gradient descent - with autograd
and the hand-derived update side by side.

The network starts at w = 25, b = 85.  For each data row, Error = w*x + b - y.
Minimising 0.5 * mean(Error**2) by hand gives the updates

    w -= lr * mean(Error * x)        b -= lr * mean(Error)

and autograd's gradients of the same loss are exactly these means.

    python examples/seed_line_regression.py [--steps 300] [--lr 1.0] [--every 25] [--compiled]
"""

import argparse

import numpy as np

import autonn
from autonn.compiler import batch_step
from autonn.datasets import make_line
from autonn.losses import closed_form_line_grads
from autonn.nn import Neuron
from autonn.optim import SGD

TRUE_W, TRUE_B = 12.0, 40.0  # the line the data is generated from


def sample_loss(model: Neuron, row) -> autonn.Value:
    """0.5 * Error**2 for one data row ``(x, y)``."""
    x, y = row
    error = model([x]) - y
    return 0.5 * error**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="gradient-descent steps (default 300)")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate (default 1.0)")
    parser.add_argument("--every", type=int, default=25, help="print a row every N steps after the first 5")
    parser.add_argument("--n", type=int, default=50, help="number of data points (default 50)")
    parser.add_argument("--noise", type=float, default=1.0, help="noise of the data (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--compiled", action="store_true", help="run each step as compiled numpy code")
    args = parser.parse_args()

    x, y = make_line(n=args.n, w=TRUE_W, b=TRUE_B, noise=args.noise, seed=args.seed)
    data = np.column_stack([x, y])
    model = Neuron.from_weights([25.0], 85.0, activation="linear", name="line")
    w, b = model.w[0], model.b
    print(f"data: {args.n} points around y = {TRUE_W:g}*x + {TRUE_B:g} (noise {args.noise:g}), first rows:")
    for xi, yi in data[:3]:
        print(f"   x = {xi:.2f}   y = {yi:.2f}")
    print(f"start: w = {w.data:g}, b = {b.data:g}; first guess at x = {x[0]:.2f}: "
          f"{model([x[0]]).data:.2f}   (25*0.66 + 85 = 101.5)\n")

    step = batch_step(lambda row: sample_loss(model, row), model.parameters(), data, compiled=args.compiled)
    opt = SGD([w, b], lr=args.lr)
    header = (f"{'step':>5} {'w':>10} {'b':>10} {'loss':>12} | {'dL/dw autograd':>15} {'mean(Err*x)':>12}"
              f" | {'dL/db autograd':>15} {'mean(Err)':>12}")
    print(header)
    print("-" * len(header))
    worst_abs = 0.0
    first_rel = 0.0
    for t in range(args.steps + 1):
        gw, gb = closed_form_line_grads(w, b, x, y)  # before the step, at the same w, b
        w_now, b_now = w.data, b.data
        opt.zero_grad()
        loss = step()
        for auto, hand in ((w.grad, gw), (b.grad, gb)):
            worst_abs = max(worst_abs, abs(auto - hand))
            if t == 0:
                first_rel = max(first_rel, abs(auto - hand) / abs(hand))
        if t < 5 or t % args.every == 0 or t == args.steps:
            print(f"{t:5d} {w_now:10.5f} {b_now:10.5f} {loss:12.6f} | {w.grad:15.9f} {gw:12.9f}"
                  f" | {b.grad:15.9f} {gb:12.9f}")
        if t < args.steps:
            opt.step()  # w -= lr * mean(Error*x);  b -= lr * mean(Error)

    ls_w, ls_b = np.polyfit(x, y, 1)
    print(f"\nautograd vs closed form: relative difference at step 0 {first_rel:.1e}, "
          f"largest absolute difference over all steps {worst_abs:.1e}")
    print(f"learned:        w = {w.data:.4f}, b = {b.data:.4f}")
    print(f"least squares:  w = {ls_w:.4f}, b = {ls_b:.4f}")
    sxx = float(np.sum((x - x.mean()) ** 2))
    se_w = args.noise / np.sqrt(sxx)
    se_b = args.noise * np.sqrt(1.0 / args.n + x.mean() ** 2 / sxx)
    print(f"generating:     w = {TRUE_W:.4f}, b = {TRUE_B:.4f}   "
          f"(the noise allows about +-{se_w:.2f} and +-{se_b:.2f}: one standard error)")


if __name__ == "__main__":
    main()
