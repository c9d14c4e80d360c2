"""A layer: a group of sums of products, as the matrix algebra that ``mul`` and ``sum`` give.

A neuron is ``y_i = sum(w_i1 * x_1, ..., w_im * x_m, b_i)``.  Stack ``n`` of
them over a batch (``X`` holds one row per input ``x_j`` and one column per
sample) and the two rules beside these functions in :mod:`.builtin` give:

* forward: ``Y = W @ X + b`` (mul's forward ``w * x``, then sum's ``a_1 + ... + a_n``);
* backward, given the gradient ``G`` arriving at ``Y``: sum hands ``G`` to
  every term unchanged (``d sum / d a_k = 1``); mul then gives the weight
  ``g * x`` and the input ``g * w``, each summed where it is used - over the
  batch for a weight, ``dW = G @ X.T``; over the neurons reading it for an
  input, ``dX = W.T @ G``; and over the batch for a bias, ``db = G.sum(1)``.

The compiler (:mod:`autonn.compiler.kernels`) calls these as one layer's
kernels while :func:`.builtin.linear_ops` confirms that ``mul`` and ``sum``
are those linear rules; with any other rule it runs each node as its own rule says.
``xp`` is the compiled plan's array backend (numpy or PyTorch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["layer_forward", "weight_gradient", "input_gradient"]


def layer_forward(W: Any, X: Any, out: Any, xp: Any) -> None:
    """``out = W @ X``: every neuron's sum of weight x input, for every sample (the bias is added after)."""
    xp.matmul_into(W, X, out)


def weight_gradient(G: Any, X: Any, xp: Any, out: Any = None) -> Any:
    """``dW = G @ X.T``: mul's ``g * x`` for each weight, summed over the batch (into ``out`` if given)."""
    if out is None:
        return G @ X.T
    xp.matmul_into(G, X.T, out)
    return out


def input_gradient(W: Any, G: Any) -> Any:
    """``dX = W.T @ G``: mul's ``g * w`` for each input, summed over the neurons reading it."""
    return W.T * G if W.shape[0] == 1 else W.T @ G  # one neuron: an outer product, faster by broadcasting
