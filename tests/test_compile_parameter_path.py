"""The path users write: an optimiser over the model's parameters and a compiled step.

A compiled step keeps its parameters' numbers in a vector the Values read
through to (autonn.flatparams.ParameterStore), so ``SGD(model.parameters())``
with ``batch_step(..., compiled=True)``, ``fit`` or ``step(X, accumulate_grad=True)``
trains with vector operations alone.  These tests hold that path to eager
training and check that the Values are right whenever they are read.
"""

import copy
import pickle

import numpy as np
import pytest

from autonn import TraceError, Value
from autonn.compiler import batch_step, compile
from autonn.datasets import make_moons
from autonn.flatparams import store_of
from autonn.nn import MLP
from autonn.optim import SGD, Adam
from autonn.train import fit, mean_loss_step
from compile_graphs import assert_close


def moons(n=30):
    X, y = make_moons(n, noise=0.1, seed=4)
    return np.column_stack([X, y])


def hinge(model):
    return lambda v: (1.0 - v[2] * model(v[:2])[0]).relu()


def squared(model):
    return lambda v: (model(v[:2])[0] - v[2]) ** 2


def numbers(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("opt_cls, kw", [(SGD, {"lr": 0.1}), (SGD, {"lr": 0.05, "momentum": 0.9}), (Adam, {"lr": 0.01})])
def test_fit_on_a_compiled_batch_step_trains_as_eager_fit_does(opt_cls, kw):
    X = moons()
    eager, compiled = MLP(2, [5, 1], seed=3), MLP(2, [5, 1], seed=3)
    want = fit(mean_loss_step(squared(eager), X), opt_cls(eager.parameters(), **kw), 6, log=None)
    opt = opt_cls(compiled.parameters(), **kw)
    got = fit(batch_step(squared(compiled), compiled.parameters(), X, compiled=True), opt, 6, log=None)
    assert_close(got, want, "losses")
    assert_close(numbers(compiled), numbers(eager), "parameters")
    assert_close([p.grad for p in compiled.parameters()], [p.grad for p in eager.parameters()], "last gradients")
    # the optimiser found the step's vectors: no loop over the Values
    assert store_of(compiled.parameters()) is not None


def test_accumulated_gradients_add_to_what_the_values_held():
    model = MLP(2, [4, 1], seed=1)
    params = model.parameters()
    X = moons(12)
    step = compile(hinge(model), params, 3)
    for p in params:
        p.grad = 0.25
    _, grads = step(X, accumulate_grad=True)
    assert_close([p.grad for p in params], grads + 0.25, "p.grad after one call")
    step(X, accumulate_grad=True)
    assert_close([p.grad for p in params], 2 * grads + 0.25, "p.grad after two calls")
    step(X)  # without accumulate_grad the Values' gradients stay
    assert_close([p.grad for p in params], 2 * grads + 0.25, "p.grad after a plain call")


def test_the_values_are_current_after_every_step_and_a_change_to_one_reaches_the_next_call():
    model = MLP(2, [4, 1], seed=2)
    params = model.parameters()
    X = moons(10)
    step = compile(squared(model), params, 3)
    opt = SGD(params, lr=0.1)
    before = numbers(model)
    opt.zero_grad()
    _, grads = step(X, accumulate_grad=True)
    opt.step()
    assert_close(numbers(model), np.array(before) - 0.1 * grads, "p.data after one step")
    # an eager call reads the same numbers
    sample = [Value(x) for x in X[0]]
    eager = squared(model)(sample).data
    assert_close(step.evaluate(X[:1])[0], eager, "the first sample's loss")
    params[0].data = 2.5  # a change by hand reaches the compiled step
    assert step.flat.data[0] == 2.5
    assert_close(step.evaluate(X[:1])[0], squared(model)(sample).data, "the loss after a change")


def test_a_copy_of_a_model_or_a_pickle_of_its_parameters_holds_its_own_numbers():
    model = MLP(2, [3, 1], seed=5)
    step = compile(hinge(model), model.parameters(), 3)
    twin = copy.deepcopy(model)
    thawed = pickle.loads(pickle.dumps(model.parameters()))
    assert numbers(twin) == numbers(model) == [p.data for p in thawed]
    model.parameters()[0].data += 1.0
    step(moons(5))
    assert numbers(twin) == [p.data for p in thawed] != numbers(model)
    assert all(type(p) is Value for p in twin.parameters() + thawed)


def test_state_dict_and_save_read_the_trained_numbers(tmp_path):
    model, fresh = MLP(2, [3, 1], seed=6), MLP(2, [3, 1], seed=9)
    X = moons(8)
    opt = SGD(model.parameters(), lr=0.2)
    fit(batch_step(hinge(model), model.parameters(), X, compiled=True), opt, 3, log=None)
    path = model.save(tmp_path / "model.npz")
    fresh.load(path)
    assert numbers(fresh) == numbers(model)
    step = compile(hinge(fresh), fresh.parameters(), 3)
    fresh.load_state_dict({k: v * 0.5 for k, v in model.state_dict().items()})  # writes through to the vector
    assert_close(step.flat.data, np.array(numbers(model)) * 0.5, "the step's vector")


def test_two_steps_over_the_same_parameters_each_read_the_latest_numbers():
    model = MLP(2, [4, 1], seed=7)
    params = model.parameters()
    X = moons(9)
    first, second = compile(hinge(model), params, 3), compile(squared(model), params, 3)
    opt = SGD(params, lr=0.05)
    for step in (first, second, first, second):
        opt.zero_grad()
        _, grads = step(X, accumulate_grad=True)
        assert_close([p.grad for p in params], grads, "p.grad")
        before = numbers(model)
        opt.step()
        assert_close(numbers(model), np.array(before) - 0.05 * grads, "p.data after the step")
        want = [squared(model)([Value(x) for x in row]).data for row in X[:3]]
        assert_close(second.evaluate(X[:3]), want, "the second step's outputs")


def test_an_optimiser_over_some_of_the_parameters_updates_those_alone():
    model = MLP(2, [3, 1], seed=8)
    params = model.parameters()
    step = compile(squared(model), params, 3)
    opt = SGD(params[:4], lr=0.1)
    before = numbers(model)
    opt.zero_grad()
    _, grads = step(moons(6), accumulate_grad=True)
    opt.step()
    want = np.array(before)
    want[:4] -= 0.1 * grads[:4]
    assert_close(numbers(model), want, "parameters")


def test_a_float32_step_leaves_the_values_in_float64():
    model = MLP(2, [4, 1], seed=10)
    params = model.parameters()
    params[0].data = 0.1
    step = compile(squared(model), params, 3, dtype=np.float32)
    assert params[0].data == 0.1  # not rounded to float32
    opt = SGD(params, lr=0.1)
    eager = MLP(2, [4, 1], seed=10)
    eager.parameters()[0].data = 0.1
    X = moons(10)
    fit(step.step_on(X), opt, 3, log=None)
    fit(mean_loss_step(squared(eager), X), SGD(eager.parameters(), lr=0.1), 3, log=None)
    np.testing.assert_allclose(numbers(model), numbers(eager), atol=1e-5)


def test_reading_a_parameter_inside_a_compiled_function_is_still_refused():
    model = MLP(2, [3, 1], seed=11)
    params = model.parameters()
    compile(hinge(model), params, 3)  # the Values now read through to that step's vector
    with pytest.raises(TraceError, match=r"\.data"):
        compile(lambda v: v[0] * params[0].data, params[:1], 3)


@pytest.mark.parametrize("bad", ["1.5", True, None, 1j])
def test_a_parameter_of_a_compiled_step_refuses_a_number_that_is_not_real(bad):
    w = Value(1.0)
    compile(lambda v: w * v[0], [w], 1)
    with pytest.raises(TypeError, match=r"Value\.data: .*real number"):
        w.data = bad
    assert w.data == 1.0


def test_a_subclass_of_value_keeps_its_own_storage_and_still_trains():
    class Weight(Value):
        __slots__ = ()

    w = Weight(0.5)
    step = compile(lambda v: (w * v[0] - 1.0) ** 2, [w], 1)
    opt = SGD([w], lr=0.1)
    opt.zero_grad()
    step(np.array([[2.0]]), accumulate_grad=True)
    opt.step()
    assert type(w) is Weight
    assert w.data == pytest.approx(0.5 - 0.1 * 2 * (0.5 * 2.0 - 1.0) * 2.0)
