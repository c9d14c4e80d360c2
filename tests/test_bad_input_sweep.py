"""Every public function and constructor against the same bad inputs, grouped by the rule they break.

For each argument the sweep tries wrong types (an object, a bool, a str, None,
a complex number, a numpy array), values out of range (nan, inf, negative,
zero where a count is needed, a huge int, an absurd size) and empty inputs.
The rule: a TypeError (wrong type) or ValueError (wrong value) whose message
names the function and the argument - never silent acceptance, another
exception, a wrong number or a hang.  numpy scalars of a good value are
accepted like the Python numbers they stand for.
"""

import math

import numpy as np
import pytest

import autonn
from autonn import Value, gradcheck, ledger, to_dot
from autonn.datasets import make_line, make_moons
from autonn.nn import MLP, Layer, Network, Neuron, make_rng
from autonn.ops import Domain, remove_op
from autonn.optim import SGD, Adam
from autonn.compiler.step import batch_step
from autonn.train import accuracy, mean_loss_step

NOT_A_NUMBER = [object(), True, False, "3", None, 1 + 2j, np.array([1.0, 2.0]), [1.0], np.bool_(True)]
NOT_FINITE = [math.nan, math.inf, -math.inf, np.float64("nan")]
HUGE = [10**400, 10**12]


def params():
    return [Value(1.0), Value(2.0)]


def square(x):
    return x * x


# (function, argument, call with the argument set to v, bad values) - each row one argument under one rule
COUNTS = [
    ("Neuron", "nin", lambda v: Neuron(v)),
    ("Layer", "nin", lambda v: Layer(v, 2)),
    ("Layer", "nout", lambda v: Layer(2, v)),
    ("MLP", "nin", lambda v: MLP(v, [2])),
    ("MLP", "nouts[0]", lambda v: MLP(2, [v])),
    ("Network", "input", lambda v: Network(v)),
    ("make_line", "n", lambda v: make_line(v)),
    ("make_moons", "n", lambda v: make_moons(v)),
    ("compile", "n_inputs", lambda v: autonn.compile(lambda xs: xs[0] * 2 if xs else Value(0.0), [], v)),
    ("ledger", "max_terms", lambda v: ledger(Value(2.0) * 3, max_terms=v)),
    ("ledger", "precision", lambda v: ledger(Value(2.0) * 3, precision=v)),
]
COUNT_BAD = NOT_A_NUMBER + [1.5, np.float64(2.0)] + NOT_FINITE + [-1] + HUGE

REALS = [
    ("SGD", "lr", lambda v: SGD(params(), lr=v)),
    ("SGD", "momentum", lambda v: SGD(params(), lr=0.1, momentum=v)),
    ("Adam", "lr", lambda v: Adam(params(), lr=v)),
    ("Adam", "eps", lambda v: Adam(params(), eps=v)),
    ("Adam", "betas", lambda v: Adam(params(), betas=(v, 0.9))),
    ("gradcheck", "eps", lambda v: gradcheck(square, [1.0], eps=v)),
    ("gradcheck", "atol", lambda v: gradcheck(square, [1.0], atol=v)),
    ("gradcheck", "rtol", lambda v: gradcheck(square, [1.0], rtol=v)),
    ("make_line", "noise", lambda v: make_line(5, noise=v)),
    ("make_moons", "noise", lambda v: make_moons(5, noise=v)),
    ("Neuron.from_weights", "w", lambda v: Neuron.from_weights([1.0, v], 0.0)),
    ("Neuron.from_weights", "b", lambda v: Neuron.from_weights([1.0], v)),
    ("Layer.from_weights", "W", lambda v: Layer.from_weights([[1.0, v]], [0.0])),
    ("Layer.from_weights", "b", lambda v: Layer.from_weights([[1.0]], [v])),
    ("load_state_dict", "N.w", lambda v: Neuron(2, name="N").load_state_dict({"N.w": [1.0, v], "N.b": 0.0})),
]
REAL_BAD = NOT_A_NUMBER + NOT_FINITE + [10**400]

INPUTS = [  # a model's input and a compiled step's batch: numbers or Values, nothing else
    ("Neuron 'N'", "input", lambda v: Neuron(2, name="N")([1.0, v])),
    ("MLP", "input", lambda v: MLP(2, [2, 1], seed=0)(np.array([[1.0, v]], dtype=object))),
    ("compiled step", "X", lambda v: autonn.compile(lambda xs: xs[0] * xs[1], [], 2)([[1.0, v]])),
    ("accuracy", "scores", lambda v: accuracy([v, 1.0], [1, 1])),
    ("mean_loss_step", "data", lambda v: mean_loss_step(lambda row: Value(row[0]), [[1.0, v]])),
    ("batch_step", "data", lambda v: batch_step(lambda row: row[0] * row[1], [], [[1.0, v]], compiled=True)),
    ("accuracy", "labels", lambda v: accuracy([1.0, 1.0], [v, 1])),
]
INPUT_BAD = [object(), True, "3", None, 1 + 2j, np.bool_(False), [1.0]]

