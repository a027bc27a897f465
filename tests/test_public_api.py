"""`import policykb` gives the pipeline's steps and the questions, lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_import_is_light_and_names_resolve_lazily():
    code = (
        "import sys, policykb\n"
        "heavy = [m for m in ('spacy', 'faiss', 'numpy', 'pdfplumber', 'pypdfium2', 'fastapi') if m in sys.modules]\n"
        "print(heavy)\n"
        "print(sorted(n for n in policykb.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "[]"
    for name in ("ingest", "extract", "annotate", "chunk", "Store", "search", "xref", "trace", "consult",
                 "find_references", "find_entities"):
        assert name in out[1]


def test_steps_are_callable_even_after_their_module_was_imported():
    import policykb
    import policykb.extract.pdf.reader  # noqa: F401 (imports the `extract` package as a module first)
    from policykb.ingest import IngestReport  # noqa: F401

    for name in ("ingest", "extract", "annotate", "chunk", "consult"):
        assert callable(getattr(policykb, name)), name
    assert policykb.find_references("enligt 5 kap. 7 § HSL")[0].canonical == "SFS 2017:30 5 kap. 7 §"
    assert [m.label for m in policykb.find_entities("MAS:en och SIP")] == ["ROLE:MAS", "PLAN:SIP"]


def test_the_readme_example_runs(tmp_path: Path):
    import policykb

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Rehabilitering i hemmet\n\nKommunen ansvarar enligt 12 kap. 1 § HSL för rehabilitering i hemmet. "
        "Regionen ska enligt 2 kap. 3 § HSL erbjuda en god hälso- och sjukvård.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = policykb.ingest([folder], index)
    assert report.added == ["a.txt"]
    doc = policykb.extract(folder / "a.txt")
    assert policykb.chunk(doc) and policykb.annotate(doc).items
    hits = policykb.search(index, "rehabilitering i hemmet", k=3)
    assert hits and hits[0].doc_id == "a.txt"
    with policykb.Store.open(index, create=False, readonly=True) as store:
        assert policykb.xref(store, "2 kap. 3 § HSL")["citations"] == 1
        rows = policykb.trace(store, actor="region")
        assert rows and rows[0]["sources"] == ["SFS 2017:30 2 kap. 3 §"]
