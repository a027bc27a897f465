"""The citation graph and the trace matrix on the bundled corpus: recall against the stored
references, hierarchy, cites/law counts, document links, output formats, bad input, gold P/R."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from policykb.legal.canonical import act_of, within
from policykb.errors import InputError, NotFoundError, StoreError
from policykb.ingest import ingest
from policykb.annotate.requirements import LEGAL_KINDS
from policykb.store import Store
from policykb.query.trace import to_csv, to_markdown, trace
from policykb.evaluate.trace import evaluate_trace
from policykb.query.xref import cites, law, xref

from helpers.cli import run_cli
from helpers.paths import FIXTURES

GUIDANCE = "004_2be6a2c697e985af.txt"


@pytest.fixture(scope="module")
def store(corpus_index: Path):
    with Store.open(corpus_index, create=False, readonly=True) as s:
        yield s


def _passages_of(result: dict) -> set[int]:
    return {hit["passage_id"] for doc in result["documents"] for hit in doc["hits"]}


def test_xref_of_every_section_finds_every_passage_that_cites_it(store: Store):
    sections = [r[0] for r in store.conn.execute("SELECT DISTINCT canonical FROM refs WHERE kind = 'section'")]
    assert len(sections) > 40
    for section in sections:
        stored = store.conn.execute("SELECT passage_id FROM refs WHERE canonical = ?", (section,)).fetchall()
        result = xref(store, section)
        assert result["citations"] == len(stored), section
        assert {r[0] for r in stored if r[0] is not None} <= _passages_of(result), section


def test_an_act_or_a_chapter_finds_the_sections_in_it(store: Store):
    hsl = xref(store, "HSL")
    assert hsl["query"] == "HSL"  # the question as asked, not the text of the last citation found
    stored = store.conn.execute("SELECT canonical, passage_id FROM refs").fetchall()
    in_hsl = [(c, p) for c, p in stored if within(c, "SFS 2017:30")]
    assert hsl["citations"] == len(in_hsl)
    assert {p for _, p in in_hsl if p is not None} <= _passages_of(hsl)
    cited = {p["canonical"] for d in hsl["documents"] for h in d["hits"] for p in h["provisions"]}
    assert "SFS 2017:30 2 kap. 3 §" in cited

    chapter = xref(store, "2 kap. HSL")
    cited = {p["canonical"] for d in chapter["documents"] for h in d["hits"] for p in h["provisions"]}
    assert cited and all(within(c, "SFS 2017:30 2 kap.") for c in cited)
    assert {"SFS 2017:30 2 kap. 2 §", "SFS 2017:30 2 kap. 3 §"} <= cited


def test_any_spelling_of_a_reference_gives_the_same_answer(store: Store):
    spellings = ["2 kap. 3 § HSL", "SFS 2017:30 2 kap. 3 §", "2 kap. 3 § hälso- och sjukvårdslagen"]
    answers = [xref(store, s) for s in spellings]
    assert all(a["targets"][0]["canonical"] == "SFS 2017:30 2 kap. 3 §" for a in answers)
    assert all(_passages_of(a) == _passages_of(answers[0]) for a in answers)
    hit = answers[0]["documents"][0]["hits"][0]
    assert hit["sentence"].startswith("Vårdgivare är den statliga myndighet")
    assert hit["footnote"]["number"] == 4 and hit["heading"]
    assert hit["provisions"][0]["url"] == "https://lagen.nu/2017:30#K2P3"
    assert xref(store, "hälso- och sjukvårdslagen")["citations"] == xref(store, "HSL")["citations"]
    prop = xref(store, "prop. 2019/20:164")
    assert prop["citations"] > 5 and prop["targets"][0]["level"] == "document"


def test_cites_counts_match_the_stored_references(store: Store):
    result = cites(store, GUIDANCE)
    refs = store.conn.execute("SELECT canonical, kind FROM refs WHERE doc_id = ?", (GUIDANCE,)).fetchall()
    assert result["references"] == len(refs)
    per_act = Counter(act_of(c) for c, _ in refs if act_of(c))
    assert {a["canonical"]: a["citations"] for a in result["acts"]} == dict(per_act)
    per_provision = Counter(c for c, k in refs if k in ("section", "chapter"))
    listed = {p["canonical"]: p["citations"] for a in result["acts"] for p in a["provisions"]}
    assert listed == dict(per_provision)
    hsl = next(a for a in result["acts"] if a["canonical"] == "SFS 2017:30")
    assert hsl["title"] and hsl["url"] == "https://lagen.nu/2017:30"
    documents = {d["canonical"]: d["citations"] for d in result["documents"]}
    assert documents["prop. 2019/20:164"] == sum(1 for c, _ in refs if c == "prop. 2019/20:164")
    assert result["acts"] == sorted(result["acts"], key=lambda a: (-a["citations"], a["canonical"]))


def test_law_lists_provisions_most_cited_first(store: Store):
    result = law(store, "HSL")
    assert result["act"] == "SFS 2017:30" and result["in_lawbook"] is True
    counts = [p["citations"] for p in result["provisions"]]
    assert counts == sorted(counts, reverse=True) and counts
    refs = Counter(
        c for (c,) in store.conn.execute("SELECT canonical FROM refs") if within(c, "SFS 2017:30") and c != "SFS 2017:30"
    )
    assert {p["canonical"]: p["citations"] for p in result["provisions"]} == dict(refs)
    assert all(p["url"].startswith("https://lagen.nu/2017:30#") for p in result["provisions"])
    chapter12 = next(c for c in result["chapters"] if c["canonical"] == "SFS 2017:30 12 kap.")
    assert chapter12["citations"] == sum(n for c, n in refs.items() if within(c, "SFS 2017:30 12 kap."))
    regulation = law(store, "HSLF-FS 2021:52")
    assert regulation["citations"] > 0 and any("2 kap. 3 §" in p["canonical"] for p in regulation["provisions"])


def test_bad_questions_raise_clear_errors(store: Store):
    with pytest.raises(InputError, match="accepted forms"):
        xref(store, "inte en referens alls")
    with pytest.raises(NotFoundError, match="policykb docs"):
        cites(store, "no-such-document.txt")
    with pytest.raises(NotFoundError):
        trace(store, doc_id="no-such-document.txt")
    with pytest.raises(InputError, match="unknown actor"):
        trace(store, actor="marsmänniska")
    with pytest.raises(InputError, match="obligation"):
        trace(store, modality="maybe")
    with pytest.raises(NotFoundError, match="not in the lawbook and is cited 0 times"):
        law(store, "SFS 2099:123")


def test_documents_citing_each_other_are_linked(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Utredningens förslag\n\nRegeringen har i prop. 2019/20:164 beskrivit reformen. "
        "Se även prop. 2019/20:164 s. 12 och 2 kap. 3 § HSL.\n", encoding="utf-8")
    (folder / "b.txt").write_text(
        "Propositionen\n\nUtredningen (SOU 2020:19) föreslog en primärvårdsreform. "
        "Enligt SOU 2020:19 ska regionerna stärka primärvården.\n", encoding="utf-8")
    (folder / "c.txt").write_text("Ett dokument utan hänvisningar.\n\nInget att se här.\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"documents": [
        {"file": "a.txt", "title": "Betänkandet", "identifier": "SOU 2020:19", "date": "2020-03-01"},
        {"file": "b.txt", "title": "Propositionen", "identifier": "Prop. 2019/20:164", "date": "2020-05-01"},
    ]}), encoding="utf-8")
    index = tmp_path / "index"
    # the cited document arrives after the citing one: links are resolved at query time
    ingest([folder / "a.txt"], index)
    ingest([folder / "b.txt", folder / "c.txt"], index)
    with Store.open(index, create=False, readonly=True) as store:
        a, b = cites(store, "a.txt"), cites(store, "b.txt")
        assert a["cites_in_corpus"] == [{"target": "prop. 2019/20:164", "doc_id": "b.txt", "citations": 2}]
        assert a["cited_by"][0]["doc_id"] == "b.txt" and a["cited_by"][0]["citations"] == 2
        assert b["cites_in_corpus"][0]["doc_id"] == "a.txt"
        assert cites(store, "c.txt")["cited_by"] == []
        links = store.conn.execute("SELECT source_doc_id, target_doc_id, citations FROM document_links").fetchall()
        assert sorted(map(tuple, links)) == [("a.txt", "b.txt", 2), ("b.txt", "a.txt", 2)]
        rows = trace(store, doc_id="b.txt")
        assert rows and rows[0]["actor"] == "region" and rows[0]["sources"] == ["SOU 2020:19"]
    # a changed document replaces its derived rows; nothing is left behind
    (folder / "b.txt").write_text("Propositionen\n\nInga hänvisningar längre.\n", encoding="utf-8")
    ingest([folder / "b.txt"], index)
    with Store.open(index, create=False, readonly=True) as store:
        assert cites(store, "a.txt")["cited_by"] == []
        assert trace(store, doc_id="b.txt") == []
        orphans = store.conn.execute(
            "SELECT count(*) FROM citations WHERE ref_id NOT IN (SELECT ref_id FROM refs)").fetchone()[0]
        assert orphans == 0


def test_every_footnoted_requirement_with_a_legal_footnote_is_traced_to_that_footnote(store: Store):
    rows = {r["requirement_id"]: r for r in trace(store, doc_id=GUIDANCE)}
    # the footnotes each requirement's markers point to, and what those footnotes cite
    notes: dict[int, set[tuple[int, int]]] = {}
    for rid, page, number in store.conn.execute(
        "SELECT rs.requirement_id, f.page_index, f.footnote_number FROM requirement_sources rs "
        "JOIN requirements r USING (requirement_id) JOIN refs f ON f.ref_id = rs.ref_id "
        "WHERE r.doc_id = ? AND rs.footnote_number IS NOT NULL", (GUIDANCE,)):
        notes.setdefault(rid, set()).add((page, number))
    legal = 0
    for rid, pairs in notes.items():
        cited = [
            tuple(ref) for page, number in pairs for ref in store.conn.execute(
                "SELECT canonical, kind FROM refs WHERE doc_id = ? AND page_index = ? AND footnote_number = ?",
                (GUIDANCE, page, number))
        ]
        if not any(k in LEGAL_KINDS for _, k in cited):
            continue
        legal += 1
        row = rows[rid]
        provisions = {c for c, k in cited if k != "act" or not any(o.startswith(c + " ") for o, _ in cited)}
        assert row["via"] == "footnote"
        assert set(row["sources"]) == provisions, row["sentence"]
        assert len(row["sources"]) == len(set(row["sources"]))
        assert all(link["url"].startswith("https://") for link in row["links"])
    assert legal >= 40


def test_trace_filters(store: Store):
    everything = trace(store)
    assert len(everything) > 150
    assert set(everything[0]) >= {"doc_id", "passage_id", "page", "sentence", "modality", "actor", "sources", "via"}
    on_hsl = trace(store, source="HSL")
    assert on_hsl and all(any(within(s, "SFS 2017:30") for s in r["sources"]) for r in on_hsl)
    on_chapter = trace(store, source="12 kap. HSL")
    assert on_chapter and all(any(within(s, "SFS 2017:30 12 kap.") for s in r["sources"]) for r in on_chapter)
    assert len(on_chapter) < len(on_hsl) < len(everything)
    regions = trace(store, actor="regionen")
    bound = {
        rid: actors.split(",")
        for rid, actors in store.conn.execute("SELECT requirement_id, actors FROM requirements")
    }
    assert regions and all("region" in bound[r["requirement_id"]] for r in regions)
    assert any(r["actor"] != "region" for r in regions)  # "Kommunen och regionen ska" binds both
    permissions = trace(store, modality="permission", doc_id=GUIDANCE)
    assert permissions and all(r["modality"] == "permission" for r in permissions)
    assert any(r["sentence"].startswith("En region får överlåta") for r in permissions)


def test_csv_and_markdown_open_cleanly(store: Store):
    rows = trace(store, doc_id=GUIDANCE, source="HSL")
    text = to_csv(rows)
    assert text.startswith("\ufeff")
    parsed = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(parsed) == len(rows)
    for row, back in zip(rows, parsed):
        assert back["sentence"] == row["sentence"]
        assert back["sources"].split("; ") == row["sources"]
        assert back["urls"].split("; ") == [link["url"] for link in row["links"]]
    table = to_markdown(rows + [{**rows[0], "sentence": "a | pipe\nand a newline"}]).splitlines()
    assert table[1] == "|---|---|---|---|---|---|---|"
    widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert widths == {8} and len(table) == len(rows) + 3
    assert "a \\| pipe and a newline" in table[-1]
    assert "(https://lagen.nu/2017:30" in table[2]


def test_cli_formats(corpus_index: Path):
    env = {"POLICYKB_INDEX_DIR": str(corpus_index)}
    as_json = run_cli("trace", "--doc", GUIDANCE, "--source", "PL", "--format", "json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert rows and all(any(within(s, "SFS 2014:821") for s in r["sources"]) for r in rows)
    as_csv = run_cli("trace", "--doc", GUIDANCE, "--source", "PL", "--format", "csv", env=env)
    assert len(list(csv.reader(io.StringIO(as_csv.stdout.lstrip("\ufeff"))))) == len(rows) + 1
    xref_json = run_cli("xref", "6 kap. 3 § PL", "--json", env=env)
    assert json.loads(xref_json.stdout)["targets"][0]["canonical"] == "SFS 2014:821 6 kap. 3 §"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("xref", "inte en referens"), "accepted forms"),
        (("xref", "SFS 2099:123"), "not in the lawbook"),
        (("law", "lagen (2099:123)"), "0 times"),
        (("cites", "no-such-doc.txt"), "no document"),
        (("trace", "--doc", "no-such-doc.txt"), "no document"),
        (("trace", "--format", "xml"), "--format"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(corpus_index: Path, args: tuple[str, ...], expected: str):
    result = run_cli(*args, env={"POLICYKB_INDEX_DIR": str(corpus_index)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_empty_store_says_to_ingest_first(tmp_path: Path):
    Store.open(tmp_path / "index").close()
    with Store.open(tmp_path / "index", create=False, readonly=True) as store:
        with pytest.raises(StoreError, match="ingest"):
            xref(store, "HSL")
        with pytest.raises(StoreError, match="ingest"):
            trace(store)
    result = run_cli("trace", "--index-dir", str(tmp_path / "index"))
    assert result.returncode == 2 and "policykb ingest" in result.stderr and "Traceback" not in result.stderr
    missing = run_cli("xref", "HSL", "--index-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "ingest" in missing.stderr


def _gold_items() -> list[dict]:
    items = []
    for path in sorted((FIXTURES / "gold").glob("trace-*.json")):
        items.extend(json.loads(path.read_text(encoding="utf-8")))
    return items


def test_gold_precision_and_recall_of_sources(store: Store):
    items = _gold_items()
    assert len(items) >= 40
    result = evaluate_trace(store, items)
    assert result["overall"]["precision"] >= 0.95, result["errors"]
    assert result["overall"]["recall"] >= 0.95, result["errors"]


def test_eval_command_scores_trace_gold(corpus_index: Path):
    gold = sorted((FIXTURES / "gold").glob("trace-*.json"))[0]
    result = run_cli("eval", str(gold), "--json", "--index-dir", str(corpus_index))
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["kind"] == "trace" and scores["overall"]["recall"] >= 0.95
