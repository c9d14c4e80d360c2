"""The worked examples of the seed documents, reproduced with their own numbers."""

import math

import numpy as np

import autonn
from autonn import Value, gradcheck
from autonn.datasets import make_line
from autonn.losses import closed_form_line_grads, half_mse, mse
from autonn.nn import MLP, Layer, Network, Neuron
from autonn.optim import SGD, Adam

# ---------------------------------------------------------------------------
# "The Neuron": a 3-neuron ReLU layer on a batch of 3 samples with 4 features
# ---------------------------------------------------------------------------
TABLE_W = [
    [0.20, 0.80, -0.50, 1.00],
    [0.50, -0.91, 0.26, -0.50],
    [-0.26, -0.27, 0.17, 0.87],
]
TABLE_B = [2.00, 3.00, 0.50]
TABLE_X = [
    [1.00, 2.00, 3.00, 2.50],
    [-0.80, 0.40, 0.10, 1.20],
    [0.20, 0.90, -0.50, 0.30],
]
TABLE_OUT = [  # the document's output table, 3 decimals
    [4.800, 1.210, 2.385],
    [3.310, 1.662, 1.661],
    [3.310, 2.001, 0.381],
]


def test_neuron_layer_batch_gives_the_documents_table():
    layer = Layer.from_weights(TABLE_W, TABLE_B, activation="relu")
    out = layer(np.array(TABLE_X))
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out.astype(float), TABLE_OUT, rtol=0, atol=5e-4)


def test_single_neuron_single_sample_gives_4_800():
    n = Neuron.from_weights(TABLE_W[0], TABLE_B[0], activation="relu")
    assert abs(n(TABLE_X[0]).data - 4.800) < 5e-4


# ---------------------------------------------------------------------------
# "The Simplest Possible Neural Network": y = w*x + b from w = 25, b = 85
# ---------------------------------------------------------------------------
W0, B0 = 25.0, 85.0


def line_loss(w, b, x, y):
    return half_mse([w * xi + b for xi in x.tolist()], y)


def test_first_row_and_first_prediction():
    x, _ = make_line()
    assert x[0] == 0.66
    assert math.isclose(W0 * x[0] + B0, 101.5, rel_tol=1e-12)  # the document's first guess
    pred = Neuron.from_weights([W0], B0, activation="linear")([x[0]])
    assert math.isclose(pred.data, 101.5, rel_tol=1e-12)


def test_autograd_equals_mean_error_x_and_mean_error():
    x, y = make_line()
    w, b = Value(W0), Value(B0)
    line_loss(w, b, x, y).backward()
    error = W0 * x + B0 - y  # the document's Error, in numpy
    assert math.isclose(w.grad, np.mean(error * x), rel_tol=1e-12)
    assert math.isclose(b.grad, np.mean(error), rel_tol=1e-12)
    gw, gb = closed_form_line_grads(W0, B0, x, y)
    assert math.isclose(w.grad, gw, rel_tol=1e-12) and math.isclose(b.grad, gb, rel_tol=1e-12)


def test_one_sgd_step_is_the_documents_update():
    x, y = make_line()
    lr = 0.5
    w, b = Value(W0), Value(B0)
    opt = SGD([w, b], lr=lr)
    line_loss(w, b, x, y).backward()
    opt.step()
    error = W0 * x + B0 - y
    assert math.isclose(w.data, W0 - lr * np.mean(error * x), rel_tol=1e-12)
    assert math.isclose(b.data, B0 - lr * np.mean(error), rel_tol=1e-12)


def test_training_converges_to_the_generating_line():
    true_w, true_b, noise, n = 12.0, 40.0, 1.0, 50
    x, y = make_line(n=n, w=true_w, b=true_b, noise=noise, seed=0)
    w, b = Value(W0), Value(B0)
    opt = SGD([w, b], lr=1.0)
    for _ in range(600):
        opt.zero_grad()
        line_loss(w, b, x, y).backward()
        opt.step()
    # gradient descent reaches the least-squares line ...
    ls_w, ls_b = np.polyfit(x, y, 1)
    assert abs(w.data - ls_w) < 1e-6 and abs(b.data - ls_b) < 1e-6
    # ... which is the generating line within the noise (4 standard errors)
    sxx = np.sum((x - x.mean()) ** 2)
    se_w = noise / math.sqrt(sxx)
    se_b = noise * math.sqrt(1 / n + x.mean() ** 2 / sxx)
    assert abs(w.data - true_w) < 4 * se_w
    assert abs(b.data - true_b) < 4 * se_b


# ---------------------------------------------------------------------------
# "What EXACTLY is a Neural Network?": linear neurons, layers, stacks of layers
# ---------------------------------------------------------------------------


def test_one_neuron_is_w_x_plus_b():
    n = Neuron.from_weights([1.7], -0.4, activation="linear")
    for x in (-2.0, 0.0, 3.5):
        assert math.isclose(n([x]).data, 1.7 * x - 0.4, rel_tol=1e-12, abs_tol=1e-15)


