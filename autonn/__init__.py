"""autonn: scalar automatic differentiation, with the math beside the code.

``autonn.Value`` is a scalar that remembers how it was computed; ``backward()``
fills every ``.grad``.  Every op is defined once in ``autonn.ops`` (forward,
derivative rule, formula, domain) and every path evaluates that definition;
``autonn.register_op`` adds your own.  On top: ``autonn.nn`` (neurons, layers,
any-shape networks), ``autonn.losses``, ``autonn.optim``, ``autonn.compile``
(a traced graph run on numpy batches), ``autonn.to_dot`` / ``autonn.render``
(diagrams), ``autonn.explain`` (the chain rule, written out) and
``autonn.animate`` (a page that plays backpropagation step by step).
"""

from .ops import OPS, Domain, DomainError, OpError
from .mode import is_grad_enabled, no_grad
from .value import Constant, TraceError, Value, as_value, gt, lt, maximum, minimum, register_op, where
# `X as X` marks a public name that is not in __all__, so type checkers see autonn.sum and autonn.compile.
from .value import sum as sum  # noqa: A001, F401
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad
from .anomaly import AnomalyError, detect_anomaly
from .gradcheck import GradcheckError, gradcheck
from .taylor import taylor
from . import datasets, losses, nn, optim, train  # noqa: F401 - autonn.nn etc. work after `import autonn`
from .losses import closed_form_line_grads
from .compiler import CompiledLoss
from .compiler import compile as compile  # noqa: A001, F401
from .viz import render, to_dot
from .viz.notebook import value_html
from .explain import explain, ledger
from .viz.player import animate
from .nn.init import manual_seed

__version__ = "0.1.0"

# Jupyter's rich display of a Value: the numbers and, for a small graph, its diagram.
# Wired here, at the top of the package, because drawing sits above the engine.
Value._repr_html_ = value_html

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
    "taylor",
    "detect_anomaly",
    "AnomalyError",
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
    "manual_seed",
]
