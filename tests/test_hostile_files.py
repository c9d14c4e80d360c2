"""Loading files from elsewhere: every bad file is one StateFileError naming it, fast, and the model is untouched."""

import io
import json
import os
import threading
import time
import zipfile

import numpy as np
import pytest

from autonn.nn import MLP, Neuron, StateFileError
from autonn.nn.files import NotRegularFile, write_atomically

SECONDS = 5.0  # every refusal below takes milliseconds; this only catches a hang


def params(model):
    return [p.data for p in model.parameters()]


def refused(model, path, *words):
    """Load ``path`` into ``model``; it must fail quickly with StateFileError naming the file and ``words``."""
    before = params(model)
    start = time.perf_counter()
    with pytest.raises(StateFileError) as e:
        model.load(path)
    assert time.perf_counter() - start < SECONDS
    msg = str(e.value)
    assert str(path) in msg and msg.startswith(model._name() + ".load:")
    for w in words:
        assert w in msg, msg
    assert params(model) == before
    return msg


def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.fixture
def neuron():
    return Neuron(2, seed=0, name="N")


# -- not a regular file: refused before reading -----------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path, neuron, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    result = []
    t = threading.Thread(target=lambda: result.append(refused(neuron, fifo, "named pipe")), daemon=True)
    t.start()
    t.join(SECONDS)
    if t.is_alive():  # unblock the reader so the thread can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("load blocked on a named pipe")
    assert result


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_a_symlink_to_dev_zero_is_refused(tmp_path, neuron, suffix):
    link = tmp_path / f"zero{suffix}"
    link.symlink_to("/dev/zero")
    refused(neuron, link, "character device")


def test_a_folder_and_a_missing_file_are_refused(tmp_path, neuron):
    folder = tmp_path / "dir.npz"
    folder.mkdir()
    refused(neuron, folder, "a folder")
    refused(neuron, tmp_path / "absent.json", "no such file")


