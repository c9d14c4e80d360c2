"""Side-by-side timing: engines take turns within one run, and medians are reported.

Alternating (engine A, engine B, engine A, ...) instead of timing each engine
in one block keeps slow drifts of a shared machine (other processes, CPU
frequency) from favouring whichever engine happened to run at a quiet moment.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable, Dict, List, Optional


class Case:
    """One engine on one workload: ``setup()`` returns the state ``run(state)`` works on.

    ``number`` calls of ``run`` make one timing sample (for steps far shorter
    than the timer's resolution); the sample is divided by ``number``.
    ``cleanup(state)`` runs outside the timer.

    After each sample everything the runs left behind is collected
    (``gc.collect()``), so one engine's garbage is never swept during another
    engine's turn.  With ``collect_inside=True`` that collection is timed
    too: for engines whose graphs are reference cycles (micrograd), freeing
    them *is* a collection, and leaving it out would hide part of their cost.
    Engines whose graphs are freed by reference counting pay almost nothing
    there.  (Off for steps of a fraction of a millisecond, where a collection
    of the whole heap would swamp the step being measured.)

    ``collector=False`` is the other way of counting: the cycle collector is
    off while the sample runs and the garbage is collected after the timer
    stops, so the sample is the engine's own work alone.
    """

    def __init__(self, name: str, setup: Callable[[], object], run: Callable[[object], object],
                 number: int = 1, cleanup: Optional[Callable[[object], None]] = None,
                 collect_inside: bool = False, collector: bool = True) -> None:
        self.name = name
        self.setup = setup
        self.run = run
        self.number = number
        self.cleanup = cleanup
        self.collect_inside = collect_inside and collector
        self.collector = collector


def _clean(case: Case, state) -> None:
    if case.cleanup is not None:
        case.cleanup(state)
    del state
    gc.collect()


def alternate(cases: List[Case], repeats: int, warmup: int = 1) -> Dict[str, float]:
    """Median seconds per ``run`` call of each case, the cases taking turns ``repeats`` times."""
    samples: Dict[str, List[float]] = {c.name: [] for c in cases}
    for round_ in range(warmup + repeats):
        for case in cases:
            state = case.setup()
            run = case.run
            number = case.number
            gc.collect()  # every sample starts from a collected heap
            if not case.collector:
                gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(number):
                    run(state)
                if case.collect_inside:
                    gc.collect()
                elapsed = (time.perf_counter() - start) / number
            finally:
                gc.enable()
            _clean(case, state)
            if round_ >= warmup:
                samples[case.name].append(elapsed)
    return {name: statistics.median(s) for name, s in samples.items()}
