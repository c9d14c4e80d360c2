"""Function transforms (grad, value_and_grad, jacobian, hessian, hvp, jvp), forward mode, and hooks.

References: closed forms, central finite differences in float64, and PyTorch's
``torch.autograd.functional`` when it is installed.
"""

import math
import random

import numpy as np
import pytest

import autonn
from autonn import OPS, Value
from autonn.value import apply


def f2(x, y):
    return x * x * y + y.sin()


def test_grad_of_a_function_matches_the_closed_form():
    x, y = 2.0, -1.0
    assert autonn.grad(f2)(x, y) == 2 * x * y
    assert autonn.grad(f2, argnums=1)(x, y) == pytest.approx(x * x + math.cos(y), rel=1e-15)
    assert autonn.grad(f2, argnums=(0, 1))(x, y) == pytest.approx((2 * x * y, x * x + math.cos(y)), rel=1e-15)
    value, g = autonn.value_and_grad(f2, (0, 1))(x, y)
    assert value == pytest.approx(x * x * y + math.sin(y), rel=1e-15) and len(g) == 2


def test_arguments_may_be_numbers_values_or_flat_sequences():
    def norm2(v):
        return autonn.sum([t * t for t in v])

    assert autonn.grad(norm2)([1.0, -2.0, 3.0]) == [2.0, -4.0, 6.0]
    g = autonn.grad(norm2)(np.array([1.0, 2.0]))
    assert isinstance(g, np.ndarray) and g.tolist() == [2.0, 4.0]
    x = Value(3.0)
    gx = autonn.grad(lambda t: t ** 3)(x)
    assert isinstance(gx, Value) and gx.data == 27.0  # on Values the result is a Value: it can be differentiated
    assert autonn.grad(gx, [x]) == [18.0]


def test_transforms_compose():
    cube = lambda t: t ** 3  # noqa: E731
    assert autonn.grad(autonn.grad(cube))(2.0) == 12.0
    assert autonn.grad(autonn.grad(autonn.grad(cube)))(2.0) == 6.0
    # forward over forward: d/dx of the jvp of x^3 is 6x
    inner = lambda x: autonn.jvp(cube, (x,), (1.0,))[1]  # noqa: E731
    assert autonn.jvp(inner, (2.0,), (1.0,)) == (12.0, 12.0)


def test_hessian_is_forward_over_reverse_and_matches_the_closed_form():
    x, y = 2.0, -1.0
    H = autonn.hessian(f2, (0, 1))(x, y)
    np.testing.assert_allclose(H, [[2 * y, 2 * x], [2 * x, -math.sin(y)]], rtol=1e-15)
    v = [1.0, 0.5]
    np.testing.assert_allclose(autonn.hvp(f2, (0, 1))((x, y), v), H @ np.array(v), rtol=1e-15)


def test_jacobian_in_both_modes_and_jvp_agree_with_finite_differences():
    def f(v):
        return [v[0] * v[1].exp(), (v[0] - v[2]).tanh(), v[1].sigmoid() * v[2]]

    x0 = [0.3, -0.7, 1.1]
    J_rev = autonn.jacobian(f)(x0)
    J_fwd = autonn.jacobian(f, mode="forward")(x0)
    np.testing.assert_allclose(J_rev, J_fwd, rtol=1e-15)
    h = 1e-6
    for j in range(3):
        up, down = list(x0), list(x0)
        up[j] += h
        down[j] -= h
        numeric = (np.array([o.data for o in f([Value(t) for t in up])])
                   - np.array([o.data for o in f([Value(t) for t in down])])) / (2 * h)
        np.testing.assert_allclose(J_rev[:, j], numeric, rtol=1e-7, atol=1e-9)
    t = [0.2, -1.0, 0.5]
    values, dout = autonn.jvp(f, (x0,), (t,))
    np.testing.assert_allclose(dout, J_rev @ np.array(t), rtol=1e-14)
    assert values == [o.data for o in f([Value(v) for v in x0])]


SMOOTH = [-1.3, -0.4, 0.6, 1.7]


@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_mode_equals_reverse_mode_for_every_op(name):
    """The forward rule is derived from the reverse one; on every op both modes give one answer."""
    op = OPS[name]
    checked = 0
    # label_pm1 is defined at -1 and +1 only, label_class at whole numbers (here of 2 classes)
    for a in {"label_pm1": (-1.0, 1.0), "label_class": (0.0, 1.0)}.get(name, SMOOTH):
        for b in SMOOTH[1:3]:
            if name == "clamp":
                point = (a, -1.0, 1.0)
            elif op.arity == 3:
                point = (a, b, 0.25)
            elif op.consts:
                point = (a, 2.0)
            else:
                point = {1: (a,), 2: (a, b), None: (a, b, 0.25)}[op.arity]
            n = len(point) - op.consts
            leaves = [Value(p) for p in point[:n]]
            try:
                out = apply(op, *leaves, *point[n:])
            except (ArithmeticError, ValueError):
                continue  # outside the op's domain
            reverse = autonn.grad(out, leaves)
            for j in range(n):
                tangent = [1.0 if k == j else 0.0 for k in range(n)]
                f = lambda *xs: apply(op, *xs, *point[n:])  # noqa: E731
                _, forward = autonn.jvp(f, tuple(point[:n]), tuple(tangent))
                assert forward == pytest.approx(reverse[j], rel=1e-15, abs=1e-300), (name, point, j)
            checked += 1
    assert checked


