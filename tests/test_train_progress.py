"""``fit`` shows its progress (epoch, loss, rate, time left) and returns a History; the plot helpers."""

import re
import sys
import time

import numpy as np
import pytest

from autonn import Value
from autonn.nn import Neuron
from autonn.optim import SGD
from autonn.train import History, _duration, eager_step, fit

LINE = re.compile(r"epoch +(\d+) of (\d+)  loss (\S+)  \(([0-9,.]+(?:e[+-]\d+)?) epochs/s, (.+) left\)(.*)")


def _slow_step(w, pause):
    def step():
        time.sleep(pause)
        loss = (w - 3.0) ** 2
        loss.backward()
        return loss.data

    return step


def test_lines_give_epoch_loss_rate_and_time_left():
    w = Value(5.0)
    lines = []
    history = fit(_slow_step(w, 0.01), SGD([w], lr=0.1), 20, log_every=10, log=lines.append)
    parsed = [LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [int(m.group(1)) for m in parsed] == [1, 10, 20]
    assert {m.group(2) for m in parsed} == {"20"}
    assert [m.group(3) for m in parsed] == [f"{history[i]:.6g}" for i in (0, 9, 19)]
    # about 100 epochs/s with a 10 ms step; at epoch 10 about 10 epochs, so 0.1 s, are left
    rate = float(parsed[1].group(4).replace(",", ""))
    assert 20 < rate < 101
    left = float(parsed[1].group(5).split()[0])
    assert 0.05 <= left <= 0.5
    assert parsed[2].group(5) == "0.0 s"


def test_history_is_the_list_of_losses_with_timings_and_notes():
    w = Value(5.0)
    history = fit(eager_step(lambda: (w - 3.0) ** 2), SGD([w], lr=0.1), 30, log_every=10, log=[].append,
                  extra=lambda: f"w {w.data:.3f}")
    assert isinstance(history, History) and isinstance(history, list)
    assert history.loss is history and len(history) == 30 and history[0] == 4.0
    assert len(history.seconds) == 30 and history.seconds == sorted(history.seconds)
    assert history.elapsed == history.seconds[-1] > 0
    assert sorted(history.notes) == [1, 10, 20, 30]
    assert history.notes[30] == f"w {w.data:.3f}"


def test_logging_time_is_left_out_of_the_timings():
    w = Value(5.0)
    history = fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 4, log_every=1, log=lambda line: time.sleep(0.05))
    assert history.elapsed < 0.05  # four slow log calls, none of them counted


@pytest.mark.parametrize("quiet", [{"log_every": 0}, {"log": None}])
def test_silent_when_asked(capsys, quiet):
    w = Value(1.0)
    history = fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 5, **quiet)
    assert capsys.readouterr().out == "" and len(history) == 5


def test_bad_log_is_named():
    w = Value(1.0)
    with pytest.raises(TypeError, match="fit: log must be a function"):
        fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 2, log="stdout")


@pytest.mark.parametrize("seconds,text", [(0.04, "0.0 s"), (3.25, "3.2 s"), (42.4, "42 s"), (185, "3 min 05 s"),
                                          (3720, "1 h 02 min")])
def test_time_left_reads_naturally(seconds, text):
    assert _duration(seconds) == text


# -- plots --------------------------------------------------------------------------------------------


@pytest.fixture
def plt():
    pytest.importorskip("matplotlib", reason="the plot helpers need matplotlib (the plot extra)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def test_loss_curve_plots_every_epoch(plt):
    from autonn.plot import plot_loss

    _, ax = plt.subplots()
    assert plot_loss([3.0, 2.0, 0.5, 0.0], ax=ax) is ax
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1, 2, 3, 4] and list(line.get_ydata()) == [3.0, 2.0, 0.5, 0.0]
    assert ax.get_yscale() == "symlog"
    with pytest.raises(ValueError, match="plot_loss: history must be a non-empty list"):
        plot_loss([])


def test_decision_boundary_lies_where_the_score_is_zero(plt):
    from autonn.plot import plot_decision_boundary

    # score = x1 - 0.25: the boundary is the vertical line x1 = 0.25
    model = Neuron.from_weights([1.0, 0.0], -0.25, activation="linear")
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [0.5, -0.5], [-0.5, 0.5]])
    y = np.array([-1, 1, 1, -1])
    ax = plot_decision_boundary(model, X, y, resolution=41)
    zero_lines = [c for c in ax.collections if list(getattr(c, "levels", [])) == [0.0]]
    (contour,) = zero_lines
    xs = np.concatenate([p.vertices[:, 0] for p in contour.get_paths() if len(p.vertices)])
    assert xs.size > 0 and np.allclose(xs, 0.25, atol=1e-9)
    points = [c for c in ax.collections if c.get_label() in ("negative label", "positive label")]
    assert sorted(len(c.get_offsets()) for c in points) == [2, 2]


def test_decision_boundary_checks_its_inputs(plt):
    from autonn.plot import plot_decision_boundary

    model = Neuron.from_weights([1.0, 0.0], 0.0, activation="linear")
    with pytest.raises(ValueError, match=r"X must be a non-empty \(n, 2\) array"):
        plot_decision_boundary(model, np.ones((3, 3)), [1, 1, 1])
    with pytest.raises(ValueError, match="3 points but 2 labels"):
        plot_decision_boundary(model, np.ones((3, 2)), [1, 1])
    with pytest.raises(ValueError, match="must take 2 inputs and give 1 output"):
        plot_decision_boundary(Neuron(3, seed=0), np.ones((3, 2)), [1, 1, 1])


def test_without_matplotlib_the_error_says_how_to_get_it(monkeypatch):
    from autonn.plot import plot_loss

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # what an absent package looks like to import
    with pytest.raises(ModuleNotFoundError, match=r'plot_loss: needs matplotlib.*pip install "autonn-scalar\[plot\]"') as err:
        plot_loss([1.0, 0.5])
    assert err.value.name == "matplotlib"
