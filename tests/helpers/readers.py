"""Stand-in readers for the ingest's worker pool (module level, so a spawned worker can import them)."""

from __future__ import annotations

import os
from pathlib import Path


def crash_on_b(path: Path, manifest, doc_id, ocr, max_bytes, progress=None):  # noqa: ANN001, ANN201
    """Reads like the real reader, except that the worker process dies on a file named b.txt."""
    from policykb.ingest import _read_file

    if path.name == "b.txt":
        os._exit(1)
    return _read_file(path, manifest, doc_id, ocr, max_bytes, progress)
