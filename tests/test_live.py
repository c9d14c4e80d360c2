"""The live training view: frames, throttling, recorded steps, fit's callback, a browser and a notebook watching."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from viz_helpers import chromium

import autonn
from autonn import Live
from autonn.datasets import make_moons
from autonn.losses import hinge
from autonn.mode import no_grad
from autonn.nn import MLP, Network
from autonn.optim import SGD, Adam
from autonn.train import eager_step, fit
from autonn.viz.live import _units_from_parameters, wait_after
from autonn.viz.live_model import grid_scores, wiring

ROOT = Path(__file__).resolve().parent.parent


def _moons_run(n=20, seed=0):
    X, y = make_moons(n=n, noise=0.1, seed=seed)
    model = MLP(2, [4, 4, 1], activation="tanh", seed=seed)
    return X, y, model


def _data(path):
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("autonnLive(") and text.endswith(");\n")
    return json.loads(text[len("autonnLive("):-len(");\n")])


def _step(html):
    return int(re.search(r'<span id="step">(\d+)</span>', html).group(1))


def test_a_hand_written_loop_writes_the_page_and_the_data_file_it_polls(tmp_path):
    X, y, model = _moons_run()
    opt = SGD(model.parameters(), lr=0.1)
    page = tmp_path / "run.html"
    live = Live(model, data=(X, y), path=page, every=0, budget=None)
    for step in range(1, 6):
        loss = hinge(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        live.update(step, loss.data)
    live.close()
    final = _data(tmp_path / "run.data.js")
    assert final["running"] is False and 'id="state">finished' in final["html"]
    text = page.read_text(encoding="utf-8")
    assert _step(text) == 5 and "var running = false" in text
    for picture in ('id="curve"', 'id="boundary"', 'class="network"', "data:image/png;base64,"):
        assert picture in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.data.js", "run.html"]  # no temporary left behind
    assert list(live.recorded) == [1, 2, 3, 4, 5]
    assert _step(live._repr_html_()) == 5  # a notebook cell ending with the view shows its last frame
    assert live.recorded[5] == [p.data for p in model.parameters()]


def test_a_failed_write_is_raised_in_the_training_thread(tmp_path):
    live = Live(path=tmp_path / "missing-folder" / "run.html", every=0, parameters=[autonn.Value(1.0, "w")])
    with pytest.raises(OSError):
        for step in range(50):
            live.update(step, 1.0)
            time.sleep(0.01)
        live.close()


def test_frames_are_throttled_by_wall_time_and_the_last_is_always_drawn(tmp_path):
    live = Live(path=tmp_path / "t.html", every=3600, parameters=[autonn.Value(1.0, "w")])
    for step in range(200):
        live.update(step, 1.0 / (step + 1))
    assert live.frames == 1 and list(live.recorded) == [0]
    live.close()
    assert live.frames == 2 and list(live.recorded) == [0, 199]
    assert len(live.losses) == 200  # every loss is kept for the curve, drawn or not
    curve = re.search(r'<svg[^>]*id="curve"[^>]*>', _data(tmp_path / "t.data.js")["html"]).group(0)
    assert 'data-last-step="199"' in curve


def test_a_costly_frame_waits_until_drawing_is_within_its_budget():
    assert wait_after(0.001, 0.1, 0.1) == 0.1   # cheap: ten frames a second
    assert wait_after(0.05, 0.1, 0.1) == pytest.approx(0.5)  # 50 ms a frame: one frame each half second, 10 %
    assert wait_after(0.05, 0.0, 0.5) == pytest.approx(0.1)
    assert wait_after(0.05, 0.0, None) == 0.0  # no budget: every step may draw


def test_the_numeric_forward_matches_the_models_own(tmp_path):
    X, _, mlp = _moons_run()
    net = Network(["x1", "x2"], activation="relu", seed=3)
    net.add("a", ["x1", "x2"])
    net.add("b", ["x1", "a"], "tanh")
    net.add("out", ["b", "a", "x2"], "linear")
    for model in (mlp, net):
        with no_grad():
            expected = [float(v) for v in np.asarray(model(X), dtype=object).ravel()]
        assert grid_scores(model, X) == pytest.approx(expected, abs=1e-12)


def test_a_model_is_read_back_from_its_parameter_names_alone():
    _, _, model = _moons_run()
    inputs, units = _units_from_parameters(model.parameters())
    want_inputs, want_units, _ = wiring(model)
    assert inputs == want_inputs
    assert [(u.name, u.sources) for u in units] == [(u.name, u.sources) for u in want_units]
    assert _units_from_parameters([autonn.Value(1.0, "w"), autonn.Value(2.0, "b")]) is None


def test_a_network_too_large_to_draw_each_frame_is_counted_instead(tmp_path):
    model = MLP(2, [70, 70, 1], seed=0)  # 2*70 + 70*70 + 70 = 5,110 weights
    live = Live(model, path=tmp_path / "big.html", every=0, budget=None)
    live.update(1, 1.0)
    live.close()
    html = (tmp_path / "big.html").read_text(encoding="utf-8")
    assert 'class="network"' not in html and "5,110 weights: more than 4,000" in html


def test_a_recorded_step_opens_in_the_player_with_its_ledger(tmp_path):
    X, y, model = _moons_run(n=6)
    live = Live(model, data=(X, y), loss=lambda: hinge(model(X), y), path=tmp_path / "l.html", every=0, budget=None)
    opt = SGD(model.parameters(), lr=0.5)
    losses = []
    for step in range(3):
        loss = hinge(model(X), y)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        live.update(step, loss.data)
    live.close()
    now = [p.data for p in model.parameters()]
    path = live.player(1, tmp_path / "step1.html", max_nodes=None)
    page = Path(path).read_text(encoding="utf-8")
    assert now == [p.data for p in model.parameters()]  # the parameters are put back
    # the loss graph rebuilt at step 1's parameters: after two updates, the loss of step 2
    assert f"{losses[2]:.4f}" in page
    assert "grad(" in page  # the ledger's lines beside each step
    with pytest.raises(KeyError, match="Live.player: step 99 was not recorded"):
        live.player(99)
    with pytest.raises(ValueError, match="give Live\\(loss=...\\)"):
        Live(model).player(0)


def test_fit_live_true_writes_the_default_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y, model = _moons_run()
    history = fit(eager_step(lambda: hinge(model(X), y)), Adam(model.parameters(), lr=0.05), 4, log=None, live=True)
    text = (tmp_path / "autonn-live.html").read_text(encoding="utf-8")
    assert _step(text) == 4 and "step <span id=\"step\">4</span> of 4" in text
    assert f"{history[-1]:.6g}" in text
    assert text.count('class="network"') == 2  # weights and gradients, from the parameters' names


def test_fit_closes_the_view_when_training_fails(tmp_path):
    live = Live(path=tmp_path / "f.html", every=0)
    w = autonn.Value(1.0, "w")
    calls = []

    def step():
        calls.append(1)
        if len(calls) == 3:
            raise ArithmeticError("diverged")
        loss = w * w
        loss.backward()
        return loss.data

    with pytest.raises(ArithmeticError):
        fit(step, SGD([w], lr=0.1), 10, log=None, live=live)
    assert _data(tmp_path / "f.data.js")["running"] is False
    assert live.steps == [1, 2]


def test_bad_live_arguments_are_refused_with_the_reason(tmp_path):
    w = autonn.Value(1.0, "w")
    with pytest.raises(TypeError, match="fit: live must be True, False, None or an object with start, update and close"):
        fit(lambda: 0.0, SGD([w], lr=0.1), 1, log=None, live="yes")
    X, y, model = _moons_run()
    with pytest.raises(ValueError, match=r"Live: data X must be a non-empty \(n, 2\) array"):
        Live(model, data=(X[:, :1], y))
    with pytest.raises(ValueError, match="Live: data has 20 points but 3 labels"):
        Live(model, data=(X, y[:3]))
    with pytest.raises(ValueError, match="needs the model too"):
        Live(data=(X, y))
    with pytest.raises(TypeError, match="Live: model must be an autonn.nn model"):
        Live(object())
    with pytest.raises(ValueError, match="Live: budget must be"):
        Live(budget=0)
    live = Live(path=tmp_path / "c.html")
    live.close()
    with pytest.raises(RuntimeError, match="the view is closed"):
        live.update(1, 1.0)


# -- a real browser watching a real run ----------------------------------------------------------

_TRAIN = """
import sys
from autonn import Live
from autonn.datasets import make_moons
from autonn.losses import hinge
from autonn.nn import MLP
from autonn.optim import Adam
from autonn.train import eager_step, fit

