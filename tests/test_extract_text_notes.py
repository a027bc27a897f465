"""Footnotes the PDF-to-text dump left in awkward places: recovered, so their markers link up.

Requirement tracing rests on these: a sentence whose footnote is lost cannot be traced.
"""

from __future__ import annotations

from pathlib import Path

from policykb.extract import extract
from policykb.extract.text import parse_text_pages

SEPARATOR = " " * 56

# Double-spaced body; a note cut by a blank line and continued; two more notes after it; a
# running page header with a number that is not a note.
CUT_NOTE = (
    " Närstående ska få möjlighet att medverka vid utformningen av vården.54 \n\n"
    "Kommunerna är också skyldiga att erbjuda anhörigstöd enligt SoL.55 \n\n"
    "Personalen ska utföra sitt arbete med omsorg.53 \n\n"
    "Det gäller all personal i hemmet som ger vård. \n\n"
    f"{SEPARATOR}\n"
    "53 Av 6 kap. 1 § PSL följer att hälso- och sjukvårdspersonalen ska utföra sitt arbete i överensstämmelse med vetenskap och\n"
    "\n"
    "beprövad erfarenhet. En patient ska ges en sakkunnig och omsorgsfull hälso- och sjukvård som uppfyller dessa krav. \n"
    "54 5 kap. 3 § PL. \n"
    "55 5 kap. 10 § SoL. \n"
    "\n"
    "30 HÄLSO- OCH SJUKVÅRD I HEMMET \n\n"
    "SOCIALSTYRELSEN \n\n"
    " Barn som anhöriga \n\n"
    "Barn som anhöriga är särskilt sårbara. \n\n"
)

# No separator line at all: the notes follow the body directly, then a fact box with its own
# numbering restarting at 1.
UNSEPARATED = (
    " Fast läkarkontakt \n\n"
    "Ambitionen är att andelen som har en fast läkarkontakt ska öka.43 En patient ska få \n\n"
    "möjlighet att välja en fast läkarkontakt hos den utförare som patienten valt.44 \n\n"
    "Det finns ett värde för patienten att kunna välja.45 \n\n"
    "43 Prop. 2019/20:164 s. 29 ff. \n"
    "44 6 kap. 3 § PL \n"
    "45 Regeringens proposition Primärvård, privata vårdgivare m.m. 1994/95:195, s. 41. \n\n"
    "Fast läkarkontakt \n\n"
    "En patient ska få tillgång till en fast läkarkontakt genom listning.1 Behovet kan \n\n"
    "vara extra stort för personer med kroniska sjukdomar.2 \n"
    "1 6 kap. 3 § PL. \n\n"
    "2 Prop. 2019/20:164 s. 28-30. \n"
    " Fast vårdkontakt \n\n"
    "En fast vårdkontakt ska utses om patienten begär det.48 \n\n"
    f"{SEPARATOR}\n"
    "48 6 kap. 2 § PL. \n"
)


def _notes(pages):
    return [(p.index, f.number, f.text) for p in pages for f in p.footnotes]


def _marker_numbers(pages):
    return [(p.index, n) for p in pages for b in p.blocks for _, n in b.markers]


def test_a_note_cut_by_a_blank_line_is_joined_and_the_numbering_goes_on():
    pages = parse_text_pages(CUT_NOTE)
    notes = {n: t for _, n, t in _notes(pages)}
    assert sorted(notes) == [53, 54, 55]
    assert notes[53].endswith("vetenskap och beprövad erfarenhet. En patient ska ges en sakkunnig och omsorgsfull "
                              "hälso- och sjukvård som uppfyller dessa krav.")
    assert notes[54] == "5 kap. 3 § PL." and notes[55] == "5 kap. 10 § SoL."
    # the running header is neither a note nor part of one
    assert "HÄLSO- OCH SJUKVÅRD" not in " ".join(notes.values())
    assert sorted(n for _, n in _marker_numbers(pages)) == [53, 54, 55]
    body = " ".join(p.text for p in pages)
    assert "En patient ska ges" not in body  # the note's text does not leak into the body


def test_notes_without_a_separator_line_are_recognised_by_their_markers():
    pages = parse_text_pages(UNSEPARATED)
    notes = _notes(pages)
    numbers = [n for _, n, _ in notes]
    assert numbers == [43, 44, 45, 1, 2, 48]
    by_number = {(n, t) for _, n, t in notes}
    assert (44, "6 kap. 3 § PL") in by_number and (1, "6 kap. 3 § PL.") in by_number
    # each marker is linked to the note on its own page (the box restarts at 1)
    page_of_note = {(i, n) for i, n, _ in notes}
    for page, number in _marker_numbers(pages):
        assert (page, number) in page_of_note
    assert sorted(n for _, n in _marker_numbers(pages)) == [1, 2, 43, 44, 45, 48]
    assert "6 kap. 3 §" not in " ".join(p.text for p in pages)


def test_a_numbered_line_without_a_waiting_marker_stays_body_text():
    text = (
        "Kommunen rapporterade många vårdåtgärder år 2021. \n\n"
        "12 300 000 vårdåtgärder gällde cirka 280 000 patienter. \n\n"
    )
    pages = parse_text_pages(text)
    assert _notes(pages) == []
    assert "12 300 000 vårdåtgärder" in pages[0].text


def test_bundled_guidance_keeps_every_note(corpus_dir: Path):
    doc = extract(corpus_dir / "004_2be6a2c697e985af.txt")
    numbers = {f.number for p in doc.pages for f in p.footnotes}
    assert set(range(1, 149)) <= numbers
    linked = {n for p in doc.pages for b in p.blocks for _, n in b.markers}
    assert len(numbers - linked) <= 5
