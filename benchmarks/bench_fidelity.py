"""What a reader cites, measured (issue 17): titles, running-header leakage, page labels, and the
trace sources a paragraph-closing footnote gives. Quality figures, not timings.

    python benchmarks/bench_fidelity.py titles      # title, identifier, publisher of the 12 shared PDFs + corpus
    python benchmarks/bench_fidelity.py leakage     # running-header / page-number words left in PDF bodies
    python benchmarks/bench_fidelity.py pages       # the 40 page-label spot checks in the home-care guidance
    python benchmarks/bench_fidelity.py trace       # requirements of 004 with sources, and how many via a paragraph's footnote
    python benchmarks/bench_fidelity.py notes       # = bench_pdf.py --repeated-notes

Run it with PYTHONPATH pointing at another checkout's `src` to get that version's figures (the
"before" of a change): `git archive REV src | tar -x -C /tmp/old; PYTHONPATH=/tmp/old/src python …`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
SHARED = Path("/work/shared/pdfs")
PDFS = SHARED if SHARED.is_dir() else REPO / "tests" / "fixtures" / "pdfs"

HEADER = re.compile(r"^\s*(?:\d{1,4}\s+)?(?:(?:Prop\.|AFS|SSMFS|SFS|Dir\.)\s*\d{4}(?:/\d{2,4})?:\d{1,4})"
                    r"(?:\s+(?:Kapitel|Bilaga|Avdelning)\s+\w+)?(?:\s+\d{1,4})?\s*$|^\s*(?:Kapitel|Bilaga)\s+\d+\s*$")
PAGE_NUMBER = re.compile(r"\s*[-–]?\s*\d{1,4}\s*[-–]?\s*")


def titles() -> None:
    from policykb.extract import extract

    files = sorted(PDFS.glob("*.pdf")) + sorted((REPO / "corpus").glob("*.txt")) + sorted((REPO / "corpus").glob("*.md"))
    for path in files:
        meta = extract(path, ocr="never").meta
        print(f"{path.name[:40]:40} | {str(meta.title)[:75]:75} | {meta.identifier} | {meta.publisher}")


_FILE_ID = re.compile(r"^(afs|sfs|ssmfs|dir|prop)-(\d{4})(?:-(\d{2,4}))?-(\d+)")
_CITING = re.compile(r"(?:\bi|enligt|se|och|till|av|med|om|ändrad|ändring|genom)\s*$", re.IGNORECASE)


def _own_identifier(name: str) -> re.Pattern | None:
    """The document's own series number from its file name ("prop-2012-13-187" -> "Prop. 2012/13:187"),
    as it stands in its running header, not in parentheses and not after a citing word."""
    match = _FILE_ID.match(name)
    if match is None:
        return None
    series, year, year2, number = match.groups()
    label = {"afs": "AFS", "sfs": "SFS", "ssmfs": "SSMFS", "dir": r"Dir\.", "prop": r"Prop\."}[series]
    years = year + (f"/{year2}" if year2 else "")
    return re.compile(rf"(?<![(\w]){label}\s*{re.escape(years)}:{number}(?![)\w])", re.IGNORECASE)


def _inside_leaks(page, own: re.Pattern | None) -> list[str]:
    """Running header or page-number text inside a block of other text (it reaches the passage's
    text or its heading path): the document's own header identifier, or the page's printed number
    glued to the first or last block of the page."""
    found = []
    for i, block in enumerate(page.blocks):
        if block.kind == "table":
            continue
        text = " ".join(block.text.split())
        for match in own.finditer(text) if own is not None else ():
            whole = match.start() == 0 and match.end() == len(text)
            if not whole and not _CITING.search(text[max(0, match.start() - 12):match.start()]):
                found.append(text[max(0, match.start() - 40):match.end() + 30])
        if page.printed and i in (0, len(page.blocks) - 1) and (
            re.match(rf"{re.escape(page.printed)}\s+\S", text) or re.search(rf"\S\s+{re.escape(page.printed)}$", text)
        ):
            found.append(text[:40] + " … " + text[-30:])
    return found


def leakage() -> None:
    """Whole blocks that are a running header or a page number, and header/page-number text
    inside blocks of other text (what reaches passages and heading paths: issue 17.3)."""
    from policykb.extract.pdf.reader import extract_pdf_pages

    total = leaked = inside = 0
    for path in sorted(PDFS.glob("*.pdf")):
        if "scanned" in path.name:
            continue
        words = leak = 0
        own = _own_identifier(path.name)
        leaks: list[str] = []
        for page in extract_pdf_pages(path, ocr="never")[0]:
            for block in page.blocks:
                n = len(block.text.split())
                words += n
                if PAGE_NUMBER.fullmatch(block.text) or HEADER.match(block.text):
                    leak += n
            leaks.extend(f"p{page.index + 1}: {text}" for text in _inside_leaks(page, own))
        total += words
        leaked += leak
        inside += len(leaks)
        print(f"{path.name:40} body words {words:6}  header/page-number words {leak:5}  inside other text {len(leaks):3}")
        for text in leaks:
            print(f"    {text}")
    print(f"ALL: {leaked} of {total} body words are running headers or page numbers; clean share {1 - leaked / total:.4f}; "
          f"header/page-number text inside other blocks: {inside}")


def pages() -> None:
    from policykb.extract import extract
    from policykb.query.pagelabel import page_label

    data = json.loads((REPO / "tests" / "fixtures" / "pagelabels-004.json").read_text(encoding="utf-8"))
    doc = extract(REPO / data["document"])
    right = 0
    for check in data["checks"]:
        found = [p for p in doc.pages for b in p.blocks if " ".join(b.text.split()) == check["text"]] or [
            p for p in doc.pages for b in p.blocks if check["text"] in " ".join(b.text.split())]
        shown = page_label(found[0].index, found[0].printed) if found else "(text not found)"
        right += shown == check["label"]
        print(f"{check['label']:>16} | shown {shown:>16} | {check['text'][:60]}")
    print(f"{right} of {len(data['checks'])} page labels right")


def trace() -> None:
    from policykb.ingest import ingest
    from policykb.query.trace import trace as trace_rows
    from policykb.store import Store

    work = Path(tempfile.mkdtemp())
    try:
        (work / "docs").mkdir()
        shutil.copy(REPO / "corpus" / "004_2be6a2c697e985af.txt", work / "docs")
        ingest([work / "docs"], work / "index")
        with Store.open(work / "index", create=False, readonly=True) as store:
            rows = trace_rows(store, doc_id="004_2be6a2c697e985af.txt")
            try:
                from policykb.store.document_sentences import load_document_text

                text = load_document_text(store.conn, "004_2be6a2c697e985af.txt")
                inherited = {s.text for s in text.sentences if getattr(s, "paragraph_footnotes", None)}
            except ImportError:
                inherited = set()
        sourced = [r for r in rows if r["sources"]]
        via_paragraph = [r for r in sourced if r["sentence"] in inherited]
        unknown = sum(r["actor"] == "unknown" for r in rows)
        print(f"requirements {len(rows)}; with sources {len(sourced)}, of them through a paragraph-closing "
              f"footnote {len(via_paragraph)}; actor unknown {unknown} ({unknown / max(len(rows), 1):.2f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def notes() -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_pdf import repeated_notes_quality

    for name, figures in repeated_notes_quality().items():
        print(f"repeated short notes, {name}: {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["titles", "leakage", "pages", "trace", "notes"])
    {"titles": titles, "leakage": leakage, "pages": pages, "trace": trace, "notes": notes}[parser.parse_args().what]()


if __name__ == "__main__":
    main()
