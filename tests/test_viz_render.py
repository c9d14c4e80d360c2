"""Rendering through each renderer, what the pictures contain, and the errors when none exists."""

import shutil

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from viz_helpers import svg_fills, svg_groups, svg_texts

from autonn import Value
from autonn.nn import MLP
from autonn.viz import RendererNotFoundError, render, render_source, to_dot
from autonn.viz import renderers as R
from autonn.viz.style import ROLE_COLOURS

HAVE = {name: R._is_available(name) for name in R.RENDERERS}
PATHS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(not HAVE[name], reason=f"the {name} renderer is not installed here"),
    )
    for name in R.RENDERERS
]
NEED_ANY = pytest.mark.skipif(not any(HAVE.values()), reason="no Graphviz renderer installed")

NASTY = 'q"uo<te> {a|b} & \\ back\nnew line \u03b8\u2081 \u2603'
INJECTION = '"]; evil [label="pwned'


def _graph():
    x = Value(2.0, NASTY)
    w = Value(-3.0, "w")
    c = Value(0.5, INJECTION)
    y = (x * w + 2).tanh() * c
    y.label = "out"
    y.backward()
    return y


@pytest.mark.parametrize("renderer", PATHS)
def test_svg_shows_labels_numbers_and_colours(renderer):
    svg = render_source(to_dot(_graph(), derivatives=True).source, "svg", renderer=renderer)
    texts = svg_texts(svg)
    joined = "\n".join(texts)
    # every label is shown literally (the newline becomes a line break: two text pieces)
    assert 'q"uo<te> {a|b} & \\ back' in texts
    assert "new line \u03b8\u2081 \u2603" in texts
    assert INJECTION in texts
    assert "pwned" not in [t for t in texts if t != INJECTION]
    titles = [g.find("{http://www.w3.org/2000/svg}title").text for g in svg_groups(svg, "node")]
    assert "evil" not in titles  # no node was injected
    assert len(titles) == len(set(titles)) == 8 + 4  # values x, w, 2, c and 4 results; ops *, +, tanh, *
    assert "data -3.0000" in texts and "out" in texts
    assert any(t.startswith("∂=") for t in texts)
    # colours: each role's group has its fill
    for role in ("input", "parameter", "constant", "intermediate", "output"):
        groups = svg_groups(svg, role)
        assert groups, role
        assert all(ROLE_COLOURS[role] in svg_fills(g) for g in groups), role
    assert "×" in joined and "tanh" in joined


@pytest.mark.parametrize("renderer", PATHS)
def test_svg_of_an_mlp_has_its_clusters(renderer):
    mlp = MLP(2, [2, 1], activation="tanh", seed=0)
    (out,) = mlp([Value(1.0, "x0"), Value(-1.0, "x1")])
    out.backward()
    svg = render_source(to_dot(out, module=mlp).source, "svg", renderer=renderer)
    clusters = svg_groups(svg, "cluster")
    shown = sorted("".join(t.itertext()) for c in clusters for t in c.iter("{http://www.w3.org/2000/svg}text"))
    assert shown == sorted(["MLP", "Layer L0", "Layer L1", "Neuron L0.N0 (tanh)", "Neuron L0.N1 (tanh)",
                            "Neuron L1.N0 (linear)"])


@pytest.mark.parametrize("renderer", PATHS)
def test_render_writes_svg_and_png(tmp_path, renderer):
    y = _graph()
    svg_path = render(y, tmp_path / "g.svg", renderer=renderer)
    assert svg_path == tmp_path / "g.svg"
    assert svg_path.read_bytes().lstrip().startswith(b"<?xml") or b"<svg" in svg_path.read_bytes()[:400]
    if "png" in R.RENDERERS[renderer]:
        png_path = render(y, tmp_path / "g.png", renderer=renderer, rankdir="TB")
        assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not HAVE["dot"], reason="the dot program is not installed here")
