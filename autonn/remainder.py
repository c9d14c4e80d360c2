"""Is a slope right?  Decided by how the Taylor remainder shrinks, with no step size to tune.

For a function ``phi`` of one number with ``phi(0)`` known and a claimed
slope ``g``, the remainder of the first-order Taylor model is

    r(h) = phi(h) - phi(0) - g h            (one-sided)
    R(h) = phi(h) - phi(-h) - 2 g h         (central)

If ``g`` is the derivative, ``r`` shrinks like ``h**2`` and ``R`` like
``h**3``; if it is wrong by ``d``, both shrink only like ``d h``.  So
:func:`check_slope` walks a ladder of steps, halving each time, from the size
of the number down to where rounding hides the remainder, and looks at how
the remainder shrinks at the smallest steps it can still see: halving there
every rung (order 1, keeping its sign) means a wrong slope; faster (order 2
or 3), or a remainder that drops to nothing at once (the function is linear
below a kink that a large step crossed), means a right one.  The step size
is never a choice: only the order counts.

A probe that leaves the function's domain (an op raises its domain error)
is not used; a rung where only one side is inside is probed one-sided, and
the verdict says so.  ``noise`` is how large rounding can make a remainder
(the caller estimates it from the graph); remainders below ``RESOLVED``
times it are taken as zero.
"""

from __future__ import annotations

import math
import sys
from typing import Callable, List, NamedTuple, Optional, Set, Tuple, Type

from .ops import OPS

__all__ = ["Verdict", "check_slope", "probe_errors", "RESOLVED"]

_EPS = sys.float_info.epsilon
#: A remainder counts only above this many times the rounding noise.
RESOLVED = 64.0
#: A last visible remainder this many times the noise floor, followed by nothing, is a drop, not a slope error.
_DROP = 16.0
#: Rungs that must halve, keeping their sign, to call a slope wrong.
_RUN = 3
#: Rungs of the ladder at most, and how many invisible rungs end it early once something was seen.
_RUNGS = 64
_QUIET = 6
#: Invisible rungs from the top that end the ladder: a wrong slope shows most at the largest steps.
_BLANK = 24


class Verdict(NamedTuple):
    """What the ladder found for one slope."""

    ok: bool
    numeric: float  # the best difference quotient seen (the slope the function shows)
    order: float  # how fast the remainder shrinks at the smallest visible steps (nan: never visible)
    note: str  # how it was decided, in words, for the report


def probe_errors() -> Tuple[Type[BaseException], ...]:
    """The errors that mean "this probe left a domain": every op's domain error, and arithmetic errors."""
    kinds: Set[Type[BaseException]] = {ArithmeticError, ValueError}
    for op in OPS.values():
        kinds.update(d.error for d in op.domain)
    return tuple(kinds)


class _Rung(NamedTuple):
    h: float
    sides: str  # "central", "right" or "left"
    remainder: float
    quotient: float  # the difference quotient at this step
    up: Optional[float]  # the function at +h and at -h (None: outside the domain)
    down: Optional[float]
    floor: float  # remainders up to this size may be rounding alone

    @property
    def visible(self) -> bool:
        return abs(self.remainder) > self.floor


def _probe(phi: Callable[[float], float], h: float, errors: Tuple[Type[BaseException], ...],
           left_out: List[str]) -> Optional[float]:
    try:
        y = phi(h)
    except errors as err:
        if not left_out:
            left_out.append(str(err))
        return None
    return y if y - y == 0.0 else None  # an inf or nan probe tells nothing about the slope


def _rung(phi: Callable[[float], float], x: float, y0: float, g: float, h: float, noise: float,
          errors: Tuple[Type[BaseException], ...], left_out: List[str]) -> Optional[_Rung]:
    up = _probe(phi, h, errors, left_out)
    down = _probe(phi, -h, errors, left_out)
    # Rounding: the graph's own (``noise``, at x), plus the probes' results and the moved input, rounded.
    sizes = abs(up or 0.0) + abs(down or 0.0) + abs(y0) + abs(g) * (abs(x) + h)
    floor = RESOLVED * (noise + 2.0 * _EPS * sizes) + 1e-300
    if up is not None and down is not None:
        return _Rung(h, "central", up - down - 2.0 * g * h, (up - down) / (2.0 * h), up, down, floor)
    if up is not None:
        return _Rung(h, "right", up - y0 - g * h, (up - y0) / h, up, down, floor)
    if down is not None:
        return _Rung(h, "left", y0 - down - g * h, (y0 - down) / h, up, down, floor)
    return None