def test_transform_errors_name_the_function_and_argument():
    with pytest.raises(ValueError, match=r"value_and_grad\(f2\): argnums must name arguments 0 to 1, got 2"):
        autonn.value_and_grad(f2, 2)(1.0, 2.0)
    with pytest.raises(TypeError, match=r"argument 0 must be a real number.*got str"):
        autonn.grad(f2)("1", 2.0)
    with pytest.raises(TypeError, match="must return one Value"):
        autonn.grad(lambda x: [x, x])(1.0)
    with pytest.raises(ValueError, match=r"jvp\(f2\): 2 primals but 1 tangents"):
        autonn.jvp(f2, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match=r"hvp\(f2\): v holds 1 numbers"):
        autonn.hvp(f2, (0, 1))((1.0, 2.0), [1.0])
    with pytest.raises(ValueError, match="mode must be"):
        autonn.jacobian(f2, mode="sideways")


# -- hooks ------------------------------------------------------------------------------

def test_a_hook_sees_the_gradient_and_may_replace_it():
    x = Value(2.0)
    y = x * x
    z = y * 3.0
    seen = []
    watch = y.register_hook(seen.append)
    z.backward()
    assert seen == [3.0] and x.grad == 12.0
    scale = y.register_hook(lambda g: g * 10.0)
    x.grad = 0.0
    z.backward()
    assert x.grad == 120.0 and y.grad == 30.0
    assert autonn.grad(z, [x]) == [120.0]  # grad() runs hooks too
    watch.remove()
    scale.remove()
    scale.remove()  # removing twice is harmless
    x.grad = 0.0
    z.backward()
    assert x.grad == 12.0 and seen == [3.0, 3.0, 3.0]


def test_a_leaf_hook_runs_before_the_gradient_is_accumulated():
    w = Value(1.5)
    w.register_hook(lambda g: -g)
    (w * 4.0).backward()
    (w * 4.0).backward()
    assert w.grad == -8.0


def test_hooks_on_gradient_graphs_and_intermediate_gradients():
    x = Value(0.5)
    h = x.tanh()
    out = h * h
    grads = []
    h.register_hook(grads.append)
    gx, gh = autonn.grad(out, [x, h], create_graph=True)  # an intermediate node: its gradient, retained
    assert isinstance(grads[0], Value) and grads[0].data == 2 * h.data
    assert gh.data == pytest.approx(2 * math.tanh(0.5), rel=1e-15)
    assert autonn.grad(gx, [x])[0] == pytest.approx(
        2 * (1 - math.tanh(0.5) ** 2) ** 2 - 4 * math.tanh(0.5) ** 2 * (1 - math.tanh(0.5) ** 2), rel=1e-12)
    with pytest.raises(TypeError, match="register_hook: fn must be callable"):
        x.register_hook(3)


# -- PyTorch's torch.autograd.functional as a reference (optional) ------------------------

UNARY = ["tanh", "sin", "sigmoid", "softplus", "atan", "erf", "cos"]


def _random_function(seed, n_inputs=3, n_steps=12):
    rng = random.Random(seed)
    steps = []
    for k in range(n_steps):
        n = n_inputs + k
        kind = rng.choice(["add", "mul", "sub", "safe_div", "unary", "unary", "log1p_sq"])
        steps.append((kind, rng.randrange(n), rng.randrange(n), rng.choice(UNARY)))

    def run(xs, lib):
        nodes = list(xs)
        for kind, i, j, u in steps:
            a, b = nodes[i], nodes[j]
            if kind == "add":
                nodes.append(a + b)
            elif kind == "mul":
                nodes.append(a * b)
            elif kind == "sub":
                nodes.append(a - b)
            elif kind == "safe_div":
                nodes.append(a / (1.0 + b * b))
            elif kind == "log1p_sq":
                nodes.append(lib["log1p"](a * a))
            else:
                nodes.append(lib[u](a))
        return nodes[-1] + nodes[-2] * nodes[-3]

    return run


def test_transforms_match_pytorch_on_random_functions():
    torch = pytest.importorskip("torch", reason="PyTorch is an optional test-only reference")
    F = torch.autograd.functional
    value_lib = {u: (lambda t, u=u: getattr(t, u)()) for u in UNARY + ["log1p"]}
    torch_lib = {u: getattr(torch, u, None) or getattr(torch.nn.functional, u) for u in UNARY + ["log1p"]}
    rng = np.random.default_rng(0)
    for seed in range(25):
        run = _random_function(seed)
        f_autonn = lambda v: run(v, value_lib)  # noqa: E731
        f_torch = lambda t: run([t[0], t[1], t[2]], torch_lib)  # noqa: E731
        x = rng.uniform(-1.5, 1.5, 3)
        v = rng.normal(size=3)
        tx = torch.tensor(x, dtype=torch.float64)
        tv = torch.tensor(v, dtype=torch.float64)
        np.testing.assert_allclose(autonn.grad(f_autonn)(list(x)), F.jacobian(f_torch, tx).numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(autonn.hessian(f_autonn)(list(x)), F.hessian(f_torch, tx).numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(autonn.hvp(f_autonn)((list(x),), v), F.hvp(f_torch, tx, tv)[1].numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(autonn.jvp(f_autonn, (list(x),), (list(v),))[1], F.jvp(f_torch, tx, tv)[1].item(), rtol=1e-12, atol=1e-12)
