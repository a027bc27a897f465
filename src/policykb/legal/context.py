"""Per-document state of the reference parser.

A document is tagged block by block, in reading order, with one `ReferenceContext`: an
abbreviation or a name defined in an earlier block (`patientsäkerhetslagen (2010:659), PSL`)
applies to later ones, and `samma lag` / `a. prop.` find the act or proposition named last.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Definition:
    act_id: str
    block: int  # ordinal of the block (call) that taught it
    position: int  # offset in that block where the definition ends


@dataclass
class ReferenceContext:
    """State carried from block to block of one document.

    date: the document date (ISO or prefix) used to resolve SoL, HSL, kommunallagen ...
    base_act: the SFS number of the act the text itself belongs to, if any; provisions
        with no act named (`7 kap. 22 §`, `första stycket`) then refer to it. Leave it None
        for policy documents: there a bare `§` with no act is not a reference.
    """

    date: str | None = None
    base_act: str | None = None
    abbreviations: dict[str, list[Definition]] = field(default_factory=dict)
    names: dict[str, list[Definition]] = field(default_factory=dict)
    last_act: str | None = None
    last_by_kind: dict[str, str] = field(default_factory=dict)  # "lag" | "förordning" | "balk" -> act id
    last_document: dict[str, str] = field(default_factory=dict)  # kind -> canonical of the last one cited
    block_count: int = 0
    # acts cited with a chapter in this document: their sections are numbered within chapters, so a
    # `1–7 §§` with no chapter that names no act cannot be theirs
    chaptered: set[str] = field(default_factory=set)
    accept_weak_abbreviations: bool = False  # user queries: `PL` alone means patientlagen

    def learn_abbreviation(self, abbreviation: str, act_id: str, position: int) -> None:
        self.abbreviations.setdefault(abbreviation, []).append(Definition(act_id, self.block_count, position))

    def learn_name(self, name: str, act_id: str, position: int) -> None:
        key = " ".join(name.lower().split())
        self.names.setdefault(key, []).append(Definition(act_id, self.block_count, position))

    @staticmethod
    def _latest_before(definitions: list[Definition] | None, block: int, position: int) -> str | None:
        best = None
        for d in definitions or ():
            if (d.block, d.position) <= (block, position):
                best = d.act_id
        return best

    def abbreviation(self, abbreviation: str, position: int) -> str | None:
        return self._latest_before(self.abbreviations.get(abbreviation), self.block_count, position)

    def name(self, name: str, position: int) -> str | None:
        return self._latest_before(self.names.get(" ".join(name.lower().split())), self.block_count, position)

    def learned_abbreviations(self) -> frozenset[str]:
        return frozenset(self.abbreviations)

    def learned_names(self) -> frozenset[str]:
        return frozenset(self.names)
