"""Practice in a loop: ask, read the answers, grade, and move up a level after a right set.

The same loop serves the shell (``autonn practice``, answers read from
stdin) and a notebook (``autonn.practice.session()``: Jupyter's ``input()``
shows a box per answer).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ..arguments import whole_number

__all__ = ["session"]

_STOP = ("q", "quit", "exit")


class _Stopped(Exception):
    """The learner asked to stop, or the input ended."""


def _read_number(prompt: str, read: Callable[[str], str], write: Callable[[str], Any]) -> float:
    while True:
        try:
            text = read(prompt).strip()
        except EOFError:
            raise _Stopped from None
        if text.lower() in _STOP:
            raise _Stopped
        try:
            return float(text)
        except ValueError:
            write(f"{text!r} is not a number: type one such as -1.5 (or q to stop).")


def session(level: int = 1, seed: Optional[int] = None, *, rounds: Optional[int] = None,
            read: Callable[[str], str] = input, write: Callable[[str], Any] = print) -> int:
    """Ask exercises from ``level`` up; return how many were answered all right.

    Each exercise prints its question, then reads one gradient per asked
    label with ``read`` (``input`` by default; ``q`` or the end of the input
    stops), and prints the grade.  A right set moves up a level; a wrong one
    gives a new exercise at the same level.  ``rounds`` caps the number of
    exercises; ``seed`` makes them repeatable (exercise ``i`` uses ``seed + i``).
    """
    from . import LEVELS, exercise

    level = whole_number(level, "level", "session", least=1, most=max(LEVELS))
    if rounds is not None:
        rounds = whole_number(rounds, "rounds", "session", least=1)
    if seed is not None:
        seed = whole_number(seed, "seed", "session")
    right = 0
    done = 0
    while rounds is None or done < rounds:
        ex = exercise(level, None if seed is None else seed + done)
        write(ex.question)
        answers: Dict[str, float] = {}
        try:
            for label in ex.asked:
                answers[label] = _read_number(f"grad({label}) = ", read, write)
        except _Stopped:
            write("Stopped.")
            break
        result = ex.grade(answers)
        done += 1
        write(result.explanation)
        if result.correct:
            right += 1
            if level == max(LEVELS):
                write("That was the last level: well done.")
                break
            level += 1
            write(f"On to level {level}.")
        write("")
    write(f"{right} of {done} exercises right.")
    return right
