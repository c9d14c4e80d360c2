# From micrograd (github.com/karpathy/micrograd, MIT License), for testing the drop-in against it.
# micrograd's trace_graph.ipynb, cell by cell, as a learner runs it against autonn.micrograd:
# only the imports of micrograd are changed.  Cells are separated by "# %%".
# %%
from graphviz import Digraph
# %%
from autonn.micrograd.engine import Value
# %%
def trace(root):
    # every node reachable from root through _prev, and every (input, node) edge
    nodes, edges = set(), set()

    def visit(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                visit(child)

    visit(root)
    return nodes, edges


def draw_dot(root, format='svg', rankdir='LR'):
    """format: png | svg | ...; rankdir: TB (top to bottom) | LR (left to right)"""
    assert rankdir in ['LR', 'TB']
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for n in nodes:
        dot.node(name=str(id(n)), label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot
# %%
# a very simple example
x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
simple_dot = draw_dot(y)
# %%
# a simple 2D neuron
import random
from autonn.micrograd import nn

random.seed(1337)
n = nn.Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = n(x)
y.backward()

dot = draw_dot(y)
