"""What a consultation is made of: proposals, the evidence for each, the provisions they cite."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    provision_text: str | None = None  # the section's own text, where its act was fetched as a statute


@dataclass
class Proposal:
    number: int
    label: str | None
    kind: str  # table-row | numbered | labelled | section | sentence
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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("spans")
        return data


@dataclass
class Consultation:
    document: dict[str, Any]
    proposals: list[Proposal]
    warnings: list[str] = field(default_factory=list)
    # documents whose page positions mean nothing (text without page breaks): cited without a page
    unpaged: set[str] = field(default_factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "proposals": [p.to_dict() for p in self.proposals],
            "warnings": self.warnings,
        }
