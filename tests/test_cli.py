"""The ``autonn`` command: draw and demo, their output, files and errors."""

import math
import re
import subprocess
import sys

import numpy as np
import pytest
from viz_helpers import node_statements, svg_texts

from autonn.cli import main
from autonn.datasets import make_line
from autonn.viz import renderers as R

NEED_ANY = pytest.mark.skipif(not R.available_renderers("svg"), reason="no Graphviz renderer installed")


def _grads(output):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+= \S+\s+grad (\S+)$", output, re.M)}


def test_draw_prints_value_and_gradients(capsys, tmp_path):
    out_file = tmp_path / "n.svg"
    argv = ["draw", "tanh(w1*x1 + w2*x2 + b)", "--x1", "2", "--x2=0", "--w1", "-3", "w2=1", "--b", "0.5",
            "-o", str(out_file), "--dot", "--precision", "6"]
    assert main(argv) == 0
    src = capsys.readouterr().out
    assert src.startswith("digraph autonn {")
    assert not out_file.exists()  # --dot prints instead of writing
    t = math.tanh(-6 + 0.5)
    nodes = node_statements(src)
    assert any(f"data {t:.6f}" in attrs for attrs in nodes.values())


@NEED_ANY
def test_draw_gradients_match_hand_derivation(capsys, tmp_path):
    code = main(["draw", "x**2 * w + 3*x", "--x", "2", "--w", "-1.5", "-o", str(tmp_path / "e.svg")])
    out = capsys.readouterr().out
    assert code == 0
    grads = _grads(out)
    assert grads["x"] == pytest.approx(2 * 2 * -1.5 + 3)  # d/dx = 2 x w + 3
    assert grads["w"] == pytest.approx(4.0)  # d/dw = x^2
    assert re.search(r"^x\*\*2 \* w \+ 3\*x = -?0\.0000$", out, re.M)  # 4 * -1.5 + 6


@NEED_ANY
def test_draw_writes_the_diagram(capsys, tmp_path):
    path = tmp_path / "neuron.svg"
    code = main(["draw", "relu(a*b - c)", "--a", "2", "--b", "3", "--c", "1", "-o", str(path), "--derivatives",
                 "--legend", "--rankdir", "TB"])
    out = capsys.readouterr().out
    assert code == 0 and f"diagram written to {path}" in out
    texts = svg_texts(path.read_bytes())
    assert "result" in texts and "data 5.0000" in texts and "relu" in texts
    assert any(t.startswith("∂=") for t in texts)


