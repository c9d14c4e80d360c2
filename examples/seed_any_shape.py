"""A network does not need layers: neurons wired in any acyclic shape still learn.

Layers are an optimisation (they turn into matrix products), not a
necessity.  Here five neurons are wired irregularly - a neuron reads an input
and another neuron, one is fed from two depths, the output has skip
connections straight from the inputs - and trained on XOR, which no single
neuron can learn.  autonn.gradcheck confirms the gradients against finite
differences before and after training.

    python examples/seed_any_shape.py [--epochs 300] [--lr 0.05] [--seed 1]
"""

import argparse

import numpy as np

import autonn
from autonn import gradcheck
from autonn.nn import Network
from autonn.optim import Adam
from autonn.train import fit, mean_loss_step

# XOR with labels -1 / +1: columns x1, x2, target
DATA = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, -1.0]])


def build(seed: int) -> Network:
    net = Network(["x1", "x2"], activation="tanh", seed=seed)
    net.add("a", ["x1", "x2"])
    net.add("b", ["x1", "a"])  # an input and a neuron
    net.add("c", ["x2", "a", "b"])  # fed from two depths
    net.add("out", ["c", "a", "x1", "x2"], "linear")  # skip connections from the inputs
    return net


def sample_loss(net: Network, row) -> autonn.Value:
    """Squared error of one row ``(x1, x2, target)``."""
    x1, x2, target = row
    (out,) = net([x1, x2])
    return (out - target) ** 2


def mean_loss(net: Network, rows) -> autonn.Value:
    return autonn.sum([sample_loss(net, row) for row in rows]) / len(rows)


def check_gradients(net: Network, when: str) -> None:
    rows = DATA.tolist()

    def loss_of(*params):
        with net.using_parameters(params):
            return mean_loss(net, rows)

    ok = gradcheck(loss_of, [p.data for p in net.parameters()], atol=1e-7, rtol=1e-6)
    print(f"gradcheck {when}: {len(net.parameters())} parameters, autograd = finite differences: {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=300, help="training steps (default 300)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default 0.05)")
    parser.add_argument("--seed", type=int, default=1, help="initialisation seed (default 1)")
    args = parser.parse_args()

    net = build(args.seed)
    print("wiring (neuron <- sources, activation):")
    for neuron in net.neurons():
        print(f"   {neuron.name:>3} <- {', '.join(net.sources(neuron.name)):<14} {neuron.activation}")
    print(f"outputs: {net.outputs}\n")

    check_gradients(net, "before training")
    step = mean_loss_step(lambda row: sample_loss(net, row), DATA)
    fit(step, Adam(net.parameters(), lr=args.lr), args.epochs, log_every=50)
    check_gradients(net, "after training")

    print("\n  x1  x2  target  output")
    for (x1, x2, target), (out,) in zip(DATA, net(DATA[:, :2]).astype(float)):
        print(f"  {x1:2.0f}  {x2:2.0f}  {target:6.0f}  {out:7.3f}")
    right = np.sign(net(DATA[:, :2]).astype(float).ravel()) == DATA[:, 2]
    print(f"correct signs: {int(right.sum())} of {len(DATA)}")


if __name__ == "__main__":
    main()