NAMES = [
    ("Neuron", "name", lambda v: Neuron(2, name=v)),
    ("Layer", "name", lambda v: Layer(2, 2, name=v)),
    ("Network input", "name", lambda v: Network([v])),
    ("Network.add", "name", lambda v: Network(["x"]).add(v, ["x"])),
]
NAME_BAD = [None, 3, b"N", "", "a\x00b", "x\ufffe", "n" * 70_000, ["N"]]

SEEDS = [
    ("Neuron", "seed", lambda v: Neuron(2, seed=v)),
    ("MLP", "seed", lambda v: MLP(2, [1], seed=v)),
    ("make_rng", "seed", lambda v: make_rng(v)),
    ("make_line", "seed", lambda v: make_line(4, seed=v)),
]
SEED_BAD = [-1, 1.5, "0", True, 1 + 2j, object(), math.nan]

SHAPES = [  # mismatched or empty shapes
    ("Neuron 'N'", "sample|batch", lambda v: Neuron(2, name="N")(v)),
    ("Layer.from_weights", "W|b", lambda v: Layer.from_weights(v, [0.0])),
    ("compiled step", "X", lambda v: autonn.compile(lambda xs: xs[0] * xs[1], [], 2)(v)),
    ("accuracy", "scores", lambda v: accuracy(v, [1, 1])),
    ("Network", "input", lambda v: Network(v)),
]
SHAPE_BAD = [[], [1.0], [1.0, 2.0, 3.0], np.zeros((2, 3)), np.zeros((0, 2)), np.zeros((3, 3, 2)), [[1.0], [2.0, 3.0]]]

def register_sweep_op(**change):
    """``register_op`` with one argument changed; an op it accepts is taken out again."""
    args = {"name": "sweep_op", "forward": lambda a, m: a * 2.0, "vjp": lambda g, out, a, m: (2.0 * g,),
            "formula": "d(2a)/da = 2"}
    args.update(change)
    op = autonn.register_op(**args)
    remove_op(args["name"])
    return op


def positive(x, m):
    return m.lt(x, 0.0)


def _op_row(arg, call):
    return [("register_op", arg, call)]


# An op's definition is checked when it is registered, one argument at a time.
REGISTER_OP_RULES = {
    "an op's name is one the expression parser calls, and free": (
        _op_row("name", lambda v: register_sweep_op(name=v)),
        [None, 5, b"x", "", "my op", "\ufb01", "\u00e9t\u00e9", "x", "w1", "exp", "lambda", "2x"]),
    "an op's forward and vjp are functions of the right shape": (
        _op_row("forward", lambda v: register_sweep_op(forward=v)) + _op_row("vjp", lambda v: register_sweep_op(vjp=v)),
        [None, 5, "f", lambda: 1.0, lambda *, m: 1.0]),
    "an op's formula, when given, is a str, or one per input": (  # None: printed from the rule
        _op_row("formula", lambda v: register_sweep_op(formula=v)),
        [5, "", [], [5], ("a", 5), ("d/da", "d/db", "d/dc"), b"d/da"]),
    "an op's count of constants is an int >= 0 its forward takes": (
        _op_row("consts", lambda v: register_sweep_op(consts=v, forward=lambda a, c, m: a * c,
                                                      vjp=lambda g, out, a, c, m: (g * c,))),
        [-1, True, 1.5, "1", None, 2, 10**400]),
    "an op's doc is a str": (_op_row("doc", lambda v: register_sweep_op(doc=v)), [None, 5, b"doc", ["doc"]]),
    "replace is True or False": (_op_row("replace", lambda v: register_sweep_op(replace=v)), [None, 1, "yes"]),
    "an op's domain is a list of Domains whose messages format": (
        _op_row("domain", lambda v: register_sweep_op(domain=v)),
        [None, 5, "x", [5], Domain(positive, "ok: {0}"), [Domain(positive, "expected {5}")],
         [Domain(positive, "expected {x}")], [Domain(positive, "expected {0:q}")], [Domain(positive, "expected {0")]]),
    "a Domain is a function, a message, an exception class and a flag": (
        [("Domain", "undefined|message|error|signalled", lambda v: Domain(*v))],
        [(5, "m"), (positive, 5), (positive, ""), (positive, "m", int), (positive, "m", ValueError(), False),
         (positive, "m", ValueError, "yes")]),
}

