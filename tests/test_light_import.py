"""``import autonn`` loads the engine, ops, nn, losses and optimisers only; the rest loads on first use."""

import json
import subprocess
import sys

# Loaded on first use, never by `import autonn` itself.
HEAVY = ["autonn.compiler", "autonn.viz.dot", "autonn.viz.render", "autonn.viz.renderers", "autonn.viz.player",
         "autonn.viz.notebook", "autonn.testing", "autonn.cli", "autonn.plot", "autonn.expr", "autonn.micrograd",
         "graphviz", "hypothesis", "matplotlib", "torch"]
CORE = ["autonn.value", "autonn.ops", "autonn.nn", "autonn.losses", "autonn.optim", "autonn.functional"]


def _modules_after(code: str) -> set:
    """The modules a fresh interpreter holds after running ``code`` (this checkout's autonn, by PYTHONPATH)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_autonn_loads_the_core_and_nothing_heavy():
    loaded = _modules_after("import autonn")
    assert set(CORE) <= loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_the_lazy_names_load_on_first_use_and_are_the_real_objects():
    loaded = _modules_after(
        "import autonn\n"
        "from autonn.compiler import compile as c, CompiledLoss as L\n"
        "from autonn.viz import render as r, to_dot as d\n"
        "from autonn.viz.player import animate as a\n"
        "from autonn.explain import explain as e\n"
        "assert (autonn.compile, autonn.CompiledLoss, autonn.render, autonn.to_dot, autonn.animate) == (c, L, r, d, a)\n"
        "assert autonn.explain is e  # the function, not the module, even after the player imported it\n"
        "assert autonn.viz.RenderError.__module__ == 'autonn.viz.renderers'\n"
        "assert callable(autonn.testing.check_engine) and callable(autonn.cli.main)\n")
    assert {"autonn.compiler", "autonn.viz.player", "autonn.testing", "autonn.cli"} <= loaded


def test_a_star_import_and_an_unknown_name():
    _modules_after(
        "from autonn import *\n"
        "assert callable(render) and callable(animate) and CompiledLoss.__name__ == 'CompiledLoss'\n"
        "import autonn, pytest\n"
        "with pytest.raises(AttributeError, match=\"no attribute 'rendr'\"):\n"
        "    autonn.rendr\n"
        "with pytest.raises(AttributeError, match=\"no attribute 'nothing'\"):\n"
        "    autonn.viz.nothing\n"
        "assert 'render' in dir(autonn) and 'RenderError' in dir(autonn.viz)\n")


def test_a_value_displays_in_a_notebook_after_a_plain_import():
    loaded = _modules_after(
        "import autonn\n"
        "x = autonn.Value(2.0, label='x')\n"
        "page = (x * x)._repr_html_()\n"
        "assert 'x' in page and '4' in page\n")
    assert "autonn.viz.notebook" in loaded
