"""A minimal pure-Python scalar engine: the practical speed limit autonn is measured against.

What it keeps: ``__slots__``, plain float arithmetic, one op tag per node,
an iterative topological order and a reverse loop that applies each rule
inline (no call per node).  What it leaves out is everything autonn adds:
domain checks, IEEE results where Python raises, hooks, ``no_grad``, labels,
thread safety, graph-building gradients, and the 40 other ops.  It is written
for this benchmark only; no autonn code reads it.
"""

from __future__ import annotations

import math

ADD, MUL, POW, NEG, RELU, TANH, EXP, SUM = range(8)


class V:
    __slots__ = ("data", "grad", "op", "a", "b", "mark")

    def __init__(self, data, op=None, a=None, b=None):
        self.data = data
        self.grad = 0.0
        self.op = op
        self.a = a
        self.b = b
        self.mark = False

    def __add__(self, other):
        other = other if type(other) is V else V(float(other))
        return V(self.data + other.data, ADD, self, other)

    __radd__ = __add__

    def __mul__(self, other):
        other = other if type(other) is V else V(float(other))
        return V(self.data * other.data, MUL, self, other)

    __rmul__ = __mul__

    def __pow__(self, k):
        return V(self.data ** k, POW, self, float(k))

    def __neg__(self):
        return V(-self.data, NEG, self)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def relu(self):
        d = self.data
        return V(d if d > 0.0 else 0.0, RELU, self)

    def tanh(self):
        return V(math.tanh(self.data), TANH, self)

    def exp(self):
        return V(math.exp(self.data), EXP, self)

    def backward(self):
        order = []
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node.mark:
                continue
            node.mark = True
            stack.append((node, True))
            op = node.op
            if op is None:
                continue
            if op == SUM:
                stack.extend((x, False) for x in node.a if not x.mark)
            else:
                if op == ADD or op == MUL:
                    stack.append((node.b, False))
                stack.append((node.a, False))
        for node in order:
            node.mark = False
        self.grad = 1.0
        for node in reversed(order):
            op = node.op
            if op is None:
                continue
            g = node.grad
            a = node.a
            if op == ADD:
                a.grad += g
                node.b.grad += g
            elif op == MUL:
                b = node.b
                a.grad += g * b.data
                b.grad += g * a.data
            elif op == RELU:
                if a.data > 0.0:
                    a.grad += g
            elif op == NEG:
                a.grad -= g
            elif op == POW:
                k = node.b
                a.grad += g * k * a.data ** (k - 1.0)
            elif op == SUM:
                for x in a:
                    x.grad += g
            elif op == TANH:
                t = node.data
                a.grad += g * (1.0 - t * t)
            elif op == EXP:
                a.grad += g * node.data


def vsum(terms):
    """One n-ary node for the sum of ``terms`` (as ``autonn.sum``)."""
    terms = [t if type(t) is V else V(float(t)) for t in terms]
    total = 0.0
    for t in terms:
        total += t.data
    return V(total, SUM, terms)
