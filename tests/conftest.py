"""Shared fixtures: the bundled corpus and temporary index directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Every test that ingests the bundled corpus shares one embedding cache: embedded once per session.
_SHARED_CACHE_DIR = None
if "POLICYKB_EMBEDDING_CACHE" not in os.environ:
    import tempfile

    _SHARED_CACHE_DIR = tempfile.TemporaryDirectory(prefix="policykb-test-embeddings-")
    os.environ["POLICYKB_EMBEDDING_CACHE"] = os.path.join(_SHARED_CACHE_DIR.name, "embeddings.sqlite")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `policykb ARGS` in a new process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "policykb.cli", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, timeout=600,
    )


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested once per test session. Read-only: copy it to change it."""
    from policykb.ingest import ingest

    index = tmp_path_factory.mktemp("corpus-index") / "index"
    report = ingest([CORPUS], index)
    assert not report.failed, report.failed
    return index


@pytest.fixture(scope="session")
def built_pdfs(tmp_path_factory) -> dict:
    """The three reportlab fixture layouts (report, twocol, plain), 6 pages each, with ground truth."""
    from pdf_builders import build_pdf

    folder = tmp_path_factory.mktemp("built_pdfs")
    out = {}
    for layout, seed in (("report", 3), ("twocol", 11), ("plain", 5)):
        path = folder / f"{layout}.pdf"
        out[layout] = (path, build_pdf(path, layout=layout, pages=6, seed=seed))
    return out


@pytest.fixture(scope="session")
def real_pdfs() -> Path:
    return FIXTURES / "pdfs"


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested once per test session (embedding it takes about a minute)."""
    from policykb.ingest import ingest

    index = tmp_path_factory.mktemp("corpus-index") / "index"
    report = ingest([str(CORPUS)], index)
    assert not report.failed, report.failed
    return index


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
