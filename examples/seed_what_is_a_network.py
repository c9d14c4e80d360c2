"""A neural network is a function: from f(x) = w*x + b to stacks of layers.

1. one neuron            f(x) = w*x + b
2. three neurons summed  f(x) = (w1*x + b1) + (w2*x + b2) + (w3*x + b3)
3. a layer, two inputs   f(X) = W X + B
4. three linear hidden layers in a row - still one affine map A x + c,
   which is why real networks put an activation between layers.

    python examples/seed_what_is_a_network.py
"""

import argparse

import numpy as np

from autonn.graph import topological_order
from autonn.nn import MLP, Layer, Network, Neuron


def main() -> None:
    print("1. One neuron: f(x) = w*x + b")
    neuron = Neuron.from_weights([2.0], 1.0, activation="linear", name="f")
    y = neuron([3.0])
    print(f"   w = 2, b = 1:  f(3) = {y.data:g}   (nodes: {y.parents[0].op} then {y.op})")

    print("\n2. Three neurons on one input, summed")
    w, b = [0.5, -1.0, 2.0], [1.0, 0.5, -2.0]
    net = Network(["x"], activation="linear")
    for j in range(3):
        net.add(f"n{j + 1}", ["x"], w=[w[j]], b=b[j])
    net.add("f", ["n1", "n2", "n3"], w=[1.0, 1.0, 1.0], b=0.0)  # adds them up
    x = 3.0
    values = net.forward_all([x])
    parts = " + ".join(f"({w[j]:g}*{x:g} + {b[j]:g})" for j in range(3))
    print(f"   f({x:g}) = {parts}")
    print(f"        = {' + '.join(f'{values[n].data:g}' for n in ('n1', 'n2', 'n3'))} = {values['f'].data:g}")
    print(f"   by hand: {sum(wj * x + bj for wj, bj in zip(w, b)):g}")

    print("\n3. Two inputs, three neurons: a layer is W @ x + b")
    W = np.array([[0.2, -0.5], [1.0, 0.3], [-0.7, 0.8]])
    B = np.array([0.1, -0.2, 0.05])
    layer = Layer.from_weights(W, B, activation="linear")
    xv = np.array([1.5, -2.0])
    out = [v.data for v in layer(xv)]
    print(f"   layer([1.5, -2.0]) = {np.round(out, 6).tolist()}")
    print(f"   W @ x + b          = {np.round(W @ xv + B, 6).tolist()}")

    print("\n4. Three linear hidden layers 2 -> 3 -> 4 -> 3 -> 1")
    rng = np.random.default_rng(0)
    sizes = [2, 3, 4, 3, 1]
    weights = [(np.round(rng.normal(size=(o, i)), 2), np.round(rng.normal(size=o), 2)) for i, o in zip(sizes, sizes[1:])]
    mlp = MLP.from_weights(weights, activation="linear")
    A, c = np.eye(2), np.zeros(2)
    for Wi, bi in weights:  # compose x -> Wi (A x + c) + bi
        A, c = Wi @ A, Wi @ c + bi
    print(f"   the whole network is one affine map: f(x) = {A[0, 0]:.4f}*x1 + {A[0, 1]:.4f}*x2 + {c[0]:.4f}")
    X = rng.normal(size=(5, 2))
    net_out = mlp(X).astype(float).ravel()
    affine = X @ A[0] + c[0]
    print("      x1       x2   network    A x + c")
    for (x1, x2), n_out, a_out in zip(X, net_out, affine):
        print(f"   {x1:7.3f}  {x2:7.3f}  {n_out:8.4f}   {a_out:8.4f}")
    print(f"   largest difference: {np.max(np.abs(net_out - affine)):.1e}")
    print(f"   parameters: {len(mlp.parameters())} in the network, 3 in the affine map")
    print(f"   ({len(topological_order(mlp(X[0])))} nodes in one sample's graph)")


if __name__ == "__main__":
    # No options: the script prints its worked example; --help says what it shows.
    argparse.ArgumentParser(description=__doc__).parse_args()
    main()
