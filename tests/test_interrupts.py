"""An interrupted optimiser step or save changes nothing: Ctrl-C delivered for real, mid-operation."""

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from autonn import Value
from autonn.node import Node
from autonn.nn import MLP
from autonn.optim import SGD, Adam

_DATA = Node.__dict__["data"]  # the slot itself, under the property below
_GRAD = Node.__dict__["grad"]


class Tripwire(Value):
    """A parameter that raises KeyboardInterrupt when its value is written (or its gradient read) while armed."""

    armed_write = False
    armed_read = False

    @property
    def data(self):
        return _DATA.__get__(self)

    @data.setter
    def data(self, x):
        if self.armed_write:
            raise KeyboardInterrupt("Ctrl-C while writing a parameter")
        _DATA.__set__(self, x)

    @property
    def grad(self):
        if self.armed_read:
            raise KeyboardInterrupt("Ctrl-C while reading a gradient")
        return _GRAD.__get__(self)

    @grad.setter
    def grad(self, g):
        _GRAD.__set__(self, g)


def _params(n, trip_at):
    rng = np.random.default_rng(0)
    ps = [Tripwire(x) if i == trip_at else Value(x) for i, x in enumerate(rng.normal(size=n).tolist())]
    for p, g in zip(ps, rng.normal(size=n).tolist()):
        p.grad = g
    return ps


def _state(opt):
    names = ("m", "v", "steps") if isinstance(opt, Adam) else ("velocity", "steps")
    return [p.data for p in opt.params], {k: np.copy(getattr(opt, k)) for k in names}


def _same(a, b):
    return a[0] == b[0] and a[1].keys() == b[1].keys() and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])


def _after_one_step(make, ps, before):
    """The state one uninterrupted step takes ``before`` to, computed on a twin with the same gradients."""
    twin_ps = [Value(x) for x in before[0]]
    for t, p in zip(twin_ps, ps):
        t.grad = p.grad
    twin = make(twin_ps)
    for k, v in before[1].items():
        setattr(twin, k, int(v) if v.ndim == 0 else np.copy(v))
    twin.step()
    return _state(twin)


OPTIMISERS = [lambda ps: Adam(ps, lr=0.01), lambda ps: SGD(ps, lr=0.1, momentum=0.9)]


@pytest.mark.parametrize("make", OPTIMISERS, ids=["Adam", "SGD"])
@pytest.mark.parametrize("hook", ["armed_write", "armed_read"])
def test_ctrl_c_mid_step_leaves_parameters_and_state_before_the_step(make, hook):
    ps = _params(1000, trip_at=600)
    opt = make(ps)
    opt.step()  # some state to lose
    before = _state(opt)
    setattr(ps[600], hook, True)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert _same(_state(opt), before)
    setattr(ps[600], hook, False)
    # the step then runs as if never interrupted: same as a twin that was not
    opt.step()
    assert _same(_state(opt), _after_one_step(make, ps, before))


@pytest.fixture
def no_automatic_collection():
    """The timed SIGINT tests run with the cyclic collector's automatic runs off.

    Other libraries hook the collector (hypothesis times every run with
    ``gc.callbacks``); a Ctrl-C that lands inside such a callback is printed as
    "Exception ignored" and lost, instead of reaching the code under test.
    """
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


SIGNAL_TRIALS = 40


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
@pytest.mark.parametrize("make", OPTIMISERS, ids=["Adam", "SGD"])
def test_sigint_at_random_moments_never_leaves_a_half_step(make, no_automatic_collection):
    """SIGINT from a real timer lands anywhere in step(); each time the state is exactly before or after."""
    n = 20000
    rng = np.random.default_rng(1)
    ps = _params(n, trip_at=-1)
    opt = make(ps)
    opt.step()
    # how long a step takes here, to aim the timer inside it
    import time

    t0 = time.perf_counter()
    opt.step()
    duration = time.perf_counter() - t0
    counts = {"before": 0, "after": 0, "completed": 0}
    for _ in range(SIGNAL_TRIALS):
        before = _state(opt)
        after = _after_one_step(make, ps, before)
        previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
        try:  # the timer is armed inside the try: it may fire before step() even starts
            signal.setitimer(signal.ITIMER_REAL, float(rng.uniform(0.05, 1.0)) * duration)
            opt.step()
            signal.setitimer(signal.ITIMER_REAL, 0)
            counts["completed"] += 1
            assert _same(_state(opt), after)
        except KeyboardInterrupt:
            now = _state(opt)
            if _same(now, before):
                counts["before"] += 1
            else:
                assert _same(now, after), "an interrupted step left a half-updated model"
                counts["after"] += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert counts["before"] + counts["after"] > 0, counts  # the timer did interrupt some steps
    print("interrupt outcomes:", counts)


