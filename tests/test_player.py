"""The backprop player: its steps, its page, and the page played in a real browser.

The browser tests run headless Chromium (Debian's ``chromium`` package) on the
written pages: ``page.html#step=N`` opens at step N, and the DOM the browser
dumps after running the page's script must mark the step's node as the one at
work.  They skip when no Chromium is installed.
"""

import html
import importlib.util
import json
import math
import os
import re
import subprocess
from pathlib import Path

import pytest

import autonn as an
from autonn.graph import topological_order
from autonn.nn import MLP
from autonn.viz.player import player_html
from autonn.viz.player_steps import graph_steps
from autonn.viz.style import format_number
from viz_helpers import chromium

ROOT = Path(__file__).resolve().parent.parent
VIZ = ROOT / "viz"


def _steps_of(page: str) -> list:
    found = re.search(r'<script type="application/json" id="steps">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def _twice_used():
    """y = w*x + x*x at w = 3, x = 2: dy/dx = w + 2x = 7 (x used three times), dy/dw = x = 2."""
    w, x = an.Value(3.0, "w"), an.Value(2.0, "x")
    y = w * x + x * x
    y.label = "y"
    return w, x, y


# -- the steps ---------------------------------------------------------------------------------------


def test_gradients_accumulate_use_by_use_to_the_hand_derived_values():
    w, x, y = _twice_used()
    order = topological_order(y)
    steps = graph_steps(order, y)
    done = steps[-1]
    assert done["phase"] == "done"
    assert done["lines"] == ["grad(w) = 2.0000", "grad(x) = 7.0000"]
    text = "\n".join(line for s in steps for line in s["lines"])
    # x is used three times: its gradient grows 0 -> 2 -> 4 -> 7, each use written out.
    assert "use 1 of 3: grad(x) = 0.0000 + 2.0000 = 2.0000" in text
    assert "use 2 of 3: grad(x) = 2.0000 + 2.0000 = 4.0000" in text
    assert "use 3 of 3: grad(x) = 4.0000 + 3.0000 = 7.0000" in text
    assert "grad(x) += grad(n2) x d(n2)/d(x)   [mul: d(a*b)/db = a; a = w, b = x]" in text
    assert w.grad == 0.0 and x.grad == 0.0  # the player never writes into the graph


def test_forward_then_backward_visit_every_computed_node_once_in_order():
    _, _, y = _twice_used()
    order = topological_order(y)
    steps = graph_steps(order, y)
    computed = [f"n{i}" for i, n in enumerate(order) if not n.is_leaf]
    forward = [s["node"] for s in steps if s["phase"] == "forward" and s["node"]]
    backward = [s["node"] for s in steps if s["phase"] == "backward"]
    assert forward == computed
    assert backward == [computed[-1]] + computed[::-1]  # grad(y) = 1, then each node hands on
    assert [s["lines"][0] for s in steps[1:4]] == [
        "n2 = w * x = 3.0000 * 2.0000 = 6.0000",
        "n3 = x * x = 2.0000 * 2.0000 = 4.0000",
        "y = n2 + n3 = 6.0000 + 4.0000 = 10.0000",
    ]


def test_edge_slopes_are_the_local_derivatives_checked_by_finite_differences():
    a, b = an.Value(0.7, "a"), an.Value(-1.3, "b")
    y = (a * b).tanh() + a.exp() / b
    order = topological_order(y)
    steps = graph_steps(order, y, precision=10)
    slopes = {k: float(v) for s in steps for k, v in s["slopes"].items()}
    index = {id(n): i for i, n in enumerate(order)}
    h = 1e-6
    for i, node in enumerate(order):
        for k, p in enumerate(node.parents):
            # Re-evaluate this node's op with input k nudged, through the public op table.
            args = [q.data for q in node.parents]

            def at(v):
                moved = list(args)
                moved[k] = v
                return an.OPS[node.op].value(*moved, *node.constants)

            numeric = (at(args[k] + h) - at(args[k] - h)) / (2 * h)
            assert slopes[f"e{i}_{k}"] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (node.op, k)
            assert index[id(p)] < i


def test_final_gradients_match_backward_on_a_network():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    (score,) = model([an.Value(0.5, "x0"), an.Value(-1.0, "x1")])
    loss = (score - 1.0) ** 2
    loss.label = "loss"
    order = topological_order(loss)
    steps = graph_steps(order, loss, precision=12)
    shown = {}
    for s in steps:
        shown.update(s["grad"])
    loss.backward()
    for i, node in enumerate(order):
        if node.is_leaf and not isinstance(node, an.Constant):
            assert float(shown[f"n{i}"]) == pytest.approx(node.grad, rel=1e-10, abs=1e-12), node.label


# -- the page ----------------------------------------------------------------------------------------


def test_page_is_self_contained_and_escapes_what_users_write():
    x = an.Value(1.0, "</script><b>x")
    y = x * 2.0
    page = player_html(y, title='a "title" </script>')
    assert "<b>x" not in page and "</script><b>" not in page
    assert not re.search(r"""(?:src|href)\s*=|<link|@import|url\((?!#)""", page)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    assert _steps_of(page)[0]["lines"] == ["</script><b>x = 1.0000  (leaf)", "2 = 2.0000  (constant)"]


def test_a_large_graph_plays_its_summary():
    model = MLP(2, [8, 8, 1], seed=0)
    losses = [(1 - model([float(i), 1.0])[0]).relu() for i in range(6)]
    loss = an.sum(losses) / 6
    loss.label = "loss"
    page = player_html(loss, module=model, max_nodes=50)
    assert "played as a summary" in page
    steps = _steps_of(page)
    titles = [s["title"] for s in steps]
    assert "Forward: Layer L0" in titles and "Backward: Layer L0: 8 neurons (relu)" in titles
    loss.backward()
    w = model.layers[0].neurons[0].w[0]
    text = "\n".join(line for s in steps for line in s["lines"])
    assert f"grad(L0.N0.w0) = {format_number(w.grad)}" in text
    full = player_html(loss, module=model, max_nodes=None)
    assert "summary" not in full and len(_steps_of(full)) > len(steps)


def test_animate_writes_the_page_whole(tmp_path):
    _, _, y = _twice_used()
    path = an.animate(y, tmp_path / "p.html", title="t")
    assert Path(path).read_text(encoding="utf-8") == player_html(y, title="t")
    assert os.listdir(tmp_path) == ["p.html"]  # no temporary file left behind


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda y, p: an.animate(3.0, p), "animate: root must be a Value"),
        (lambda y, p: an.animate(y, 42), "animate: path must be a file name"),
        (lambda y, p: an.animate(y, p, precision=-1), "animate: precision must be an int"),
        (lambda y, p: an.animate(y, p, max_nodes=0), "animate: max_nodes must be a positive int"),
        (lambda y, p: an.animate(y, p, module=object()), "animate: module must be an autonn.nn model"),
        (lambda y, p: an.animate(y, p, summary_by="row"), "animate: summary_by must be"),
    ],
)
def test_bad_arguments_are_named(tmp_path, call, message):
    _, _, y = _twice_used()
    with pytest.raises((TypeError, ValueError), match=message):
        call(y, tmp_path / "p.html")
    assert not any(tmp_path.iterdir())