def test_pdf_through_dot(tmp_path):
    path = render(_graph(), tmp_path / "g.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"


@NEED_ANY
def test_render_accepts_a_drawn_digraph_and_checks_options(tmp_path):
    g = to_dot(_graph())
    assert render(g, tmp_path / "a.svg").exists()
    with pytest.raises(TypeError, match="already drawn"):
        render(g, tmp_path / "b.svg", derivatives=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render(g, tmp_path / "missing" / "c.svg")


@pytest.mark.parametrize(
    "name, format, words",
    [
        ("a.png", "svg", "'a.png' ends in .png but format is 'svg'; name the file .svg or give format='png'"),
        ("a.svg", "pdf", "ends in .svg but format is 'pdf'"),
        ("a.jpg", "png", "'a.jpg' ends in .jpg but format is 'png'; name the file .png"),
        ("a.jpg", None, "cannot write a .jpg file ('a.jpg'); the formats are svg, png, pdf"),
        ("a.svg.gz", None, "cannot write a .gz file"),
        ("a.svg", "gif", "format must be one of svg, png, pdf; got 'gif'"),
    ],
)
def test_file_name_and_format_must_agree(tmp_path, monkeypatch, name, format, words):
    monkeypatch.setattr(R, "render_source", lambda *a, **k: pytest.fail("nothing is drawn"))
    with pytest.raises(ValueError) as info:
        render(_graph(), tmp_path / name, format)
    assert str(info.value).startswith("render: ") and words in str(info.value)
    assert not (tmp_path / name).exists()


@NEED_ANY
def test_format_comes_from_the_suffix_or_is_given(tmp_path):
    assert b"<svg" in render(_graph(), tmp_path / "upper.SVG").read_bytes()[:400]
    assert b"<svg" in render(_graph(), tmp_path / "plain").read_bytes()[:400]
    assert b"<svg" in render(_graph(), tmp_path / "named.svg", format="SVG").read_bytes()[:400]


@NEED_ANY
def test_diagram_displays_in_jupyter():
    svg = to_dot(_graph())._repr_image_svg_xml()
    assert isinstance(svg, str)
    assert "data -3.0000" in svg_texts(svg.encode("utf-8"))


def test_no_renderer_says_what_to_install(monkeypatch):
    monkeypatch.setattr(R, "find_program", lambda name: None)
    with pytest.raises(RendererNotFoundError) as info:
        render_source("digraph { a }", "svg")
    message = str(info.value)
    assert "pip install graphviz-pure" in message and "apt-get install graphviz" in message
    with pytest.raises(RendererNotFoundError, match="only the `dot` program writes pdf"):
        render_source("digraph { a }", "pdf")
    with pytest.raises(RendererNotFoundError, match="`dot` program is not on the PATH"):
        render_source("digraph { a }", "svg", renderer="dot")


def test_auto_prefers_dot_then_graphviz_pure(monkeypatch):
    found = {"dot": None, "graphviz-pure": "/bin/graphviz-pure"}
    monkeypatch.setattr(R, "find_program", lambda name: found.get(name))
    assert R.available_renderers("svg") == ["graphviz-pure"]
    assert R.available_renderers("png") == ["graphviz-pure"]
    assert R.available_renderers("pdf") == []
    found["dot"] = "/usr/bin/dot"
    assert R.available_renderers("svg")[0] == "dot"


def test_bad_format_and_renderer_names():
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf; got 'gif'"):
        render_source("digraph { a }", "gif")
    with pytest.raises(ValueError, match="renderer must be 'auto' or one of"):
        render_source("digraph { a }", "svg", renderer="neato")
    with pytest.raises(RendererNotFoundError, match="graphviz-pure renderer cannot write pdf"):
        render_source("digraph { a }", "pdf", renderer="graphviz-pure")


@NEED_ANY
def test_a_renderer_failure_is_reported():
    with pytest.raises(R.RenderError, match="failed"):
        render_source("digraph { a -> }", "svg")


def test_graphviz_pure_is_found_beside_python_when_not_on_path(monkeypatch, tmp_path):
    program = tmp_path / "graphviz-pure"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(R.sysconfig, "get_path", lambda key: str(tmp_path))
    assert R.find_program("graphviz-pure") == str(program)
    assert shutil.which("graphviz-pure") is None


_SPECIAL = list(' "<>{}|&\\\'[];=-:#%$@!?`~^*()/,.')
_CHARS = st.one_of(
    st.sampled_from(_SPECIAL),
    # letters, digits, symbols and punctuation of any script (no control or combining marks)
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me", "Mc")),
)
_LABELS = st.lists(_CHARS, min_size=1, max_size=16).map("".join)


@pytest.mark.parametrize("renderer", PATHS)
def test_any_label_is_drawn_as_itself(renderer):
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_LABELS)
    @example("\\N")  # Graphviz would put the node's name here
    @example("\\\\")
    @example("]")  # Graphviz 2.x fails on a label starting with ]
    @example("]]>")
    @example("&#92;G")
    @example('"]; evil [label="x')
    def check(text):
        y = Value(1.5, text) * 2
        svg = render_source(to_dot(y).source, "svg", renderer=renderer)
        shown = [t.replace("\xa0", " ") for t in svg_texts(svg)]  # runs of spaces may come as no-break spaces
        assert text in shown

    check()
