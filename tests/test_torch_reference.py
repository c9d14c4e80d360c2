"""Every op against PyTorch in float64: values, first derivatives and the conventions at kinks.

Optional: skipped with a reason when PyTorch is not installed.  Points lie
inside each op's domain (outside it autonn raises where PyTorch gives nan)
and include the kinks, where PyTorch's convention is the reference.
"""

import math

import pytest

import autonn
from autonn import Value

torch = pytest.importorskip("torch", reason="PyTorch is an optional test-only reference")
F = torch.nn.functional

ANY = [-3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5]
UNIT = [-1.0, -0.5, 0.0, 0.5, 1.0]
POSITIVE = [0.25, 1.0, 3.0]

UNARY = {
    "abs": (torch.abs, ANY), "exp": (torch.exp, ANY), "expm1": (torch.expm1, ANY),
    "log": (torch.log, POSITIVE), "log2": (torch.log2, POSITIVE), "log10": (torch.log10, POSITIVE),
    "log1p": (torch.log1p, [-0.5, 0.0, 2.0]), "sqrt": (torch.sqrt, [0.0] + POSITIVE),
    "sin": (torch.sin, ANY), "cos": (torch.cos, ANY), "tan": (torch.tan, [-1.0, 0.0, 0.5, 1.2]),
    "asin": (torch.asin, UNIT), "acos": (torch.acos, UNIT), "atan": (torch.atan, ANY),
    "sinh": (torch.sinh, ANY), "cosh": (torch.cosh, ANY), "tanh": (torch.tanh, ANY), "erf": (torch.erf, ANY),
    "sigmoid": (torch.sigmoid, ANY + [-40.0, 40.0]), "softplus": (F.softplus, ANY + [-40.0, 40.0]),
    "relu": (torch.relu, ANY), "sign": (torch.sign, ANY), "gelu": (F.gelu, ANY), "silu": (F.silu, ANY),
}


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def torch_value_and_grads(fn, *args):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = fn(*ts)
    grads = torch.autograd.grad(out, ts, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def autonn_value_and_grads(fn, *args):
    xs = [Value(a) for a in args]
    out = fn(*xs)
    return out.data, autonn.grad(out, xs)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_match_pytorch(name):
    fn, points = UNARY[name]
    for x in points:
        want = torch_value_and_grads(fn, x)
        got = autonn_value_and_grads(lambda v: autonn.value.apply(autonn.OPS[name], v), x)
        assert same(got[0], want[0]) and same(got[1][0], want[1][0]), (name, x, got, want)


BINARY = {
    "leaky_relu": (lambda a, s: F.leaky_relu(a, s.item()), [(a, s) for a in ANY for s in (0.01, 0.2)], 1),
    "elu": (lambda a, s: F.elu(a, s.item()), [(a, s) for a in ANY for s in (1.0, 0.5)], 1),
    "maximum": (torch.maximum, [(a, b) for a in ANY for b in (-0.5, 0.0, 1.0)], 2),
    "minimum": (torch.minimum, [(a, b) for a in ANY for b in (-0.5, 0.0, 1.0)], 2),
    "pow": (torch.pow, [(a, b) for a in (0.0, 0.5, 2.0) for b in (0.0, 1.0, 2.5)] + [(-2.0, 2.0), (-2.0, 3.0)], 2),
    "clamp": (lambda a, lo, hi: torch.clamp(a, lo, hi), [(a, -1.0, 1.0) for a in ANY], 3),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_ops_of_several_inputs_match_pytorch(name):
    fn, points, compared = BINARY[name]  # compared: how many inputs PyTorch differentiates
    for point in points:
        want = torch_value_and_grads(fn, *point)
        got = autonn_value_and_grads(lambda *vs: autonn.value.apply(autonn.OPS[name], *vs), *point)
        assert same(got[0], want[0]), (name, point, got, want)
        if name == "clamp" and point[0] in point[1:]:
            # a at a bound: the slope 1 may go to a, to the bound, or half to each. Which one PyTorch
            # picks for tensor bounds is not documented and differs between installs (some split it
            # half and half); what every choice agrees on is the sum over the tied inputs, and 0 for
            # the other bound.
            tied = [i for i in range(compared) if point[i] == point[0]]
            assert same(sum(got[1][i] for i in tied), sum(want[1][i] for i in tied)), (name, point, got, want)
            compared_alone = [i for i in range(compared) if i not in tied]
        else:
            compared_alone = list(range(compared))
        for i in compared_alone:
            assert same(got[1][i], want[1][i]), (name, point, i, got, want)


def test_second_derivatives_match_pytorch():
    for name, (fn, points) in UNARY.items():
        for x in points:
            if name in ("relu", "abs", "sign") or (name == "sqrt" and x == 0.0) or (name in ("asin", "acos") and abs(x) == 1):
                continue
            t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            (d1,) = torch.autograd.grad(fn(t), [t], create_graph=True)
            (d2,) = torch.autograd.grad(d1, [t])
            v = Value(x)
            (g1,) = autonn.grad(autonn.value.apply(autonn.OPS[name], v), [v], create_graph=True)
            (g2,) = autonn.grad(g1, [v])
            assert abs(g2 - d2.item()) <= 1e-10 * max(1.0, abs(d2.item())), (name, x, g2, d2.item())
