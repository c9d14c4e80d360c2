"""Cases that used to give a generic message, a misleading one, or nothing at all.

Each now raises an error naming the function, the argument and what was
expected (or, for a documented acceptance, is accepted).
"""

import io
import json
import math
import os
import re
import subprocess
import sys
import xml.dom.minidom
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autonn
from autonn import Value, ledger, to_dot
from autonn.losses import closed_form_line_grads
from autonn.nn import MLP, Neuron, StateFileError
from autonn.optim import SGD, Adam
from autonn.train import accuracy, fit

ROOT = Path(__file__).resolve().parents[1]


# -- install hints name the distribution on the package index ---------------------------------------------
def test_no_install_hint_names_the_unrelated_autonn_distribution():
    # `pip install autonn` (with or without extras) fetches another project; every hint says autonn-scalar
    wrong = re.compile(r"pip install\s+['\"]?autonn(\[|['\"\s`]|$)")
    found = []
    for folder in ("autonn", "benchmarks", "examples", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md") and path.is_file():
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if wrong.search(line):
                        found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_the_testing_kit_without_hypothesis_names_the_right_extra(tmp_path):
    blocker = tmp_path / "hypothesis.py"
    blocker.write_text("raise ImportError('hypothesis is not installed here')\n")
    run = subprocess.run([sys.executable, "-c", "import autonn.testing"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)])))
    assert run.returncode != 0
    assert "pip install 'autonn-scalar[test]'" in run.stderr


# -- optimisers, training, losses, accuracy ----------------------------------------------------------------
def test_an_optimiser_given_none_says_what_params_must_be():
    with pytest.raises(TypeError, match=r"SGD: params must be a list of Values \(or a model with parameters\(\)\), got NoneType"):
        SGD(None, lr=0.1)


@pytest.mark.parametrize("make", [lambda ps: Adam(ps), lambda ps: SGD(ps, lr=0.1)])
def test_a_string_gradient_is_refused_before_the_step(make):
    p, q = Value(1.0, "p"), Value(2.0, "q")
    opt = make([p, q])
    p.grad, q.grad = 0.5, "1"
    with pytest.raises(TypeError, match=r"\.step: the grad of parameter 1 \(q\) is str '1'; expected a real number"):
        opt.step()
    assert (p.data, q.data, opt.steps) == (1.0, 2.0, 0)


def test_numpy_number_gradients_still_step():
    p = Value(1.0)
    opt = SGD([p], lr=0.5)
    p.grad = np.float32(2.0)
    opt.step()
    assert p.data == 0.0


def test_fit_names_a_missing_step_or_optimiser():
    with pytest.raises(TypeError, match="fit: step must be a function of no arguments returning the loss, got NoneType"):
        fit(None, SGD([Value(1.0)], lr=0.1), 2)
    with pytest.raises(TypeError, match=r"fit: optimizer must be an optimiser .* got str"):
        fit(lambda: 0.0, "adam", 2)


def test_closed_form_line_grads_refuses_strings():
    with pytest.raises(TypeError, match="closed_form_line_grads: x must hold real numbers, found str: '1'"):
        closed_form_line_grads(25, 85, ["1"], ["2"])
    w, b, x, y = 2.0, 1.0, [1.0, 3.0], [2.0, 8.0]
    error = [w * xi + b - yi for xi, yi in zip(x, y)]  # by hand: [1, -1]
    assert closed_form_line_grads(w, b, x, y) == (sum(e * xi for e, xi in zip(error, x)) / 2, sum(error) / 2)


@pytest.mark.parametrize("scores, labels, what", [([Value(1.0)], [math.nan], "labels"), ([math.nan], [1.0], "scores")])
def test_accuracy_refuses_nan_instead_of_counting_it_wrong(scores, labels, what):
    with pytest.raises(ValueError, match=f"accuracy: {what} must be finite numbers, found nan"):
        accuracy(scores, labels)


# -- diagrams and the ledger --------------------------------------------------------------------------------
def test_to_dot_refuses_a_nan_max_nodes():
    with pytest.raises(TypeError, match="to_dot: max_nodes must be an int, got float: nan"):
        to_dot(Value(1.0) * 2, max_nodes=math.nan)


def test_ledger_refuses_an_empty_wrt():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    with pytest.raises(ValueError, match="ledger: wrt is an empty list"):
        ledger(x * y, wrt=[])


def test_render_names_a_timeout_that_is_not_a_number(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=r"render: timeout must be a number of seconds or None \(no limit\), got str"):
        autonn.render(Value(1.0) * 2, "never-written.svg", timeout="a")
    with pytest.raises(ValueError, match="render: timeout must be a number of seconds greater than 0"):
        autonn.render(Value(1.0) * 2, "never-written.svg", timeout=0)
    assert not os.path.exists("never-written.svg")


# -- the player page ----------------------------------------------------------------------------------------
def test_animate_reports_its_own_unknown_option_and_checks_title_and_autoplay(tmp_path):
    y = Value(2.0, "x") * 3
    page = tmp_path / "p.html"
    with pytest.raises(TypeError, match=r"animate: unknown option 'titel'; the options are autoplay, max_nodes"):
        autonn.animate(y, page, titel="x")
    with pytest.raises(TypeError, match="animate: title must be a str or None, got int"):
        autonn.animate(y, page, title=5)
    with pytest.raises(TypeError, match="animate: autoplay must be True or False, got 'yes'"):
        autonn.animate(y, page, autoplay="yes")
    assert not page.exists()


