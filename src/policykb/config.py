"""Settings shared by the core and both front ends, with their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_DIR_ENV = "POLICYKB_INDEX_DIR"
MAX_FILE_BYTES_ENV = "POLICYKB_MAX_FILE_BYTES"

DEFAULT_INDEX_DIR = Path("index")
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
DB_FILENAME = "policykb.sqlite"
VECTORS_FILENAME = "vectors.faiss"
VECTORS_META_FILENAME = "vectors.json"

SUPPORTED_SUFFIXES = {".pdf", ".txt", ".md", ".html", ".htm"}


def resolve_index_dir(value: str | os.PathLike | None = None) -> Path:
    """The index directory: an explicit value, else $POLICYKB_INDEX_DIR, else ./index."""
    if value:
        return Path(value)
    env = os.environ.get(INDEX_DIR_ENV)
    return Path(env) if env else DEFAULT_INDEX_DIR


def max_file_bytes() -> int:
    env = os.environ.get(MAX_FILE_BYTES_ENV)
    if env:
        try:
            return int(env)
        except ValueError:
            pass
    return DEFAULT_MAX_FILE_BYTES
