"""Optimisers' state: ``state_dict``/``load_state_dict`` and ``save(..., optimizer=opt)``, so a
resumed run continues bit for bit."""

import json

import numpy as np
import pytest

import autonn
from autonn.datasets import make_moons
from autonn.nn import MLP, StateFileError
from autonn.optim import SGD, Adam

X, Y = make_moons(16, noise=0.1, seed=0)
OPTIMISERS = [(SGD, {"lr": 0.05}), (SGD, {"lr": 0.05, "momentum": 0.9}), (Adam, {"lr": 0.01, "betas": (0.8, 0.99)})]


def _train(model, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = autonn.sum([(model(list(x))[0] - t) ** 2 for x, t in zip(X, Y)])
        loss.backward()
        opt.step()


def _bits(model):
    return [p.data.hex() for p in model.parameters()]


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("cls, kw", OPTIMISERS)
def test_ten_steps_equal_five_saved_loaded_into_fresh_objects_and_five_more(tmp_path, cls, kw, suffix):
    straight = MLP(2, [4, 1], seed=1)
    _train(straight, cls(straight, **kw), 10)
    first = MLP(2, [4, 1], seed=1)
    opt = cls(first, **kw)
    _train(first, opt, 5)
    path = first.save(tmp_path / f"checkpoint{suffix}", optimizer=opt)
    resumed = MLP(2, [4, 1], seed=7)  # other numbers and another learning rate: all come from the file
    resumed_opt = cls(resumed, lr=0.5)
    resumed.load(path, optimizer=resumed_opt)
    assert resumed_opt.steps == 5 and resumed_opt.lr == kw["lr"]
    _train(resumed, resumed_opt, 5)
    assert _bits(resumed) == _bits(straight)
    # without the optimiser state the run does not continue the same way (so the test can fail)
    plain = MLP(2, [4, 1], seed=7)
    plain.load(path)  # the optimiser's entries are skipped
    assert _bits(plain) == _bits(first)
    plain_opt = cls(plain, **kw)
    _train(plain, plain_opt, 5)
    if cls is Adam or kw.get("momentum"):  # plain SGD keeps no state a restart could lose
        assert _bits(plain) != _bits(straight)


def test_state_dict_is_a_copy_and_round_trips():
    model = MLP(2, [3, 1], seed=0)
    opt = Adam(model, lr=0.02)
    _train(model, opt, 2)
    state = opt.state_dict()
    assert sorted(state) == ["betas", "eps", "lr", "m", "steps", "v"]
    assert state["m"].shape == (len(model.parameters()),) and float(state["steps"]) == 2.0
    state["m"][:] = 99.0
    assert not np.any(opt.m == 99.0)
    other = Adam(MLP(2, [3, 1], seed=5).parameters(), lr=0.3, betas=(0.5, 0.5), eps=1e-3)
    other.load_state_dict(opt.state_dict())
    assert (other.lr, other.betas, other.eps, other.steps) == (0.02, (0.9, 0.999), 1e-8, 2)
    assert other.m.tolist() == opt.m.tolist() and other.v.tolist() == opt.v.tolist()


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(steps=np.array(2.5)), "steps must be a whole number >= 0, got 2.5"),
    (lambda s: s.update(steps=np.array(-1.0)), "steps must be a whole number >= 0"),
    (lambda s: s.update(lr=np.array(0.0)), "lr must be a finite number > 0"),
    (lambda s: s.update(momentum=np.array(1.0)), "momentum must be < 1"),
    (lambda s: s.update(velocity=np.zeros(3)), r"velocity has shape \(3,\), this SGD of 13 parameters needs \(13,\)"),
    (lambda s: s.update(velocity=np.array([np.nan] * 13)), "velocity holds non-finite numbers"),
    (lambda s: s.pop("lr"), "missing lr"),
    (lambda s: s.update(m=np.zeros(13)), "unexpected m"),
])
def test_a_bad_state_is_refused_naming_it_and_the_optimiser_is_unchanged(change, message):
    opt = SGD(MLP(2, [3, 1], seed=0), lr=0.1, momentum=0.5)
    before = {k: v.tolist() for k, v in opt.state_dict().items()}
    state = opt.state_dict()
    change(state)
    with pytest.raises(ValueError, match=f"SGD.load_state_dict: .*{message}"):
        opt.load_state_dict(state)
    assert {k: v.tolist() for k, v in opt.state_dict().items()} == before


def test_loading_one_optimisers_state_into_another_kind_names_the_difference():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="missing momentum, velocity; unexpected betas, eps, m, v"):
        SGD(model, lr=0.1).load_state_dict(Adam(model).state_dict())


def test_save_and_load_refuse_an_optimiser_of_other_parameters_or_no_optimiser(tmp_path):
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    with pytest.raises(ValueError, match="MLP.save: optimizer updates other parameters than this model's"):
        model.save(tmp_path / "m", optimizer=SGD(other, lr=0.1))
    with pytest.raises(ValueError, match="MLP.save: optimizer updates other parameters"):
        model.save(tmp_path / "m", optimizer=SGD(model.parameters()[::-1], lr=0.1))
    with pytest.raises(TypeError, match="MLP.save: optimizer must be an autonn.optim optimiser .*got str"):
        model.save(tmp_path / "m", optimizer="adam")
    path = model.save(tmp_path / "m")  # no optimiser state in it
    with pytest.raises(StateFileError, match="MLP.load: .*missing optimizer.SGD.lr"):
        model.load(path, optimizer=SGD(model, lr=0.1))


def test_a_file_with_another_optimisers_state_or_a_bad_number_leaves_both_unchanged(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model, lr=0.1, momentum=0.5)
    _train(model, opt, 1)
    path = model.save(tmp_path / "m.json", optimizer=opt)
    fresh = MLP(2, [3, 1], seed=3)
    fresh_bits = _bits(fresh)
    with pytest.raises(StateFileError, match="unexpected optimizer.SGD"):
        fresh.load(path, optimizer=Adam(fresh))
    text = json.loads(open(path).read())
    text["optimizer.SGD.momentum"] = 1.5
    open(path, "w").write(json.dumps(text))
    fresh_opt = SGD(fresh, lr=0.3)
    with pytest.raises(StateFileError, match=r"MLP.load: .*m.json: SGD.load_state_dict: momentum must be < 1"):
        fresh.load(path, optimizer=fresh_opt)
    assert _bits(fresh) == fresh_bits and fresh_opt.lr == 0.3 and fresh_opt.steps == 0
