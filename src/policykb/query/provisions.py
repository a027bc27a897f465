"""The text of a cited provision, where its act is in the index as a document of its own.

A statute fetched from Riksdagen (`policykb fetch "SFS 2017:30"`) is stored with its sections as
passages under headings `legal.statute.provision_of` reads back (`… › 2 kap. Definitioner › 1 §`).
`provision_texts(store, canonicals)` answers, for the sections among `canonicals` whose act is
such a document, the section's own text (its passages joined in order); `xref`, `trace` and the
remissvar helper show it as `provision_text` next to the passages that cite it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from policykb.legal.canonical import hierarchy
from policykb.legal.statute import provision_of
from policykb.store import Store


def statute_sections(store: Store, act: str) -> dict[str, str]:
    """{section canonical: text} of the act `act` (`SFS 2017:30`) if a statute document of it is
    in the index, else {}. With several versions of one act stored, the latest ingested wins."""
    rows = store.conn.execute(
        "SELECT d.doc_id FROM document_identifiers i JOIN documents d ON d.doc_id = i.doc_id "
        "WHERE i.canonical = ? AND d.kind = 'statute' ORDER BY d.ingested_at DESC, d.doc_id LIMIT 1",
        (act,),
    ).fetchall()
    if not rows:
        return {}
    sections: dict[str, list[str]] = {}
    for heading_path, text in store.conn.execute(
        "SELECT heading_path, text FROM passages WHERE doc_id = ? ORDER BY ordinal", (rows[0][0],)
    ):
        canonical = provision_of(act, json.loads(heading_path))
        if canonical is not None:
            sections.setdefault(canonical, []).append(text)
    return {canonical: "\n\n".join(parts) for canonical, parts in sections.items()}


def provision_texts(store: Store, canonicals: Iterable[str]) -> dict[str, str]:
    """{canonical: the section's own text} for the sections among `canonicals` whose act is
    stored as a statute document; other references (and acts not fetched) are left out."""
    texts = ProvisionTexts(store)
    return {c: text for c in dict.fromkeys(canonicals) if (text := texts.get(c)) is not None}


class ProvisionTexts:
    """`provision_texts` with the sections of each act read once, for answers that ask act by act."""

    def __init__(self, store: Store):
        self.store = store
        self._acts: dict[str, dict[str, str]] = {}

    def get(self, canonical: str) -> str | None:
        levels = hierarchy(canonical)
        if levels[0][0] != "section" or levels[-1][0] != "act":
            return None
        act = levels[-1][1]
        if act not in self._acts:
            self._acts[act] = statute_sections(self.store, act)
        return self._acts[act].get(canonical)
