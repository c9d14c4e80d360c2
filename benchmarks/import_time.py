"""How long ``import autonn`` takes in a fresh interpreter, against ``import numpy`` alone.

Each sample starts a new Python process that imports one thing and exits; the
two commands take turns (numpy, autonn, numpy, ...) and the medians are
compared.  Both samples include the interpreter's own start-up, so the
difference is what autonn adds on top of numpy (which it imports).  A sample
is the CPU time the process used (user + system, from ``getrusage``), which a
busy shared machine disturbs far less than the wall-clock time (used where
``resource`` does not exist, on Windows).

Bytecode is cached as an installed package has it: the processes write their
``.pyc`` files to a temporary folder (``PYTHONPYCACHEPREFIX``, even when
``PYTHONDONTWRITEBYTECODE`` is set here), filled by a first, untimed round.

    python benchmarks/import_time.py            # 21 rounds
    python benchmarks/run.py --import-time      # the same, as a row of the table
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import resource
except ImportError:  # Windows: wall-clock time instead
    resource = None  # type: ignore[assignment]
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: What ``import autonn`` may add to numpy's own import time, in seconds.
BUDGET = 0.040

COMMANDS = {"numpy": "import numpy", "autonn": "import autonn"}


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sample(code: str, env: Dict[str, str]) -> float:
    clock = time.perf_counter if resource is None else _cpu_of_children
    start = clock()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return clock() - start


def import_times(rounds: int = 21) -> Dict[str, float]:
    """Median seconds of a fresh interpreter running each of :data:`COMMANDS`, taking turns."""
    env = dict(os.environ)
    # this checkout's autonn, not whichever one is installed
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples: Dict[str, List[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="autonn-pycache-") as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        for round_ in range(rounds + 1):
            for name, code in COMMANDS.items():
                seconds = _sample(code, env)
                if round_:  # the first round writes the bytecode and warms the file cache
                    samples[name].append(seconds)
    return {name: statistics.median(s) for name, s in samples.items()}


def main() -> int:
    times = import_times()
    extra = times["autonn"] - times["numpy"]
    print(f"fresh interpreter, CPU time, medians of 21 alternating rounds: import numpy {times['numpy'] * 1e3:.1f} ms, "
          f"import autonn {times['autonn'] * 1e3:.1f} ms")
    print(f"autonn adds {extra * 1e3:.1f} ms to numpy's import (target: at most {BUDGET * 1e3:.0f} ms): "
          + ("met" if extra <= BUDGET else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