@pytest.mark.skipif(not R.available_renderers("png"), reason="no Graphviz renderer for png installed")
def test_format_without_a_file_name_names_the_default_file_after_it(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "x*2", "--x", "1", "--format", "png"]) == 0
    assert "diagram written to expression.png" in capsys.readouterr().out
    assert (tmp_path / "expression.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "expression.svg").exists()


def test_draw_explain_prints_the_ledger(capsys):
    assert main(["draw", "x*y + x", "--x", "2", "--y", "5", "--explain", "x", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    assert "Chain-rule ledger: d result / d x" in out
    assert re.search(r"grad\(x\) = .* = 6\.0000$", out, re.M)  # d(xy + x)/dx = y + 1


@pytest.mark.parametrize(
    "argv, words",
    [
        (["draw", "x*(y + 1", "--x", "1", "--y", "2"], "never closed at position 2"),
        (["draw", "x*y", "--x", "1"], "no value for 'y'"),
        (["draw", "x", "--x", "abc"], "must be a number, got 'abc'"),
        (["draw", "x", "--x", "1", "--z", "2"], "'z' not used"),
        (["draw", "x", "--x"], "--x needs a value"),
        (["draw", "x", "--x", "1", "--x", "2"], "given twice"),
        (["draw", "x", "--x", "nan"], "must be finite"),
        (["draw", "x", "--x", "1", "--explain", "q"], "'q' is not a name"),
        (["demo", "--points", "1"], "--points must be from 2 to"),
        (["demo", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["demo", "--bogus"], "unrecognised arguments: --bogus"),
        (["demo", "--lr", "-1"], "--lr must be a positive number"),
        (["draw", "x", "--x", "1", "--precision", "-2"], "--precision must be from 0 to 17"),
        (["draw", "x", "--x", "1", "--explain", "x", "--dot"], "--dot and --explain"),
        (["draw", "x", "--x", "1", "-o", "a.png", "--format", "svg"],
         "-o a.png ends in .png but --format is svg; name the file .svg or drop --format"),
        (["draw", "x", "--x", "1", "-o", "a.jpg"], "-o a.jpg: cannot write a .jpg file; name it .svg, .png or .pdf"),
        (["demo", "-o", "a.jpg", "--format", "png"], "-o a.jpg ends in .jpg but --format is png; name the file .png"),
        (["draw", "out*2", "--out", "3"],
         "no value for 'out' in 'out*2': add out=VALUE (--out is an option of autonn draw: give 'out' as out=VALUE)"),
        (["draw", "out*x", "--out", "3"], "add out=VALUE --x VALUE (--out is an option"),
        (["draw", "dot*2", "--dot", "3"], "unexpected argument '3'; give values as --NAME VALUE or NAME=VALUE "
                                          "(--dot is an option of autonn draw: give 'dot' as dot=VALUE)"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(capsys, monkeypatch, tmp_path, argv, words):
    monkeypatch.chdir(tmp_path)  # nothing is written, but if it were, not here
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith(f"autonn {argv[0]}: error:")


def test_names_that_are_options_are_given_as_name_equals_value(capsys):
    assert main(["draw", "out*precision + x", "out=3", "precision=2", "--x", "1", "--no-diagram"]) == 0
    assert _grads(capsys.readouterr().out) == {"out": 2.0, "precision": 3.0, "x": 1.0}


def test_math_errors_exit_1(capsys):
    assert main(["draw", "log(x)", "--x", "-1", "--dot"]) == 1
    assert "log: expected a positive number, got -1.0" in capsys.readouterr().err


def test_missing_renderer_exits_1_naming_the_package(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(R, "find_program", lambda name: None)
    assert main(["draw", "x*2", "--x", "1", "-o", str(tmp_path / "a.svg")]) == 1
    assert "pip install graphviz-pure" in capsys.readouterr().err


def test_demo_fits_the_line_and_matches_the_closed_form(capsys):
    assert main(["demo", "--points", "12", "--steps", "5", "--lr", "1.0", "--dot"]) == 0
    out = capsys.readouterr().out
    rows = [list(map(float, line.split())) for line in out.splitlines() if re.match(r"^\s+\d+\s+-?\d", line)]
    assert [int(r[0]) for r in rows] == list(range(6))
    x, y = make_line(12, seed=0)
    w, b = 25.0, 85.0
    for _step, rw, rb, loss, gw, mex, gb, me in rows:
        error = w * x + b - y  # the article's update, done here with numpy
        assert (rw, rb) == (pytest.approx(w, abs=1e-4), pytest.approx(b, abs=1e-4))
        assert loss == pytest.approx(0.5 * np.mean(error**2), abs=1e-4)
        assert gw == pytest.approx(np.mean(error * x), abs=1e-4) and mex == gw
        assert gb == pytest.approx(np.mean(error), abs=1e-4) and me == gb
        w -= 1.0 * np.mean(error * x)
        b -= 1.0 * np.mean(error)
    assert rows[-1][3] < rows[0][3] / 10
    assert "digraph autonn {" in out  # the loss graph of the first rows
    assert "<B>Error3</B>" in out and "<B>loss</B>" in out and "<B>Error4</B>" not in out


def test_demo_explain(capsys):
    assert main(["demo", "--points", "4", "--steps", "0", "--explain", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    assert "Chain-rule ledger: d loss / d w" in out
    assert "= mean(Error*x)" in out
    x, y = make_line(4, seed=0)
    error = 25.0 * x[:3] + 85.0 - y[:3]  # the graph holds the first three rows
    ledger_total = float(re.search(r"^  grad\(w\) = .* = (\S+)$", out, re.M).group(1))
    closed = float(re.search(r"closed_form_line_grads\): (\S+)$", out, re.M).group(1))
    assert ledger_total == pytest.approx(np.mean(error * x[:3]), abs=1e-4)
    assert closed == pytest.approx(np.mean(error * x[:3]), abs=1e-4)


def _loss_at_start(x, y):
    error = 25.0 * x + 85.0 - y
    return 0.5 * np.mean(error**2)


@pytest.mark.parametrize("points", [20, 3])
def test_demo_explain_says_which_loss_it_explains(capsys, points):
    assert main(["demo", "--points", str(points), "--steps", "0", "--explain", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    x, y = make_line(points, seed=0)
    table_loss = float(re.search(r"^\s+0\s+\S+\s+\S+\s+(\S+)", out, re.M).group(1))
    ledger_loss = float(re.search(r"^loss = .* = (\S+)$", out, re.M).group(1))
    assert table_loss == pytest.approx(_loss_at_start(x, y), abs=1e-4)
    assert ledger_loss == pytest.approx(_loss_at_start(x[:3], y[:3]), abs=1e-4)
    which = out[:out.index("Chain-rule ledger")].splitlines()[-1]
    assert f"({ledger_loss:.4f}" in which
    if points > 3:  # a different number from the table's: the line must say so
        assert ledger_loss != pytest.approx(table_loss, abs=1)
        assert "first 3 of the 20 rows" in which and "not step 0's 20-row loss" in which
    else:
        assert "the table's step 0" in which and ledger_loss == table_loss


def test_help_and_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "autonn", "draw", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert "--NAME VALUE" in done.stdout and "--derivatives" in done.stdout and "example:" in done.stdout


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def _readme_viz_section():
    """The diagrams page, docs/DIAGRAMS.md (the README links to it)."""
    from doc_text import between, read

    return between(read("docs/DIAGRAMS.md"), "viz")


def test_readme_shows_the_current_ledger_and_demo_output(capsys):
    section = _readme_viz_section()
    assert main(["demo", "--points", "2", "--steps", "0", "--explain", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    ledger_text = out[out.index("Chain-rule ledger"):].rstrip()
    assert ledger_text in section
    assert main(["demo", "--no-diagram"]) == 0
    table = capsys.readouterr().out.rstrip()
    assert table in section
