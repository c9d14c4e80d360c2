# The lecture's way of growing micrograd's Value by hand ("The spelled-out intro to neural
# networks and backpropagation"): tanh and exp written as new ops, each a node made with
# Value(number, children, op) and a _backward closure; gradients pushed by hand one node at a
# time, then by a hand-built topological order, then by backward(); then the exercises' softmax
# and its negative log likelihood.  Run against
# autonn.micrograd: the learner's additions go on a class of their own.
# %%
import math

from autonn.micrograd import Value as MicrogradValue


class Value(MicrogradValue):
    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), 'tanh')

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), 'exp')

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out
# %%
# the first expression, with labels
a = Value(2.0, label='a')
b = Value(-3.0, label='b')
c = Value(10.0, label='c')
e = a * b; e.label = 'e'
d = e + c; d.label = 'd'
f = Value(-2.0, label='f')
L = d * f; L.label = 'L'
# %%
# one neuron, its gradients pushed back one node at a time
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
b = Value(6.8813735870195432, label='b')
x1w1 = x1 * w1; x1w1.label = 'x1*w1'
x2w2 = x2 * w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
o = n.tanh(); o.label = 'o'

o.grad = 1.0
o._backward()
n._backward()
b._backward()
x1w1x2w2._backward()
x2w2._backward()
x1w1._backward()
by_hand = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
# %%
# the same, through a topological order built by hand
topo = []
visited = set()
def build_topo(v):
    if v not in visited:
        visited.add(v)
        for child in v._prev:
            build_topo(child)
        topo.append(v)
build_topo(o)
for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o):
    v.grad = 0.0
o.grad = 1.0
for node in reversed(topo):
    node._backward()
by_topo = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
# %%
# tanh written with exp, -, / and backward()
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
b = Value(6.8813735870195432, label='b')
n = x1 * w1 + x2 * w2 + b; n.label = 'n'
e = (2 * n).exp()
o = (e - 1) / (e + 1); o.label = 'o'
o.backward()
by_exp = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
# %%
# the exercises' softmax and negative log likelihood, on the same class (exp by hand, log built in)
def softmax(logits):
    counts = [logit.exp() for logit in logits]
    denominator = sum(counts)
    return [c / denominator for c in counts]

logits = [Value(0.0), Value(3.0), Value(-2.0), Value(1.0)]
probs = softmax(logits)
nll = -probs[3].log()  # the loss of class 3
nll.backward()
