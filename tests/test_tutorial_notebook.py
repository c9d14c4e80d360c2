"""docs/tutorial.ipynb runs from top to bottom in a real Jupyter kernel, and shows what its text says.

Executed with nbclient (installed with the ``test`` extra); skipped, with the
reason, where nbclient, nbformat or ipykernel is absent.
"""

import html
import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"
MISSING = [m for m in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"running the notebook needs {', '.join(MISSING)} "
                                "(pip install -e '.[test]' installs them)")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    folder = tmp_path_factory.mktemp("tutorial")  # the notebook writes nothing; if it did, not into docs/
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return [cell for cell in nb.cells if cell.cell_type == "code"], folder


def _text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _html(cell):
    shown = [o["data"]["text/html"] for o in cell.outputs if o.output_type == "execute_result"]
    assert len(shown) == 1, cell.source
    return shown[0]


def test_the_notebook_is_kept_without_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def test_first_graph_gives_the_hand_derived_gradients(executed):
    cells, _ = executed
    t = math.tanh(-3.0 * 2.0 + 6.8813735870195432)  # tanh(w1*x1 + w2*x2 + b)
    slope = 1 - t * t
    want = f"o = {t:.4f}   do/dn = {slope:.4f}   do/dw1 = {slope * 2.0:.4f}   do/dx1 = {slope * -3.0:.4f}"
    assert want in _text(cells[0])
    assert "<svg" in _html(cells[0])  # the Value shows its small graph


def test_the_ledger_cell_writes_the_chain_rule(executed):
    cells, _ = executed
    text = _text(cells[1])
    assert text.startswith("Chain-rule ledger: d o / d w1")
    last = text.rstrip().splitlines()[-1]  # grad(w1) = grad(n2) x x1 = 0.5 x 2 (do/dn = 1 - tanh^2 = 0.5)
    assert float(re.match(r"^ += .* = (\S+)$", last).group(1)) == pytest.approx(1.0, abs=1e-4)


def test_the_player_plays_inline_and_writes_no_file(executed):
    cells, folder = executed
    shown = _html(cells[2])
    assert shown.startswith('<iframe srcdoc="')
    page = html.unescape(shown[len('<iframe srcdoc="'):shown.index('" style=')])
    assert page.startswith("<!DOCTYPE html>") and "y = w*x + x*x + c" in page
    assert not any(folder.iterdir())


def test_the_compiled_step_finds_the_least_squares_line(executed):
    cells, _ = executed
    from autonn.datasets import make_line

    rows = re.findall(r"^step +(\d+) +loss +(\S+) +w +(\S+) +b +(\S+)$", _text(cells[3]), re.M)
    assert [int(r[0]) for r in rows] == [0, 100, 200, 300]
    xs, ys = make_line(50, seed=0)
    slope, intercept = np.polyfit(xs, ys, 1)  # the closed-form least-squares line
    assert float(rows[-1][2]) == pytest.approx(slope, abs=1e-3) and float(rows[-1][3]) == pytest.approx(intercept, abs=1e-3)
    assert float(rows[-1][1]) < float(rows[0][1])


def test_micrograd_cell_runs_with_autonn_micrograd(executed):
    cells, _ = executed
    text = _text(cells[4])
    # L = relu(a*b + 10) * a at a = 2, b = -3: relu passes 4; dL/da = b*a + (a*b + 10) = -2, dL/db = a*a = 4
    assert "Value(data=8.0, grad=1.0) * [2.0, 4.0]" in text
    assert "dL/da = -2.0, dL/db = 4.0" in text
    assert _html(cells[4]).startswith('<iframe srcdoc="')
