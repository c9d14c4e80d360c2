"""The README and the pages in docs/ install this project by its distribution name, never by the import
name `autonn`."""

import re

import pytest
from doc_text import ROOT, pages, read

README = "\n".join(read(page) for page in pages())  # the README first, then every page it links to


def _project_table() -> str:
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("no pyproject.toml beside the tests (they run from a copy, against an installed wheel)")
    text = pyproject.read_text(encoding="utf-8")
    return text.split("\n[project]\n", 1)[1].split("\n[", 1)[0]


def _installed_names() -> list:
    """Every package name the README passes to `pip install` (paths and options left out)."""
    names = []
    for command in re.findall(r"pip install ([^`&#\n]*)", README):
        for word in command.split():
            word = word.strip("\"'")
            if word.startswith("-") or word.startswith("."):
                continue
            names.append(re.split(r"[\[<>=;]", word, 1)[0])
    return names


def test_readme_installs_the_project_by_its_distribution_name():
    project = _project_table()
    name = re.search(r'^name = "([^"]+)"', project, re.M).group(1)
    dependencies = set(re.findall(r'^    "([A-Za-z][\w.-]*)', project.split("dependencies = [", 1)[1].split("\n]", 1)[0], re.M))
    names = _installed_names()
    assert name != "autonn", "the name autonn on PyPI is another project"
    assert name in names, f"the README never says `pip install {name}`"
    assert f"pip install {name}" in read("README.md"), f"the README itself never says `pip install {name}`"
    strangers = sorted(set(names) - {name} - dependencies)
    assert not strangers, f"the README installs {strangers}, which are neither {name} nor its dependencies"


def test_the_version_is_written_once_and_read_by_the_build():
    import autonn
    from autonn._version import __version__

    project = _project_table()
    assert re.search(r"^version\s*=", project, re.M) is None, "pyproject.toml writes a version of its own"
    assert re.search(r'^dynamic = \[[^\]]*"version"', project, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    dynamic = pyproject.split("\n[tool.setuptools.dynamic]\n", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^version = \{ attr = "autonn\._version\.__version__" \}$', dynamic, re.M)
    assert autonn.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_the_changelog_has_an_unreleased_section_and_the_current_version():
    from autonn._version import __version__

    path = ROOT / "CHANGELOG.md"
    if not path.exists():
        pytest.skip("no CHANGELOG.md beside the tests (they run from a copy, against an installed wheel)")
    text = path.read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert headings[0] == "Unreleased"
    assert __version__ in headings, f"CHANGELOG.md has no section for version {__version__}"
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        kinds = re.findall(r"^### (\w+)", section, re.M)
        assert set(kinds) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds
