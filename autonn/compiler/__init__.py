"""Compile a scalar graph into vectorised array code that runs on whole batches.

``step = compile(loss_fn, params, n_inputs)`` traces ``loss_fn`` once on
placeholder Values; ``loss, grads = step(X)`` then runs forward and backward
for every row of ``X`` at once, giving the same numbers as the scalar engine.

The passes, in order, each a function taking and giving the typed records of
:mod:`.records` (``step.summary()`` prints what each gave):

1. **trace** (:mod:`.trace`) - run the function once on placeholders and
   number its graph; each leaf is an input column, a parameter or a constant.
   (:mod:`.hoist` then cuts off the nodes that read parameters only, to run
   once per call as a graph of their own.)
2. **fuse** (:mod:`.fuse`) - read every ``sum`` as a linear map and fold the
   products ``w * x`` of a weight and a node into it: the layers come back.
3. **group** (:mod:`.group`) - split the remaining nodes into groups of one
   op that are ready together; each group will run as one step.
4. **layout** (:mod:`.layout`) - give every node a row of the value and
   gradient arrays, each group's outputs consecutive.
5. **emit** (:mod:`.emit`) - make a kernel per group (a layer's matrix
   product from :mod:`autonn.ops.fused`, an op's rule on whole arrays in
   :mod:`.elementwise`, a ragged sum in :mod:`.ragged`), join steps read by
   the next alone into chains, and plan every gradient write
   (:mod:`.scatter`).  :mod:`.schedule` runs passes 2 to 5.

Then :mod:`.step` holds :func:`compile`, :class:`CompiledLoss` (which runs
the plan) and :func:`batch_step`.  The interfaces are declared in
:mod:`.interfaces`: a new kind of step is a :class:`.interfaces.Kernel`
made in :mod:`.emit`; a new array library is a :class:`.interfaces.Backend`
in :mod:`.backend` with its :class:`.interfaces.MathNamespace` (as
:mod:`autonn.ops.torchmath`).
"""

from .step import CompiledLoss, batch_step, compile

__all__ = ["compile", "CompiledLoss", "batch_step"]
