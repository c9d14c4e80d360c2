"""docs/API.md, the API reference, lists every public name with its docstring; every public name has one."""

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

import build_api  # noqa: E402


def test_every_public_name_and_method_has_a_docstring():
    assert build_api.undocumented() == []


def test_the_committed_reference_lists_every_public_name_with_its_docstring():
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    missing = []
    for modname in build_api.MODULES:
        try:
            module = __import__(modname, fromlist=["_"])
        except ImportError:
            continue
        for name in build_api.public_names(module):
            obj = getattr(module, name)
            first = (inspect.getdoc(obj) or "").split("\n")[0] if callable(obj) else ""
            if f"### `{modname}.{name}" not in text or (first and first not in text):
                missing.append(f"{modname}.{name}")
    assert not missing, f"run python docs/build_api.py: out of date for {missing}"


def test_the_readme_points_to_the_reference():
    assert "docs/API.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_module_of_the_package_has_a_section_or_a_reason():
    import pkgutil

    import autonn

    modules = {f"autonn.{m.name}" for m in pkgutil.iter_modules(autonn.__path__) if not m.name.startswith("_")}
    placed = set(build_api.MODULES) | set(build_api.NOT_LISTED)
    assert sorted(modules - placed) == [], "add the module to MODULES (or NOT_LISTED, saying why) in docs/build_api.py"
    assert sorted(placed - modules - {"autonn"}) == []
    assert not set(build_api.MODULES) & set(build_api.NOT_LISTED)


def test_the_diagrams_module_is_in_the_reference():
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    for name in ("to_dot", "render", "RenderError", "RendererNotFoundError", "available_renderers", "Diagram"):
        assert f"### `autonn.viz.{name}" in text
