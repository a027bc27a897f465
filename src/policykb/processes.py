"""Worker processes: spawned, never forked, and dying with the process that started them.

Used by the ingest (one reader process per file) and by the PDF reader (page ranges of one
large PDF). Spawned because a fork of a process holding SQLite connections and BLAS threads can
deadlock; tied to their parent's life because a parent killed with kill -9 (or by the OOM
killer) would otherwise leave them running.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def die_with_parent() -> None:
    """In a worker: ask Linux to send SIGTERM when the parent dies (no-op elsewhere)."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def can_start_processes() -> bool:
    """False in a daemonic process (the API's ingest job runs in one): it may not have children."""
    return not multiprocessing.current_process().daemon


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent
    )


def core_count() -> int:
    return max(1, os.cpu_count() or 1)
