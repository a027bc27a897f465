"""Fixture PDFs built with reportlab, with the ground truth of what a faithful reader must return.

Three layouts, all of Swedish-like text with long compounds:
- report: serif 10 pt justified text with Swedish hyphenation (pyphen), 6.5 pt raised footnote
  markers, 8 pt footnotes under a rule, a running header, printed page numbers starting at 5, and
  one footnote that continues onto the next page;
- the same in two columns;
- plain: ragged 11 pt sans-serif paragraphs with headings and page numbers, no notes.

The builder typesets every line itself (like a word processor does), so it knows each page's body
words, its footnotes, which word each marker follows, which words it broke at a line end, and
which sentences lie wholly on one page.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN_X = 70.0
TOP_Y = 770.0  # first body baseline
BOTTOM_Y = 70.0  # lowest footnote baseline
HEADER_TEXT = "Vård och omsorg – lägesrapport 2024"
FIRST_PRINTED = 5

WORDS = (
    "vården omsorgen kommunen regionen patienten brukaren personalen verksamheten ansvaret uppdraget "
    "socialtjänsten socialnämnden vårdgivaren huvudmannen myndigheten inspektionen tillsynen kvaliteten "
    "säkerheten dokumentationen journalföringen läkemedelshanteringen delegeringen samordningen planeringen "
    "uppföljningen utvärderingen kompetensförsörjningen bemanningen utbildningen rehabiliteringen hemtjänsten "
    "äldreomsorgen funktionsnedsättning samverkansöverenskommelsen förutsättningarna medarbetarna "
    "sjuksköterskan undersköterskan arbetsterapeuten fysioterapeuten läkaren enhetschefen verksamhetschefen "
    "ska bör kan behöver får måste har hade är blir var "
    "och eller samt men att som för med till på om inom utan enligt genom mellan efter under vid av "
    "den det de en ett alla flera många varje samma egen särskild tydlig gemensam regional kommunal statlig "
    "långsiktig nationell kontinuerlig systematisk individuell fortsatt ökad minskad tillräcklig "
    "arbetet stödet insatserna riktlinjerna rutinerna föreskrifterna bestämmelserna kraven målen resultaten "
    "bedömningen beslutet ansökan behovet tryggheten delaktigheten självbestämmandet tillgängligheten "
    "informationsöverföringen vårdplaneringen omvårdnaden patientsäkerhetsarbetet egenkontrollen"
).split()
COMPOUND_PHRASES = [
    ("hälso-", "och", "sjukvården"),
    ("byggnads-", "eller", "anläggningsarbete"),
    ("vård-", "och", "omsorgsboende"),
    ("kommun-", "samt", "regionförbund"),
]
HEADINGS = [
    "Inledning", "Bakgrund och uppdrag", "Nuläge i kommunerna", "Ansvar och roller", "Samverkan mellan huvudmän",
    "Kompetens och bemanning", "Uppföljning och tillsyn", "Slutsatser", "Förslag till åtgärder", "Fortsatt arbete",
]


@dataclass
class PageTruth:
    index: int
    printed: str | None
    body_words: list[str] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)
    markers: list[tuple[int, str]] = field(default_factory=list)  # (number, word the marker follows)
    hyphenated: list[str] = field(default_factory=list)  # words broken at a line end on this page
    compounds: list[str] = field(default_factory=list)  # "hälso- och" phrases that met a line end
    sentences: list[str] = field(default_factory=list)  # sentences wholly on this page
    headings: list[str] = field(default_factory=list)


@dataclass
class Truth:
    layout: str
    pages: list[PageTruth]


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


# Short notes that recur word for word from page to page (issue 17.2): a reader that takes
# whatever repeats for running furniture loses them.
REPEATED_NOTES = ("Ibid.", "Se not {prev}.", "Källa: se referens 4.", "Ibid., s. 12.", "Se not {prev}.")


class _TextSource:
    def __init__(self, seed: int, notes: str = "mixed"):
        self.rng = random.Random(seed)
        self.note = 0
        self.notes = notes

    def sentence(self) -> list[str]:
        n = self.rng.randint(9, 22)
        out: list[str] = []
        while len(out) < n:
            if self.rng.random() < 0.06:
                out.extend(self.rng.choice(COMPOUND_PHRASES))
            else:
                out.append(self.rng.choice(WORDS))
        out[0] = out[0][0].upper() + out[0][1:]
        out[-1] = out[-1].rstrip("-") + "."
        if out[-1] in {"och.", "eller.", "samt."}:
            out[-1] = "arbetet."
        return out

    def paragraph(self) -> list[list[str]]:
        return [self.sentence() for _ in range(self.rng.randint(2, 5))]

    def footnote_text(self, number: int = 1) -> str:
        if self.notes == "repeated" and self.rng.random() < 0.85:
            return self.rng.choice(REPEATED_NOTES).format(prev=max(1, number - 1))
        kinds = [
            lambda: f"Se prop. 20{self.rng.randint(10, 24)}/{self.rng.randint(11, 25)}:{self.rng.randint(1, 250)} s. {self.rng.randint(5, 400)}.",
            lambda: f"Socialstyrelsen, {' '.join(self.rng.choice(WORDS) for _ in range(self.rng.randint(4, 9)))}, {self.rng.randint(2010, 2024)}.",
            lambda: " ".join(self.sentence()) + " " + " ".join(self.sentence()),
        ]
        return self.rng.choice(kinds)()


@dataclass
class _Word:
    text: str  # as printed (may end with "-" when broken)
    marker: int | None = None
    sentence_id: int = -1
    broken_from: str | None = None  # the whole word, when this is the first part of a break


def build_pdf(
    path: Path, *, layout: str = "report", pages: int = 4, seed: int = 7, notes: str = "mixed",
    note_numbers: str = "raised",
) -> Truth:
    """Write the fixture PDF to `path` and return its ground truth.

    `notes="repeated"`: most footnotes are short notes that recur word for word ("Ibid.",
    "Se not 3."). `note_numbers="inline"`: the number that opens a footnote is set at the note's
    own size on its baseline ("3 Ibid."), as many word processors export it, not raised."""
    from reportlab.pdfgen import canvas

    if layout not in {"report", "twocol", "plain"} or notes not in {"mixed", "repeated"} \
            or note_numbers not in {"raised", "inline"}:
        raise ValueError((layout, notes, note_numbers))
    builder = _Builder(path, layout, pages, seed, canvas)
    builder.src.notes = notes
    builder.note_numbers = note_numbers
    return builder.build()


class _Builder:
    def __init__(self, path: Path, layout: str, n_pages: int, seed: int, canvas_mod):
        import pyphen
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self.path = path
        self.layout = layout
        self.n_pages = n_pages
        self.src = _TextSource(seed)
        self.width = stringWidth
        self.hyph = pyphen.Pyphen(lang="sv_SE")
        self.canvas = canvas_mod.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
        self.canvas.setTitle("Lägesrapport vård och omsorg")
        plain = layout == "plain"
        self.font = "Helvetica" if plain else "Times-Roman"
        self.bold = "Helvetica-Bold" if plain else "Times-Bold"
        self.size = 11.0 if plain else 10.0
        self.leading = 14.0 if plain else 12.5
        self.notes_on = not plain
        self.note_numbers = "raised"
        text_w = PAGE_W - 2 * MARGIN_X
        if layout == "twocol":
            gutter = 20.0
            self.col_w = (text_w - gutter) / 2
            self.col_x = [MARGIN_X, MARGIN_X + self.col_w + gutter]
        else:
            self.col_w = text_w
            self.col_x = [MARGIN_X]
        self.sentences: dict[int, str] = {}
        self.sentence_pages: dict[int, set[int]] = {}
        self.sentence_len: dict[int, int] = {}
        self.sentence_placed: dict[int, int] = {}

    # -- text stream -------------------------------------------------------------------------

    def _stream(self):
        """Yield ('heading', text) and ('para', [_Word]) items forever."""
        heading_i = 0
        sid = 0
        while True:
            yield "heading", f"{heading_i + 1} {HEADINGS[heading_i % len(HEADINGS)]}"
            heading_i += 1
            for _ in range(self.src.rng.randint(2, 4)):
                words: list[_Word] = []
                for sentence in self.src.paragraph():
                    self.sentences[sid] = " ".join(sentence)
                    self.sentence_len[sid] = len(sentence)
                    for w in sentence:
                        words.append(_Word(w, sentence_id=sid))
                    sid += 1
                if self.notes_on:
                    for _ in range(self.src.rng.choice([0, 1, 1, 2])):
                        k = self.src.rng.randrange(len(words))
                        if words[k].text.endswith("-") or words[k].text in {"och", "eller", "samt"}:
                            continue
                        words[k].marker = -1  # numbered when placed
                yield "para", words

    # -- layout ------------------------------------------------------------------------------

    def build(self) -> Truth:
        truths: list[PageTruth] = []
        stream = self._stream()
        pending: list = []
        carry_note: list[str] | None = None  # footnote lines continuing from the previous page
        note_no = 0
        for p in range(self.n_pages):
            printed = str(FIRST_PRINTED + p)
            truth = PageTruth(p, printed)
            notes: list[tuple[int, list[str]]] = []
            note_lines = len(carry_note) if carry_note else 0
            placed_lines: list[tuple[int, float, list[_Word], bool, str]] = []  # (col, y, words, justify, font)
            col = 0
            y = TOP_Y
            split_here = self.notes_on and p == 1 and self.n_pages > 2  # a note continues onto page 3

            def body_floor() -> float:
                return BOTTOM_Y + (note_lines * 9.5 + 18 if note_lines else 0)

            while col < len(self.col_x):
                if not pending:
                    pending.append(next(stream))
                kind, item = pending[0]
                if kind == "heading":
                    need = 2.2 * self.leading
                    if y - need < body_floor() + 3 * self.leading:
                        col, y = col + 1, TOP_Y
                        continue
                    if y != TOP_Y:
                        y -= 0.8 * self.leading
                    placed_lines.append((col, y, [_Word(item)], False, "heading"))
                    truth.headings.append(item)
                    truth.body_words.extend(words_of(item))
                    y -= 1.6 * self.leading
                    pending.pop(0)
                    continue
                # a paragraph: set as many lines as fit in this column
                words: list[_Word] = item
                last_in_column = y - self.leading < body_floor()
                line, rest, whole = self._fill_line(words, hyphenate=not last_in_column and self.layout != "plain")
                # number markers on this line and reserve their notes
                extra_lines = 0
                new_notes = []
                for w in line:
                    if w.marker == -1:
                        note_no += 1
                        w.marker = note_no
                        text = self.src.footnote_text(note_no)
                        lines = self._wrap(text, self.col_w if self.layout != "twocol" else PAGE_W - 2 * MARGIN_X, "Times-Roman", 8.0)
                        new_notes.append((note_no, text, lines))
                        extra_lines += len(lines)
                lowest = min([y] + [ly for _, ly, _, _, _ in placed_lines])
                if extra_lines and lowest < body_floor() + extra_lines * 9.5 + (18 if not note_lines else 0):
                    for w in line:  # does not fit with its notes: undo numbering, next column
                        if w.marker is not None and w.marker > 0 and any(n[0] == w.marker for n in new_notes):
                            w.marker = -1
                    note_no -= len(new_notes)
                    col, y = col + 1, TOP_Y
                    continue
                for number, text, lines in new_notes:
                    notes.append((number, lines))
                    truth.footnotes[number] = text
                    note_lines += len(lines)
                justify = bool(rest) and self.layout != "plain"
                placed_lines.append((col, y, line, justify, "body"))
                for w in line:
                    if w.broken_from:
                        truth.hyphenated.append(w.broken_from.strip(".,").lower())
                    if w.marker:
                        truth.markers.append((w.marker, words_of(w.text)[-1]))
                y -= self.leading
                if rest:
                    pending[0] = ("para", rest)
                else:
                    pending.pop(0)
                    y -= 0.6 * self.leading  # space between paragraphs
                if y < body_floor():
                    col, y = col + 1, TOP_Y
            # body words and sentences of this page
            for _, _, line, _, kind in placed_lines:
                if kind != "body":
                    continue
                for w in line:
                    self.sentence_pages.setdefault(w.sentence_id, set()).add(p)
                    if not w.broken_from:  # a broken word counts once, at its tail
                        self.sentence_placed[w.sentence_id] = self.sentence_placed.get(w.sentence_id, 0) + 1
            truth.body_words.extend(self._body_words(placed_lines))
            truth.compounds.extend(self._compounds_at_line_end(placed_lines))
            # footnote area: carried lines first, then this page's notes
            note_rows: list[tuple[int | None, str]] = []
            if carry_note:
                note_rows.extend((None, ln) for ln in carry_note)
                carry_note = None
            if split_here and notes:
                number, lines = notes[-1]
                if len(lines) >= 2:
                    keep = max(1, len(lines) // 2)
                    carry_note = lines[keep:]
                    notes[-1] = (number, lines[:keep])
            for number, lines in notes:
                for k, ln in enumerate(lines):
                    note_rows.append((number if k == 0 else None, ln))
            self._draw_page(p, printed, placed_lines, note_rows)
            truths.append(truth)
        self.canvas.save()
        for truth in truths:
            for sid, pages in self.sentence_pages.items():
                if pages == {truth.index} and self.sentence_placed.get(sid) == self.sentence_len[sid]:
                    truth.sentences.append(self.sentences[sid])
        return Truth(self.layout, truths)

    def _fill_line(self, words: list[_Word], hyphenate: bool) -> tuple[list[_Word], list[_Word], bool]:
        space = self.width(" ", self.font, self.size)
        line: list[_Word] = []
        used = 0.0
        for i, w in enumerate(words):
            ww = self._word_width(w)
            gap = space if line else 0.0
            if used + gap + ww <= self.col_w:
                line.append(w)
                used += gap + ww
                continue
            if hyphenate and not w.marker and w.text[-1:] not in "-":
                broken = self._break_word(w, self.col_w - used - gap)
                if broken is not None:
                    head, tail = broken
                    line.append(head)
                    return line, [tail] + words[i + 1:], False
            return line, words[i:], False
        return line, [], True

    def _break_word(self, w: _Word, room: float):
        core = w.text.rstrip(".,")
        if len(core) < 8 or not core.isalpha():
            return None
        for head, tail in self.hyph.iterate(core):
            if len(head) < 3 or len(tail) < 3:
                continue
            if self.width(head + "-", self.font, self.size) <= room:
                tail_text = tail + w.text[len(core):]
                return (
                    _Word(head + "-", sentence_id=w.sentence_id, broken_from=w.text),
                    _Word(tail_text, marker=w.marker, sentence_id=w.sentence_id),
                )
        return None

    def _word_width(self, w: _Word) -> float:
        width = self.width(w.text, self.font, self.size)
        if w.marker:
            width += self.width(str(max(w.marker, 9)), "Times-Roman", 6.5)
        return width

    def _wrap(self, text: str, width: float, font: str, size: float) -> list[str]:
        lines, cur = [], ""
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if self.width(trial, font, size) + 8 <= width:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        if cur:
            lines.append(cur)
        return lines

    def _body_words(self, placed) -> list[str]:
        text = []
        for _, _, line, _, kind in placed:
            if kind != "body":
                continue
            for w in line:
                text.append(w.broken_from if w.broken_from else w.text)
        joined = " ".join(text)
        return self._drop_tails(placed, words_of(joined))

    def _drop_tails(self, placed, words: list[str]) -> list[str]:
        # each broken word was counted whole at its head; remove its tail occurrence once
        from collections import Counter

        tails = Counter()
        prev_broken = None
        for _, _, line, _, kind in placed:
            if kind != "body":
                continue
            for w in line:
                if prev_broken is not None:
                    tails.update(words_of(w.text))
                    prev_broken = None
                if w.broken_from:
                    prev_broken = w
        out = []
        for word in words:
            if tails[word]:
                tails[word] -= 1
                continue
            out.append(word)
        return out

    def _compounds_at_line_end(self, placed) -> list[str]:
        found = []
        flat = [(w, k == len(line) - 1) for _, _, line, _, kind in placed if kind == "body" for k, w in enumerate(line)]
        for i, (w, at_end) in enumerate(flat[:-1]):
            if at_end and w.text.endswith("-") and not w.broken_from:
                found.append(f"{w.text} {flat[i + 1][0].text}")
        return found

    # -- drawing -----------------------------------------------------------------------------

    def _draw_page(self, p: int, printed: str, placed, note_rows) -> None:
        c = self.canvas
        if self.layout != "plain":
            c.setFont("Times-Italic", 9)
            c.drawString(MARGIN_X, PAGE_H - 40, HEADER_TEXT)
            c.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 40, "Socialstyrelsen")
        c.setFont(self.font, 9 if self.layout != "plain" else 10)
        c.drawCentredString(PAGE_W / 2, 36, printed)
        for col, y, line, justify, kind in placed:
            x0 = self.col_x[col]
            if kind == "heading":
                c.setFont(self.bold, 14.0 if self.layout != "twocol" else 12.0)
                c.drawString(x0, y, line[0].text)
                continue
            widths = [self._word_width(w) for w in line]
            space = self.width(" ", self.font, self.size)
            if justify and len(line) > 1:
                space = (self.col_w - sum(widths)) / (len(line) - 1)
            x = x0
            for w, width in zip(line, widths):
                c.setFont(self.font, self.size)
                c.drawString(x, y, w.text)
                if w.marker:
                    c.setFont("Times-Roman", 6.5)
                    c.drawString(x + self.width(w.text, self.font, self.size), y + 3.5, str(w.marker))
                x += width + space
        if note_rows:
            top = BOTTOM_Y + (len(note_rows) - 1) * 9.5
            c.setLineWidth(0.5)
            c.line(MARGIN_X, top + 11, MARGIN_X + 144, top + 11)
            y = top
            for number, text in note_rows:
                x = MARGIN_X
                if number is not None and self.note_numbers == "inline":
                    c.setFont("Times-Roman", 8.0)
                    c.drawString(x, y, str(number))
                    x += self.width(f"{number} ", "Times-Roman", 8.0)
                elif number is not None:
                    c.setFont("Times-Roman", 5.5)
                    c.drawString(x, y + 3, str(number))
                    x += self.width(str(number), "Times-Roman", 5.5) + 1.5
                c.setFont("Times-Roman", 8.0)
                c.drawString(x, y, text)
                y -= 9.5
        c.showPage()
