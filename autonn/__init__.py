"""autonn: scalar automatic differentiation, with the math beside the code.

``autonn.Value`` is a scalar that remembers how it was computed; ``backward()``
fills every ``.grad``.  Every op is defined once in ``autonn.ops`` (forward,
derivative rule, domain); the eager fast paths and the formula text are
generated from that definition, and ``autonn.formula`` / ``autonn.export``
give any derivative as an expression or as a module of code;
``autonn.register_op`` adds your own.  On top: ``autonn.nn`` (neurons, layers,
any-shape networks), ``autonn.losses``, ``autonn.optim``, ``autonn.compile``
(a traced graph run on numpy batches), ``autonn.to_dot`` / ``autonn.render``
(diagrams), ``autonn.explain`` (the chain rule, written out) and
``autonn.animate`` (a page that plays backpropagation step by step),
``autonn.Live`` (a training run, watched as it goes) and
``autonn.practice`` (exercises in backpropagation by hand, graded step by step).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__
from .ops import OPS, Domain, DomainError, OpError
from .mode import is_grad_enabled, no_grad
from .value import Constant, TraceError, Value, as_value, gt, lt, maximum, minimum, register_op, where
# `X as X` marks a public name that is not in __all__, so type checkers see autonn.sum and autonn.compile.
from .value import sum as sum  # noqa: A001, F401
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad
from .anomaly import AnomalyError, detect_anomaly
from .diagnose import Diagnosis, Finding, diagnose
from .symbolic_grad import SymbolicError, export, formula
from .gradcheck import GradcheckError, gradcheck
from . import datasets, losses, nn, optim, train  # noqa: F401 - autonn.nn etc. work after `import autonn`
from .losses import closed_form_line_grads
from .explain import explain, ledger
from .nn.init import manual_seed

# Diagrams, the player, the compiler, the testing kit and the command line load on
# first use (PEP 562), so `import autonn` costs little more than numpy's own import.
# Name -> (module, attribute in it; "" for the module itself).
_LAZY = {
    "compile": ("autonn.compiler", "compile"),
    "CompiledLoss": ("autonn.compiler", "CompiledLoss"),
    "to_dot": ("autonn.viz", "to_dot"),
    "render": ("autonn.viz", "render"),
    "animate": ("autonn.viz.player", "animate"),
    "compiler": ("autonn.compiler", ""),
    "viz": ("autonn.viz", ""),
    "testing": ("autonn.testing", ""),
    "cli": ("autonn.cli", ""),
    "plot": ("autonn.plot", ""),
    "expr": ("autonn.expr", ""),
    "micrograd": ("autonn.micrograd", ""),
    "Live": ("autonn.viz.live", "Live"),
    "practice": ("autonn.practice", ""),
}

if TYPE_CHECKING:  # what the type checkers see; at run time these load in __getattr__
    from . import cli, compiler, expr, micrograd, plot, testing, viz  # noqa: F401
    from .compiler import CompiledLoss
    from .compiler import compile as compile  # noqa: A001, F401
    from .viz import render, to_dot
    from .viz.player import animate
    from .viz.live import Live
    from . import practice  # noqa: F401


def __getattr__(name: str) -> Any:
    """Load a lazily imported name on first use and keep it, so the next use is a plain lookup."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'autonn' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _value_html(value: Value) -> str:
    """Jupyter's rich display of a Value: the numbers and, for a small graph, its diagram
    (the drawing code loads the first time a Value is displayed)."""
    from .viz.notebook import value_html

    return value_html(value)


# Wired here, at the top of the package, because drawing sits above the engine.
Value._repr_html_ = _value_html


def _live_view() -> Any:
    """A new live view (autonn.viz.live, loaded the first time fit(..., live=True) runs)."""
    return importlib.import_module("autonn.viz.live").Live()


# fit(..., live=True) draws with the live view, which sits above training: handed over here.
train.set_live_view(_live_view)

# ``sum`` and ``compile`` are left out on purpose: a star import must not hide the builtins.
__all__ = [
    "Value",
    "Constant",
    "as_value",
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "hvp",
    "jvp",
    "detect_anomaly",
    "AnomalyError",
    "diagnose",
    "Diagnosis",
    "Finding",
    "formula",
    "export",
    "SymbolicError",
    "no_grad",
    "is_grad_enabled",
    "gradcheck",
    "GradcheckError",
    "DomainError",
    "OpError",
    "Domain",
    "OPS",
    "register_op",
    "where",
    "maximum",
    "minimum",
    "gt",
    "lt",
    "TraceError",
    "closed_form_line_grads",
    "CompiledLoss",
    "to_dot",
    "render",
    "explain",
    "ledger",
    "animate",
    "Live",
    "manual_seed",
]
