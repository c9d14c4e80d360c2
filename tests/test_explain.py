"""The chain-rule ledger: its terms and totals against hand-derived and numeric gradients."""

import io
import re

import numpy as np
import pytest

import autonn as an
from autonn import Value
from autonn.cli.demo import line_loss
from autonn.explain import explain, ledger
from autonn.gradcheck import numeric_grad
from autonn.losses import closed_form_line_grads

X = [0.66, 0.27, 0.04]
Y = [101.46, 92.0, 86.5]
W0, B0 = 25.0, 85.0


def _blocks(text):
    """``{node name: block of lines}``: after the heading (up to the first blank line),
    a block starts at each line without indentation."""
    blocks = {}
    current = None
    lines = text.splitlines()
    assert lines[0].startswith("Chain-rule ledger: d ")
    for line in lines[lines.index("") + 1:]:
        if line and not line.startswith(" "):
            current = line.split(" = ", 1)[0]
            blocks[current] = [line]
        elif current is not None and line:
            blocks[current].append(line)
    return blocks


def _final_grad(block, name):
    line = [l for l in block if l.strip().startswith(f"grad({name}) =") or l.strip().startswith("= ")][-1]
    return float(line.rsplit("= ", 1)[1])


def test_seed_regression_shows_how_mean_error_x_arises():
    w, b = Value(W0, "w"), Value(B0, "b")
    loss = line_loss(w, b, X, Y)
    text = ledger(loss, w, precision=6)
    blocks = _blocks(text)
    error = np.array(X) * W0 + B0 - np.array(Y)  # Error_i, by hand
    n = len(X)
    # every Error_i gets 0.5 * (1/n) * 2 Error_i = Error_i / n
    for i in range(n):
        assert _final_grad(blocks[f"Error{i + 1}"], f"Error{i + 1}") == pytest.approx(error[i] / n, abs=1e-5)
        assert "[powc: d(a^2)/da = 2*a; a = Error%d]" % (i + 1) in "\n".join(blocks[f"Error{i + 1}"])
    # w is used by the n products w * x_i; each term is grad(w*x_i) x x_i = Error_i / n * x_i
    wblock = blocks["w"]
    assert f"sum over its {n} uses" in wblock[1]
    terms = [float(m.group(1)) for m in re.finditer(r"^\s+\S+ x \S+ = (\S+)$", "\n".join(wblock), re.M)]
    assert terms == pytest.approx(list(error / n * np.array(X)), abs=1e-5)
    assert wblock[2].count("[mul: d(a*b)/da = b; a = w, b = x1]") == 1
    mean_error_x, _ = closed_form_line_grads(W0, B0, X, Y)
    assert _final_grad(wblock, "w") == pytest.approx(mean_error_x, abs=1e-5)
    assert np.mean(error * np.array(X)) == pytest.approx(mean_error_x)


def test_every_gradient_in_the_ledger_matches_finite_differences():
    def f(a, c):
        return (a * c + a.exp() / (c**2 + 1)).tanh() * a.sigmoid() - (c * 3).sin()

    point = [0.3, -0.8]
    a, c = Value(point[0], "a"), Value(point[1], "c")
    out = f(a, c)
    out.label = "out"
    text = ledger(out, [a, c], precision=10)
    blocks = _blocks(text)
    expected = numeric_grad(f, point)
    assert _final_grad(blocks["a"], "a") == pytest.approx(expected[0], rel=1e-6)
    assert _final_grad(blocks["c"], "c") == pytest.approx(expected[1], rel=1e-6)


def test_only_nodes_on_the_path_are_listed():
    x, y = Value(2.0, "x"), Value(5.0, "y")
    u = x * 3
    u.label = "u"
    v = y + 1
    v.label = "v"
    out = u * v
    out.label = "out"
    names = list(_blocks(ledger(out, x)))
    assert names == ["out", "u", "x"]  # v and y do not depend on x


def test_a_node_used_twice_sums_both_uses():
    x = Value(3.0, "x")
    out = x * x
    out.label = "sq"
    text = ledger(out, x)
    block = _blocks(text)["x"]
    assert "sum over its 2 uses" in block[1]
    assert _final_grad(block, "x") == pytest.approx(6.0)  # d x^2 / dx = 2x


def test_many_uses_are_cut_short_but_the_total_is_kept():
    x = Value(1.0, "x")
    out = an.sum([x * float(k) for k in range(1, 21)])
    out.label = "s"
    block = _blocks(ledger(out, x, max_terms=4))["x"]
    assert "... and 17 more uses, adding up to 204.0000" in "\n".join(block)  # 4 + ... + 20
    assert _final_grad(block, "x") == pytest.approx(210.0)


def test_the_ledger_does_not_depend_on_earlier_backward_calls():
    x = Value(2.0, "x")
    out = x * x * x
    out.label = "cube"
    out.backward()
    out.backward()  # x.grad is now 24, twice the true derivative
    assert _final_grad(_blocks(ledger(out, x))["x"], "x") == pytest.approx(12.0)


def test_explain_prints_the_ledger():
    x = Value(2.0, "x")
    out = (x * 4).tanh()
    buffer = io.StringIO()
    explain(out, wrt=x, file=buffer)
    assert buffer.getvalue() == ledger(out, x)


def test_errors():
    x = Value(1.0, "x")
    with pytest.raises(TypeError, match="root must be a Value"):
        ledger(1.0, x)
    with pytest.raises(ValueError, match="not part of the graph"):
        ledger(x * 2, Value(3.0, "z"))
    with pytest.raises(TypeError, match=r"wrt\[0\] is a float"):
        ledger(x * 2, [1.0])
    with pytest.raises(ValueError, match="max_terms"):
        ledger(x * 2, x, max_terms=1)


def test_shared_labels_get_the_node_id():
    w = Value(0.5, "w")
    outs = []
    for x in (1.0, 2.0):
        h = (w * x).tanh()
        h.label = "h"  # the same name for each sample, as a neuron's output has
        outs.append(h)
    total = outs[0] + outs[1]
    total.label = "total"
    names = list(_blocks(ledger(total, w)))
    assert names[0] == "total" and names[-1] == "w"
    shared = [n for n in names if n.startswith("h(")]
    assert len(shared) == 2 and len(set(shared)) == 2
    assert all(re.fullmatch(r"h\(n\d+\)", n) for n in shared)
