"""A small micrograd-shaped engine with bugs planted on purpose, for check_engine to find.

Planted:
* ``tanh``'s derivative is written 1 - t instead of 1 - t**2;
* ``+`` sets its inputs' gradients instead of adding to them, so ``x + x`` gets slope 1;
* ``sigmoid``'s forward is 1 / (1 + e**x), the mirror image (its backward, s (1 - s), is right);
* ``relu``'s slope at exactly 0 is 1 (autonn, like PyTorch, takes 0).
Everything else (``* - / **`` with a number, ``exp``, ``log``) is correct.
"""

import math


class Value:
    def __init__(self, data, _inputs=(), _name=""):
        self.data = float(data)
        self.grad = 0.0
        self._inputs = tuple(_inputs)
        self._name = _name
        self._pass_back = None

    @staticmethod
    def _wrap(x):
        return x if isinstance(x, Value) else Value(x)

    def _node(self, data, inputs, name, pass_back):
        out = Value(data, inputs, name)
        out._pass_back = lambda: pass_back(out)
        return out

    def __add__(self, other):
        other = self._wrap(other)

        def back(out):  # planted: = where += belongs
            self.grad = out.grad
            other.grad = out.grad

        return self._node(self.data + other.data, (self, other), "+", back)

    def __mul__(self, other):
        other = self._wrap(other)

        def back(out):
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        return self._node(self.data * other.data, (self, other), "*", back)

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise TypeError("this engine raises only to number powers")

        def back(out):
            self.grad += k * self.data ** (k - 1) * out.grad if k != 0 else 0.0

        return self._node(self.data ** k, (self,), "**", back)

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        other = self._wrap(other)

        def back(out):
            self.grad += out.grad
            other.grad -= out.grad

        return self._node(self.data - other.data, (self, other), "-", back)

    def __truediv__(self, other):
        other = self._wrap(other)

        def back(out):
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data ** 2

        return self._node(self.data / other.data, (self, other), "/", back)

    def exp(self):
        def back(out):
            self.grad += out.data * out.grad

        return self._node(math.exp(self.data), (self,), "exp", back)

    def log(self):
        def back(out):
            self.grad += out.grad / self.data

        return self._node(math.log(self.data), (self,), "log", back)

    def tanh(self):
        def back(out):  # planted: 1 - t where 1 - t**2 belongs
            self.grad += (1.0 - out.data) * out.grad

        return self._node(math.tanh(self.data), (self,), "tanh", back)

    def sigmoid(self):
        def back(out):
            self.grad += out.data * (1.0 - out.data) * out.grad

        return self._node(1.0 / (1.0 + math.exp(self.data)), (self,), "sigmoid", back)  # planted: e**x, not e**-x

    def relu(self):
        def back(out):  # planted: slope 1 at 0
            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad

        return self._node(max(self.data, 0.0), (self,), "relu", back)

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, children before parents, no recursion
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._inputs)
        self.grad = 1.0
        for node in reversed(order):
            if node._pass_back is not None:
                node._pass_back()
