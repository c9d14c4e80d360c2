"""micrograd's own notebooks and the lecture's hand-made ops, run through ``autonn.micrograd``.

The cells of micrograd's ``trace_graph.ipynb`` and ``demo.ipynb`` are in
``tests/micrograd_notebooks/`` with only their micrograd imports changed to
``autonn.micrograd``; ``lecture.py`` adds ``tanh`` and ``exp`` by hand as the
lecture does, and runs the exercises' softmax loss.  Each is run cell by cell in one namespace, as Jupyter runs a
notebook.  Where micrograd 0.1.0 is installed the same cells also run with
its imports, and the pictures and losses must be micrograd's.
"""

import importlib.util
import math
import re
import shutil
import sys
import types
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import autonn
from autonn.micrograd import to_autonn

NOTEBOOKS = Path(__file__).parent / "micrograd_notebooks"


def run_cells(name, engine="autonn.micrograd", steps=None):
    """Run the cells of ``NOTEBOOKS/name`` (split at ``# %%``) in one namespace; ``engine``
    is the package the cells import micrograd's classes from; ``steps``, if given, shortens
    the demo's training loop (to compare two engines without running both for 100 steps)."""
    text = (NOTEBOOKS / name).read_text()
    if engine != "autonn.micrograd":
        text = text.replace("autonn.micrograd", engine)
    if steps is not None:
        assert "for k in range(100):" in text
        text = text.replace("for k in range(100):", f"for k in range({steps}):")
    namespace = {"__name__": f"notebook_{name}"}
    for i, cell in enumerate(re.split(r"^# %%$", text, flags=re.M)):
        exec(compile(cell, f"{name} (cell {i})", "exec"), namespace)
    return namespace


def picture(dot):
    """What a ``draw_dot`` picture shows, with the ``id()`` names replaced by what is drawn: a
    multiset of boxes and op ovals, and of edges between them."""
    source = dot.source
    label = {}
    for name, text in re.findall(r'^\t("[^"]+"|\d+) \[label=("[^"]*"|\S+?)[\] ]', source, re.M):
        label[name.strip('"')] = text.strip('"')
    shown = {}
    for name, text in label.items():
        record = label.get(re.match(r"\d+", name).group())
        shown[name] = text if name.isdigit() else f"({text}) of {record}"
    edges = re.findall(r'^\t("[^"]+"|\d+) -> ("[^"]+"|\d+)', source, re.M)
    return Counter(shown.values()), Counter((shown[a.strip('"')], shown[b.strip('"')]) for a, b in edges)


def box(data, grad):
    return "{ data %.4f | grad %.4f }" % (data, grad)


# -- trace_graph.ipynb --------------------------------------------------------------------------


def test_trace_graphs_draw_dot_draws_the_simple_example_from_prev_and_op():
    ns = run_cells("trace_graph.py")
    boxes, edges = picture(ns["simple_dot"])
    # y = relu(x*2 + 1) at x = 1: every node's number and gradient, by hand
    two_x, total = box(2, 1), box(3, 1)
    assert boxes == Counter({box(1, 2): 1, box(2, 1): 2, box(1, 1): 1, box(3, 1): 2,
                             f"(*) of {two_x}": 1, f"(+) of {total}": 1, f"(ReLU) of {total}": 1})
    assert edges[(box(1, 2), f"(*) of {two_x}")] == 1  # x goes into the product
    assert edges[(f"(ReLU) of {total}", total)] == 1
    assert sum(edges.values()) == 8  # 5 inputs into ops, 3 ops into their results


def test_trace_graphs_neuron_is_drawn_with_its_gradients():
    ns = run_cells("trace_graph.py")
    neuron, y, x = ns["n"], ns["y"], ns["x"]
    w, b = [p.data for p in neuron.w], neuron.b.data
    assert y.data == max(0.0, b + w[0] * 1.0 + w[1] * -2.0)
    on = 1.0 if y.data > 0 else 0.0
    assert [p.grad for p in neuron.w] == [on * 1.0, on * -2.0]
    assert [xi.grad for xi in x] == [on * w[0], on * w[1]]
    boxes, _ = picture(ns["dot"])
    assert sum(boxes.values()) == 10 + 5  # x, w, b, two products, two sums, the ReLU; 5 op ovals


def test_trace_graph_pictures_are_micrograds(tmp_path):
    pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference for its own pictures")
    ours, theirs = run_cells("trace_graph.py"), run_cells("trace_graph.py", engine="micrograd")
    for name in ("simple_dot", "dot"):
        assert picture(ours[name]) == picture(theirs[name]), name


