"""Every writer replaces only a regular file: a named pipe, a device or a folder at the target is refused.

The writers are ``animate``, ``render``, a model's ``save`` (``.npz`` and
JSON) and the command's ``-o``.  Each is tried on a named pipe, on a
device-like path (a symlink to ``/dev/null``: if the refusal ever broke,
the atomic rename would replace the symlink in the test's folder, never the
device itself) and on a folder.  The refusal names the writer, the path and
what is there; the target is left as it was and nothing else is left behind.
"""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import autonn
from autonn import Value
from autonn.cli import main
from autonn.nn import MLP
from autonn.nn.files import NotRegularFile
from autonn.viz import available_renderers

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 60.0  # a refusal takes milliseconds; this only turns a hang on a pipe into a failure


def graph():
    x = Value(2.0, "x")
    return (x * x).tanh()


WRITERS = {  # name in the message: write to the path
    "animate": lambda path: autonn.animate(graph(), path),
    "render": lambda path: autonn.render(graph(), path),
    "MLP.save": lambda path: MLP(2, [1], seed=0).save(path),
}
SUFFIX = {"animate": ".html", "render": ".svg", "MLP.save": ".npz"}


def fifo(folder, name):
    if not hasattr(os, "mkfifo"):
        pytest.skip("this system has no named pipes")
    path = folder / name
    os.mkfifo(path)
    return path, "a named pipe", stat.S_ISFIFO


def device(folder, name):
    if not os.path.exists("/dev/null"):
        pytest.skip("this system has no /dev/null")
    path = folder / name
    path.symlink_to("/dev/null")
    return path, "a character device", stat.S_ISCHR


def folder_(folder, name):
    path = folder / name
    path.mkdir()
    return path, "a folder", stat.S_ISDIR


TARGETS = {"named pipe": fifo, "device": device, "folder": folder_}


def in_time(call):
    """Run ``call`` in a thread and return what it raised; fail if it blocks (as a write into a pipe would)."""
    raised = []

    def run():
        try:
            call()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            raised.append(e)
        else:
            raised.append(None)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(SECONDS)
    assert not t.is_alive(), "the writer blocked"
    return raised[0]


@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_refuses_what_is_not_a_regular_file_and_leaves_it_as_it_was(tmp_path, writer, kind):
    path, what, is_kind = TARGETS[kind](tmp_path, "target" + SUFFIX[writer])
    error = in_time(lambda: WRITERS[writer](path))
    assert isinstance(error, NotRegularFile) and isinstance(error, OSError), repr(error)
    message = str(error)
    assert message.startswith(f"{writer}: path ") and str(path) in message and f"is {what}, not a regular file" in message
    assert is_kind(os.stat(path).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file, no file beside it
    if kind == "folder":
        assert list(path.iterdir()) == []


@pytest.mark.parametrize("kind", TARGETS)
def test_save_refuses_the_name_as_given_before_adding_npz(tmp_path, kind):
    path, what, _ = TARGETS[kind](tmp_path, "model")  # save("model") would write model.npz beside it
    with pytest.raises(NotRegularFile, match=f"MLP.save: path .* is {what}"):
        MLP(2, [1], seed=0).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.parametrize("kind", TARGETS)
def test_json_save_refuses_too(tmp_path, kind):
    path, what, _ = TARGETS[kind](tmp_path, "model.json")
    with pytest.raises(NotRegularFile, match=f"MLP.save: path .* is {what}"):
        MLP(2, [1], seed=0).save(path)


def test_a_regular_file_and_a_symlink_to_one_are_still_replaced_whole(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("old")
    assert autonn.animate(graph(), page) == str(page)
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    model = MLP(2, [1], seed=0)
    model.save(link)
    assert link.is_file() and not link.is_symlink()  # the link is replaced, never written through
    assert real.read_bytes() == b"old"
    other = MLP(2, [1], seed=5)
    other.load(link)
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


@pytest.mark.skipif(not available_renderers("svg"), reason="no Graphviz renderer installed (dot or graphviz-pure)")
def test_render_replaces_a_regular_file_atomically(tmp_path):
    picture = tmp_path / "g.svg"
    picture.write_text("old")
    autonn.render(graph(), picture)
    assert "<svg" in picture.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("command", [["draw", "x", "--x", "1"], ["demo", "--points", "3", "--steps", "1"]])
def test_the_command_refuses_such_an_out_file_with_exit_status_1(tmp_path, kind, command):
    path, what, is_kind = TARGETS[kind](tmp_path, "out.svg")
    run = subprocess.run(
        [sys.executable, "-m", "autonn", *command, "-o", str(path)], capture_output=True, text=True,
        timeout=SECONDS, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr == (f"autonn {command[0]}: error: -o {path} is {what}, not a regular file; it is left as it is: "
                          "give the name of a regular file to replace or of a new one\n")
    assert is_kind(os.stat(path).st_mode) and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_the_command_names_the_out_file_when_its_folder_cannot_take_a_file(tmp_path, capsys):
    read_only = "/proc/version"  # a regular file in a folder where no file can be made
    if not os.path.isfile(read_only):
        pytest.skip("needs Linux's /proc")
    assert main(["draw", "x", "--x", "1", "-o", read_only]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"autonn draw: error: -o {read_only}: could not save to {read_only} (cannot create a file in the folder /proc")
    assert "unchanged" in err


def test_dot_with_no_diagram_is_a_usage_error(capsys):
    assert main(["draw", "x", "--x", "1", "--dot", "--no-diagram"]) == 2
    err = capsys.readouterr().err
    assert "--dot" in err and "--no-diagram" in err and "give one of them" in err
