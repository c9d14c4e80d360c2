"""The gallery in viz/ is current: a fresh build gives exactly the committed DOT text,
and every committed SVG shows the numbers of its DOT text."""

import importlib.util
import re
from pathlib import Path

import pytest
from viz_helpers import svg_texts

ROOT = Path(__file__).resolve().parent.parent
VIZ = ROOT / "viz"


def _gallery():
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "examples" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GALLERY = _gallery()
BUILT = GALLERY.build_all()


@pytest.mark.parametrize("name", sorted(GALLERY.DIAGRAMS))
def test_committed_dot_text_is_current(name):
    committed = (VIZ / f"{name}.dot").read_text(encoding="utf-8")
    assert BUILT[name].source == committed, (
        f"viz/{name}.dot is stale: run `python examples/gallery.py` and commit viz/"
    )


@pytest.mark.parametrize("name", sorted(GALLERY.DIAGRAMS))
def test_committed_svg_shows_what_the_dot_text_says(name):
    texts = svg_texts((VIZ / f"{name}.svg").read_bytes())
    source = BUILT[name].source
    numbers = re.findall(r"(?:data|grad) -?[0-9.]+(?:e[-+]\d+)?", source)
    assert numbers, name
    assert sorted(t for t in texts if re.fullmatch(r"(?:data|grad) -?[0-9.]+(?:e[-+]\d+)?", t)) == sorted(numbers)


def test_gallery_covers_the_required_pictures():
    assert {"neuron", "regression", "mlp", "network"} <= set(GALLERY.DIAGRAMS)
    assert "subgraph cluster_n0" in BUILT["mlp"].source and "subgraph cluster_l1" in BUILT["mlp"].source
    assert "label=<Network>" in BUILT["network"].source
    for picture in ("moons_boundary.png", "moons_loss.png"):
        assert (VIZ / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