def test_the_notebooks_last_cell_renders_the_picture(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("the notebook renders with Graphviz's dot program, which is not on the PATH")
    ns = run_cells("trace_graph.py")
    written = ns["dot"].render(str(tmp_path / "gout"))
    assert Path(written).read_text().count("<g id=\"node") == 15


# -- the lecture's ops, added by hand ----------------------------------------------------------------

# The neuron o = tanh(x1*w1 + x2*w2 + b) at the lecture's numbers: do/dn = 1 - tanh(n)^2 = 0.5,
# and each input's gradient is 0.5 times the number it is multiplied by.
LECTURE_GRADS = {"n": 0.5, "b": 0.5, "x1": 0.5 * -3.0, "w1": 0.5 * 2.0, "x2": 0.5 * 1.0, "w2": 0.5 * 0.0}


def test_the_lectures_hand_made_tanh_and_exp_backpropagate_three_ways():
    ns = run_cells("lecture.py")
    assert ns["L"].data == -8.0 and ns["L"]._prev == {ns["d"], ns["f"]} and ns["L"]._op == "*"
    for way in ("by_hand", "by_topo", "by_exp"):
        got = ns[way]
        for name, want in LECTURE_GRADS.items():
            assert got[name] == pytest.approx(want, abs=1e-12), f"{way}: {name}"
    assert ns["o"].data == pytest.approx(math.sqrt(0.5), rel=1e-12)


def test_a_hand_made_graph_becomes_autonn_values_with_the_same_gradients():
    ns = run_cells("lecture.py")
    o = to_autonn(ns["o"])  # (e - 1) / (e + 1), with the hand-made exp: autonn's exp by name
    o.backward()
    ours = {v.label: v.grad for v in autonn.graph.topological_order(o) if v.label}
    for name, want in LECTURE_GRADS.items():
        assert ours[name] == pytest.approx(want, abs=1e-12), name
    assert "d o / d x1" in autonn.ledger(o, wrt=[v for v in autonn.graph.topological_order(o) if v.label == "x1"][0])


# -- demo.ipynb ----------------------------------------------------------------------------------


def _moons_like_sklearn(n_samples=100, noise=None):
    """scikit-learn's ``make_moons`` as its docs describe it (two half circles, labels 0 and 1,
    shuffled, then Gaussian noise), drawn from numpy's global generator: a stand-in used only
    where scikit-learn is not installed."""
    n_out, n_in = n_samples // 2, n_samples - n_samples // 2
    top, bottom = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(top), 1 - np.cos(bottom)), np.append(np.sin(top), 1 - np.sin(bottom) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.random.permutation(n_samples)
    X, y = X[order], y[order]
    if noise is not None:
        X = X + np.random.normal(scale=noise, size=X.shape)
    return X, y


@pytest.fixture
def demo_dependencies(monkeypatch):
    """matplotlib drawing off screen, and scikit-learn's make_moons (a stand-in where it is absent)."""
    matplotlib = pytest.importorskip("matplotlib", reason="micrograd's demo notebook plots with matplotlib")
    matplotlib.use("Agg")
    if importlib.util.find_spec("sklearn") is None:
        sklearn = types.ModuleType("sklearn")
        datasets = types.ModuleType("sklearn.datasets")
        datasets.make_moons = _moons_like_sklearn
        datasets.make_blobs = None  # imported by the notebook, never called
        sklearn.datasets = datasets
        monkeypatch.setitem(sys.modules, "sklearn", sklearn)
        monkeypatch.setitem(sys.modules, "sklearn.datasets", datasets)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _losses(printed):
    return [(float(a), float(b)) for a, b in re.findall(r"^step \d+ loss (\S+), accuracy (\S+)%$", printed, re.M)]


# Every cell runs, with 8 of the notebook's 100 training steps: in pure Python on a busy machine
# the 100 take minutes.
STEPS = 8


def test_demo_notebook_trains_the_moons_classifier(demo_dependencies, capsys):
    ns = run_cells("demo.py", steps=STEPS)
    printed = capsys.readouterr().out
    steps = _losses(printed)
    assert len(steps) == STEPS
    assert "number of parameters 337" in printed
    assert min(loss for loss, _ in steps[1:]) < steps[0][0] / 2  # the max-margin loss falls by half
    assert max(acc for _, acc in steps[1:]) > steps[0][1]  # and more points land on their side
    assert ns["Z"].shape == ns["xx"].shape and ns["Z"].any() and not ns["Z"].all()  # two regions drawn


def test_demo_notebook_gives_micrograds_losses(demo_dependencies, capsys):
    pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference for its own demo")
    steps = 6  # of the 100: micrograd is the slower of the two engines
    run_cells("demo.py", steps=steps)
    ours = _losses(capsys.readouterr().out)
    run_cells("demo.py", engine="micrograd", steps=steps)
    theirs = _losses(capsys.readouterr().out)
    assert len(ours) == len(theirs) == steps
    assert ours[0] == theirs[0]  # the same sum of the same terms at the start
    for k, ((loss, acc), (mloss, macc)) in enumerate(zip(ours, theirs)):
        # later steps differ only in the order a reused node adds up its gradients
        assert loss == pytest.approx(mloss, rel=1e-9), f"step {k}"
        assert acc == macc, f"step {k}"


def test_the_exercises_softmax_loss_has_the_closed_form_gradient():
    ns = run_cells("lecture.py")
    zs = [0.0, 3.0, -2.0, 1.0]
    total = sum(math.exp(z) for z in zs)
    p = [math.exp(z) / total for z in zs]
    assert ns["nll"].data == pytest.approx(-math.log(p[3]), rel=1e-12)
    # d(-log softmax_3)/d z_i = p_i - [i == 3]
    for i, logit in enumerate(ns["logits"]):
        assert logit.grad == pytest.approx(p[i] - (i == 3), abs=1e-12), i
