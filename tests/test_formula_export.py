"""autonn.formula and autonn.export: derivatives as an expression and as standalone code.

Every op of the registry and a 2-layer MLP's loss; the formula is evaluated
with math alone and the exported module runs in a fresh interpreter where
autonn cannot be imported, both against autonn's own gradients.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.value import apply

# Arguments inside each op's domain (inputs, then constants), away from kinks.
POINTS = {"clamp": (0.3, 0.1, 0.9), "label_pm1": (1.0,), "label_01": (0.5,), "label_class": (1.0, 3.0), "where": (0.3, 0.6, -0.4),
          "powc": (0.7, 3.0), "asin": (0.3,), "acos": (-0.4,), "log1p": (0.3,), "sum": (0.3, -0.8, 1.1)}
DEFAULT = (0.7, -0.45, 0.35)


def _op_function(name):
    op = autonn.OPS[name]
    args = POINTS.get(name, DEFAULT[: (op.arity or 3) + op.consts])
    n_inputs = len(args) - op.consts
    consts = args[n_inputs:]
    names = ["a", "b", "c"][:n_inputs]
    scope = {"apply": apply, "op": op, "consts": consts}
    f = eval(f"lambda {', '.join(names)}: apply(op, {', '.join(names)}, *consts)", scope)  # noqa: S307
    return f, list(args[:n_inputs])


def _eager_grads(f, point):
    xs = [Value(x) for x in point]
    f(*xs).backward()
    return [x.grad for x in xs]


def _close(got, want):
    return got == pytest.approx(want, rel=1e-12, abs=1e-300) or (math.isnan(got) and math.isnan(want))


def _mlp_loss(*p):
    """MLP(2, [3, 1]) with tanh, mean squared error on four points; ``p`` are its 13 parameters."""
    data = [((0.5, -1.0), 0.2), ((-0.3, 0.8), -0.4), ((1.2, 0.1), 0.9), ((-0.7, -0.6), 0.0)]
    total = 0.0
    for (x1, x2), y in data:
        hidden = [(p[3 * j] * x1 + p[3 * j + 1] * x2 + p[3 * j + 2]).tanh() for j in range(3)]
        out = hidden[0] * p[9] + hidden[1] * p[10] + hidden[2] * p[11] + p[12]
        total = total + (out - y) ** 2
    return total * 0.25


MLP_POINT = [0.3, -0.2, 0.1, -0.5, 0.4, 0.05, 0.25, 0.6, -0.15, 0.7, -0.8, 0.35, 0.02]


@pytest.mark.parametrize("name", sorted(autonn.OPS))
def test_the_formula_of_every_op_evaluates_to_its_gradient(name):
    f, point = _op_function(name)
    want = _eager_grads(f, point)
    for i in range(len(point)):
        text = autonn.formula(f, argnum=i, at=point)
        got = eval(text, {"math": math}, dict(zip(["a", "b", "c"], point)))  # noqa: S307
        assert _close(float(got), want[i]), (name, i, text, got, want[i])
        assert autonn.formula(f, argnum=i, style="latex", at=point)


def test_the_formula_of_an_mlp_loss_evaluates_to_its_gradient():
    want = autonn.grad(_mlp_loss, argnums=tuple(range(13)))(*MLP_POINT)
    names = {f"x{i}": x for i, x in enumerate(MLP_POINT)}
    f = eval("lambda " + ", ".join(names) + ": loss(" + ", ".join(names) + ")", {"loss": _mlp_loss})  # noqa: S307
    for i in (0, 5, 9, 12):
        got = eval(autonn.formula(f, argnum=i), {"math": math}, names)  # noqa: S307
        assert _close(got, want[i]), (i, got, want[i])


def test_a_formula_refuses_a_python_branch_and_names_bad_arguments():
    def branch_on_data(x):
        return x * 2 if x.data > 0 else x

    def branch_on_truth(x):
        return x * 2 if x else x

    for branchy in (branch_on_data, branch_on_truth):
        with pytest.raises(autonn.TraceError, match="formula"):
            autonn.formula(branchy)
    with pytest.raises(ValueError, match="formula: argnum"):
        autonn.formula(lambda x: x * x, argnum=1)
    with pytest.raises(ValueError, match="formula: style"):
        autonn.formula(lambda x: x * x, style="fortran")
    with pytest.raises(TypeError, match="formula: f must"):
        autonn.formula(3)


RUN_WITHOUT_AUTONN = r'''
import json, sys
sys.modules["autonn"] = None  # any import of autonn now fails
cases = json.load(open(sys.argv[1]))
out = []
for case in cases:
    scope = {}
    exec(case["source"], scope)
    out.append([scope["f"](*case["point"]), scope["grad_f"](*case["point"])])
print(json.dumps(out))
'''


def test_exported_modules_give_autonn_s_numbers_without_autonn(tmp_path):
    cases, wants = [], []
    for name in sorted(autonn.OPS):
        f, point = _op_function(name)
        cases.append({"source": autonn.export(f, len(point), at=point), "point": point})
        wants.append((f(*[Value(x) for x in point]).data, _eager_grads(f, point)))
    cases.append({"source": autonn.export(_mlp_loss, 13), "point": MLP_POINT})
    wants.append((_mlp_loss(*[Value(x) for x in MLP_POINT]).data, _eager_grads(_mlp_loss, MLP_POINT)))
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    done = subprocess.run([sys.executable, "-c", RUN_WITHOUT_AUTONN, str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for case, (value, grads), (want_value, want_grads) in zip(cases, json.loads(done.stdout), wants):
        assert _close(value, want_value), case["source"]
        assert len(grads) == len(want_grads)
        for g, w in zip(grads, want_grads):
            assert _close(g, w), (case["source"], grads, want_grads)


def test_the_numpy_export_works_on_arrays_element_by_element():
    source = autonn.export(_mlp_loss, 13, lang="numpy")
    assert "import numpy as np" in source and "autonn" not in source.split('"""', 2)[2]
    scope = {}
    exec(source, scope)
    rng = np.random.default_rng(0)
    points = [np.array(MLP_POINT) + 0.1 * rng.standard_normal(13) for _ in range(5)]
    columns = [np.array([p[i] for p in points]) for i in range(13)]
    grads = scope["grad_f"](*columns)
    for k, p in enumerate(points):
        want = _eager_grads(_mlp_loss, list(p))
        for i in range(13):
            assert _close(float(grads[i][k]), want[i])


def test_an_exported_module_reads_like_the_ledger():
    source = autonn.export(lambda x, w, b: (x * w + b).tanh())
    assert "    n5 = math.tanh(n4)  # tanh" in source
    assert "    gn4 = gn5 * (1.0 - (n5 * n5))  # tanh: d tanh(a)/da = 1 - tanh(a)^2" in source
    assert "    return [gx, gw, gb]" in source
    assert source.count("import") == 1
