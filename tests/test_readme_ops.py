"""The README's op table is the registry's, its register_op example runs as printed, and so does the
transforms example of docs/TESTING.md."""

import contextlib
import io
import re
from doc_text import read, section

import autonn
from autonn.ops import remove_op

README = read("README.md")


def test_the_op_table_is_made_from_the_registry():
    shown = README.split("<!-- ops:start -->\n", 1)[1].split("\n<!-- ops:end -->", 1)[0]
    assert shown == autonn.ops.markdown_table(), "run: python -c 'import autonn; print(autonn.ops.markdown_table())'"


def test_the_register_op_example_prints_what_it_says():
    section = README.split("### Adding your own op", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    # each print(...) line ends with a comment showing what it prints (after a label and ": ", if any)
    expected = [c.strip().split(": ")[-1] for c in re.findall(r"^print\(.*#\s*(.*)$", code, re.M)]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        remove_op("softsign", missing_ok=True)
    assert out.getvalue().splitlines() == expected and len(expected) == 2


def test_the_transforms_example_prints_what_the_page_shows():
    transforms = section(read("docs/TESTING.md"), "## Function transforms, forward mode, hooks and NaN hunting")
    code, shown = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", transforms, re.S)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/TESTING.md", "exec"), {})
    assert out.getvalue() == shown
