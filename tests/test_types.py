"""The types a user relies on: the typed example runs, and type checkers accept it and the package.

``examples/typed_usage.py`` uses every public feature the README shows, with
annotations; it is run here so it stays a working program.  When mypy or
pyright is installed (``pip install -e ".[typecheck]"``; CI installs them in a
venv of their own) they check the package and the example with the settings
in pyproject.toml (``mypy --strict``; pyright strict on the example); without
them those tests are skipped, so the ordinary test venv needs neither.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "typed_usage.py"
SOURCE = ROOT / "autonn"


def _run(*command: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_typed_example_runs():
    pytest.importorskip("hypothesis", reason="the example uses autonn.testing, which needs hypothesis")
    done = _run(sys.executable, str(EXAMPLE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("every feature ran")


def _needs_source_tree():
    if not (SOURCE / "__init__.py").is_file() or not (ROOT / "pyproject.toml").is_file():
        pytest.skip("type checks run in a source tree (they read pyproject.toml and autonn/ beside tests/)")


def test_mypy_strict_accepts_the_package_and_the_example():
    _needs_source_tree()
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[typecheck]')")
    done = _run(sys.executable, "-m", "mypy", "--strict", "autonn", str(EXAMPLE.relative_to(ROOT)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_pyright_accepts_the_package_and_the_example():
    _needs_source_tree()
    pyright = shutil.which("pyright")
    if pyright is None:
        pytest.skip("pyright is not installed (pip install -e '.[typecheck]')")
    done = _run(pyright, "--pythonpath", sys.executable, "autonn", str(EXAMPLE.relative_to(ROOT)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors" in done.stdout


# What the transforms return, as the type checkers see it: a float for numbers, a Value for Values.
REVEAL = '''
import autonn
from autonn import Value

def f(x: Value) -> Value:
    return x * x

reveal_type(autonn.grad(f)(2.0))
reveal_type(autonn.grad(f)(Value(2.0)))
reveal_type(autonn.grad(f)([1.0, 2.0]))
reveal_type(autonn.value_and_grad(f)(2.0))
reveal_type(autonn.grad(autonn.grad(f))(3))
'''
MYPY_WANTS = ["float", "autonn.value.Value", "list[float]", "tuple[float, float]", "float"]
PYRIGHT_WANTS = ["float", "Value", "List[float]", "Tuple[float, float]", "float"]


def _revealed(tmp_path, command):
    script = tmp_path / "reveal.py"
    script.write_text(REVEAL)
    done = _run(*command, str(script))
    return done.stdout + done.stderr


def test_mypy_types_a_transformed_function_by_its_arguments(tmp_path):
    _needs_source_tree()
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[typecheck]')")
    out = _revealed(tmp_path, [sys.executable, "-m", "mypy", "--strict", "--no-incremental"])
    got = re.findall(r'Revealed type is "([^"]+)"', out)
    assert [g.replace("builtins.", "") for g in got] == MYPY_WANTS, out  # older mypy spells builtins out


def test_pyright_types_a_transformed_function_by_its_arguments(tmp_path):
    _needs_source_tree()
    pyright = shutil.which("pyright")
    if pyright is None:
        pytest.skip("pyright is not installed (pip install -e '.[typecheck]')")
    out = _revealed(tmp_path, [pyright, "--pythonpath", sys.executable])
    got = re.findall(r'Type of "[^"]+" is "([^"]+)"', out)
    assert [g.replace("list", "List").replace("tuple", "Tuple") for g in got] == PYRIGHT_WANTS, out
