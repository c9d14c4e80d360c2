"""The ``autonn`` command: :mod:`~autonn.cli.main` (argument parsing, ``draw``) and
:mod:`~autonn.cli.demo` (the worked line-fitting example)."""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
