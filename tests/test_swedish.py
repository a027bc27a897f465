"""swedish/: the text tools every reader shares. The line-joining rule is one rule set: the PDF
reader and the text reader give the same words for the same wrapped lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.extract import extract
from policykb.swedish.hyphenation import join_lines
from policykb.swedish.text import bounded_segments, check_text, paragraph_spans
from policykb.errors import InputError, TooLargeError

# (first line, second line, the joined text a reader must give)
WRAPPED = [
    ("tillgång till akutsjuk-", "vården dygnet runt i hela landet.", "akutsjukvården"),
    ("arbetet med Icke-", "legitimerad personal i kommunen.", "Icke-legitimerad"),
    ("den kommunala hälso-", "och sjukvården ansvarar för detta.", "hälso- och sjukvården"),
    ("krav enligt EU-", "lagstiftningen om dataskydd gäller.", "EU-lagstiftningen"),
    ("stöd genom e-", "hälsa och digitala tjänster till alla.", "e-hälsa"),
    ("insatser för barn-,", "ungdoms- och äldrefrågor i regionen.", "barn-, ungdoms-"),
    ("arbetet med e-hälso-", "tjänster ska utvecklas vidare i år.", "e-hälsotjänster"),
    ("har ett själv-", "ständigt ansvar för uppgifterna i år.", "självständigt"),
    ("beskriver ex-", "empelvis att hela den psykiska vården.", "exempelvis"),
    ("som beslutas av Reg-", "ionen efter samråd med kommunerna.", "Regionen"),
]


@pytest.mark.parametrize("first,second,expected", WRAPPED)
def test_join_lines_rule(first, second, expected):
    joined, start = join_lines(first, second)
    assert expected in joined
    assert joined[start:] == second


def _build_pdf(path: Path, pairs: list[tuple[str, str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    y = 780
    for first, second in pairs:
        c.setFont("Helvetica", 11)
        c.drawString(72, y, first)
        c.drawString(72, y - 14, second)
        y -= 50  # a paragraph gap between the pairs
    c.save()


def test_pdf_and_text_readers_join_the_same_lines_into_the_same_words(tmp_path: Path):
    pairs = [(a, b) for a, b, _ in WRAPPED]
    pdf = tmp_path / "lines.pdf"
    _build_pdf(pdf, pairs)
    txt = tmp_path / "lines.txt"
    txt.write_text("\n\n".join(f"{a}\n{b}" for a, b in pairs) + "\n", encoding="utf-8")

    def words(path: Path) -> list[str]:
        doc = extract(path, ocr="never")
        return " ".join(b.text for page in doc.pages for b in page.blocks).split()

    from_pdf, from_text = words(pdf), words(txt)
    assert from_pdf == from_text
    for _, _, expected in WRAPPED:
        assert expected in " ".join(from_pdf)


def test_text_guard_and_paragraph_spans():
    with pytest.raises(InputError):
        check_text(b"bytes", streamed_by="x")
    with pytest.raises(TooLargeError, match="stream it"):
        check_text("a" * 5_000_001, streamed_by="stream it")
    text = "Ett stycke.\n\nEtt annat\nstycke.\n \nSista."
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["Ett stycke.", "Ett annat\nstycke.", "Sista."]
    long = ("ord " * 40 + "\n\n") * 50
    segments = bounded_segments(long, 500)
    assert segments[0][0] == 0 and segments[-1][1] == len(long)
    assert all(b - a <= 500 for a, b in segments)
    assert all(segments[i][1] == segments[i + 1][0] for i in range(len(segments) - 1))