# -- sizes are checked against the model before anything is read ------------------------------------
def test_an_npz_member_the_model_does_not_need_is_never_read(tmp_path, neuron):
    # 400 MB of zeros compress to a few hundred KB: decompressing it is what must not happen
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("N.w.npy", npz_member(np.zeros(2)))
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
        with z.open("extra.npy", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(400):
                member.write(chunk)
    assert path.stat().st_size < 4_000_000
    refused(neuron, path, "unexpected extra")


def npz_member(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def test_a_member_declaring_more_bytes_than_its_array_needs_is_refused(tmp_path, neuron):
    path = tmp_path / "big.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("N.w.npy", npz_member(np.zeros(2)) + bytes(50_000_000))
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
    refused(neuron, path, "N.w.npy declares", "needs at most")


def test_a_header_claiming_a_huge_shape_is_reported_without_allocating(tmp_path, neuron):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("N.w.npy", header.getvalue())
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
    refused(neuron, path, "N.w has shape (1000000000000,), the model needs (2,)")


def test_json_larger_than_the_model_can_need_is_refused_unread(tmp_path, neuron):
    path = tmp_path / "padded.json"
    path.write_text('{"N.w": [1, 2], "N.b": 0' + " " * 2_000_000 + "}")
    refused(neuron, path, "bytes, more than the", "JSON state for this model can take")


# -- corrupt files: one error type, the file named, the problem said ---------------------------------
CORRUPT_NPZ = {
    "not a zip": b"not a zip file",
    "empty": b"",
    "truncated zip": npz_bytes(**{"N.w": np.zeros(2), "N.b": np.array(0.0)})[:150],
    "an .npy renamed .npz": npz_member(np.zeros(3)),
    "garbage after the zip magic": b"PK\x03\x04" + os.urandom(200),
}


def test_a_truncated_member_and_a_pickled_member_are_refused(tmp_path, neuron):
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("N.w.npy", npz_member(np.zeros(2))[:-8])
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
    refused(neuron, path, "truncated")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("N.w.npy", npz_member(np.array([object(), object()], dtype=object)))
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
    refused(neuron, path, "never unpickled")


def test_a_corrupt_compressed_member_is_one_error(tmp_path, neuron):
    path = tmp_path / "crc.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("N.w.npy", npz_member(np.arange(2.0)))
        z.writestr("N.b.npy", npz_member(np.array(0.0)))
    data = bytearray(path.read_bytes())
    data[60:70] = bytes(10)  # inside the first member's deflate stream
    path.write_bytes(bytes(data))
    refused(neuron, path)


CORRUPT_JSON = {
    "not json": b"{not json",
    "not utf-8": b'{"N.w": [1, 2], "N.b": "\xff"}',
    "nested deeply": b"[" * 100_000 + b"]" * 100_000,
    "a list, not an object": b"[1, 2]",
    "a bool among the numbers": b'{"N.w": [0.5, true], "N.b": 0}',
    "a string number": b'{"N.w": ["1", 2], "N.b": 0}',
    "null": b'{"N.w": [1, null], "N.b": 0}',
    "NaN": b'{"N.w": [1, NaN], "N.b": 0}',
    "an integer of 5000 digits": b'{"N.w": [1, ' + b"9" * 5000 + b'], "N.b": 0}',
    "1e999": b'{"N.w": [1, 1e999], "N.b": 0}',
    "a missing name": b'{"N.w": [1, 2]}',
    "a wrong shape": b'{"N.w": [1, 2, 3], "N.b": 0}',
    "empty": b"",
}


CORRUPT = [(".npz", k, v) for k, v in CORRUPT_NPZ.items()] + [(".json", k, v) for k, v in CORRUPT_JSON.items()]


@pytest.mark.parametrize("suffix, what, content", CORRUPT, ids=[f"{s} {w}" for s, w, _ in CORRUPT])
def test_corrupt_files_are_one_error(tmp_path, neuron, suffix, what, content):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    refused(neuron, path)


def test_a_json_bool_is_not_read_as_a_number(tmp_path, neuron):
    path = tmp_path / "bool.json"
    path.write_text(json.dumps({"N.w": [0.5, True], "N.b": 0}))
    refused(neuron, path, "N.w is not an array of numbers (holds bool: True)")


def test_every_problem_of_a_mismatched_npz_is_named_at_once(tmp_path):
    small, big = MLP(2, [3, 1], seed=0), MLP(2, [4, 1], seed=1)
    msg = refused(big, small.save(tmp_path / "small.npz"), "missing L0.N3.w, L0.N3.b")
    assert "L1.N0.w has shape (3,), the model needs (4,)" in msg


def test_a_good_file_still_loads_after_all_this(tmp_path, neuron):
    other = Neuron(2, seed=7, name="N")
    other.load(neuron.save(tmp_path / "good.npz"))
    assert params(other) == params(neuron)


# -- names that could not be saved and loaded back are refused when given -----------------------------
@pytest.mark.parametrize("name", ["a\x00b", "tab\there", "x\ufffe", "y\uffff", "z\ud800", "n" * 70_000])
def test_names_that_break_files_or_diagrams_are_refused_at_once(name):
    with pytest.raises(ValueError, match="Neuron: name"):
        Neuron(2, name=name)


def test_a_folder_at_the_target_is_refused_before_writing_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "m.npz"
    blocker.mkdir()
    with pytest.raises(OSError, match=r"MLP.save: path .*m.npz' is a folder, not a regular file; it is left as it is"):
        MLP(2, [2, 1], seed=1).save(blocker)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"] and blocker.is_dir()


def test_a_folder_made_at_the_target_while_writing_is_not_replaced_and_nothing_is_left(tmp_path):
    target = tmp_path / "m.npz"

    def write(f):
        f.write(b"numbers")
        target.mkdir()  # appears after the first check, before the rename

    with pytest.raises(NotRegularFile, match=r"save: path .*m.npz' is a folder"):
        write_atomically(str(target), write, "save")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"] and target.is_dir()
