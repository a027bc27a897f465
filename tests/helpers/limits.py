"""Running a script under a memory ceiling: a bad input that makes memory grow with its size
fails there with MemoryError instead of taking the machine down."""

from __future__ import annotations

import subprocess
import sys
import textwrap

GIB = 1 << 30


def run_with_memory_limit(script: str, *, limit_bytes: int = 3 * GIB // 2, timeout: float = 300):
    """Run `script` (Python source) in a new interpreter whose address space is capped at
    `limit_bytes` (RLIMIT_AS, set before anything is imported). Returns the CompletedProcess."""
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({int(limit_bytes)}, {int(limit_bytes)}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        capture_output=True, text=True, timeout=timeout,
    )
