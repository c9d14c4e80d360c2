"""Property-based: random expression graphs with shared subexpressions vs finite differences."""

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autonn
from autonn import gradcheck
from autonn.gradcheck import numeric_grad

# Each step makes a new node from earlier ones (any of them: that is how sharing arises).
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "softplus": lambda a: a.softplus(),
    "neg": lambda a: -a,
    "square": lambda a: a ** 2,
    "cube": lambda a: a ** 3,
    "exp_tanh": lambda a: a.tanh().exp(),
    "log_pos": lambda a: (1 + a * a).log(),
    "sqrt_pos": lambda a: (1 + a * a).sqrt(),
    "log1p_pos": lambda a: (a * a).log1p(),
    "inv": lambda a: 1 / (2 + a.sin()),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.5 + b.cos()),
    "pow": lambda a, b: (1 + a * a) ** b.tanh(),
}

step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 10**6)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("n"), st.just("sum"), st.lists(st.integers(0, 10**6), min_size=1, max_size=5)),
)


def make_program(steps):
    def f(*leaves):
        nodes = list(leaves)
        for s in steps:
            pick = lambda i: nodes[i % len(nodes)]  # noqa: E731
            if s[0] == "u":
                nodes.append(UNARY[s[1]](pick(s[2])))
            elif s[0] == "b":
                nodes.append(BINARY[s[1]](pick(s[2]), pick(s[3])))
            else:
                nodes.append(autonn.sum([pick(i) for i in s[2]]))
        # Combine the last few nodes so that many paths meet at the output.
        return autonn.sum(nodes[-3:]) if len(nodes) >= 3 else nodes[-1] * 1.0

    return f


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xs=st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=1, max_size=4),
    steps=st.lists(step, min_size=1, max_size=14),
)
def test_random_graphs_match_finite_differences(xs, steps):
    f = make_program(steps)
    out = f(*[autonn.Value(x) for x in xs])
    assume(abs(out.data) < 1e4)
    assert gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=1, max_size=3),
    steps=st.lists(step, min_size=1, max_size=10),
)
def test_backward_and_grad_agree(xs, steps):
    f = make_program(steps)
    leaves = [autonn.Value(x) for x in xs]
    out = f(*leaves)
    functional = autonn.grad(out, leaves)
    out.backward()
    for leaf, g in zip(leaves, functional):
        assert math.isclose(leaf.grad, g, rel_tol=1e-12, abs_tol=1e-12)
    # and both agree with a central difference
    numeric = numeric_grad(f, xs)
    for g, n in zip(functional, numeric):
        assert abs(g - n) <= 1e-5 + 1e-5 * abs(n)
