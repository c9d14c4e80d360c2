"""A source edit of a rule in ops/builtin.py moves every path.

The package is copied, one rule's text is changed in the copy's
``ops/builtin.py``, and a fresh interpreter importing the copy checks every
path against the edited derivative: ``backward()`` (the generated loop),
``autonn.grad`` (the checked loop), ``create_graph=True`` (the rule on
Values), forward mode, the compiled step (the layers of sums included, for
``mul``), the formula text, the ledger, ``autonn.formula`` and the module
of ``autonn.export``.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autonn

PACKAGE = Path(autonn.__file__).parent

# (op, the rule's text in the source, the edited text, the function, the point, the edited derivative)
EDITS = {
    "tanh": ("lambda g, out, a, m: (g * (1.0 - out * out),)", "lambda g, out, a, m: (g * (2.0 - out * out),)",
             "lambda x: x.tanh()", 0.3, "2.0 - math.tanh(0.3) ** 2"),
    "relu": ("lambda g, out, a, m: (g * m.step(a),)", "lambda g, out, a, m: (g * 3.0 * m.step(a),)",
             "lambda x: (x * 1.5).relu()", 0.4, "4.5"),
    "mul": ("    return g * b, g * a\n", "    return g * b * 2.0, g * a\n",
            "lambda x: x * 1.25", 0.7, "2.5"),
    "pow": ("    return g * da, g * (out * ln_a)\n", "    return 3.0 * g * da, g * (out * ln_a)\n",
            "lambda x: x ** autonn.Value(2.0)", 1.5, "3.0 * 2.0 * 1.5"),
}

CHECK = r'''
import json, math, sys
import numpy as np
import autonn
from autonn import Value
name, f_text, x0, want_text = sys.argv[1:5]
f = eval(f_text, {"autonn": autonn})
x0 = float(x0)
want = eval(want_text, {"math": math})
got = {}
x = Value(x0)
f(x).backward()
got["backward"] = x.grad
got["grad"] = autonn.grad(f)(x0)
x = Value(x0)
got["create_graph"] = autonn.grad(f(x), [x], create_graph=True)[0].data
got["jvp"] = autonn.jvp(f, (x0,), (1.0,))[1]
w = Value(x0)
step = autonn.compile(lambda v: v[0] * f(w), [w], 1)  # f(w) second: an edited mul changes only its first input
got["compile"] = float(step(np.ones((3, 1)))[1][0])
if name == "mul":  # a layer of sums of products, which the compiler runs as matrix products
    ws = [Value(0.5), Value(-0.25)]
    layer = autonn.compile(lambda v: autonn.sum([ws[0] * v[0], ws[1] * v[1]]), ws, 2)
    got["compile_layer"] = float(layer(np.array([[x0 * 1.0, 2.0]]))[1][0]) / x0 * 1.25
got["formula"] = eval(autonn.formula(f), {"math": math}, {"x": x0})
scope = {}
exec(autonn.export(f), scope)
got["export"] = scope["grad_f"](x0)[0]
text = " ".join(autonn.OPS[name].formulas)
x = Value(x0, "x")
ledger = autonn.ledger(f(x), x)
print(json.dumps({"want": want, "got": got, "formulas": text, "ledger": ledger}))
'''


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_source_edit_of_a_rule_moves_every_path(tmp_path, name):
    original, edited, f_text, x0, want_text = EDITS[name]
    copy = tmp_path / "autonn"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    builtin = copy / "ops" / "builtin.py"
    source = builtin.read_text()
    assert source.count(original) == 1, f"the rule of {name} is no longer written as the test expects"
    builtin.write_text(source.replace(original, edited))
    done = subprocess.run([sys.executable, "-c", CHECK, name, f_text, str(x0), want_text], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    want = result["want"]
    for path, value in result["got"].items():
        assert value == pytest.approx(want, rel=1e-12), (name, path, value, want)
    # The printed formula and the ledger read the edited rule too.
    marker = {"tanh": "2 - tanh(a)^2", "relu": "3*step(a)", "mul": "b*2", "pow": "3*"}[name]
    assert marker in result["formulas"], result["formulas"]
    assert marker.split("(")[0] in result["ledger"] or str(round(want, 4)) in result["ledger"], result["ledger"]
