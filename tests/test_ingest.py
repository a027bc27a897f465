"""Ingest into a real SQLite store: counts, idempotence, replacement, bad input, crash safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.limits import run_with_memory_limit
from helpers.signals import interruptible
from policykb.errors import StoreError
from policykb.ingest import ingest
from policykb.store import SCHEMA_VERSION, Store, db_path


def test_bundled_corpus_round_trip(corpus_dir: Path, index_dir: Path):
    report = ingest([corpus_dir], index_dir)
    assert not report.failed
    assert len(report.added) == 5
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"]
    with Store.open(index_dir, create=False) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for entry in manifest:
            meta = store.get_document(entry["file"])
            assert meta is not None
            for key in ("title", "kind", "publisher", "identifier", "date"):
                if entry[key] is not None:
                    assert getattr(meta, key) == entry[key], key
        stats = store.stats()
        assert stats.documents == 5 and stats.passages > 300 and stats.footnotes > 100
        assert stats.pages == report.pages
        # The guidance's footnote 8 sits on the page whose body cites it.
        row = store.conn.execute(
            "SELECT f.page_index, p.text FROM footnotes f JOIN pages p USING (doc_id, page_index) "
            "WHERE f.doc_id = ? AND f.number = 8", ("004_2be6a2c697e985af.txt",)
        ).fetchone()
        assert "Regionen ansvarar inte för sådan hälso- och sjukvård" in row["text"]


def test_reingest_unchanged_is_a_noop_and_changed_file_replaces(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "a.txt"
    doc.write_text("Rubrik\n\nRegionen ska erbjuda god vård.\n", encoding="utf-8")
    first = ingest([folder], index_dir)
    assert first.added == ["a.txt"]
    second = ingest([folder], index_dir)
    assert second.unchanged == ["a.txt"] and second.documents == 0
    doc.write_text("Rubrik\n\nKommunen ska erbjuda god vård i hemmet.\n", encoding="utf-8")
    third = ingest([folder], index_dir)
    assert third.replaced == ["a.txt"]
    with Store.open(index_dir, create=False) as store:
        texts = [r[0] for r in store.conn.execute("SELECT text FROM passages")]
        assert texts == ["Kommunen ska erbjuda god vård i hemmet."]
        assert store.stats().documents == 1


def test_bad_files_are_reported_and_good_ones_stored(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Kommunen ska erbjuda god vård.\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"this is not a pdf at all")
    (folder / "latin1.txt").write_bytes("Hälso- och sjukvård i hemmet.".encode("cp1252"))
    (folder / "binary.txt").write_bytes(bytes([0x81, 0x8D, 0x8F, 0x90]) * 50)
    report = ingest([folder, tmp_path / "missing"], index_dir)
    assert sorted(report.added) == ["good.txt", "latin1.txt"]
    failed = {Path(f.path).name: f.message for f in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf", "binary.txt", "missing"}
    assert "empty" in failed["empty.txt"]
    assert "not a PDF" in failed["broken.pdf"]
    assert "UTF-8" in failed["binary.txt"]
    assert "no such file" in failed["missing"]


def test_directory_without_supported_files(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "image.png").write_bytes(b"\x89PNG")
    report = ingest([folder], index_dir)
    assert report.documents == 0
    assert "no supported files" in report.failed[0].message
    assert not db_path(index_dir).exists()


def test_files_of_other_types_in_a_folder_are_counted_not_dropped_silently(tmp_path: Path, index_dir: Path):
    folder = tmp_path / "remiss"
    (folder / "bilagor").mkdir(parents=True)
    (folder / "svar.txt").write_text("Kommunen ansvarar för hemsjukvården.\n", encoding="utf-8")
    (folder / "yttrande.odt").write_bytes(b"PK\x03\x04")
    (folder / "bilagor" / "karta.png").write_bytes(b"\x89PNG")
    (folder / ".DS_Store").write_bytes(b"\0")  # hidden: not a document anyone put there
    report = ingest([folder], index_dir)
    assert report.documents == 1
    notes = [w for w in report.warnings if "other types" in w]
    assert len(notes) == 1 and "2 file(s)" in notes[0] and "1 .odt, 1 .png" in notes[0]
    assert "as .docx or PDF" in notes[0]


def test_file_over_the_size_limit_is_refused(tmp_path: Path, index_dir: Path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # a sparse 200 MB file: costs no disk
        fh.truncate(200 * 1024 * 1024)
    report = ingest([big], index_dir)
    assert report.documents == 0
    assert "over the 100 MB limit" in report.failed[0].message
    small_limit = ingest([big], index_dir, max_bytes=10)
    assert "limit" in small_limit.failed[0].message


def test_read_only_index_dir_is_refused_and_left_alone(tmp_path: Path, corpus_dir: Path):
    index_dir = tmp_path / "ro"
    ingest([corpus_dir / "000_df29f894942e6f0d.txt"], index_dir)
    before = db_path(index_dir).read_bytes()
    os.chmod(index_dir, 0o555)
    try:
        with pytest.raises(StoreError, match="read-only"):
            ingest([corpus_dir / "001_e4a7aa5cf866e425.txt"], index_dir)
    finally:
        os.chmod(index_dir, 0o755)
    assert db_path(index_dir).read_bytes() == before


def test_store_of_a_newer_schema_is_refused(tmp_path: Path, corpus_dir: Path):
    index_dir = tmp_path / "newer"
    ingest([corpus_dir / "000_df29f894942e6f0d.txt"], index_dir)
    conn = sqlite3.connect(db_path(index_dir))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this policykb"):
        ingest([corpus_dir / "001_e4a7aa5cf866e425.txt"], index_dir)
    with pytest.raises(StoreError, match="newer"):
        Store.open(index_dir, create=False, readonly=True)


def _ingest_paused_mid_run(tmp_path: Path, corpus_dir: Path, names: tuple[str, ...], *, after_files: int,
                           workers: int | None = None):
    """An index holding one document, and an ingest of `names` into it running in a subprocess,
    paused (in its progress callback) once `after_files` files were stored: (index, stats before, process)."""
    index_dir = tmp_path / "index"
    ingest([corpus_dir / "000_df29f894942e6f0d.txt"], index_dir)
    with Store.open(index_dir, create=False) as store:
        before = store.stats().to_dict()
    many = tmp_path / "many"
    many.mkdir()
    for name in names:
        shutil.copy(corpus_dir / name, many / name)
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from policykb.ingest import ingest
        def progress(stage, done, total, item):
            if stage == "files" and done == {after_files}:
                Path({str(ready)!r}).write_text("x")
                time.sleep(60)
        ingest([{str(many)!r}], {str(index_dir)!r}, workers={workers!r}, progress=progress)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    deadline = time.time() + 120
    while not ready.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert ready.exists(), f"ingest never stored {after_files} file(s)"
    return index_dir, before, proc


def test_kill_during_ingest_leaves_previous_store_intact(tmp_path: Path, corpus_dir: Path):
    import psutil

    index_dir, before, proc = _ingest_paused_mid_run(
        tmp_path, corpus_dir, ("002_77c63d0e7f875d18.txt", "003_98179518a3d1e638.txt", "004_2be6a2c697e985af.txt"),
        after_files=2)
    readers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    _, alive = psutil.wait_procs(readers, timeout=30)
    assert alive == [], "reader processes outlived the killed ingest"
    with Store.open(index_dir, create=False) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.stats().to_dict() == before


def test_a_file_that_fails_while_being_written_leaves_nothing_and_the_others_are_stored(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    import policykb.index.citations as citations

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Kommunen ska enligt 12 kap. 1 § HSL erbjuda hälso- och sjukvård.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Regionen ska enligt 5 kap. 1 § HSL organisera primärvården.\n", encoding="utf-8")
    real_rebuild = citations.rebuild

    def failing_rebuild(conn, doc_id):
        real_rebuild(conn, doc_id)  # rows of this file are written, then the file fails
        if doc_id == "b.txt":
            raise RuntimeError("simulated failure after the rows were written")
        return None

    monkeypatch.setattr(citations, "rebuild", failing_rebuild)
    report = ingest([folder], index_dir)
    assert [f.path.rsplit("/", 1)[-1] for f in report.failed] == ["b.txt"]
    assert report.added == ["a.txt"]
    with Store.open(index_dir, create=False) as store:
        for table in ("documents", "pages", "blocks", "passages", "refs", "citations", "requirements", "sentences"):
            docs = {r[0] for r in store.conn.execute(f"SELECT DISTINCT doc_id FROM {table}")}
            assert "b.txt" not in docs, table
        assert store.get_document("a.txt") is not None
        assert store.conn.execute("SELECT count(*) FROM citations WHERE doc_id = 'a.txt'").fetchone()[0] > 0


def test_max_file_bytes_setting_is_read_from_the_environment(tmp_path: Path, index_dir: Path):
    from helpers.cli import run_cli

    big = tmp_path / "big.txt"
    big.write_text("Kommunen ansvarar för hemsjukvården. " * 100, encoding="utf-8")
    result = run_cli("ingest", str(big), "--index-dir", str(index_dir), env={"POLICYKB_MAX_FILE_BYTES": "1000"})
    assert result.returncode == 2 and "over the 1,000 bytes limit" in result.stderr, result.stderr
    bad = run_cli("ingest", str(big), "--index-dir", str(index_dir), "--max-file-mb", "nan")
    assert bad.returncode == 2 and "--max-file-mb" in bad.stderr and "Traceback" not in bad.stderr


def test_parallel_readers_give_the_same_store_and_a_dying_worker_fails_only_its_file(tmp_path: Path):
    from helpers.readers import crash_on_b

    from policykb.ingest import _read_all

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (folder / name).write_text(f"Rubrik {name}\n\nKommunen ska enligt 12 kap. 1 § HSL erbjuda vård ({name}).\n",
                                   encoding="utf-8")
    todo = [(folder / n, None, n) for n in ("a.txt", "b.txt", "c.txt", "d.txt")]
    reads = [read for read, _ in _read_all(todo, {}, "never", None, 2, lambda *a: None, reader=crash_on_b)]
    assert [r.path.name for r in reads] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert [r.error is None for r in reads] == [True, False, True, True]
    assert "reader process died" in reads[1].error

    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    one = ingest([folder], serial, workers=1)
    two = ingest([folder], parallel, workers=2)
    assert one.added == two.added == ["a.txt", "b.txt", "c.txt", "d.txt"]
    rows = "SELECT doc_id, page_start, text FROM passages ORDER BY doc_id, ordinal"
    with Store.open(serial, create=False) as a, Store.open(parallel, create=False) as b:
        assert a.conn.execute(rows).fetchall() == b.conn.execute(rows).fetchall()
        refs = "SELECT doc_id, canonical FROM refs ORDER BY doc_id, ref_id"
        assert a.conn.execute(refs).fetchall() == b.conn.execute(refs).fetchall()
    with pytest.raises(Exception, match="--workers 0"):
        ingest([folder], tmp_path / "none", workers=0)


def test_ctrl_c_during_a_parallel_ingest_stops_the_readers_and_keeps_the_previous_store(tmp_path: Path, corpus_dir: Path):
    import psutil

    index_dir, before, proc = _ingest_paused_mid_run(
        tmp_path, corpus_dir, ("001_e4a7aa5cf866e425.txt", "002_77c63d0e7f875d18.txt", "003_98179518a3d1e638.txt",
                               "004_2be6a2c697e985af.txt"), after_files=1, workers=2)
    readers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr
    gone, alive = psutil.wait_procs(readers, timeout=30)
    assert alive == []
    with Store.open(index_dir, create=False) as store:
        assert store.stats().to_dict() == before
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_file_of_one_long_word_is_ingested_in_bounded_memory(tmp_path: Path):
    # Issue 19: a 20 KB word took 0.6 GB (every tail cached by the compound splitter), a 5 MB one
    # 23 GB; its embedding alone would have taken hours.
    folder = tmp_path / "blob"
    folder.mkdir()
    (folder / "blob.txt").write_text("Rubrik\n\n" + "vardplanering" * 250_000 + "\n", encoding="utf-8")  # 3.2 MB
    result = run_with_memory_limit(
        f"""
        from policykb.ingest import ingest
        report = ingest([{str(folder)!r}], {str(tmp_path / "index")!r})
        assert not report.failed, report.failed
        print(report.documents, report.passages)
        """,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[0] == "1"