def page_of(**options):
    """Call animate with ``options`` into a file name that is never written (the options are refused first)."""
    return autonn.animate(Value(2.0, "x") * 3, "never-written.html", **options)


FUNCTIONS = [  # the transforms take a function; the kit and the compiler too
    ("grad", "f", lambda v: autonn.grad(v, argnums=0)),
    ("value_and_grad", "f", lambda v: autonn.value_and_grad(v)),
    ("jacobian", "f", lambda v: autonn.jacobian(v)),
    ("hessian", "f", lambda v: autonn.hessian(v)),
    ("hvp", "f", lambda v: autonn.hvp(v)),
    ("jvp", "f", lambda v: autonn.jvp(v, [1.0], [1.0])),
    ("compile", "loss_fn", lambda v: autonn.compile(v, [], 1)),
    ("assert_grads_close", "f", lambda v: _kit().assert_grads_close(v, [1.0])),
    ("fit", "step", lambda v: autonn.train.fit(v, SGD(params(), lr=0.1), 1, log=None)),
]
FUNCTION_BAD = [None, 3, "f", [square], np.array([1.0]), object()]

ARGNUMS = [
    ("grad", "argnums", lambda v: autonn.grad(square, argnums=v)),
    ("value_and_grad", "argnums", lambda v: autonn.value_and_grad(square, argnums=v)),
    ("jacobian", "argnums", lambda v: autonn.jacobian(square, argnums=v)),
    ("hessian", "argnums", lambda v: autonn.hessian(square, argnums=v)),
    ("hvp", "argnums", lambda v: autonn.hvp(square, argnums=v)),
]
ARGNUMS_BAD = [None, 1.5, "0", True, (), [0.0], math.nan, object()]

OPTIONS = [  # animate's options, the testing kit's and the compiler's arguments, other choices
    ("animate", "title", lambda v: page_of(title=v)),
    ("animate", "autoplay", lambda v: page_of(autoplay=v)),
    ("animate", "precision", lambda v: page_of(precision=v)),
    ("animate", "max_nodes", lambda v: page_of(max_nodes=v)),
    ("animate", "summary_by", lambda v: page_of(summary_by=v)),
    ("animate", "parameters", lambda v: page_of(parameters=v)),
    ("animate", "path", lambda v: autonn.animate(Value(1.0) * 2, v)),
    ("render", "path", lambda v: autonn.render(Value(1.0) * 2, v)),
    ("render", "timeout", lambda v: autonn.render(Value(1.0) * 2, "never-written.svg", timeout=v)),
    ("MLP.save", "path", lambda v: MLP(2, [1], seed=0).save(v)),
    ("to_dot", "max_nodes", lambda v: to_dot(Value(1.0) * 2, max_nodes=v)),
    ("to_dot", "rankdir", lambda v: to_dot(Value(1.0) * 2, rankdir=v)),
    ("expressions", "max_steps", lambda v: _kit().expressions(max_steps=v)),
    ("expressions", "bound", lambda v: _kit().expressions(bound=v)),
    ("expressions", "ops", lambda v: _kit().expressions(ops=v)),
    ("expressions", "values", lambda v: _kit().expressions(values=v)),
    ("numbers", "low", lambda v: _kit().numbers(low=v)),
    ("numbers", "places", lambda v: _kit().numbers(places=v)),
    ("check_engine", "max_examples", lambda v: _kit().check_engine(Value, ops=["add"], max_examples=v)),
    ("check_engine", "max_steps", lambda v: _kit().check_engine(Value, ops=["add"], max_steps=v)),
    ("check_engine", "atol", lambda v: _kit().check_engine(Value, ops=["add"], atol=v)),
    ("check_engine", "rtol", lambda v: _kit().check_engine(Value, ops=["add"], rtol=v)),
    ("check_engine", "seed", lambda v: _kit().check_engine(Value, ops=["add"], seed=v)),
    ("check_engine", "methods", lambda v: _kit().check_engine(Value, ops=["add"], methods={"add": v})),
    ("check_engine", "ops", lambda v: _kit().check_engine(Value, ops=v)),
    ("compile", "reduction", lambda v: autonn.compile(lambda xs: xs[0] * 2, [], 1, reduction=v)),
    ("compile", "dtype", lambda v: autonn.compile(lambda xs: xs[0] * 2, [], 1, dtype=v)),
    ("compile", "backend", lambda v: autonn.compile(lambda xs: xs[0] * 2, [], 1, backend=v)),
    ("compile", "device", lambda v: autonn.compile(lambda xs: xs[0] * 2, [], 1, device=v)),
    ("compile", "example", lambda v: autonn.compile(lambda xs: xs[0] * 2, [], 1, example=[v, 1.0])),
    ("compile", "params", lambda v: autonn.compile(lambda xs: xs[0] * 2, v, 1)),
]
OPTION_BAD = [object(), -1, math.nan, None, "yes", 1 + 2j, np.array([1.0, 2.0])]


