"""Which optional engines are installed: micrograd (benchmark-only) and PyTorch."""

from __future__ import annotations

try:
    import micrograd.engine as micrograd_engine
    import micrograd.nn as micrograd_nn
except ImportError:  # pip install "autonn-scalar[bench]"
    micrograd_engine = micrograd_nn = None

try:
    import torch
except ImportError:  # optional: pip install torch==2.13.0 (a CPU wheel)
    torch = None

NOTES = []
if torch is not None:
    # The workloads are far too small to gain from intra-op threads, and on a
    # shared 2-core machine extra threads only contend (which would slow
    # PyTorch down, not autonn).
    torch.set_num_threads(1)
    NOTES.append("PyTorch runs on 1 thread")
if micrograd_engine is None:
    NOTES.append('micrograd is not installed (pip install "autonn-scalar[bench]"): its columns are skipped')
if torch is None:
    NOTES.append("PyTorch is not installed: its columns are skipped")
