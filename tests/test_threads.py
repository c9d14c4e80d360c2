"""Real threads: grad mode is per thread, and backward() on one graph from two threads adds up exactly."""

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import autonn
from autonn import Value

FRESH_PROCESSES = 10
ENV = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))  # this checkout's autonn

# Two threads each enter and leave no_grad 200 times, yielding inside the block so
# their entries and exits interleave; afterwards the main thread must still record.
RACE = textwrap.dedent(
    """
    import threading, time, autonn
    from autonn import Value

    def churn():
        for _ in range(200):
            with autonn.no_grad():
                time.sleep(0)

    threads = [threading.Thread(target=churn) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w = Value(2.0)
    y = (3 * w) ** 2
    y.backward()
    print(autonn.is_grad_enabled(), w.grad)
    """
)


def test_no_grad_churn_in_two_threads_never_leaves_grad_mode_off():
    results = []
    for _ in range(FRESH_PROCESSES):
        out = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120, check=True, env=ENV)
        results.append(out.stdout.split())
    # d(3w)^2/dw = 18 w = 36 at w = 2, in every fresh process
    assert results == [["True", "36.0"]] * FRESH_PROCESSES


def test_no_grad_churn_in_this_process_leaves_grad_mode_on(capsys):
    for _ in range(3):
        exec(compile(RACE, "<race>", "exec"), {})
    assert capsys.readouterr().out.split() == ["True", "36.0"] * 3


def test_a_thread_inside_no_grad_does_not_stop_another_from_recording():
    inside = threading.Event()
    done = threading.Event()
    seen_inside = []

    def quiet():
        with autonn.no_grad():
            seen_inside.append(autonn.is_grad_enabled())
            inside.set()
            done.wait(timeout=30)

    t = threading.Thread(target=quiet)
    t.start()
    try:
        assert inside.wait(timeout=30)
        assert autonn.is_grad_enabled()  # this thread is not inside the block
        w = Value(2.0)
        y = (3 * w) ** 2
        assert not y.is_leaf
        y.backward()
        assert w.grad == 36.0
    finally:
        done.set()
        t.join()
    assert seen_inside == [False]


def test_no_grad_is_restored_when_the_block_raises_in_a_thread():
    states = []

    def body():
        try:
            with autonn.no_grad():
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            states.append(autonn.is_grad_enabled())

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert states == [True] and autonn.is_grad_enabled()


def _shared_graph():
    """A graph where leaves are reached along several paths (so a walk's bookkeeping matters)."""
    a, b, c = Value(0.7, "a"), Value(-1.3, "b"), Value(2.1, "c")
    h = a * b + b.tanh() * c
    y = h * h + (a * c).exp() * b + h * a
    return (a, b, c), y


@pytest.mark.parametrize("rounds", [200])
def test_two_threads_backward_on_one_graph_sum_both_passes(rounds):
    leaves, y = _shared_graph()
    y.backward()
    single = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(timeout=30)
            for _ in range(rounds):
                y.backward()
        except BaseException as e:  # reported below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to interleave the walks
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    for got, one in zip((v.grad for v in leaves), single):
        assert got == pytest.approx(2 * rounds * one, rel=1e-12, abs=0)
