"""The CLI as a user runs it: exit codes, JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.cli import run_cli


def test_ingest_docs_show_stats(corpus_dir: Path, index_dir: Path):
    result = run_cli("ingest", str(corpus_dir), "--index-dir", str(index_dir), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["documents"] == 5 and summary["passages"] > 300 and summary["failed"] == []
    # stderr is no terminal here (as in a log): one progress line per file instead of a bar
    assert "ingest: 1/5 files read" in result.stderr and "ingest: 5/5 files read" in result.stderr

    docs = json.loads(run_cli("docs", "--json", env={"POLICYKB_INDEX_DIR": str(index_dir)}).stdout)
    assert {d["doc_id"] for d in docs} >= {"004_2be6a2c697e985af.txt"}
    guidance = next(d for d in docs if d["doc_id"] == "004_2be6a2c697e985af.txt")
    assert guidance["title"] == "Hälso- och sjukvård i hemmet – kunskapsstöd"

    show = run_cli("show", "003_98179518a3d1e638.txt", "--index-dir", str(index_dir), "--json")
    data = json.loads(show.stdout)
    assert data["document"]["identifier"] == "2026-5-10283" and data["opening"]

    table = run_cli("show", "003_98179518a3d1e638.txt", "--index-dir", str(index_dir))
    assert "2026-5-10283" in table.stdout

    stats = json.loads(run_cli("stats", "--json", "--index-dir", str(index_dir)).stdout)
    assert stats["documents"] == 5 and stats["schema_version"] >= 1


def test_user_errors_exit_2_with_one_line(tmp_path: Path, index_dir: Path):
    missing = run_cli("ingest", str(tmp_path / "nope"), "--index-dir", str(index_dir))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr

    no_index = run_cli("docs", "--index-dir", str(tmp_path / "empty-index"))
    assert no_index.returncode == 2
    assert no_index.stderr.strip().count("\n") == 0 and "policykb ingest" in no_index.stderr

    run_cli("ingest", str(Path(__file__).resolve().parents[1] / "corpus" / "000_df29f894942e6f0d.txt"),
            "--index-dir", str(index_dir))
    unknown = run_cli("show", "nope.txt", "--index-dir", str(index_dir))
    assert unknown.returncode == 2 and "policykb docs" in unknown.stderr and "Traceback" not in unknown.stderr


def test_partial_failure_still_exits_0(tmp_path: Path, index_dir: Path):
    good = tmp_path / "good.txt"
    good.write_text("Kommunen ska erbjuda god vård.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run_cli("ingest", str(good), str(empty), "--index-dir", str(index_dir))
    assert result.returncode == 0
    assert "empty.txt" in result.stderr


def test_document_content_is_printed_as_written(hostile_index: Path):
    # Issue 19: a title holding `[/bold]` crashed docs, show, xref and cites (Rich read it as
    # markup), and `[red]` in a publisher restyled the terminal instead of being shown.
    from helpers.hostile import DOC_ID, PUBLISHER

    wide = {"COLUMNS": "400", "POLICYKB_INDEX_DIR": str(hostile_index)}
    title = "[/bold] <script>alert(1)</script> [x](javascript:alert(1)) =1+1"
    for args, expected in (
        (["docs"], [DOC_ID, title, PUBLISHER]),
        (["show", DOC_ID], [DOC_ID, title, PUBLISHER, "även [/bold] när <b>det</b>"]),
        (["xref", "12 kap. 1 § HSL"], [DOC_ID, title, "och [red]alla[/red] ska"]),
        (["cites", DOC_ID], [DOC_ID, title, "SFS 2017:30 2 kap. 3 §"]),
        (["trace"], [DOC_ID, "[/bold]", "[red]alla[/red]"]),
    ):
        result = run_cli(*args, env=wide)
        assert result.returncode == 0 and not result.stderr, (args, result.stderr[-1500:])
        for text in expected:
            assert text in result.stdout, (args, text)
