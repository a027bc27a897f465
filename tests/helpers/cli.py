"""Running the `policykb` command as a user would: in a new process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `policykb ARGS` in a new process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "policykb.cli", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, timeout=600,
    )
