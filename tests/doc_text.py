"""The README and the pages in docs/, read the way the tests check them.

A page's code is tested where it is written: these helpers find a marked
part (``<!-- name:start -->`` ... ``<!-- name:end -->``), a section under a
heading, and the ```python blocks, so a test never keeps its own copy of
what a page shows.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent

#: A block preceded by this comment is shown but not run; the comment must say why.
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->\n[ \t]*```python\n")

# a fence may be indented (a block inside a list item); the block ends at a fence indented the same
_BLOCK = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.S | re.M)


def pages() -> List[str]:
    """The pages whose examples are tested, as paths relative to the source tree: the README, then docs/."""
    return ["README.md"] + sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))


def read(page: str) -> str:
    return (ROOT / page).read_text(encoding="utf-8")


def between(text: str, marker: str) -> str:
    """The text between ``<!-- marker:start -->`` and ``<!-- marker:end -->`` (each exactly once)."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1, f"{start} and {end} must each appear once"
    return text.split(start, 1)[1].split(end, 1)[0]


def section(text: str, heading: str) -> str:
    """From the line ``heading`` to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == heading]
    assert len(starts) == 1, f"{heading!r} must be a heading exactly once"
    found = [lines[starts[0]]]
    in_code = False
    for line in lines[starts[0] + 1 :]:
        if line.startswith("```"):
            in_code = not in_code
        hashes = len(line) - len(line.lstrip("#"))
        if not in_code and 0 < hashes <= level and line[hashes : hashes + 1] == " ":
            break  # a heading; a "# comment" inside a code block is not one
        found.append(line)
    return "".join(found)


def python_blocks(text: str) -> List[str]:
    """Every ```python block, in order, its indentation taken off."""
    return [textwrap.dedent(m.group(2)) for m in _BLOCK.finditer(text)]


def blocks_to_run(text: str) -> List[Tuple[int, str, str]]:
    """``(line number, code, text after the block)`` of every ```python block not marked
    ``<!-- not run: why -->`` on the line before it."""
    skipped = {m.end() for m in NOT_RUN.finditer(text)}
    found = []
    for m in _BLOCK.finditer(text):
        opening_line_end = text.index("\n", m.start()) + 1
        if opening_line_end not in skipped:
            line = text.count("\n", 0, m.start()) + 2
            found.append((line, textwrap.dedent(m.group(2)), text[text.index("\n", m.end()) :]))
    return found


def printed_comments(code: str) -> List[str]:
    """What each top-level ``print(...)  # comment`` line of a block says it prints."""
    return [c.strip() for c in re.findall(r"^print\(.*#\s*(.*)$", code, re.M)]


def shows(comment: str, printed: str) -> bool:
    """A comment shows a printed line as it is, or after a label and ': ' (``# d f/dx = 2xy: -4.0``)."""
    return comment == printed or comment.endswith(": " + printed)
