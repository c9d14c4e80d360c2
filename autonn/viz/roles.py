"""Which role each node plays in a graph: output, parameter, input, constant or intermediate.

The role decides a node's colour.  Parameters are known for certain when the
caller passes them (``parameters=`` or a module); otherwise a leaf whose
label reads like a weight or a bias (``w``, ``w1``, ``b``, ``bias``,
``L0.N1.w2`` ...) is taken to be one.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional, Sequence

from ..value import Constant

__all__ = ["node_roles", "looks_like_parameter"]

# The last dotted part of a label: w, w1, w_2, w[3], b, b0, weight, bias, W ...
_PARAMETER_LABEL = re.compile(r"^(?:w|b|W|weight|weights|bias|biases)(?:\d+|_\w*|\[[^\]]*\])?$")


def looks_like_parameter(label: str) -> bool:
    """True when ``label`` names a weight or a bias by the usual conventions."""
    if not label:
        return False
    return bool(_PARAMETER_LABEL.match(label.rsplit(".", 1)[-1]))


def node_roles(order: Sequence[Any], roots: Sequence[Any], parameters: Optional[Iterable[Any]] = None) -> Dict[Any, Any]:
    """Map every node of ``order`` to its role.

    ``roots`` are the outputs.  ``parameters``, when given, is the exact set of
    parameter nodes (then labels are not consulted); otherwise parameters are
    recognised by label.
    """
    outputs = set(map(id, roots))
    known = None if parameters is None else set(map(id, parameters))
    roles = {}
    for node in order:
        if id(node) in outputs:
            role = "output"
        elif not node.is_leaf:
            role = "intermediate"
        elif isinstance(node, Constant):
            role = "constant"
        elif (known is not None and id(node) in known) or (known is None and looks_like_parameter(node.label)):
            role = "parameter"
        else:
            role = "input"
        roles[node] = role
    return roles
