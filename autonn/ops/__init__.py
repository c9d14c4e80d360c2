"""The ops: each defined once (forward, derivative rule, formula, domain), one registry for all paths.

* :mod:`.op` - what an op is (:class:`Op`), the registry :data:`OPS` and :func:`define`
* :mod:`.floatmath`, :mod:`.arraymath` - the math namespaces a rule runs on: floats, numpy arrays
* :mod:`.builtin` - every built-in op, written beside its formula
* :mod:`.reference` - the table of ops and formulas, as the README shows it
"""

from .arraymath import ARRAY_MATH
from .floatmath import FLOAT_MATH
from .symbolic import SYMBOLIC_MATH
from .op import (BINARY, NARY, ON_CHANGE, OPS, PARAM, UNARY, Domain, DomainError, Op, OpError, define, remove_op,
                 seal_builtins)

FLOAT_MATH.ops = OPS
ARRAY_MATH.ops = OPS
SYMBOLIC_MATH.ops = OPS

from . import builtin  # noqa: E402,F401 - fills OPS
seal_builtins()
from .builtin import linear_ops  # noqa: E402
from .reference import markdown_table  # noqa: E402

__all__ = ["Op", "OPS", "ON_CHANGE", "Domain", "DomainError", "OpError", "define", "remove_op", "FLOAT_MATH", "ARRAY_MATH",
           "UNARY", "BINARY", "PARAM", "NARY", "markdown_table", "linear_ops"]