def _params_of(model):
    return [p.data for p in model.parameters()]


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_sigint_during_save_leaves_the_previous_file_whole(tmp_path, suffix, no_automatic_collection):
    old, new = MLP(20, [200, 200, 1], seed=0), MLP(20, [200, 200, 1], seed=1)
    target = tmp_path / f"model{suffix}"
    old.save(target)
    import time

    t0 = time.perf_counter()
    new.save(tmp_path / f"timing{suffix}")
    duration = time.perf_counter() - t0
    rng = np.random.default_rng(2)
    interrupted = 0
    for _ in range(20):
        previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
        try:
            signal.setitimer(signal.ITIMER_REAL, float(rng.uniform(0.05, 1.0)) * duration)
            new.save(target)
            signal.setitimer(signal.ITIMER_REAL, 0)
            old.save(target)  # back to the old contents for the next trial
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        probe = MLP(20, [200, 200, 1], seed=3)
        probe.load(target)  # always a whole file: the old one or the new one
        assert _params_of(probe) in (_params_of(old), _params_of(new))
    assert interrupted > 0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert leftovers == []


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_an_interrupted_save_leaves_nothing_to_complain_when_collected(tmp_path, no_automatic_collection):
    # An archive cut short by Ctrl-C used to leave a ZipFile whose clean-up, at garbage collection,
    # raised where no caller could catch it ("Exception ignored in ZipFile.__del__").
    model = MLP(20, [200, 200, 1], seed=0)
    target = tmp_path / "model.npz"
    t0 = time.perf_counter()
    model.save(target)
    duration = time.perf_counter() - t0
    ignored = []
    hook, sys.unraisablehook = sys.unraisablehook, ignored.append
    rng = np.random.default_rng(5)
    try:
        for _ in range(20):
            previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
            try:
                signal.setitimer(signal.ITIMER_REAL, float(rng.uniform(0.05, 1.0)) * duration)
                model.save(target)
            except KeyboardInterrupt:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            gc.collect()
    finally:
        sys.unraisablehook = hook
    assert [f"{u.exc_type.__name__}: {u.exc_value} in {u.object!r}" for u in ignored] == []


FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from autonn.nn import MLP
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # the write then fails with EFBIG, as on a full disk
    target = sys.argv[1]
    small = MLP(2, [2, 1], seed=0)
    small.save(target)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        MLP(20, [100, 1], seed=1).save(target)
    except OSError as e:
        print("refused:", e)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX file size limits")
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_write_that_runs_out_of_room_keeps_the_previous_save(tmp_path, suffix):
    target = tmp_path / f"m{suffix}"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))  # this checkout's autonn
    out = subprocess.run([sys.executable, "-c", FULL_DISK, str(target)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert "refused:" in out.stdout and "could not save to" in out.stdout and "unchanged" in out.stdout
    probe = MLP(2, [2, 1], seed=5)
    probe.load(target)
    assert _params_of(probe) == _params_of(MLP(2, [2, 1], seed=0))
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_save_replaces_a_symlink_at_the_target_and_never_writes_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "model.json"
    link.symlink_to(victim)
    MLP(2, [2, 1], seed=0).save(link)
    assert victim.read_text() == "keep me"
    assert not link.is_symlink()
    probe = MLP(2, [2, 1], seed=1)
    probe.load(link)
    assert _params_of(probe) == _params_of(MLP(2, [2, 1], seed=0))


def test_ctrl_c_while_loading_leaves_the_model_unchanged(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    path = MLP(2, [3, 1], seed=1).save(tmp_path / "m.npz")
    neuron = model.neurons()[2]
    trip = Tripwire(neuron.w[1].data)
    neuron.w[1] = trip
    before = _params_of(model)
    trip.armed_write = True
    with pytest.raises(KeyboardInterrupt):
        model.load(path)
    assert _params_of(model) == before
    trip.armed_write = False
    model.load(path)
    assert _params_of(model) == _params_of(MLP(2, [3, 1], seed=1))