def test_three_neurons_summed():
    w, b = [0.5, -1.2, 2.0], [0.1, 0.3, -0.7]
    layer = Layer.from_weights([[wi] for wi in w], b, activation="linear")
    x = 1.3
    total = autonn.sum(layer([x]))
    want = (w[0] * x + b[0]) + (w[1] * x + b[1]) + (w[2] * x + b[2])
    assert math.isclose(total.data, want, rel_tol=1e-12)
    # the same as a network whose output neuron adds the three with weights 1
    net = Network(["x"], activation="linear")
    for j in range(3):
        net.add(f"n{j}", ["x"], w=[w[j]], b=b[j])
    net.add("f", ["n0", "n1", "n2"], w=[1.0, 1.0, 1.0], b=0.0)
    assert math.isclose(net([x])[0].data, want, rel_tol=1e-12)


def test_two_input_layer_is_W_at_x_plus_b():
    W = np.array([[0.3, -0.6], [1.1, 0.2], [-0.5, 0.9]])
    b = np.array([0.05, -0.25, 0.4])
    x = np.array([1.5, -2.0])
    layer = Layer.from_weights(W, b, activation="linear")
    np.testing.assert_allclose([v.data for v in layer(x)], W @ x + b, rtol=1e-12)


def test_three_linear_hidden_layers_are_one_affine_map():
    rng = np.random.default_rng(0)
    sizes = [2, 3, 4, 3, 1]
    weights = [(rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in zip(sizes, sizes[1:])]
    net = MLP.from_weights(weights, activation="linear")
    # compose the affine maps: x -> A x + c
    A, c = np.eye(2), np.zeros(2)
    for W, b in weights:
        A, c = W @ A, W @ c + b
    X = rng.normal(size=(10, 2))
    np.testing.assert_allclose(net(X).astype(float), X @ A.T + c, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# "The Simplest Neural Network": a network does not need layers
# ---------------------------------------------------------------------------
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([-1.0, 1.0, 1.0, -1.0])


def irregular_network(seed):
    net = Network(["x1", "x2"], activation="tanh", seed=seed)
    net.add("a", ["x1", "x2"])
    net.add("b", ["x1", "a"])  # reads an input and a neuron
    net.add("c", ["x2", "a", "b"])  # fed from two depths
    net.add("out", ["c", "a", "x1", "x2"], "linear")  # skip connections from the inputs
    return net


def test_irregular_network_gradients_pass_gradcheck_and_it_learns_xor():
    net = irregular_network(seed=1)
    assert net.outputs == ["out"]

    def loss_of(*params):
        with net.using_parameters(params):
            return mse(net(XOR_X), XOR_Y)

    assert gradcheck(loss_of, [p.data for p in net.parameters()], atol=1e-7, rtol=1e-6)
    opt = Adam(net.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = mse(net(XOR_X), XOR_Y)
        loss.backward()
        opt.step()
    assert loss.data < 0.01
    assert np.array_equal(np.sign(net(XOR_X).astype(float).ravel()), XOR_Y)
    assert gradcheck(loss_of, [p.data for p in net.parameters()], atol=1e-7, rtol=1e-6)


# ---------------------------------------------------------------------------
# A classic: two moons, learned by an MLP
# ---------------------------------------------------------------------------


def test_two_moons_mlp_reaches_95_percent_training_accuracy():
    from autonn.datasets import make_moons
    from autonn.losses import hinge
    from autonn.train import accuracy

    X, y = make_moons(n=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        hinge(model(X), y).backward()
        opt.step()
    with autonn.no_grad():
        assert accuracy(model(X), y) >= 0.95


# ---------------------------------------------------------------------------
# The example scripts print the documents' numbers
# ---------------------------------------------------------------------------
EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args):
    import os
    import subprocess
    import sys

    # The examples import the package of this checkout, whatever else is installed.
    paths = [str(EXAMPLES.parent)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_neuron_layer_example_prints_the_table():
    out = run_example("seed_neuron_layer.py")
    assert "= 4.800" in out
    rows = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in ("s1", "s2", "s3"):
            rows[words[0]] = [float(v) for v in words[1:]]
    assert [rows["s1"], rows["s2"], rows["s3"]] == TABLE_OUT


def test_line_regression_example_prints_the_first_guess_and_converges():
    out = run_example("seed_line_regression.py", "--steps", "300", "--every", "100")
    assert "101.50" in out
    import re

    def numbers(prefix):
        line = [x for x in out.splitlines() if x.startswith(prefix)][0]
        return [float(v) for v in re.findall(r"-?\d+\.\d+", line)]

    assert numbers("learned:") == numbers("least squares:")


def test_moons_example_reaches_95_percent():
    out = run_example("moons.py", "--epochs", "60", "--no-plot")
    line = [x for x in out.splitlines() if x.startswith("final training accuracy:")][0]
    assert float(line.split(":")[1].strip().rstrip("%")) >= 95.0
