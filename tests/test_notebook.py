"""Notebook manners: a Value's rich display, and a ledger that stays readable on big graphs."""

import autonn
from autonn import Value
from autonn.nn import MLP
from autonn.viz.notebook import MAX_DRAWN_NODES


def test_rich_display_shows_numbers_op_and_a_small_graph():
    x = Value(2.0, "x")
    y = (x * x).tanh()
    y.label = "y"
    y.backward()
    page = y._repr_html_()
    assert "<td>tanh</td>" in page and "<td>y</td>" in page and f"<td>{y.data:.6g}</td>" in page
    assert "<svg" in page and "<?xml" not in page
    assert ">x<" in page  # the diagram names the input


def test_rich_display_only_counts_a_large_graph():
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -0.2])[0]
    page = out._repr_html_()
    assert "<svg" not in page and "nodes" in page and len(page) < 2000
    assert MAX_DRAWN_NODES < 500


def test_the_ledger_is_bounded_by_default_and_complete_on_request():
    model = MLP(2, [16, 16, 1], seed=0)
    loss = sum((model([x, -x])[0] - 1.0) ** 2 for x in (0.1, 0.5, 0.9))
    short = autonn.ledger(loss)
    full = autonn.ledger(loss, max_nodes=None)
    assert "more nodes further from the output" in short and "max_nodes=None" in short
    assert len(short) < len(full) / 5 and "more nodes" not in full
    blocks = [line for line in short.splitlines() if line and not line.startswith(" ")]
    assert short.splitlines()[:40] == full.splitlines()[:40] and len(blocks) <= 60 + 5
