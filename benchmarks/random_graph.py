"""Workload (a): build and backpropagate a random graph with shared subexpressions.

The recipe is drawn once (a list of ops and operand positions) and replayed
by every engine, so all build exactly the same graph.  It uses only ops that
micrograd 0.1.0 has: ``+ - * neg relu **2`` and products with a constant.
Operands are drawn mostly from recent nodes and sometimes from anywhere, so
many nodes feed several others.  While drawing, the recipe tracks the
numbers and shrinks any that grow past 4, so no engine meets an overflow.
"""

from __future__ import annotations

import random
from typing import List, Tuple

OPS = ("add", "mul", "sub", "neg", "relu", "square")


def make_recipe(n_ops: int, n_leaves: int = 100, seed: int = 0) -> Tuple[List[float], List[tuple]]:
    """``(leaf numbers, steps)``; a step is ``(op, i, j)`` over earlier nodes (leaves first)."""
    rng = random.Random(seed)
    values = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    leaves = list(values)
    steps = []
    for _ in range(n_ops):
        n = len(values)

        def pick():
            if rng.random() < 0.8:
                return max(0, n - 1 - int(rng.expovariate(1 / 20)))
            return rng.randrange(n)

        op = rng.choice(OPS)
        i, j = pick(), pick()
        a, b = values[i], values[j]
        v = {"add": a + b, "mul": a * b, "sub": a - b, "neg": -a, "relu": max(a, 0.0), "square": a * a}[op]
        if abs(v) > 4.0:
            op, v = "shrink", a * 0.1
        steps.append((op, i, j))
        values.append(v)
    return leaves, steps


def build(value_cls, leaves: List[float], steps: List[tuple]):
    """Replay the recipe with ``value_cls`` (autonn.Value or micrograd's Value); return the output."""
    nodes = [value_cls(x) for x in leaves]
    push = nodes.append
    for op, i, j in steps:
        a = nodes[i]
        if op == "add":
            push(a + nodes[j])
        elif op == "mul":
            push(a * nodes[j])
        elif op == "sub":
            push(a - nodes[j])
        elif op == "neg":
            push(-a)
        elif op == "relu":
            push(a.relu())
        elif op == "square":
            push(a ** 2)
        else:
            push(a * 0.1)
    return nodes[-1]


def build_and_backward(value_cls, leaves, steps) -> float:
    out = build(value_cls, leaves, steps)
    out.backward()
    return out.data
