"""``autonn.micrograd.engine.Value`` is :class:`autonn.Value`: it already has micrograd's
operators (``+ - * / **``, ``relu()``), ``.data``, ``.grad`` and ``backward()``."""

from ..value import Value

__all__ = ["Value"]
