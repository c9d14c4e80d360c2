"""Every failure of the command is one line on standard error and a non-zero exit status, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autonn.cli import main

FAILURES = [
    ["demo", "--points", "1"],
    ["demo", "--points", "0"],
    ["demo", "--points", "-5"],
    ["demo", "--points", "100000000000"],
    ["demo", "--seed", "-1"],
    ["demo", "--steps", "-1"],
    ["demo", "--steps", "10000000000"],
    ["demo", "--lr", "nan"],
    ["demo", "--lr", "inf"],
    ["demo", "--lr", "0"],
    ["demo", "--precision", "-1"],
    ["demo", "--precision", "400"],
    ["demo", "unexpected"],
    ["draw", "sin(x*1e999)", "--x", "1"],
    ["draw", "x", "--x", "nan"],
    ["draw", "x", "--x", "1e999"],
    ["draw", "x", "--x", "abc"],
    ["draw", "x +", "--x", "1"],
    ["draw", "", "--no-diagram"],
    ["draw", "y", "--x", "1"],
    ["draw", "x", "--x", "1", "--x", "2"],
    ["draw", "log(x)", "--x", "-1", "--no-diagram"],
    ["draw", "x", "--x", "1", "-o", "/nonexistent-folder/a.svg"],
    ["draw", "x", "--x", "1", "-o", "a.txt"],
    ["draw", "x", "--x", "1", "--explain", "z"],
]


@pytest.mark.parametrize("argv", FAILURES, ids=[" ".join(a)[:40] for a in FAILURES])
def test_a_failure_is_one_line_and_a_non_zero_status(capsys, monkeypatch, tmp_path, argv):
    monkeypatch.chdir(tmp_path)
    status = main(argv)
    err = capsys.readouterr().err
    assert status != 0
    assert "Traceback" not in err
    assert err.startswith(f"autonn {argv[0]}: error:"), err
    first_line = err.splitlines()[0]
    assert len(first_line) > len(f"autonn {argv[0]}: error: ")  # says what is wrong


def test_an_expression_starting_with_minus_is_the_expression(capsys):
    assert main(["draw", "-x**2", "--x", "3", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("-x**2 = -9.0000")
    assert "grad -6.0000" in out  # d(-x^2)/dx = -2x = -6 at x = 3


@pytest.mark.parametrize("argv", [["demo", "--points", "1"], ["draw", "sin(x*1e999)", "--x", "1"]])
def test_the_real_command_prints_no_traceback(argv, tmp_path):
    out = subprocess.run([sys.executable, "-m", "autonn", *argv], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert out.returncode != 0 and "Traceback" not in out.stderr and out.stderr.startswith(f"autonn {argv[0]}: error:")


@pytest.mark.parametrize("lr, where", [("1e308", "step 0's update"), ("1e150", "at step 2")])
def test_a_diverging_demo_stops_with_one_line_and_no_numpy_warning(lr, where, tmp_path):
    """lr = 1e308 takes w to -inf in one update; lr = 1e150 keeps w finite but the loss overflows at step 2."""
    out = subprocess.run([sys.executable, "-m", "autonn", "demo", "--lr", lr, "--no-diagram"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr  # no RuntimeWarning, no traceback
    assert lines[0].startswith("autonn demo: error: the fit diverged") and where in lines[0]
    assert f"lr = {float(lr):g} is too large" in lines[0] or f"lr = {float(lr):g} times" in lines[0]
    rows = [line.split() for line in out.stdout.splitlines() if line[:4].strip().isdigit()]
    assert rows and all(float(cell) == float(cell) and abs(float(cell)) != float("inf") for r in rows for cell in r)
    assert "largest difference" not in out.stdout  # no verdict on a run that did not finish
