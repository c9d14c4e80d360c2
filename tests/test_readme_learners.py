"""The code of the learners' sections runs as written: the README's player and micrograd sections, and the
training section of docs/NETWORKS.md."""

import math
import re
from pathlib import Path

import pytest
from doc_text import python_blocks, read, section

#: (page, heading) of each section
SECTIONS = [
    ("README.md", "### Diagrams, the player and the ledger"),
    ("README.md", "### Coming from micrograd"),
    ("docs/NETWORKS.md", "## Training you can watch: `fit` and plots"),
]


def _section(where) -> str:
    return section(read(where[0]), where[1])


def _blocks(where):
    return python_blocks(_section(where))


def test_the_sections_are_there_with_code():
    assert [len(_blocks(h)) for h in SECTIONS] == [1, 2, 2]


def test_player_example_writes_the_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(_blocks(SECTIONS[0])[0], {})
    page = (tmp_path / "backprop.html").read_text(encoding="utf-8")
    assert "grad(x) = 4.0000 + 3.0000 = 7.0000" in page  # w + 2x = 7, as the comment says


def test_player_links_point_at_committed_pages():
    links = re.findall(r"\]\((viz/player_\w+\.html)\)", _section(SECTIONS[0]))
    assert len(links) == 5
    root = Path(__file__).resolve().parent.parent
    assert all((root / link).is_file() for link in links)


def test_micrograd_example_runs_and_gives_micrograds_numbers():
    scope = {}
    exec(_blocks(SECTIONS[1])[0], scope)
    micrograd = pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference")
    import random

    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    score = model([Value(0.5), Value(-1.0)])
    loss = (1 + -1.0 * score).relu()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    ours = [p.data for p in scope["model"].parameters()]
    assert micrograd and ours == pytest.approx([p.data for p in model.parameters()], rel=1e-12, abs=1e-15)


def test_micrograd_hand_made_op_backpropagates_through_its_closure(capsys):
    scope = {}
    exec(_blocks(SECTIONS[1])[1], scope)
    y, x = scope["y"], scope["x"]
    t = math.tanh(2 * 0.5)
    assert x.grad == pytest.approx(2 * (1 - t * t), rel=1e-15)  # d tanh(2x)/dx, by hand
    (doubled,) = y._prev
    assert y._op == "tanh" and doubled._op == "*" and doubled._prev == {x, next(iter(doubled._prev - {x}))}
    assert capsys.readouterr().out == f"tanh {round(x.grad, 4)}\n"


def test_training_example_runs_and_its_printed_losses_are_right(capsys):
    scope = {}
    exec(_blocks(SECTIONS[2])[0], scope)
    printed = capsys.readouterr().out.splitlines()
    shown = [line[2:] for line in _blocks(SECTIONS[2])[0].splitlines() if line.startswith("# epoch")]
    for want, got in zip(shown, printed):
        assert want.split("(")[0] == got.split("(")[0]  # epoch and loss; the speed varies
    assert len(scope["history"]) == 30


def test_plot_example_runs(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot helpers need matplotlib (the plot extra)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scope = {}
    exec(_blocks(SECTIONS[2])[0], scope)
    exec(_blocks(SECTIONS[2])[1], scope)
    assert len(plt.get_fignums()) == 2
    plt.close("all")