def _ladder(phi: Callable[[float], float], x: float, y0: float, g: float, noise: float,
            left_out: List[str]) -> List[Optional[_Rung]]:
    """The rungs from a quarter of the number's size down, halving, until rounding hides the remainder."""
    errors = probe_errors()
    top = 0.25 * max(abs(x), 1.0)
    rungs: List[Optional[_Rung]] = []
    seen = quiet = 0
    for k in range(_RUNGS):
        h = math.ldexp(top, -k)
        if x + h == x or x - h == x:  # below the spacing of the numbers at x: no step left to take
            break
        rung = _rung(phi, x, y0, g, h, noise, errors, left_out)
        rungs.append(rung)
        visible = rung is not None and rung.visible
        seen += visible
        quiet = 0 if visible else quiet + 1
        if quiet >= (_QUIET if seen else _BLANK):
            break
    return rungs


def check_slope(phi: Callable[[float], float], x: float, g: float, noise: float) -> Verdict:
    """Is ``g`` the derivative at 0 of ``phi`` (the function along one input, at ``x``)?

    ``phi(h)`` is the function at ``x + h``; it may raise an op's domain
    error (that side is then not probed).  ``noise`` bounds the rounding
    error of one evaluation.
    """
    y0 = phi(0.0)
    if not (y0 - y0 == 0.0 and g - g == 0.0):
        return Verdict(False, math.nan, math.nan,
                       f"cannot check: the value is {y0!r} and the gradient {g!r}; differences need finite numbers")
    left_out: List[str] = []
    rungs = _ladder(phi, x, y0, g, noise, left_out)
    usable = [r for r in rungs if r is not None]
    if not usable:
        why = f" ({left_out[0]})" if left_out else ""
        return Verdict(False, math.nan, math.nan, f"cannot check: every probe at every step leaves the domain{why}")
    numeric = min(usable, key=lambda r: (abs(r.remainder) + r.floor / RESOLVED) / r.h).quotient
    one_sided = _one_sided_note(usable, left_out)
    visible = [i for i, r in enumerate(rungs) if r is not None and r.visible]
    if not visible:
        return Verdict(True, numeric, math.nan, "the remainder is within rounding at every step" + one_sided)
    last = visible[-1]
    run = _visible_run(rungs, last)
    tail = run[-1]
    orders = [math.log2(abs(a.remainder) / abs(b.remainder)) for a, b in zip(run, run[1:])]
    order = orders[-1] if orders else math.nan
    below = [r for r in rungs[last + 1:] if r is not None]
    if below and abs(tail.remainder) > _DROP * tail.floor:
        return Verdict(True, numeric, order, f"the remainder vanishes below step {below[0].h:.3g} "
                       "(the function is linear there, with this slope)" + one_sided)
    halving = (len(run) >= _RUN and all(o < 1.5 for o in orders[-(_RUN - 1):])
               and len({math.copysign(1.0, r.remainder) for r in run[-_RUN:]}) == 1)
    if halving:
        return Verdict(False, numeric, order, _wrong_note(tail, y0, g) + one_sided)
    return Verdict(True, numeric, order,
                   f"the remainder shrinks with order {order:.2g} ({tail.sides} differences)" + one_sided)


def _visible_run(rungs: List[Optional[_Rung]], last: int) -> List[_Rung]:
    """The visible rungs of one kind (central or one side) in a row, ending at ``last``."""
    tail = rungs[last]
    assert tail is not None
    run = [tail]
    for r in reversed(rungs[:last]):
        if r is None or r.sides != tail.sides or not r.visible:
            break
        run.append(r)
    run.reverse()
    return run


def _one_sided_note(usable: List[_Rung], left_out: List[str]) -> str:
    if any(r.sides == "central" for r in usable):
        return ""
    why = f": the other side leaves the domain ({left_out[0]})" if left_out else ""
    return f"; probed one-sided ({usable[-1].sides}){why}"


def _wrong_note(tail: _Rung, y0: float, g: float) -> str:
    """Why the slope is called wrong: the remainder halves with the step, down to rounding;
    and if the two sides show different slopes, the point is a kink rather than a wrong rule."""
    text = f"the remainder shrinks only like the step (order 1) down to step {tail.h:.3g}"
    if tail.up is not None and tail.down is not None:
        right = (tail.up - y0) / tail.h
        left = (y0 - tail.down) / tail.h
        if abs(right - left) > 0.5 * abs(0.5 * (right + left) - g):
            text += (f"; not differentiable here: slope {left:.9g} on the left, {right:.9g} on the right, "
                     f"and the gradient {g:.9g} is one convention")
    return text
