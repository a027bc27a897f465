"""Copying an index directory that this process may hold open."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_index(source: Path, target: Path) -> Path:
    """Copy an index directory safely while this process may hold connections to it.

    The store goes through SQLite's backup API: copying the database files with plain file I/O
    would close file descriptors of a database this process has open, which drops SQLite's
    POSIX locks on it (and then a writer may reset the WAL under a reader). Uploads are left out.
    """
    import sqlite3

    from policykb.config import DB_FILENAME

    target.mkdir(parents=True)
    src = sqlite3.connect(f"{(source / DB_FILENAME).resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target / DB_FILENAME)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()
    for item in source.iterdir():
        if item.is_file() and not item.name.startswith(DB_FILENAME):
            shutil.copy2(item, target / item.name)
    return target
