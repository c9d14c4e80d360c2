"""``autonn practice``: backpropagation exercises on the terminal, answers read from stdin."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from ..practice import LEVELS, session

__all__ = ["add_practice_parser", "run_practice"]


def add_practice_parser(sub: Any) -> None:
    """The ``practice`` subcommand's parser, added to ``sub`` (the command's subparsers)."""
    levels = "; ".join(f"{n}: {text.split(':')[0]}" for n, text in LEVELS.items())
    p = sub.add_parser(
        "practice",
        help="practise backpropagation by hand: exercises graded step by step",
        description=(
            "Work out gradients by hand. Each exercise shows a small graph and asks for the gradient of its "
            "output with respect to some of its nodes, one answer per line (q or end of input stops). "
            "The first wrong answer is named, with the slip behind it and the ledger line that shows "
            f"the right number. A right set moves up a level. Levels: {levels}."
        ),
        allow_abbrev=False,
    )
    p.add_argument("--level", type=int, default=1, choices=sorted(LEVELS), help="level to start at (default 1)")
    p.add_argument("--seed", type=int, help="make the exercises repeatable")
    p.add_argument("--rounds", type=int, help="stop after this many exercises")


def run_practice(args: argparse.Namespace, out: TextIO) -> None:
    """Run the practice loop on stdin and ``out``."""

    def read(prompt: str) -> str:
        out.write(prompt)
        out.flush()
        line = input()
        if not sys.stdin.isatty():  # answers piped in: show them, so the transcript reads as typed
            out.write(line + "\n")
        return line

    session(args.level, args.seed, rounds=args.rounds, read=read, write=lambda text: print(text, file=out))
