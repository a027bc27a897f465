"""Runs lagen.nu's citation-parser fixtures (tests/fixtures/ferenda, BSD-3-Clause) against policykb.

A fixture is the input text, a blank line, then `<list>` of `<str>` and `<Link uri=...>` parts.
Directives in the input: `NOBASE:` (no act around the text), `RESET:` (a new document starts),
`BASE:{...}` (a proposition context, not modelled here), and `---` lines between paragraphs.

Comparison, at URI level: the expected URIs of a fixture must all be found and policykb must
find no URI that is not expected, where
- `9999:999` is the act the text is in: the parser gets it as `ReferenceContext.base_act`;
- ranges compare on their endpoints: sections that policykb expands inside a range
  (`detail["range"] == "inner"`) are not compared, and a page range `s. 112-121` gives both
  end pages;
- granularity: lagen.nu also links the act (`lagen (1998:674)`), the chapter (`7 kap.` in
  `7 kap. 22, 23 och 26 §§`) or the section (`7 §` in `7 § 1 eller 2`) of a provision it links;
  policykb gives one reference per provision. So an expected URI counts as found when a found
  URI refines it (adds fragment parts: `#P7` -> `#P7S1N1`), and a found URI that refines an
  expected one (policykb read `stycke 2` where lagen.nu stopped at `2 §`) is not unexpected.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ferenda"
FAMILIES = ["SFS", "Simple", "Short", "Regpubl", "EGLag"]
BASE = "9999:999"

# Files lagen.nu's own parser fails (README). Most have no expected output in the fixture; the
# answer a careful reader gives is written here, so that policykb is held to it.
KNOWN_HARD_EXPECTED: dict[str, list[str]] = {
    "SFS/sfs-tricky-bokstavslista.txt": [
        "https://lagen.nu/1998:204#P13", "https://lagen.nu/1998:204#P33",
        "https://lagen.nu/1998:204#P49S1Nb", "https://lagen.nu/1998:204#P49S1Nc",
    ],
    "SFS/sfs-tricky-eller.txt": ["https://lagen.nu/9999:999#P6", "https://lagen.nu/9999:999#P7"],
    "SFS/sfs-tricky-eller-paragrafer-stycke.txt": [
        "https://lagen.nu/1993:581#P14S1N2", "https://lagen.nu/1993:581#P14S1N3",
        "https://lagen.nu/1993:581#P14aS1N2", "https://lagen.nu/1993:581#P14aS1N3",
    ],
    "SFS/sfs-tricky-overgangsbestammelse.txt": [
        "https://lagen.nu/1990:651", "https://lagen.nu/1947:576", "https://lagen.nu/1993:1471",
    ],
    "SFS/sfs-tricky-uppdelat-lagnamn.txt": ["https://lagen.nu/1996:844#K2P2S1"],
    # lagen.nu links nothing in `2 kap. 3 § Vägverkets föreskrifter VVFS 1996:200`: the provision
    # belongs to the agency regulation, not to the act the text is in.
    "SFS/sfs-tricky-vvfs.txt": [],
}


@dataclass
class Fixture:
    name: str
    text: str
    expected: list[str]
    hard: bool


def load_fixture(path: Path) -> Fixture:
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    name = f"{path.parent.name}/{path.name}"
    if "<list>" in raw or "<str />" in raw:
        cut = raw.find("\n\n<list>") if "\n\n<list>" in raw else raw.find("<list>")
        if cut < 0:
            cut = raw.find("\n\n<str />") if "\n\n<str />" in raw else raw.find("<str />")
        text, output = raw[:cut], raw[cut:]
    else:
        text, output = raw.rstrip("\n"), ""
    expected = [html.unescape(u) for u in re.findall(r'<Link uri="([^"]*)">', output)]
    hard = name in KNOWN_HARD_EXPECTED
    if hard:
        expected = KNOWN_HARD_EXPECTED[name]
    return Fixture(name, text, expected, hard)


def all_fixtures() -> list[Fixture]:
    return [load_fixture(p) for fam in FAMILIES for p in sorted((FIXTURES / fam).glob("*.txt"))]


def run_fixture(fixture: Fixture) -> list[str]:
    """The URIs policykb finds in the fixture's text (ranges as endpoints)."""
    from policykb.legal import ReferenceContext, find_references

    text = fixture.text
    base = None if text.startswith("NOBASE:") else BASE
    text = re.sub(r"^(NOBASE:|BASE:\{.*?\}\n)", lambda m: " " * len(m.group()), text)
    context = ReferenceContext(base_act=base)
    uris: list[str] = []
    for part in re.split(r"\n---\n", text):
        if part.startswith("RESET:"):
            context = ReferenceContext(base_act=base)
            part = " " * 6 + part[6:]
        for ref in find_references(part, context=context):
            if ref.detail.get("range") == "inner":
                continue
            page = str(ref.detail.get("page", ""))
            if "-" in page and "#sid" in ref.url:
                base_url = ref.url.split("#")[0]
                first, last = re.findall(r"\d+", page)[:2]
                uris += [f"{base_url}#sid{first}", f"{base_url}#sid{last}"]
            else:
                uris.append(ref.url)
    return uris


def _refines(specific: str, general: str) -> bool:
    """`.../1998:674#K6P2S1` refines `.../1998:674`, `...#K6` and `...#K6P2`, not `...#K6P2a`."""
    if not specific.startswith(general) or specific == general:
        return False
    nxt = specific[len(general)]
    return nxt == "#" if "#" not in general else nxt.isupper()


def compare(expected: list[str], found: list[str]) -> tuple[bool, list[str], list[str]]:
    """(passed, missing, unexpected) under the rules of the module docstring."""
    found_set, expected_set = set(found), set(expected)
    missing = sorted(u for u in expected_set - found_set if not any(_refines(f, u) for f in found_set))
    # Finer detail is fine below a provision or a document (a page), not below a bare act: a
    # section of the wrong act is an error even if that act is linked elsewhere.
    detailed = [u for u in expected_set if "#" in u or not re.match(r"https://lagen\.nu/\d{4}:", u)]
    unexpected = sorted(f for f in found_set - expected_set if not any(_refines(f, u) for u in detailed))
    return not missing and not unexpected, missing, unexpected
