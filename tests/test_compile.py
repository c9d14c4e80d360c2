"""The compiled batch step gives the eager engine's numbers: every op, random graphs, networks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autonn
from autonn.datasets import make_moons
from autonn import OPS, Value
from autonn.value import apply


def OPS_APPLY(name, *args):
    return apply(OPS[name], *args)
from autonn.compiler import compile
from compile_graphs import RandomGraph, assert_close, eager_loss_and_grads


def check_against_eager(loss_fn, params, X, reduction="mean", what=""):
    step = compile(loss_fn, params, X.shape[1], reduction=reduction)
    loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X, reduction)
    assert_close(loss, want_loss, f"{what}: loss")
    assert_close(grads, want_grads, f"{what}: gradients")
    return step


# -- every op ---------------------------------------------------------------------------
# Each case applies the op to u = w0*x0 + w1 (a layer-like node: batch and parameter
# dependent) and to a second operand; data is drawn inside the op's domain.
POSITIVE = (0.2, 2.0)
ANY = (-2.0, 2.0)
OP_CASES = {
    "add": (ANY, lambda u, t, w: u + t),
    "sub": (ANY, lambda u, t, w: t - u),
    "mul": (ANY, lambda u, t, w: u * t),
    "div": (POSITIVE, lambda u, t, w: t / u),
    "neg": (ANY, lambda u, t, w: -u * t),
    "powc": (POSITIVE, lambda u, t, w: u ** 3 + u ** 0.5 + u ** -2.0 + u ** 0 + t ** 2),
    "pow": (POSITIVE, lambda u, t, w: u ** t + t ** u + w ** u),
    "abs": (ANY, lambda u, t, w: abs(u) * t),
    "exp": (ANY, lambda u, t, w: u.exp() + t.exp()),
    "log": (POSITIVE, lambda u, t, w: u.log() * t),
    "log1p": (POSITIVE, lambda u, t, w: u.log1p() + (t - 0.1).log1p()),
    "sqrt": (POSITIVE, lambda u, t, w: u.sqrt() * t.sqrt()),
    "tanh": (ANY, lambda u, t, w: u.tanh() * t),
    "sigmoid": (ANY, lambda u, t, w: (u * 10.0).sigmoid() + (-u * 10.0).sigmoid() * t),
    "softplus": (ANY, lambda u, t, w: (u * 10.0).softplus() + (-u * 10.0).softplus() * t),
    "relu": (ANY, lambda u, t, w: u.relu() * t + (-u).relu()),
    "sin": (ANY, lambda u, t, w: u.sin() * t),
    "cos": (ANY, lambda u, t, w: u.cos() * t),
    "sum": (ANY, lambda u, t, w: autonn.sum([u, t, w * u, 1.5, w])),
    "expm1": (ANY, lambda u, t, w: u.expm1() * t),
    "log2": (POSITIVE, lambda u, t, w: u.log2() * t),
    "log10": (POSITIVE, lambda u, t, w: u.log10() + (t * t + 1.0).log10()),
    "tan": (ANY, lambda u, t, w: (u * 0.5).tan() * t),
    "asin": (ANY, lambda u, t, w: (u * 0.4).asin() * t),
    "acos": (ANY, lambda u, t, w: (u * 0.4).acos() * t),
    "atan": (ANY, lambda u, t, w: u.atan() * t),
    "sinh": (ANY, lambda u, t, w: u.sinh() * t),
    "cosh": (ANY, lambda u, t, w: u.cosh() * t),
    "erf": (ANY, lambda u, t, w: u.erf() * t),
    "leaky_relu": (ANY, lambda u, t, w: u.leaky_relu() * t + u.leaky_relu(w) + (-u).leaky_relu(0.2)),
    "elu": (ANY, lambda u, t, w: u.elu() * t + u.elu(w)),
    "gelu": (ANY, lambda u, t, w: u.gelu() * t),
    "silu": (ANY, lambda u, t, w: u.silu() * t),
    "step": (ANY, lambda u, t, w: OPS_APPLY("step", u) * t + u),
    "sign": (ANY, lambda u, t, w: u.sign() * t + u),
    "maximum": (ANY, lambda u, t, w: u.maximum(t) + u.maximum(0.3)),
    "minimum": (ANY, lambda u, t, w: u.minimum(t) * w + t.minimum(u * 0.5)),
    "clamp": (ANY, lambda u, t, w: u.clamp(-0.5, 0.7) * t + u.clamp(w - 1.0, w)),
    "gt": (ANY, lambda u, t, w: OPS_APPLY("gt", u, t) * u + OPS_APPLY("gt", t, 0.3) * w),
    "ge": (ANY, lambda u, t, w: OPS_APPLY("ge", u, t) * u + t),
    "lt": (ANY, lambda u, t, w: OPS_APPLY("lt", u, t) * u + t),
    "le": (ANY, lambda u, t, w: OPS_APPLY("le", u, t) * u + t),
    "eq": (ANY, lambda u, t, w: OPS_APPLY("eq", u, u) * t + u),
    "ne": (ANY, lambda u, t, w: OPS_APPLY("ne", u, t) * t + u),
    "where": (ANY, lambda u, t, w: OPS_APPLY("where", OPS_APPLY("gt", u, t), u * w, t * u)),
    "label_pm1": (ANY, lambda u, t, w: OPS_APPLY("label_pm1", (u - 1.0).sign()) * t * w),
    "label_01": (ANY, lambda u, t, w: OPS_APPLY("label_01", t.sigmoid()) * w + u),
    "label_class": (ANY, lambda u, t, w: OPS_APPLY("label_class", (u - 1.0).sign() + 1.0, 3.0) * t * w),
}


def test_every_op_has_a_case():
    assert set(OP_CASES) == set(OPS)


@pytest.mark.parametrize("name", sorted(OP_CASES))
def test_every_op_matches_the_eager_engine(name):
    (lo, hi), body = OP_CASES[name]
    rng = np.random.default_rng(len(name))
    w = [Value(0.8, "w0"), Value(0.1, "w1"), Value(0.6, "w2")]
    X = np.column_stack([rng.uniform(0.5, 2.0, 32), rng.uniform(lo, hi, 32)])
    if lo < 0:
        X[:, 0] = rng.uniform(-2.0, 2.0, 32)  # u changes sign: relu, abs, sign-dependent rules

    def loss_fn(x):
        u = w[0] * x[0] + w[1]
        t = x[1] * w[2] if name != "pow" else x[1]
        return body(u, t, w[2]) if name != "pow" else body(u, t, w[2]) + w[2]

    check_against_eager(loss_fn, w, X, what=name)


def test_rules_at_their_edges_match_the_eager_engine():
    # relu and abs at exactly 0, sqrt's infinite slope at 0, pow with a zero base
    w = [Value(1.0, "w"), Value(0.0, "b")]
    X = np.array([[0.0], [1.0], [-1.0], [4.0]])

    def loss_fn(x):
        u = w[0] * x[0] + w[1]
        return u.relu() + abs(u) + (u * u).sqrt() + (u * u) ** w[0]

    check_against_eager(loss_fn, w, X, what="edges")


# -- random graphs ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_random_graphs_match_the_eager_engine(seed, reduction):
    rg = RandomGraph(seed, n_steps=30)
    check_against_eager(rg.loss_fn, rg.params, rg.batch(9, seed), reduction, what=f"seed {seed}")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_steps=st.integers(1, 60), batch=st.integers(1, 12))
def test_random_graphs_property(seed, n_steps, batch):
    rg = RandomGraph(seed, n_steps=n_steps, n_inputs=2, n_params=6)
    check_against_eager(rg.loss_fn, rg.params, rg.batch(batch, seed), what=f"seed {seed}")


def test_gradients_match_central_differences():
    # an independent reference: differentiate the compiled loss itself numerically
    rg = RandomGraph(3, n_steps=25)
    X = rg.batch(10)
    step = compile(rg.loss_fn, rg.params, rg.n_inputs)
    _, grads = step(X)
    eps = 1e-6
    for i, p in enumerate(rg.params):
        x0 = p.data
        p.data = x0 + eps
        up, _ = step(X)
        p.data = x0 - eps
        down, _ = step(X)
        p.data = x0
        assert grads[i] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8), f"param {i}"


# -- networks ------------------------------------------------------------------------------
def hinge_loss(model, n_features):
    def loss_fn(v):
        score = model(v[:n_features])[0]
        return (1.0 - v[n_features] * score).relu()
    return loss_fn


def moons_batch(n=40):
    X, y = make_moons(n, noise=0.1, seed=1)
    return np.column_stack([X, y])


def test_mlp_matches_eager_and_becomes_matrix_products():
    from autonn.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    step = check_against_eager(hinge_loss(model, 2), model.parameters(), moons_batch(), what="MLP")
    summary = step.summary()
    # the three layers are recovered as matrix products, every product absorbed
    assert "16 x 2 matrix product" in summary
    assert "16 x 16 matrix product" in summary
    assert "1 x 16 matrix product" in summary
    assert "(304 products absorbed" in summary


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "relu"])
def test_mlp_activations_match_eager(activation):
    from autonn.nn import MLP

    model = MLP(3, [5, 4, 2], activation=activation, seed=2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 5))

    def loss_fn(v):
        out = model(v[:3])
        return (out[0] - v[3]) ** 2 + (out[1] - v[4]) ** 2

    check_against_eager(loss_fn, model.parameters(), X, what=activation)


def test_irregular_network_matches_eager():
    from autonn.nn import Network

    net = Network(["x1", "x2"], seed=4, activation="tanh")
    net.add("h1", ["x1", "x2"])
    net.add("h2", ["x1"])
    net.add("h3", ["h1", "x2"], "relu")
    net.add("h4", ["h1", "h2", "h3"])
    net.add("h5", ["h2", "x1", "h4"], "sigmoid")
    net.add("out", ["h4", "h5", "x2", "h1"], "linear")
    net.outputs = ["out"]
    check_against_eager(hinge_loss(net, 2), net.parameters(), moons_batch(), what="Network")


# -- semantics --------------------------------------------------------------------------------
def test_parameters_are_read_at_every_call():
    rg = RandomGraph(5, n_steps=15)
    X = rg.batch(6)
    step = compile(rg.loss_fn, rg.params, rg.n_inputs)
    for p in rg.params:
        p.data *= -0.5
    loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(rg.loss_fn, rg.params, X)
    assert_close(loss, want_loss, "loss after changing p.data")
    assert_close(grads, want_grads, "grads after changing p.data")


def test_accumulate_grad_adds_to_p_grad_and_optimisers_work_unchanged():
    from autonn.optim import SGD

    w, b = Value(0.5, "w"), Value(-0.2, "b")
    X = np.array([[1.0, 2.0], [2.0, 3.0], [-1.0, 0.5]])
    step = compile(lambda v: (w * v[0] + b - v[1]) ** 2, [w, b], 2)
    w.grad, b.grad = 1.0, 0.0
    _, grads = step(X, accumulate_grad=True)
    # d/dw mean (w x + b - y)^2 = mean 2 (w x + b - y) x, by hand
    r = 0.5 * X[:, 0] - 0.2 - X[:, 1]
    assert grads == pytest.approx([np.mean(2 * r * X[:, 0]), np.mean(2 * r)], rel=1e-13)
    assert w.grad == pytest.approx(1.0 + grads[0], rel=1e-13)
    assert b.grad == pytest.approx(grads[1], rel=1e-13)
    opt = SGD([w, b], lr=0.1)
    opt.zero_grad()
    step(X, accumulate_grad=True)
    opt.step()
    assert w.data == pytest.approx(0.5 - 0.1 * grads[0], rel=1e-13)
    assert b.data == pytest.approx(-0.2 - 0.1 * grads[1], rel=1e-13)


def test_returned_gradients_are_not_overwritten_by_the_next_call():
    w = Value(2.0)
    step = compile(lambda v: w * v[0], [w], 1)
    _, first = step(np.array([[1.0]]))
    step(np.array([[5.0]]))
    assert first[0] == 1.0


def test_other_leaves_are_frozen_constants_and_unused_inputs_are_ignored():
    w, frozen = Value(3.0), Value(2.0)
    step = compile(lambda v: w * frozen * v[1], [w], 3)
    loss, grads = step(np.array([[9.0, 1.0, 9.0], [9.0, 3.0, 9.0]]))
    assert loss == pytest.approx(3.0 * 2.0 * 2.0)
    assert grads[0] == pytest.approx(2.0 * 2.0)
    frozen.data = 100.0  # frozen at trace time: not a parameter
    assert step(np.array([[0.0, 1.0, 0.0]]))[0] == pytest.approx(6.0)


def test_evaluate_returns_one_output_per_sample():
    w = Value(2.0)
    step = compile(lambda v: (w * v[0]).tanh(), [w], 1)
    X = np.array([[0.1], [-0.3], [2.0]])
    assert step.evaluate(X) == pytest.approx(np.tanh(2.0 * X[:, 0]), rel=1e-15)


def test_compiling_inside_no_grad_still_traces_the_graph():
    w = Value(2.0)
    with autonn.no_grad():
        step = compile(lambda v: w * v[0] * v[0], [w], 1)
    assert step(np.array([[3.0]]))[1][0] == pytest.approx(9.0)


def test_batch_size_can_change_between_calls():
    rg = RandomGraph(8, n_steps=20)
    step = compile(rg.loss_fn, rg.params, rg.n_inputs)
    for n in (5, 1, 11, 5):
        X = rg.batch(n, n)
        loss, grads = step(X)
        want_loss, want_grads = eager_loss_and_grads(rg.loss_fn, rg.params, X)
        assert_close(loss, want_loss, f"batch {n}")
        assert_close(grads, want_grads, f"batch {n}")


def test_overflow_gives_inf_as_in_the_eager_engine():
    w = Value(1.0)
    step = compile(lambda v: (w * v[0]).exp(), [w], 1)
    loss, grads = step(np.array([[1000.0]]))
    assert loss == float("inf") and grads[0] == float("inf")


def test_allow_unused_gives_unused_parameters_zero_gradient():
    w, unused = Value(2.0), Value(5.0)
    step = compile(lambda v: w * v[0], [unused, w], 1, allow_unused=True)
    loss, grads = step(np.array([[3.0], [1.0]]))
    assert loss == pytest.approx(4.0)
    assert grads.tolist() == [0.0, pytest.approx(2.0)]


def test_parameter_order_does_not_matter():
    # a shuffled list: the weights of a layer are no longer evenly spaced in it
    from autonn.nn import MLP

    model = MLP(2, [6, 3, 1], activation="tanh", seed=5)
    params = model.parameters()
    order = np.random.default_rng(0).permutation(len(params))
    shuffled = [params[i] for i in order]
    check_against_eager(hinge_loss(model, 2), shuffled, moons_batch(25), what="shuffled params")


def test_output_may_be_a_leaf():
    w = Value(2.0)
    loss, grads = compile(lambda v: w, [w], 1)(np.array([[1.0], [2.0]]))
    assert loss == 2.0 and grads.tolist() == [1.0]
    step = compile(lambda v: v[1], [], 2, reduction="sum")
    loss, grads = step(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert loss == 6.0 and grads.size == 0


def test_the_compile_page_example_prints_what_the_page_shows():
    import builtins
    import contextlib
    import io
    import re

    from doc_text import between, read

    section = between(read("docs/COMPILE.md"), "compile")  # the compiler's page, linked from the README
    code, shown = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", section, re.S)[0]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(builtins.compile(code, "docs/COMPILE.md example", "exec"), {})
    assert printed.getvalue() == shown



def test_mlp_gradients_match_hand_derived_matrix_backprop():
    # an independent reference: the same MLP written as matrices, differentiated by hand
    from autonn.nn import MLP

    model = MLP(2, [16, 16, 1], seed=3)
    data = moons_batch(50)
    X, y = data[:, :2], data[:, 2]
    layers = [(np.array([[w.data for w in n.w] for n in layer.neurons]), np.array([n.b.data for n in layer.neurons]))
              for layer in model.layers]
    (W1, b1), (W2, b2), (W3, b3) = layers
    z1 = X @ W1.T + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2.T + b2
    h2 = np.maximum(z2, 0.0)
    score = (h2 @ W3.T + b3)[:, 0]
    margin = 1.0 - y * score
    loss = np.maximum(margin, 0.0).mean()
    ds = (-y * (margin > 0.0) / len(y))[:, None]  # d loss / d score
    dz2 = (ds @ W3) * (z2 > 0.0)
    dz1 = (dz2 @ W2) * (z1 > 0.0)
    grads = {0: (dz1.T @ X, dz1.sum(axis=0)), 1: (dz2.T @ h1, dz2.sum(axis=0)), 2: (ds.T @ h2, ds.sum(axis=0))}
    # parameters() lists neuron by neuron: its weights, then its bias
    want = np.concatenate([np.append(dW[i], db[i]) for k in range(3) for dW, db in [grads[k]] for i in range(len(db))])

    assert loss > 0.1 and np.count_nonzero(want) > 250  # most samples inside the margin: a real test
    got_loss, got = compile(hinge_loss(model, 2), model.parameters(), 3)(data)
    assert_close(got_loss, loss, "loss vs numpy")
    assert_close(got, want, "gradients vs numpy")


def test_wide_sparse_layer_runs_as_a_ragged_sum():
    # 60 neurons each reading 2 of 40 inputs: a dense 60 x 40 W would be 95% zeros
    rng = np.random.default_rng(4)
    reads = [rng.choice(40, size=2, replace=False) for _ in range(60)]
    w = [[Value(float(rng.uniform(-1, 1))) for _ in range(2)] for _ in range(60)]
    b = [Value(float(rng.uniform(-1, 1))) for _ in range(60)]
    params = [p for row in w for p in row] + b

    def loss_fn(x):
        hidden = [autonn.sum([w[i][0] * x[r[0]], w[i][1] * x[r[1]], b[i]]).tanh() for i, r in enumerate(reads)]
        return autonn.sum(hidden) * 0.1

    step = check_against_eager(loss_fn, params, rng.normal(size=(7, 40)), what="sparse layer")
    assert "60 x sum as a ragged sum of 120 scaled rows" in step.summary()


def test_compiling_keeps_no_graph_alive_and_the_step_is_freed_by_reference_counting():
    import gc
    import weakref

    def values_alive():
        # type(), not isinstance: isinstance reads __class__, which some libraries' deprecated objects warn about
        return sum(issubclass(type(o), Value) for o in gc.get_objects())

    w = Value(1.5)
    gc.collect()
    gc.disable()  # nothing may rely on the cycle collector
    try:
        before = values_alive()
        step = compile(lambda v: (w * v[0]).tanh() * 2.0, [w], 1)
        assert values_alive() == before  # placeholders, nodes and constants all freed
        step(np.array([[0.5]]))
        ref = weakref.ref(step)
        del step
        assert ref() is None
    finally:
        gc.enable()


def test_the_matrix_fusion_equals_the_rules_it_replaces():
    """A layer of sums of products runs as one matrix product (the compiler's one fusion);
    its numbers must be those of the sum and mul ops' own definitions on the same arrays."""
    from autonn.ops import ARRAY_MATH

    rng = np.random.default_rng(5)
    n_in, n_out = 4, 3
    W = [[Value(rng.normal(), f"w{i}{j}") for j in range(n_in)] for i in range(n_out)]
    b = [Value(rng.normal(), f"b{i}") for i in range(n_out)]
    params = [w for row in W for w in row] + b

    def loss_fn(x):
        return autonn.sum([autonn.sum([W[i][j] * x[j] for j in range(n_in)] + [b[i]]) for i in range(n_out)])

    step = compile(loss_fn, params, n_in, reduction="sum")
    assert "matrix product" in step.summary()
    X = rng.normal(size=(7, n_in))
    loss, grads = step(X)

    mul, add_up = OPS["mul"], OPS["sum"]
    Wa = np.array([[w.data for w in row] for row in W])
    products = [[mul.forward(Wa[i, j], X[:, j], ARRAY_MATH) for j in range(n_in)] for i in range(n_out)]
    rows = [add_up.forward(*products[i], b[i].data, m=ARRAY_MATH) for i in range(n_out)]
    out = add_up.forward(*rows, m=ARRAY_MATH)
    assert loss == pytest.approx(out.sum(), rel=1e-13)
    g_rows = add_up.vjp(np.ones(7), out, *rows, m=ARRAY_MATH)
    want_w = np.empty((n_out, n_in))
    want_b = np.empty(n_out)
    for i in range(n_out):
        g_terms = add_up.vjp(g_rows[i], rows[i], *products[i], b[i].data, m=ARRAY_MATH)
        for j in range(n_in):
            gw, _ = mul.vjp(g_terms[j], products[i][j], Wa[i, j], X[:, j], ARRAY_MATH)
            want_w[i, j] = np.sum(gw)
        want_b[i] = np.sum(g_terms[-1])
    np.testing.assert_allclose(grads, np.concatenate([want_w.ravel(), want_b]), rtol=1e-13)
