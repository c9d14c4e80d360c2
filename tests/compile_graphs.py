"""Random scalar graphs for the compiler tests: every op, shared subexpressions, irregular sums.

A recipe is drawn once from a seed; ``loss_fn`` replays it on any inputs, so
the compiler and the eager engine see exactly the same function.  Every
builder keeps its result within a few units of zero (for inputs and
parameters in [-1, 1]) and inside its op's domain, so deep graphs neither
overflow nor hit domain errors.
"""

from __future__ import annotations

import numpy as np

import autonn
from autonn import Value

# name -> (number of pool operands, function of (operands, weights)).  Weights are
# parameters the builder needs (neuron-like sums); every op of autonn.OPS appears.
BUILDERS = {
    "add": (2, lambda o, w: (o[0] + o[1]) * 0.5),
    "sub": (2, lambda o, w: (o[0] - o[1]) * 0.5),
    "mul": (2, lambda o, w: o[0] * o[1] * 0.25),
    "div": (2, lambda o, w: o[0] / (o[1] * o[1] + 1.0)),
    "neg": (1, lambda o, w: -o[0]),
    "square": (1, lambda o, w: (o[0] * 0.5) ** 2),
    "cube_tanh": (1, lambda o, w: o[0].tanh() ** 3),
    "rsqrt": (1, lambda o, w: (o[0] * o[0] + 0.5) ** -0.5),
    "pow": (2, lambda o, w: (o[0] * o[0] + 0.5) ** (o[1] * 0.25) * 0.5),
    "abs": (1, lambda o, w: abs(o[0])),
    "exp": (1, lambda o, w: (o[0] * 0.25).exp()),
    "log": (1, lambda o, w: (o[0] * o[0] + 0.5).log()),
    "log1p": (1, lambda o, w: (o[0] * o[0]).log1p()),
    "sqrt": (1, lambda o, w: (o[0] * o[0] + 0.1).sqrt()),
    "tanh": (1, lambda o, w: o[0].tanh()),
    "sigmoid": (1, lambda o, w: o[0].sigmoid()),
    "softplus": (1, lambda o, w: o[0].softplus() * 0.5),
    "relu": (1, lambda o, w: o[0].relu()),
    "sin": (1, lambda o, w: (o[0] * 3.0).sin()),
    "cos": (1, lambda o, w: o[0].cos()),
    # a neuron: weights on the left, bias last (the pattern that becomes a matrix row)
    "neuron": (3, lambda o, w: autonn.sum([w[0] * o[0], w[1] * o[1], w[2] * o[2], w[3]]).tanh()),
    # irregular sums: a repeated term, one input under two weights, weight on the right, constants
    "sum_repeat": (2, lambda o, w: autonn.sum([o[0], o[0], w[0] * o[1], 0.5]) * 0.25),
    "sum_two_weights": (1, lambda o, w: autonn.sum([w[0] * o[0], w[1] * o[0]]) * 0.5),
    "sum_weight_right": (2, lambda o, w: autonn.sum([o[0] * w[0], 2.0 * o[1], w[1], w[2]]) * 0.25),
    # a product read twice (so it cannot be folded into a matrix) and a parameter as a plain operand
    "shared_product": (1, lambda o, w: (w[0] * o[0]) * (w[0] * o[0]).tanh() + w[0] * o[0]),
    "param_operand": (1, lambda o, w: (w[0] - o[0]).tanh() * w[0]),
}
WEIGHTS = {"neuron": 4, "sum_repeat": 1, "sum_two_weights": 2, "sum_weight_right": 3,
           "shared_product": 1, "param_operand": 1}


class RandomGraph:
    """A random recipe of ``n_steps`` builders over ``n_inputs`` inputs and fresh parameters."""

    def __init__(self, seed: int, n_steps: int = 40, n_inputs: int = 3, n_params: int = 12) -> None:
        rng = np.random.default_rng(seed)
        self.n_inputs = n_inputs
        self.params = [Value(float(x), f"p{i}") for i, x in enumerate(rng.uniform(-1, 1, n_params))]
        names = sorted(BUILDERS)
        self.steps = []
        pool = n_inputs + 2  # inputs, then two mixes of inputs and parameters
        used = set()
        for _ in range(n_steps):
            name = names[rng.integers(len(names))]
            arity, _ = BUILDERS[name]
            # favour recent nodes (depth) but reach back too (shared subexpressions)
            operands = [max(0, pool - int(rng.geometric(0.3))) if rng.random() < 0.7
                        else int(rng.integers(pool)) for _ in range(arity)]
            weights = [int(rng.integers(n_params)) for _ in range(WEIGHTS.get(name, 0))]
            used.update(weights)
            self.steps.append((name, operands, weights))
            pool += 1
        self.unused = [i for i in range(n_params) if i not in used and i > 2]
        read = {i for _, operands, _ in self.steps for i in operands}
        # the output sums every node nothing else reads, so the whole recipe counts
        self.outputs = [i for i in range(n_inputs, pool) if i not in read]

    def loss_fn(self, inputs):
        p = self.params
        pool = list(inputs)
        pool.append(inputs[0] * p[0] + p[1])
        pool.append((inputs[-1] - p[1]) * p[2])
        for name, operands, weights in self.steps:
            _, build = BUILDERS[name]
            pool.append(build([pool[i] for i in operands], [p[i] for i in weights]))
        out = autonn.sum([pool[i] for i in self.outputs] + [p[i] * pool[-1] for i in self.unused])
        return out

    def batch(self, n: int, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(seed + 7).uniform(-1, 1, size=(n, self.n_inputs))


def eager_loss_and_grads(loss_fn, params, X, reduction="mean"):
    """The scalar engine's answer: build every sample's graph, sum, differentiate."""
    losses = [loss_fn([Value(float(x)) for x in row]) for row in X]
    total = autonn.sum(losses)
    if reduction == "mean":
        total = total / float(len(X))
    grads = autonn.grad(total, list(params))
    return total.data, np.array(grads)


def assert_close(got, want, what: str, rtol: float = 1e-12) -> None:
    """Equal to ``rtol`` relative to the size of the numbers being compared.

    The scale is the largest magnitude among the expected values (at least
    1): a sum computed in another order (a matrix product instead of the
    scalar left-to-right sum) differs by rounding relative to its terms, not
    to a result that happens to cancel to near zero.
    """
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=what)


def compiled_matches_eager(loss_fn, params, X):
    """Compile ``loss_fn``, check its loss and gradients on ``X`` against the scalar engine's; return the step."""
    from autonn.compiler import compile as compile_loss

    step = compile_loss(loss_fn, params, X.shape[1])
    loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X)
    assert_close(loss, want_loss, "loss")
    assert_close(grads, want_grads, "gradients")
    return step