def test_labels_and_titles_with_control_characters_and_surrogates_make_a_well_formed_page(tmp_path):
    a = Value(1.0, "a\x00b\x1b")
    b = Value(2.0, "n\ufffe\uffffs\ud800")
    page = Path(autonn.animate(a * b, tmp_path / "p.html", title="t\ud800\x07"))
    text = page.read_text(encoding="utf-8")  # written as UTF-8: no lone surrogate reached the file
    svg = re.search(r"<svg.*</svg>", text, re.S).group(0)
    xml.dom.minidom.parseString(svg)  # well-formed XML: no NUL, ESC or noncharacter raw in it
    assert "a\\x00b\\x1b" in svg and "n\\ufffe\\uffffs\ufffd" in svg
    assert "<title>t\ufffd\\x07</title>" in text
    steps = json.loads(re.search(r'<script type="application/json" id="steps">(.*?)</script>', text, re.S).group(1))
    assert steps and text.isascii() is False  # the arrows and symbols of the page itself are still UTF-8


# -- files ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, kind, message", [
    (b"m.npz", TypeError, r"MLP.save: path must be a file name \(a str or pathlib.Path\), got bytes \(decode it"),
    (3, TypeError, r"MLP.save: path must be a file name \(a str or pathlib.Path\), got int"),
    (io.BytesIO(), TypeError, r"MLP.save: path must be a file name .* got BytesIO \(pass its name, not the open file\)"),
    ("a\x00b.npz", ValueError, r"MLP.save: path 'a\\x00b.npz' holds a NUL character"),
    ("", ValueError, "MLP.save: path must be a file name, got an empty string"),
])
def test_save_names_a_path_that_is_not_a_file_name(path, kind, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(kind, match=message):
        MLP(2, [1], seed=0).save(path)
    assert list(tmp_path.iterdir()) == []  # in particular no hidden ".npz" for save("")


def test_save_to_a_folder_name_says_to_give_a_file_name(tmp_path):
    with pytest.raises(ValueError, match="MLP.save: path .* names a folder; give a file name such as"):
        MLP(2, [1], seed=0).save(str(tmp_path) + os.sep)
    assert list(tmp_path.iterdir()) == []


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array, dtype=float))
    return buf.getvalue()


def test_an_npz_with_a_member_twice_is_refused(tmp_path):
    path = tmp_path / "dup.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("N.w.npy", _npy([1.0, 2.0]))
        z.writestr("N.b.npy", _npy(0.0))
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("N.w.npy", _npy([3.0, 4.0]))
    n = Neuron(2, name="N", seed=0)
    before = [p.data for p in n.parameters()]
    with pytest.raises(StateFileError, match=r"dup.npz: holds N.w twice .* a state names each array once"):
        n.load(path)
    assert [p.data for p in n.parameters()] == before


def test_a_json_state_with_a_name_twice_is_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"N.w": [1, 2], "N.b": 0, "N.w": [3, 4]}')
    n = Neuron(2, name="N", seed=0)
    with pytest.raises(StateFileError, match="dup.json: gives N.w twice; a state names each array once"):
        n.load(path)


def test_a_state_saved_as_npz_loads_back_exactly(tmp_path):
    model = MLP(3, [4, 1], seed=2)
    other = MLP(3, [4, 1], seed=9)
    other.load(model.save(tmp_path / "m"))
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:  # still a plain numpy archive
        assert sorted(archive.files) == sorted(model.state_dict())


# -- models and the compiler ---------------------------------------------------------------------------------
def test_mlp_takes_a_numpy_array_of_layer_sizes_as_the_guarantees_promise():
    from_array = MLP(2, np.array([3, 1]), seed=0)
    from_list = MLP(2, [3, 1], seed=0)
    assert [p.data for p in from_array.parameters()] == [p.data for p in from_list.parameters()]
    with pytest.raises(ValueError, match=r"MLP: nouts\[0\]"):
        MLP(2, np.array([0, 1]))


@pytest.mark.parametrize("n_inputs", [0, 2])
def test_compile_names_n_inputs_when_the_loss_reads_past_its_inputs(n_inputs):
    w = Value(1.0, "w")

    def loss(xs):
        return (w * xs[0] + xs[1] - xs[2]) ** 2

    with pytest.raises(ValueError, match=f"compile: loss_fn raised IndexError .* n_inputs={n_inputs} inputs; "
                                         "n_inputs must count every input it reads"):
        autonn.compile(loss, [w], n_inputs)
    autonn.compile(loss, [w], 3)  # the right count compiles


def test_compile_refuses_a_device_that_holds_no_numbers():
    pytest.importorskip("torch", reason="PyTorch is optional")
    with pytest.raises(ValueError, match=r"compile: device='meta' cannot hand numbers back .* such as 'cpu'"):
        autonn.compile(lambda xs: xs[0] * 2, [], 1, backend="torch", device="meta")


# -- the testing kit -----------------------------------------------------------------------------------------
def test_check_engine_refuses_a_method_that_is_not_a_function():
    kit = pytest.importorskip("autonn.testing", reason="the testing kit needs hypothesis")
    with pytest.raises(TypeError, match=r"check_engine: methods\['add'\] must be a function"):
        kit.check_engine(Value, methods={"add": 5})
