"""Practice backpropagation by hand: exercises of rising difficulty, graded step by step.

``ex = exercise(level, seed=None)`` builds a small graph from the op registry
(levels in :data:`LEVELS`: one op; a chain; a reused node; sub and div; a
neuron; a small MLP with a loss) and asks for the gradient of the output with
respect to some of its nodes (``ex.question``, ``ex.asked``).
``ex.grade({"a": 2.0, ...})`` names the first wrong answer, from the output
down, the misconception behind it (one of :data:`MISCONCEPTIONS`, found by
recomputing the gradients under each slip's wrong rule and matching the
learner's number) and the ledger lines (:func:`autonn.explain`) that show the
right number.  :func:`session` asks and grades in a loop on a terminal or in a
notebook; ``autonn practice`` is the same from the shell.
"""

from __future__ import annotations

import random
from typing import Any, Optional

from ..arguments import seed_value, whole_number
from .grading import Exercise, Result, close_enough
from .levels import LEVELS, build
from .session import session
from .slips import MISCONCEPTIONS

__all__ = ["exercise", "Exercise", "Result", "LEVELS", "MISCONCEPTIONS", "session", "close_enough"]


def exercise(level: int, seed: Optional[Any] = None) -> Exercise:
    """A new exercise at ``level`` (1 to 6, see :data:`LEVELS`); the same ``seed`` gives the same one."""
    level = whole_number(level, "level", "exercise", least=1, most=max(LEVELS))
    checked = seed_value(seed, "exercise")
    if hasattr(checked, "bit_generator"):  # a numpy Generator: draw the seed from it
        checked = int(checked.integers(2**63))
    rng = random.Random(checked)
    root, asked = build(level, rng)
    return Exercise(level, root, asked, LEVELS[level])
