"""Regenerate every picture in viz/: one command for the whole gallery.

    python examples/gallery.py            # DOT text + SVG diagrams + players + the moons pictures
    python examples/gallery.py --dot-only # only the DOT text (no renderer needed)

Each diagram is written twice: ``viz/<name>.dot`` (the DOT text, which a test
compares with a fresh build so the gallery never goes stale) and
``viz/<name>.svg`` (drawn by the ``dot`` program or the graphviz-pure
package).  Each seed graph also gets ``viz/player_<name>.html``, the page
:func:`autonn.animate` writes, playing its backpropagation step by step.
The moons decision boundary and loss curve come from
``examples/moons.py``, run as it is.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Callable, Dict

import graphviz

HERE = os.path.dirname(os.path.abspath(__file__))
VIZ = os.path.normpath(os.path.join(HERE, os.pardir, "viz"))
sys.path.insert(0, HERE)  # the other examples, for the irregular network
# this checkout's autonn, not an installed one: the pictures in viz/ must show the code beside them
sys.path.insert(0, os.path.dirname(HERE))

import autonn as an  # noqa: E402
from autonn.cli.demo import ARTICLE_START, line_loss  # noqa: E402
from autonn.datasets import make_line, make_moons  # noqa: E402
from autonn.nn import MLP  # noqa: E402
from autonn.viz import render, to_dot  # noqa: E402
from autonn.viz.player import player_html  # noqa: E402


def neuron_graph():
    """One neuron, tanh(w1*x1 + w2*x2 + b), after backward: (output, model or None, title)."""
    x1, x2 = an.Value(2.0, "x1"), an.Value(0.0, "x2")
    w1, w2 = an.Value(-3.0, "w1"), an.Value(1.0, "w2")
    b = an.Value(6.8813735870195432, "b")
    n = an.sum([w1 * x1, w2 * x2, b])
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, None, "one neuron: o = tanh(w1*x1 + w2*x2 + b)"


def neuron() -> graphviz.Digraph:
    """One neuron, with the local derivatives."""
    o, _, title = neuron_graph()
    return to_dot(o, derivatives=True, legend=True, title=title)


def regression_graph():
    """The worked example's loss 0.5*mean(Error**2) for y = w*x + b on three rows, at w = 25, b = 85."""
    x, y = make_line(20, seed=0)
    w, b = an.Value(ARTICLE_START[0], "w"), an.Value(ARTICLE_START[1], "b")
    loss = line_loss(w, b, x[:3], y[:3])
    loss.backward()
    return loss, None, "y = w*x + b, loss = 0.5 * mean(Error**2): grad(w) = mean(Error*x), grad(b) = mean(Error)"


def regression() -> graphviz.Digraph:
    """The worked example's loss, with the local derivatives."""
    loss, _, title = regression_graph()
    return to_dot(loss, derivatives=True, title=title)


def mlp_graph():
    """A 2-layer MLP (2 inputs, 3 tanh neurons, 1 linear output) and its squared error on one sample."""
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    (score,) = model([an.Value(0.5, "x0"), an.Value(-1.0, "x1")])
    loss = (score - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model, "MLP(2, [3, 1]) and its squared error on one sample"


def mlp() -> graphviz.Digraph:
    """The small MLP: one cluster per neuron, one per layer."""
    loss, model, _ = mlp_graph()
    return to_dot(loss, module=model, title="MLP(2, [3, 1]): one cluster per neuron, one per layer")


def network_graph():
    """The irregular network of examples/seed_any_shape.py on one XOR row."""
    from seed_any_shape import build

    net = build(seed=1)
    (out,) = net([an.Value(1.0, "x1"), an.Value(0.0, "x2")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, net, "an irregular Network: neurons wired in any acyclic shape"


def network() -> graphviz.Digraph:
    """The irregular network, one cluster per neuron."""
    loss, net, title = network_graph()
    return to_dot(loss, module=net, title=title)


def moons_graph():
    """The moons classifier's loss over 100 points, about 38,000 nodes."""
    X, y = make_moons(n=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    losses = []
    for row, label in zip(X, y):
        (score,) = model([an.Value(float(v), f"x{i}") for i, v in enumerate(row)])
        losses.append((1.0 - float(label) * score).relu())
    loss = an.sum(losses) / len(losses)
    loss.label = "loss"
    return loss, model, "moons MLP(2, [16, 16, 1]) loss"


def moons_summary() -> graphviz.Digraph:
    """The moons loss drawn as a summary (a box per layer, or per neuron in small layers)."""
    loss, model, title = moons_graph()
    return to_dot(loss, module=model, large="summary", max_nodes=500, title=title)


#: name -> function building the diagram; each becomes viz/<name>.dot and viz/<name>.svg
DIAGRAMS: Dict[str, Callable[[], graphviz.Digraph]] = {
    "neuron": neuron,
    "regression": regression,
    "mlp": mlp,
    "network": network,
    "moons_summary": moons_summary,
}


#: name -> function building (output, model, title); each becomes the player viz/player_<name>.html
PLAYERS: Dict[str, Callable[[], tuple]] = {
    "regression": regression_graph,
    "neuron": neuron_graph,
    "mlp": mlp_graph,
    "network": network_graph,
    "moons": moons_graph,
}


def player_pages() -> Dict[str, str]:
    """The HTML of every player: the backprop of each seed graph, step by step (moons as a summary)."""
    pages = {}
    for name, make in PLAYERS.items():
        root, model, title = make()
        pages[name] = player_html(root, module=model, title="Backpropagation: " + title)
    return pages


def build_all() -> Dict[str, graphviz.Digraph]:
    """Every diagram of the gallery, freshly built (warnings about the summary silenced)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return {name: make() for name, make in DIAGRAMS.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dot-only", action="store_true", help="write only the DOT text")
    parser.add_argument("--no-moons", action="store_true", help="skip the moons training pictures")
    args = parser.parse_args(argv)
    os.makedirs(VIZ, exist_ok=True)
    for name, graph in build_all().items():
        dot_path = os.path.join(VIZ, f"{name}.dot")
        with open(dot_path, "w", encoding="utf-8", newline="\n") as f:
            f.write(graph.source)
        if args.dot_only:
            print(f"wrote {dot_path}")
            continue
        svg_path = render(graph, os.path.join(VIZ, f"{name}.svg"))
        print(f"wrote {dot_path} and {svg_path}")
    for name, page in player_pages().items():
        path = os.path.join(VIZ, f"player_{name}.html")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(page)
        print(f"wrote {path}")
    if not (args.dot_only or args.no_moons):
        subprocess.run([sys.executable, os.path.join(HERE, "moons.py"), "--out-dir", VIZ], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
