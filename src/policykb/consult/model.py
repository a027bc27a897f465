"""What a consultation is made of: proposals, the evidence for each, the provisions they cite."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# What a piece of evidence does for the reader of a remissvar (issue 18): what the law says,
# what an authority advises, what other reports found. The order is the order they are shown in.
EVIDENCE_GROUPS = {"law": "Gällande rätt", "guidance": "Myndigheters vägledning", "report": "Andra rapporter och utredningar"}

# Headings of a report's apparatus (regular-expression alternatives): its contents, preface, sources
# and who took part. Neither proposals (`proposals.SKIP_SECTION`) nor evidence (`evidence.FRONT_MATTER`)
# are read from under them; each adds the sections only it leaves out.
APPARATUS_HEADINGS = (
    r"innehåll(?:sförteckning)?", "förord", "referenser", "källor", r"litteratur(?:förteckning)?", "bilagor?",
    "deltagare", "externa granskare", "projektdeltagare", "projektledning",
)


def document_references(text: str) -> list[Any]:
    """The references in `text` to a report, bill, memorandum, directive or committee report by its
    identifier (`prop. 2019/20:164`, `SOU 2020:19`), not to acts: what tells a list of sources, or
    an account of another document's proposal, from the document's own words."""
    from policykb.legal import find_references
    from policykb.legal.canonical import DOCUMENT_PREFIX

    return [ref for ref in find_references(text) if ref.kind in DOCUMENT_PREFIX]


@dataclass
class Evidence:
    doc_id: str
    title: str | None
    identifier: str | None
    publisher: str | None
    page: int
    printed_page: str | None
    passage_id: int
    heading: str
    quote: str
    score: float
    group: str = "report"  # a key of EVIDENCE_GROUPS
    url: str | None = None  # a link a person can open (lagen.nu for SOU, prop. …), at the page where it has one
    matched: list[str] = field(default_factory=list)  # the proposal's subject terms the quote shares


@dataclass
class CitingDocument:
    doc_id: str
    title: str | None
    identifier: str | None
    count: int
    pages: list[int]


@dataclass
class Provision:
    canonical: str
    kind: str
    url: str
    as_written: str
    cited_elsewhere: int
    citing_documents: list[CitingDocument]
    via: str = "proposal"  # "proposal": the proposal cites it; "evidence": an evidence passage (or its footnote) does
    provision_text: str | None = None  # the provision's own words where the statute is in the index


@dataclass
class Proposal:
    number: int
    label: str | None
    kind: str  # table-row | numbered | labelled | section | sentence | provision
    heading: str
    context: str | None
    text: str
    page: int
    printed_page: str | None
    passage_id: int | None
    evidence: list[Evidence] = field(default_factory=list)
    provisions: list[Provision] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    # where the proposal is in the store: (block_id, start, end) in block text
    spans: list[tuple[int, int, int]] = field(default_factory=list, repr=False)
    id: str = ""  # stable across runs: the key of a user's answer (see `assign_ids`)
    level: str | None = None  # fokusområde | delmål | åtgärd where the document has those levels
    actor: str | None = None  # who the document says should carry it out (a table's responsible-actor column)
    when: str | None = None  # when (a table's time column)
    evidence_note: str | None = None  # why no evidence is shown ("no evidence found" said honestly)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("spans")
        return data


def assign_ids(doc_id: str, proposals: list[Proposal]) -> None:
    """Give each proposal an id that stays the same when the draft is made again: a hash of the
    document, the proposal's label, heading and text (not its position, which shifts when the
    splitting finds one more), with `-2`, `-3` … for a proposal stated twice word for word."""
    seen: dict[str, int] = {}
    for p in proposals:
        digest = hashlib.sha1("\x1f".join((doc_id, p.label or "", p.heading, p.text)).encode("utf-8")).hexdigest()[:10]
        base = f"{p.label}-{digest}" if p.label else f"p-{digest}"
        seen[base] = seen.get(base, 0) + 1
        p.id = base if seen[base] == 1 else f"{base}-{seen[base]}"


@dataclass
class Consultation:
    document: dict[str, Any]
    proposals: list[Proposal]
    warnings: list[str] = field(default_factory=list)
    # documents whose page positions mean nothing (text without page breaks): cited without a page
    unpaged: set[str] = field(default_factory=set, repr=False)
    # what the remiss says about itself: title, identifier, diarienummer, deadline, remissinstanser
    remiss: dict[str, Any] = field(default_factory=dict)
    # the document's headings, offered when no proposal is found
    headings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "remiss": self.remiss,
            "proposals": [p.to_dict() for p in self.proposals],
            "warnings": self.warnings,
            "headings": self.headings,
        }