X, y = make_moons(n=20, noise=0.1, seed=0)
model = MLP(2, [8, 8, 1], seed=0)
live = Live(model, data=(X, y), path=sys.argv[1], every=0.05)
fit(eager_step(lambda: hinge(model(X), y)), Adam(model.parameters(), lr=0.05), 100000, log=None, live=live)
"""


def _dump(page, profile):
    command = [chromium("watch the live page in"), "--headless", "--no-sandbox", "--disable-gpu",
               f"--user-data-dir={profile}", "--virtual-time-budget=1500", "--dump-dom", page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _curve_points(dom):
    tag = re.search(r'<svg[^>]*id="curve"[^>]*>', dom).group(0)
    return int(re.search(r'data-points="(\d+)"', tag).group(1)), int(re.search(r'data-last-step="(\d+)"', tag).group(1))


def test_the_page_advances_in_chromium_while_fit_runs(tmp_path):
    chromium("watch the live page in")
    page = tmp_path / "live.html"
    script = tmp_path / "train.py"
    script.write_text(_TRAIN, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    training = subprocess.Popen([sys.executable, str(script), str(page)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        waited = 0.0
        while not (tmp_path / "live.data.js").exists() and waited < 60:
            assert training.poll() is None, training.stderr.read().decode()
            time.sleep(0.2)
            waited += 0.2
        first = _dump(page, tmp_path / "profile")
        time.sleep(1.0)
        second = _dump(page, tmp_path / "profile")
        assert training.poll() is None, "training ended before the browser looked twice"
    finally:
        training.kill()
        training.wait()
    embedded = _step(page.read_text(encoding="utf-8"))  # the frame written into the page itself
    assert 'id="state">training' in first and 'id="state">training' in second
    assert embedded < _step(first) < _step(second)  # the page took newer frames from the data file
    (points1, last1), (points2, last2) = _curve_points(first), _curve_points(second)
    assert last1 < last2 and points1 <= points2 and last2 == _step(second)


# -- a notebook: one output, updated in place --------------------------------------------------------

def test_in_jupyter_the_view_is_one_output_updated_in_place(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from autonn import Live
        from autonn.datasets import make_moons
        from autonn.losses import hinge
        from autonn.nn import MLP
        from autonn.optim import Adam
        from autonn.train import eager_step, fit
        X, y = make_moons(n=20, noise=0.1, seed=0)
        model = MLP(2, [4, 4, 1], seed=0)
        live = Live(model, data=(X, y), every=0, budget=None)
        history = fit(eager_step(lambda: hinge(model(X), y)), Adam(model.parameters(), lr=0.05), 12, log=None, live=live)
        print(live.frames, live.path)
    """)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    shown = [o for o in outputs if o.output_type in ("display_data", "update_display_data")]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert printed.split() == ["13", "None"]  # 12 frames and the last, no page file: the notebook shows it
    assert len(shown) == 1, [o.output_type for o in outputs]
    html = shown[0].data["text/html"]
    assert _step(html) == 12 and 'id="state">finished' in html
    assert not any(tmp_path.glob("*.html"))
