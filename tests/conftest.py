"""Shared fixtures: the bundled corpus and temporary index directories."""

from __future__ import annotations

import os
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

from helpers.paths import CORPUS, FIXTURES


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


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
    from helpers.pdf_builders import build_pdf

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
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One document whose title, publisher, id and sentences hold Rich markup, HTML, Markdown and
    spreadsheet formulas (helpers.hostile). Read-only."""
    from helpers.hostile import write_hostile_folder

    from policykb.ingest import ingest

    root = tmp_path_factory.mktemp("hostile")
    report = ingest([write_hostile_folder(root / "src")], root / "index")
    assert not report.failed and report.added, report.failed
    return root / "index"
