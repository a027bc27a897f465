"""refs, entities and eval as a user runs them; ingest stores references and mentions."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpers.cli import run_cli
from helpers.paths import FIXTURES


def test_refs_json_shape_and_date(tmp_path: Path):
    result = run_cli("refs", "Se 5 kap. 1 och 4 §§ HSL samt SoL.", "--date", "2026-01-01", "--json")
    assert result.returncode == 0, result.stderr
    refs = json.loads(result.stdout)
    assert [r["canonical"] for r in refs] == ["SFS 2017:30 5 kap. 1 §", "SFS 2017:30 5 kap. 4 §", "SFS 2025:400"]
    assert set(refs[0]) == {"start", "end", "text", "kind", "canonical", "url"}
    assert refs[0]["url"] == "https://lagen.nu/2017:30#K5P1"

    text_file = tmp_path / "fotnoter.txt"
    text_file.write_text("Inledning.\n\n1 2 kap. 1 § hälso- och sjukvårdslagen (2017:30), HSL.\n\n2 Prop. 2019/20:164, s. 11.\n",
                         encoding="utf-8")
    from_file = json.loads(run_cli("refs", "--file", str(text_file), "--json").stdout)
    body = text_file.read_text(encoding="utf-8")
    assert [r["canonical"] for r in from_file] == ["SFS 2017:30 2 kap. 1 §", "prop. 2019/20:164"]
    assert all(body[r["start"]:r["end"]] == r["text"] for r in from_file)

    table = subprocess.run([sys.executable, "-m", "policykb.cli", "refs", "-"], input="enligt 9 § LSS",
                           capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "SFS 1993:387 9 §" in table.stdout


def test_entities_json_and_table():
    result = run_cli("entities", "MAS:en och medicinskt ansvarig för rehabilitering", "--json")
    assert json.loads(result.stdout) == [
        {"start": 0, "end": 6, "text": "MAS:en", "label": "ROLE:MAS"},
        {"start": 11, "end": 49, "text": "medicinskt ansvarig för rehabilitering", "label": "ROLE:MAR"},
    ]
    assert "ROLE:MAS" in run_cli("entities", "MAS").stdout


def test_eval_detects_gold_kind(tmp_path: Path):
    refs = run_cli("eval", str(FIXTURES / "gold" / "refs-dev.json"), "--json")
    data = json.loads(refs.stdout)
    assert data["kind"] == "references" and data["overall"]["precision"] >= 0.98 and "section" in data["per_kind"]
    entities = run_cli("eval", str(FIXTURES / "gold" / "entities-dev.json"))
    assert entities.returncode == 0 and "ROLE:MAR" in entities.stdout and "precision" in entities.stdout
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([{"query": "fast vårdkontakt", "relevant": []}]), encoding="utf-8")
    no_index = run_cli("eval", str(queries), "--index-dir", str(tmp_path / "no-index"))
    assert no_index.returncode == 2 and "ingest" in no_index.stderr  # retrieval gold needs an index
    odd = tmp_path / "odd.json"
    odd.write_text('{"a": 1}', encoding="utf-8")
    assert run_cli("eval", str(odd)).returncode == 2


def test_user_errors(tmp_path: Path):
    for args in (["refs"], ["refs", "x", "--date", "den 5 maj"], ["refs", "--file", str(tmp_path / "nope.txt")],
                 ["entities", "a", "--file", str(tmp_path / "x.txt")], ["eval", str(tmp_path / "nope.json")]):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    big = tmp_path / "big.txt"
    big.write_text("x" * (6 * 1024 * 1024), encoding="utf-8")  # one paragraph over the per-call limit
    refused = run_cli("refs", "--file", str(big))
    assert refused.returncode == 2 and "limit" in refused.stderr


def test_refs_streams_a_long_file(tmp_path: Path):
    paragraph = "Regionen ska erbjuda god vård enligt 8 kap. 1 § HSL och samverka med kommunen.\n\n"
    big = tmp_path / "long.txt"
    big.write_text(paragraph * 4_000, encoding="utf-8")  # a file is tagged paragraph by paragraph, whatever its size
    result = run_cli("refs", "--file", str(big), "--json")
    assert result.returncode == 0, result.stderr
    refs = json.loads(result.stdout)
    assert len(refs) == 4_000 and refs[-1]["start"] == len(paragraph) * 3_999 + paragraph.index("8 kap.")


def test_ingest_stores_references_and_mentions(tmp_path: Path):
    doc = tmp_path / "vagledning.txt"
    doc.write_text(
        "Ansvar\n\nKommunen ska utse en medicinskt ansvarig sjuksköterska (MAS) enligt 11 kap. 4 § HSL.\n\n"
        "En samordnad individuell plan (SIP) upprättas enligt 16 kap. 4 § HSL.\n", encoding="utf-8")
    index = tmp_path / "index"
    result = run_cli("ingest", str(doc), "--index-dir", str(index), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["references"] == 2 and summary["mentions"] >= 4
    with sqlite3.connect(index / "policykb.sqlite") as conn:
        rows = conn.execute("SELECT canonical, block_id, passage_id, page_index FROM refs ORDER BY ref_id").fetchall()
        assert [r[0] for r in rows] == ["SFS 2017:30 11 kap. 4 §", "SFS 2017:30 16 kap. 4 §"]
        assert all(r[1] is not None and r[2] is not None for r in rows)
        labels = {r[0] for r in conn.execute("SELECT label FROM mentions")}
        assert {"ROLE:MAS", "PLAN:SIP"} <= labels
