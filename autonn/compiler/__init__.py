"""Compile a scalar graph into vectorised numpy code that runs on whole batches.

``step = compile(loss_fn, params, n_inputs)`` traces ``loss_fn`` once on
placeholder Values; ``loss, grads = step(X)`` then runs forward and backward
for every row of ``X`` at once, giving the same numbers as the scalar engine.

* :mod:`.trace` - run the function once and number its graph
* :mod:`.schedule` - recover layers (sums of weight x input) and group the
  rest by op (ready nodes of one op run together)
* :mod:`.kernels` - the vectorised steps, each running the ops' own definitions on arrays;
  :mod:`.scatter` - index plumbing decided at compile time
* :mod:`.step` - :func:`compile`, :class:`CompiledLoss` and :func:`batch_step`
"""

from .step import CompiledLoss, batch_step, compile

__all__ = ["compile", "CompiledLoss", "batch_step"]
