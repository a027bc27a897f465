"""PDF reading figures: pages/s of the layout-aware path next to pdfplumber's plain extract_text(),
OCR pages/s, peak RSS on generated 100/400/1,000-page PDFs, and quality on the built fixtures.

    python benchmarks/bench_pdf.py [--pdfs DIR] [--skip-plumber] [--skip-ocr] [--rss-pages 100,400,1000]

DIR defaults to ../shared/pdfs beside the repository, else tests/fixtures/pdfs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def default_pdf_dir() -> Path:
    shared = REPO.parent / "shared" / "pdfs"
    if not shared.is_dir():
        shared = Path("/work/shared/pdfs")
    return shared if shared.is_dir() else REPO / "tests" / "fixtures" / "pdfs"


def layout_speed(files: list[Path]) -> tuple[int, float, int]:
    from policykb.extract.pdf.reader import extract_pdf_pages

    pages = ocr_pages = 0
    seconds = 0.0
    for path in files:
        started = time.perf_counter()
        result, _, _ = extract_pdf_pages(path, ocr="never")
        seconds += time.perf_counter() - started
        pages += sum(1 for p in result if p.status == "text")
        ocr_pages += sum(1 for p in result if p.status == "unread")
    return pages, seconds, ocr_pages


def parallel_scan(files: list[Path], workers: int) -> None:
    """One long PDF read with its page scan in 1 and in `workers` processes, same run (issue 12:
    a long PDF alone in an ingest keeps every core busy)."""
    import pypdfium2

    from policykb.extract.pdf.reader import PARALLEL_SCAN_MIN_PAGES, extract_pdf_pages

    def page_count(path: Path) -> int:
        doc = pypdfium2.PdfDocument(str(path))
        try:
            return len(doc)
        finally:
            doc.close()

    longest = max(files, key=page_count)
    n = page_count(longest)
    if n < PARALLEL_SCAN_MIN_PAGES:
        print(f"parallel page scan: the longest PDF has {n} pages (< {PARALLEL_SCAN_MIN_PAGES}); skipped")
        return
    timings = {}
    results = {}
    for w in (1, workers, 1, workers):  # interleaved, best of two each
        started = time.perf_counter()
        results[w] = extract_pdf_pages(longest, ocr="never", workers=w)
        timings[w] = min(timings.get(w, float("inf")), time.perf_counter() - started)
    same = results[1] == results[workers]
    print(f"parallel page scan of {longest.name} ({n} pages): 1 process {timings[1]:.2f} s, {workers} processes "
          f"{timings[workers]:.2f} s = {timings[1] / timings[workers]:.2f}x; identical output: {same}")


def plumber_speed(files: list[Path]) -> tuple[int, float]:
    import pdfplumber

    pages = 0
    seconds = 0.0
    for path in files:
        started = time.perf_counter()
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                if page.extract_text():
                    pages += 1
                page.close()
        seconds += time.perf_counter() - started
    return pages, seconds


def ocr_speed(files: list[Path]) -> tuple[int, float] | None:
    from policykb.extract.pdf.ocr import tesseract_problem
    from policykb.extract.pdf.reader import extract_pdf_pages

    if tesseract_problem():
        return None
    pages, seconds = 0, 0.0
    for path in files:
        started = time.perf_counter()
        result, _, _ = extract_pdf_pages(path, ocr="auto")
        seconds += time.perf_counter() - started
        pages += sum(1 for p in result if p.status == "ocr")
    return pages, seconds


def _peak_rss_mb() -> float:
    """This process's peak RSS. On Linux from VmHWM: ru_maxrss survives exec, so a spawned child
    would report its parent's peak (here the reportlab build of the long PDF) instead of its own."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_child(path: str, queue) -> None:
    from policykb.extract.pdf.reader import extract_pdf_pages

    import numpy  # noqa: F401  (imported by the column finder anyway: count it in the baseline)

    before = _peak_rss_mb()
    started = time.perf_counter()
    pages, _, _ = extract_pdf_pages(path)
    seconds = time.perf_counter() - started
    queue.put((len(pages), seconds, before, _peak_rss_mb()))


def peak_rss(n_pages: int) -> tuple[int, float, float, float, float]:
    """(pages, seconds, peak RSS MB, RSS MB before reading, file MB) of reading a generated report-layout PDF
    in a fresh process."""
    from helpers.pdf_builders import build_pdf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.pdf"
        build_pdf(path, layout="report", pages=n_pages, seed=1)
        size_mb = path.stat().st_size / 1e6
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        proc = ctx.Process(target=_rss_child, args=(str(path), queue))
        proc.start()
        pages, seconds, before_mb, peak_mb = queue.get()
        proc.join()
    return pages, seconds, peak_mb, before_mb, size_mb


