"""Passage ids survive a re-ingest of unchanged text, and a document is found by any of its names
(issue 17.10): id, file name, identifier in any spelling the reference parser reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.errors import NotFoundError
from policykb.ingest import ingest
from policykb.query.search.searcher import search
from policykb.store import Store

SECTIONS = {
    "Tillämpningsområde": "Dessa föreskrifter gäller arbete där arbetstagare kan utsättas för kemiska riskkällor. "
    "Arbetsgivaren ska undersöka och bedöma riskerna.",
    "Riskbedömning": "Arbetsgivaren ska dokumentera riskbedömningen skriftligt och se till att den hålls aktuell. "
    "Bedömningen ska göras om när förhållandena ändras.",
    "Hygieniska gränsvärden": "Gränsvärdena för luftföroreningar anges i bilaga 1. Mätningar ska göras "
    "av en person med kunskap om mätmetoder och provtagningsstrategi.",
}


def _write(folder: Path, sections: dict[str, str]) -> None:
    body = "# Arbetsmiljöverkets föreskrifter om kemiska arbetsmiljörisker\n\n"
    body += "".join(f"## {heading}\n\n{text}\n\n" for heading, text in sections.items())
    (folder / "afs-2023-15.md").write_text(body, encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps({"documents": [{"file": "afs-2023-15.md", "identifier": "AFS 2023:15", "kind": "regulation"}]}),
        encoding="utf-8",
    )


def _ids(index_dir: Path) -> dict[str, int]:
    with Store.open(index_dir, create=False, readonly=True) as store:
        return {r["heading"]: r["passage_id"] for r in store.conn.execute("SELECT heading, passage_id FROM passages")}


def test_unchanged_passages_keep_their_ids_across_reingest(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, SECTIONS)
    assert not ingest([folder], index_dir).failed
    before = _ids(index_dir)
    assert len(before) == 3
    assert all(0 < pid < 2**53 for pid in before.values())

    # A fresh index built from the same file gives the same ids (nothing depends on insert order).
    other = tmp_path / "other-index"
    ingest([folder], other)
    assert _ids(other) == before

    changed = dict(SECTIONS, Riskbedömning="Arbetsgivaren ska dokumentera riskbedömningen i ett särskilt protokoll.")
    _write(folder, changed)
    report = ingest([folder], index_dir)
    assert report.replaced == ["afs-2023-15.md"]
    after = _ids(index_dir)
    unchanged = [h for h in before if not h.endswith("Riskbedömning")]
    assert len(unchanged) == 2
    for heading in unchanged:
        assert after[heading] == before[heading], heading
    changed_heading = next(h for h in before if h.endswith("Riskbedömning"))
    assert after[changed_heading] != before[changed_heading]

    # The lexical index and the FAISS id map follow the ids: the kept passage is found under its
    # old id, the new text under the new id, the old text no more.
    hits = search(index_dir, "provtagningsstrategi mätmetoder", k=3, mode="lexical")
    assert hits and hits[0].passage_id == before[next(h for h in before if h.endswith("gränsvärden"))]
    assert [h.passage_id for h in search(index_dir, "protokoll", k=3, mode="lexical")][:1] == [after[changed_heading]]
    assert all(h.passage_id != before[changed_heading] for h in search(index_dir, "hålls aktuell", k=5, mode="lexical"))
    dense = search(index_dir, "gränsvärden för luftföroreningar", k=3, mode="dense")
    assert {h.passage_id for h in dense} <= set(after.values())
    meta = json.loads((index_dir / "vectors.json").read_text(encoding="utf-8"))
    assert sorted(meta["passage_ids"]) == sorted(after.values())


@pytest.mark.parametrize("name", ["afs-2023-15.md", "AFS 2023:15", "afs 2023:15", "AFS  2023:15", "Arbetsmiljöverkets föreskrifter AFS 2023:15"])
def test_a_document_is_found_by_id_file_name_and_identifier(tmp_path: Path, index_dir: Path, name: str):
    from fastapi.testclient import TestClient

    from policykb.api.app import create_app
    from policykb.query.documents import document_summary
    from policykb.query.export import export_document

    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, SECTIONS)
    ingest([folder], index_dir)
    assert document_summary(index_dir, name)["document"]["doc_id"] == "afs-2023-15.md"
    with Store.open(index_dir, create=False, readonly=True) as store:
        exported = export_document(store, name, "json")
        assert exported["doc"]["identifier"] == "AFS 2023:15"
        assert any(b["text"].startswith("Arbetsgivaren ska dokumentera") for p in exported["pages"] for b in p["body"])
    with TestClient(create_app(index_dir, api_key="")) as client:
        answer = client.get(f"/documents/{name}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["doc_id"] == "afs-2023-15.md"
        exported = client.get(f"/documents/{name}/export", params={"format": "txt"})
        assert exported.status_code == 200 and "kemiska riskkällor" in exported.text


def test_unknown_and_ambiguous_names_are_clear_errors(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, SECTIONS)
    (folder / "kopia.md").write_text("Kopia\n\nSamma föreskrift.\n", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({"file": "kopia.md", "identifier": "AFS 2023:15"})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    ingest([folder], index_dir)
    with Store.open(index_dir, create=False, readonly=True) as store:
        with pytest.raises(NotFoundError, match="names 2 documents"):
            store.resolve_document("AFS 2023:15")
        with pytest.raises(NotFoundError, match="no document with id 'AFS 2099:1'"):
            store.resolve_document("AFS 2099:1")
        assert store.resolve_document("kopia.md").doc_id == "kopia.md"


def test_footnote_text_finds_the_passage_that_carries_its_marker(tmp_path: Path, index_dir: Path):
    # a corpus-style text dump: the footnote block after a line of spaces, the marker glued to the word
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.txt").write_text(
        " Ansvar för hälso- och sjukvård i hemmet\n\n"
        "Kommunen ansvarar för hälso- och sjukvården i ordinärt boende efter överenskommelse.7\n"
        "Regionen ansvarar för läkarinsatserna.\n\n"
        "                                                        \n"
        "7 Prop. 1993/94:149 s. 71, den så kallade Ädelreformens förarbeten.\n",
        encoding="utf-8",
    )
    assert not ingest([folder], index_dir).failed
    hits = search(index_dir, "Ädelreformens förarbeten", k=3, mode="lexical")
    assert hits and "efter överenskommelse" in hits[0].text
