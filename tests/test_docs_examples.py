"""Every ```python block of the README and of docs/*.md runs, in order, page by page.

A block is left out only when the line before it says why
(``<!-- not run: reason -->``).  The README's blocks must also print what
they show: the comment after each ``print(...)`` line, and the ```text
block that follows a block, when there is one.  Then the README's shape: the
set-up commands, the order of its parts, and links that lead somewhere.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from doc_text import NOT_RUN, ROOT, blocks_to_run, pages, printed_comments, python_blocks, read, shows

import autonn
from autonn.ops import remove_op
import autonn.ops.builtin

#: Imports a block may need that the test extra does not install; a block needing a missing one is left out.
OPTIONAL = {"micrograd", "matplotlib", "torch"}


def _run_page(page: str, check_output: bool) -> list:
    """Run the page's blocks in one namespace; return the optional modules that were missing."""
    text = read(page)
    scope: dict = {"__name__": "__docs__"}
    missing = []
    for line, code, after in blocks_to_run(text):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                # no real file name: hypothesis must not try to read the block's lines from disk
                exec(compile(code, f"<{page}, block at line {line}>", "exec"), scope)
        except ModuleNotFoundError as error:
            if (error.name or "").split(".")[0] not in OPTIONAL:
                raise
            missing.append(error.name)
            continue
        if check_output:
            _check_printed(line, code, after, out.getvalue())
    return missing


def _check_printed(line: int, code: str, after: str, printed: str) -> None:
    where = f"README.md, block at line {line}"
    comments = printed_comments(code)
    if comments:
        lines = printed.splitlines()
        assert len(lines) == len(comments), f"{where}: printed {lines}, its comments show {comments}"
        for comment, got in zip(comments, lines):
            assert shows(comment, got), f"{where}: printed {got!r}, the comment shows {comment!r}"
    if after.startswith("\n\n```text\n"):
        shown = after[len("\n\n```text\n"):].split("```", 1)[0]
        assert printed == shown, f"{where}: printed\n{printed}\nthe README shows\n{shown}"
    else:
        assert comments or not printed, f"{where} prints but neither its comments nor an output block show what"


@pytest.fixture
def clean_state(tmp_path, monkeypatch):
    """Examples write files (neuron.svg, backprop.html) and may register ops: keep both out of the other tests."""
    monkeypatch.chdir(tmp_path)
    try:
        import matplotlib
    except ImportError:
        matplotlib = None
    else:
        matplotlib.use("Agg")
    ops_before = set(autonn.OPS)
    yield
    for name in set(autonn.OPS) - ops_before:
        remove_op(name)
    if matplotlib is not None:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.mark.parametrize("page", pages())
def test_every_python_block_runs(page, clean_state):
    missing = _run_page(page, check_output=page == "README.md")
    if missing:
        pytest.skip(f"the other blocks of {page} ran; left out the ones needing {', '.join(missing)}")


def test_every_page_has_blocks_and_says_why_one_is_not_run():
    for page in pages():
        text = read(page)
        for reason in NOT_RUN.findall(text):
            assert len(reason.split()) >= 3, f"{page}: say why the block is not run, not just {reason!r}"
    assert len(python_blocks(read("README.md"))) >= 8


def test_a_block_that_is_not_run_is_quoted_word_for_word_from_the_source():
    # the module that is imported: the source tree's, or the installed wheel's when the tests run against it
    builtin = Path(autonn.ops.builtin.__file__).read_text(encoding="utf-8")
    engine = read("docs/ENGINE.md")
    quoted = re.findall(r"<!-- not run: quoted from autonn/ops/builtin.py[^>]*-->\n```python\n(.*?)```", engine, re.S)
    assert len(quoted) == 1 and quoted[0] in builtin


def test_the_two_set_up_commands_are_there_as_two_commands():
    install = read("README.md").split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```bash\n(.*?)\n```", install, re.S) == [
        "pip install -e . && autonn demo",
        'pip install -e ".[test]" && python -m pytest',
    ]
    assert "autonn-scalar" in install and "imported as `autonn`" in install


def test_a_newcomer_reads_the_parts_in_this_order():
    headings = re.findall(r"^## (.+)$", read("README.md"), re.M)
    assert headings == ["Contents", "Install", "Your first graph", "Practise it, then watch it",
                        "A whole training loop", "Where to go next",
                        "Guide", "Reference: every op", "Speed", "Installing and packaging"]


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(text: str) -> set:
    outside_code = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", outside_code, re.M)}


@pytest.mark.parametrize("page", pages())
def test_links_lead_to_files_and_headings_that_exist(page):
    text = read(page)
    folder = (ROOT / page).parent
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links or page.startswith("docs/API"), page
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue  # a web address
        path, _, anchor = link.partition("#")
        target = (folder / path).resolve() if path else ROOT / page
        assert target.is_file(), f"{page}: {link} leads to no file"
        if anchor:
            assert anchor in _anchors(target.read_text(encoding="utf-8")), f"{page}: no heading for {link}"


def test_the_first_graphs_picture_is_the_graph_its_code_builds(clean_state):
    """The README draws viz/neuron.svg under its first example: it must be that example's graph."""
    text = read("README.md")
    first = text.split("\n## Your first graph\n", 1)[1].split("\n## ", 1)[0]
    assert "![one neuron](viz/neuron.svg)" in first
    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(python_blocks(first)[0], "<README.md, first graph>", "exec"), scope)
    committed = (ROOT / "viz" / "neuron.dot").read_text(encoding="utf-8")
    title = re.search(r"label=<([^>]*)> labelloc=t", committed).group(1)
    drawn = autonn.to_dot(scope["o"], derivatives=True, legend=True, title=title).source
    assert drawn == committed