def quality() -> dict[str, dict[str, float]]:
    from helpers.pdf_builders import build_pdf
    from helpers.pdf_quality import measure

    from policykb.extract.pdf.reader import extract_pdf_pages

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for layout in ("report", "twocol", "plain"):
            scores = []
            for seed in (3, 5, 11, 21):
                path = Path(tmp) / f"{layout}-{seed}.pdf"
                truth = build_pdf(path, layout=layout, pages=8, seed=seed)
                scores.append(measure(extract_pdf_pages(path)[0], truth))
            keys = scores[0].as_dict().keys()
            out[layout] = {k: round(sum(s.as_dict()[k] for s in scores) / len(scores), 4) for k in keys}
    return out


def repeated_notes_quality(seeds=(3, 5, 11, 21, 34, 55)) -> dict[str, dict[str, float]]:
    """Footnote recall and marker links on report-layout PDFs full of short notes that recur word
    for word ("Ibid.", "Se not 3."; issue 17.2), with raised and with inline note numbers.
    Totals over the seeds (not a mean of ratios), so each note counts once."""
    from helpers.pdf_builders import build_pdf
    from helpers.pdf_quality import measure

    from policykb.extract.pdf.reader import extract_pdf_pages

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for layout in ("report", "twocol"):
            for numbers in ("raised", "inline"):
                notes = links = notes_total = links_total = 0
                for seed in seeds:
                    path = Path(tmp) / f"{layout}-{numbers}-{seed}.pdf"
                    truth = build_pdf(path, layout=layout, pages=8, seed=seed, notes="repeated", note_numbers=numbers)
                    q = measure(extract_pdf_pages(path)[0], truth)
                    notes += round(q.footnote_recall * q.counts["footnotes"])
                    links += round(q.marker_links * q.counts["markers"])
                    notes_total += q.counts["footnotes"]
                    links_total += q.counts["markers"]
                out[f"{layout}/{numbers}"] = {
                    "footnotes": notes_total, "footnote_recall": round(notes / notes_total, 4),
                    "markers": links_total, "marker_links": round(links / links_total, 4),
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=Path, default=None)
    parser.add_argument("--skip-plumber", action="store_true")
    parser.add_argument("--skip-ocr", action="store_true")
    parser.add_argument("--rss-pages", default="100,400,1000", help="page counts of the generated PDFs ('' to skip)")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count(),
                        help="processes for the parallel page scan of the longest PDF (0 to skip)")
    parser.add_argument("--repeated-notes", action="store_true", help="only the repeated-notes quality (issue 17.2)")
    args = parser.parse_args()
    if args.repeated_notes:
        for name, figures in repeated_notes_quality().items():
            print(f"repeated short notes, {name}: {figures}")
        return
    folder = args.pdfs or default_pdf_dir()
    files = sorted(folder.glob("*.pdf"))
    print(f"PDFs: {folder} ({len(files)} files)")

    pages, seconds, needing_ocr = layout_speed(files)
    print(f"layout-aware path (pypdfium2 + layout, OCR off): {pages} text pages in {seconds:.2f} s = {pages / seconds:.1f} pages/s"
          f" ({needing_ocr} pages flagged for OCR)")
    if args.workers > 1:
        parallel_scan(files, args.workers)
    if not args.skip_plumber:
        p_pages, p_seconds = plumber_speed(files)
        print(f"pdfplumber extract_text() on the same files: {p_pages} pages in {p_seconds:.2f} s = {p_pages / p_seconds:.1f} pages/s")
    if not args.skip_ocr:
        ocr_files = [f for f in files if "scanned" in f.name or "custom-encoding" in f.name]
        result = ocr_speed(ocr_files)
        if result is None:
            print("OCR: tesseract not available; skipped")
        elif result[0]:
            print(f"OCR path (Tesseract swe, 300 dpi): {result[0]} pages in {result[1]:.1f} s = {result[0] / result[1]:.2f} pages/s")
    for count in [int(c) for c in args.rss_pages.split(",") if c.strip() and int(c)]:
        n, secs, rss_mb, before_mb, size_mb = peak_rss(count)
        print(f"generated {n}-page PDF ({size_mb:.1f} MB): read in {secs:.1f} s ({n / secs:.1f} pages/s), "
              f"peak RSS {rss_mb:.0f} MB ({before_mb:.0f} MB before reading)")
    print("quality on built fixtures (mean of 4 seeds x 8 pages):")
    for layout, scores in quality().items():
        print(f"  {layout:7s} " + "  ".join(f"{k}={v}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