def test_an_error_while_writing_leaves_no_file(tmp_path):
    _, _, y = _twice_used()
    with pytest.raises(TypeError):
        an.animate(y, tmp_path / "p.html", unknown_option=1)
    assert not any(tmp_path.iterdir())


# -- the committed players of the seed examples -----------------------------------------------------


def _gallery():
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "examples" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pages():
    return _gallery().player_pages()


def test_committed_players_are_current(pages):
    for name, page in pages.items():
        committed = (VIZ / f"player_{name}.html").read_text(encoding="utf-8")
        assert committed == page, f"viz/player_{name}.html is stale: run `python examples/gallery.py`"


def test_regression_player_forms_mean_error_times_x():
    steps = _steps_of((VIZ / "player_regression.html").read_text(encoding="utf-8"))
    text = "\n".join(line for s in steps for line in s["lines"])
    # w is used once per row; its gradient is the sum of grad(w*x_i) * x_i = mean(Error * x).
    uses = re.findall(r"use (\d) of 3: grad\(w\) = \S+ \+ \S+ = (\S+)", text)
    assert [u for u, _ in uses] == ["1", "2", "3"]
    gw, _ = an.closed_form_line_grads(*_regression_start())
    assert float(uses[-1][1]) == pytest.approx(gw, abs=1e-4)


