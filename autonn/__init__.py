"""autonn: scalar automatic differentiation, with the math beside the code."""

from .backward import grad
from .mode import is_grad_enabled, no_grad
from .ops import OPS, DomainError
from .value import Constant, Value, as_value, sum
from .gradcheck import GradcheckError, gradcheck
from .compiler import CompiledLoss, compile  # noqa: A001 - not in __all__: a star import must not hide the builtin
from . import datasets, losses, nn, optim, train  # noqa: F401 - so autonn.nn etc. work after `import autonn`
from .viz import render, to_dot
from .explain import explain, ledger

__version__ = "0.1.0"

__all__ = [
    "Value",
    "Constant",
    "as_value",
    "sum",
    "grad",
    "no_grad",
    "is_grad_enabled",
    "gradcheck",
    "GradcheckError",
    "DomainError",
    "OPS",
    "to_dot",
    "render",
    "explain",
    "ledger",
]