def _kit():
    return pytest.importorskip("autonn.testing", reason="the testing kit needs hypothesis")


RULES = {
    "a function argument is callable": (FUNCTIONS, FUNCTION_BAD),
    "argnums is an int or a tuple of ints": (ARGNUMS, ARGNUMS_BAD),
    "options, paths and kit arguments are what they say": (OPTIONS, OPTION_BAD),
    "a count is an int >= 1 of sane size": (COUNTS, COUNT_BAD),
    "a real number is a finite int or float": (REALS, REAL_BAD),
    "model inputs are numbers or Values": (INPUTS, INPUT_BAD),
    "a name is a non-empty printable str": (NAMES, NAME_BAD),
    "a seed is a non-negative int, a Generator or None": (SEEDS, SEED_BAD),
    "shapes must match": (SHAPES, SHAPE_BAD),
    **REGISTER_OP_RULES,
}

# Inputs where another rule legitimately accepts the value (a numpy array is a batch, 2 inputs fit).
ACCEPTED = {
    ("Neuron 'N'", "sample|batch", "array([], shape=(0, 2), dtype=float64)"),  # an empty batch gives an empty batch
    ("ledger", "max_terms", repr(10**400)),  # "show at most this many terms": a huge bound shows them all
    ("ledger", "max_terms", repr(10**12)),
    # None is the documented default of these options, and "yes" a fine title or file name
    ("animate", "title", "None"), ("animate", "title", "'yes'"), ("animate", "max_nodes", "None"),
    ("animate", "parameters", "None"), ("animate", "path", "'yes'"), ("render", "path", "'yes'"),
    ("render", "timeout", "None"), ("MLP.save", "path", "'yes'"), ("to_dot", "max_nodes", "None"),
    ("expressions", "ops", "None"), ("expressions", "values", "None"), ("numbers", "low", "-1"),
    ("check_engine", "ops", "None"), ("compile", "dtype", "None"), ("compile", "device", "None"),
}

CASES = [
    pytest.param(who, arg, call, bad, id=f"{rule}: {who}({arg}={_r[:40]})")
    for rule, (rows, bads) in RULES.items()
    for who, arg, call in rows
    for bad in bads
    for _r in [repr(bad)]
    if (who, arg, repr(bad)) not in ACCEPTED
]


def outcome(who, arg, call, bad):
    """'clear' for a TypeError/ValueError naming the function and the argument, else what happened."""
    try:
        call(bad)
    except (TypeError, ValueError) as e:
        msg = str(e)
        named = who in msg and any(a.split("[")[0].split(".")[-1] in msg for a in arg.split("|"))
        return "clear" if named else f"unclear {type(e).__name__}: {msg[:200]}"
    except Exception as e:  # reported by the assertion, with the exception's type
        return f"other {type(e).__name__}: {str(e)[:200]}"
    return "accepted"


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path, monkeypatch):
    # the writers' rows name relative files: were a bad value ever accepted, its file lands here, not in the checkout
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("who, arg, call, bad", CASES)
def test_bad_input_gets_a_clear_error(who, arg, call, bad):
    assert outcome(who, arg, call, bad) == "clear"


GOOD_NUMPY_SCALARS = [
    lambda: Neuron(np.int64(2)),
    lambda: Layer(np.int32(2), np.uint8(3)),
    lambda: SGD(params(), lr=np.float32(0.5)),
    lambda: Adam(params(), lr=np.float64(0.01), eps=np.float32(1e-8)),
    lambda: gradcheck(square, [np.float64(1.0)], eps=np.float64(1e-6)),
    lambda: autonn.compile(lambda xs: xs[0] * 2, [], np.int64(1)),
    lambda: ledger(Value(2.0) * 3, precision=np.int64(3)),
    lambda: Neuron.from_weights(np.array([1, 2], dtype=np.int8), np.float32(0.5)),
    lambda: accuracy(np.array([1.0, -1.0]), np.array([1, -1])),
]


@pytest.mark.parametrize("call", GOOD_NUMPY_SCALARS)
def test_numpy_scalars_of_good_values_are_accepted(call):
    call()
