"""Testing with autonn as the reference: gradients, random expression graphs, other engines.

* :func:`assert_grads_close` - autograd vs float64 central differences vs a
  gradient you derived, with a table on failure
* :func:`expressions` - a hypothesis strategy of random scalar expression
  graphs over every op of :data:`autonn.OPS` (ops added with
  ``autonn.register_op`` too), inside each op's domain; draws an
  :class:`Expression`, which autonn evaluates and ``str()`` writes out
* :func:`check_engine` - runs another micrograd-shaped engine and autonn on
  the same expressions and reports, op by op, where they differ

Needs hypothesis (``pip install 'autonn-scalar[test]'``).
"""

from .expression import Expression, Step
from .grads import assert_grads_close
from .strategies import constants, expressions, numbers
from .engine import check_engine
from .report import EngineMismatch, EngineReport, Finding

__all__ = ["assert_grads_close", "expressions", "numbers", "constants", "Expression", "Step", "check_engine",
           "EngineReport", "Finding", "EngineMismatch"]