def _regression_start():
    from autonn.cli.demo import ARTICLE_START
    from autonn.datasets import make_line

    x, y = make_line(20, seed=0)
    return an.Value(ARTICLE_START[0]), an.Value(ARTICLE_START[1]), x[:3], y[:3]


# -- in a real browser -------------------------------------------------------------------------------


def _chromium():
    return chromium("play the page in")


def _browser(args, url, tmp_path):
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", *args, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _body(dom: str) -> dict:
    tag = re.search(r"<body([^>]*)>", dom).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def _classes(dom: str, ident: str) -> set:
    found = re.search(rf'<g class="([^"]*)" id="{ident}"', dom)
    return set(found.group(1).split()) if found else set()


@pytest.mark.parametrize("name", ["regression", "neuron", "mlp", "network", "moons"])
def test_each_step_lights_its_node_in_chromium(name, tmp_path):
    page = VIZ / f"player_{name}.html"
    steps = _steps_of(page.read_text(encoding="utf-8"))
    last = len(steps) - 1
    backward_start = next(i for i, s in enumerate(steps) if s["phase"] == "backward")
    for n in sorted({1, backward_start, backward_start + 1, last - 1}):
        dom = _browser(["--dump-dom"], f"{page.as_uri()}#step={n}", tmp_path)
        body = _body(dom)
        assert body["data-step"] == str(n)
        assert body["data-current"] == steps[n]["node"]
        assert "current" in _classes(dom, steps[n]["node"])
        for edge in steps[n]["edges"]:
            assert {"active", steps[n]["phase"]} <= _classes(dom, edge)
        for receiver in steps[n]["receivers"]:
            assert "receiving" in _classes(dom, receiver)
        for ident, value in steps[n]["grad"].items():
            assert f'id="{ident}-grad"' in dom and f">grad {value}</text>" in dom
        # Only this step's node is at work.
        assert len(re.findall(r'class="node\b[^"]*\bcurrent\b', dom)) == 1


def test_play_advances_and_a_screenshot_is_taken(tmp_path):
    _, _, y = _twice_used()
    page = tmp_path / "play.html"
    page.write_text(player_html(y, autoplay=True), encoding="utf-8")
    dom = _browser(["--dump-dom"], page.as_uri(), tmp_path)
    # 3 s of page time at 0.8 s a step: the player has moved on by itself.
    assert int(_body(dom)["data-step"]) >= 2
    shot = tmp_path / "shot.png"
    _browser([f"--screenshot={shot}", "--window-size=1200,700"], f"{page.as_uri()}#step=6", tmp_path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_step_numbers_beyond_the_end_are_clamped_in_chromium(tmp_path):
    _, _, y = _twice_used()
    page = tmp_path / "p.html"
    page.write_text(player_html(y), encoding="utf-8")
    last = len(_steps_of(page.read_text(encoding="utf-8"))) - 1
    body = _body(_browser(["--dump-dom"], f"{page.as_uri()}#step=999", tmp_path))
    assert body["data-step"] == str(last) and body["data-phase"] == "done"
    assert not math.isnan(float(body["data-step"]))


def _srcdoc(page):
    """The page inside the iframe of a notebook display, unescaped as the browser reads the attribute."""
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"") and shown.endswith("</iframe>")
    attribute = shown[len("<iframe srcdoc=\""):shown.index("\" style=")]
    assert "\"" not in attribute  # every quote of the page is escaped, so the attribute ends where it should
    return html.unescape(attribute)


def test_animate_returns_the_path_it_wrote_and_a_page_that_shows_itself(tmp_path):
    _, _, y = _twice_used()
    target = tmp_path / "p.html"
    page = an.animate(y, target, title="t")
    assert page == str(target) and os.fspath(page) == str(target) and page.path == str(target)
    assert Path(page).read_text(encoding="utf-8") == page.html == player_html(y, title="t")
    assert _srcdoc(page) == page.html


def test_animate_without_a_path_writes_nothing_and_shows_inline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, _, y = _twice_used()
    page = an.animate(y, title="t <&> \"quoted\"")
    assert page.path is None and page == "" and not any(tmp_path.iterdir())
    assert _srcdoc(page) == player_html(y, title="t <&> \"quoted\"")
    assert "PlayerPage(path=None" in repr(page)
