"""A neuron, a layer of three neurons, and a batch of three samples - with the numbers.

Each neuron computes relu(w1 x1 + w2 x2 + w3 x3 + w4 x4 + b); a layer is
three neurons reading the same inputs; a batch is several samples at once,
which in numpy terms is relu(X @ W.T + b).

    python examples/seed_neuron_layer.py
"""

import argparse

import numpy as np

from autonn.nn import Layer, Neuron

W = np.array(
    [
        [0.20, 0.80, -0.50, 1.00],
        [0.50, -0.91, 0.26, -0.50],
        [-0.26, -0.27, 0.17, 0.87],
    ]
)
B = np.array([2.00, 3.00, 0.50])
X = np.array(
    [
        [1.00, 2.00, 3.00, 2.50],
        [-0.80, 0.40, 0.10, 1.20],
        [0.20, 0.90, -0.50, 0.30],
    ]
)


def main() -> None:
    print("1. One neuron: relu(w . x + b)")
    n1 = Neuron.from_weights(W[0], B[0], activation="relu", name="N1")
    out = n1(X[0])
    terms = " + ".join(f"{w:.2f}*{x:.2f}" for w, x in zip(W[0], X[0]))
    print(f"   relu({terms} + {B[0]:.2f}) = {out.data:.3f}")

    print("\n2. A layer of three neurons (row j of W = neuron j's weights)")
    layer = Layer.from_weights(W, B, activation="relu")
    print("        w.1    w.2    w.3    w.4   bias  output")
    for j, (neuron, y) in enumerate(zip(layer.neurons, layer(X[0]))):
        ws = " ".join(f"{w.data:6.2f}" for w in neuron.w)
        print(f"   N{j + 1} {ws} {neuron.b.data:6.2f}  {y.data:6.3f}")

    print("\n3. A batch: every row of X is a sample; the result is samples x neurons")
    Y = layer(X).astype(float)
    print("          y1     y2     y3")
    for i, row in enumerate(Y):
        print(f"   s{i + 1}  " + " ".join(f"{v:6.3f}" for v in row))
    reference = np.maximum(X @ W.T + B, 0.0)
    print(f"\n   same as numpy relu(X @ W.T + b): {np.allclose(Y, reference, rtol=1e-12, atol=0)}")


if __name__ == "__main__":
    # No options: the script prints its worked example; --help says what it shows.
    argparse.ArgumentParser(description=__doc__).parse_args()
    main()
