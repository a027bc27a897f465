"""Issue 19: an index stays usable when a writer is killed between its store commit and its
vector swap, when two writers meet, and when the disk fills up during an ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli

from policykb.index.vectors import PreparedVectors
from policykb.ingest import ingest
from policykb.query.search import Searcher
from policykb.query.search.searcher import VECTORS_STALE_WARNING

QUERY = "vem ansvarar för rehabilitering i hemmet"


def _write_docs(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "a.txt": "Rehabilitering i hemmet\n\nKommunen ansvarar för rehabilitering i hemmet enligt 12 kap. 1 § HSL. "
                 "Arbetsterapeuten gör en bedömning tillsammans med patienten.\n\nMAR ansvarar för att rutinerna följs.",
        "b.txt": "Delegering av läkemedel\n\nSjuksköterskan kan delegera läkemedelshantering till omsorgspersonal. "
                 "Delegeringen ska vara skriftlig och tidsbegränsad.\n\nMAS följer upp delegeringarna varje år.",
        "c.txt": "Samordnad individuell plan\n\nEn SIP upprättas när den enskilde har behov av insatser från både "
                 "socialtjänsten och hälso- och sjukvården.\n\nPlanen ska ange vem som ansvarar för vad.",
    }
    for name in names:
        (folder / name).write_text(texts[name], encoding="utf-8")
    return folder


def _stats(index: Path) -> dict:
    result = run_cli("stats", "--json", "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_killed_between_store_commit_and_vector_swap_search_answers_and_ingest_repairs(tmp_path, monkeypatch):
    docs = _write_docs(tmp_path / "docs", ["a.txt", "b.txt"])
    index = tmp_path / "index"
    assert not ingest([docs], index, workers=1).failed
    _write_docs(docs, ["c.txt"])

    def killed(self):  # noqa: ANN001, ANN202 - the process dies right after the store's COMMIT
        raise OSError(28, "simulated kill before the swap")

    with monkeypatch.context() as patch:
        patch.setattr(PreparedVectors, "commit", killed)
        report = ingest([docs], index, workers=1)
    assert report.added == ["c.txt"] and any("could not be put in place" in w for w in report.warnings)
    assert _stats(index)["vectors"] == "stale"

    with Searcher(index) as searcher:
        for mode in ("lexical", "hybrid", "dense"):
            warnings: list[str] = []
            hits = searcher.search(QUERY, k=5, mode=mode, warn=warnings.append)
            assert hits, mode
            assert warnings == ([] if mode == "lexical" else [VECTORS_STALE_WARNING]), (mode, warnings)
        # the passages of the new document are found (the store is whole)
        assert any(h.doc_id == "c.txt" for h in searcher.search("samordnad individuell plan SIP", k=5, mode="hybrid"))
    cli = run_cli("search", QUERY, "--index-dir", str(index), "--json")
    assert cli.returncode == 0 and "Traceback" not in cli.stderr
    assert json.loads(cli.stdout)["warnings"] == [VECTORS_STALE_WARNING]

    # Any ingest, even of unchanged files, repairs the vectors from the embedding cache.
    repair = ingest([docs / "a.txt"], index, workers=1)
    assert repair.unchanged == ["a.txt"] and repair.embedded == 0
    assert _stats(index)["vectors"] == "current"
    with Searcher(index) as searcher:
        warnings = []
        hits = searcher.search(QUERY, k=5, mode="dense", warn=warnings.append)
        assert hits and warnings == []
        assert searcher.vector_index().count == searcher.connection().execute("SELECT count(*) FROM passages").fetchone()[0]


def test_api_serves_a_stale_index_lexically_and_health_says_so(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from policykb.api.app import create_app

    docs = _write_docs(tmp_path / "docs", ["a.txt", "b.txt"])
    index = tmp_path / "index"
    ingest([docs], index, workers=1)
    _write_docs(docs, ["c.txt"])
    with monkeypatch.context() as patch:
        patch.setattr(PreparedVectors, "commit", lambda self: (_ for _ in ()).throw(OSError(5, "killed")))
        ingest([docs], index, workers=1)
    monkeypatch.setattr("policykb.api.state.SEARCH_OPEN_PAUSE", 0.0)
    with TestClient(create_app(index_dir=index)) as client:
        health = client.get("/health").json()
        assert health["vectors"] == "stale" and health["search"] is True
        answer = client.get("/search", params={"q": QUERY, "mode": "hybrid"})
        assert answer.status_code == 200 and answer.json()["hits"]
        assert answer.json()["warnings"] == [VECTORS_STALE_WARNING]
        assert client.get("/stats").json()["vectors"]["state"] == "stale"


# -- 2. one writer at a time ------------------------------------------------------------------

HOLDER = """
import sys
from policykb.store.writelock import write_lock
with write_lock(sys.argv[1], "policykb ingest big-folder/"):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


def _hold_lock(index: Path):  # noqa: ANN202
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(index)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_is_refused_in_one_line_naming_the_holder_or_waits_for_it(tmp_path):
    import subprocess
    import sys
    import time

    docs = _write_docs(tmp_path / "docs", ["a.txt"])
    index = tmp_path / "index"
    assert not ingest([docs], index, workers=1).failed
    _write_docs(docs, ["b.txt"])
    holder = _hold_lock(index)
    try:
        refused = run_cli("ingest", str(docs), "--index-dir", str(index), "--workers", "1")
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert f"process {holder.pid} (policykb ingest big-folder/" in lines[0] and "--wait" in lines[0], lines[0]
        removing = run_cli("remove", "a.txt", "--index-dir", str(index))
        assert removing.returncode == 2 and f"process {holder.pid}" in removing.stderr
        assert len(removing.stderr.strip().splitlines()) == 1

        waiting = subprocess.Popen(
            [sys.executable, "-m", "policykb.cli", "ingest", str(docs), "--index-dir", str(index),
             "--workers", "1", "--wait", "30", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(3)
        assert waiting.poll() is None  # still waiting for the holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0 and "Traceback" not in err, err
    assert json.loads(out)["added"] == ["b.txt"]


def test_the_lock_of_a_killed_writer_holds_nothing(tmp_path):
    from policykb.store.writelock import LOCK_FILENAME

    docs = _write_docs(tmp_path / "docs", ["a.txt"])
    index = tmp_path / "index"
    holder = _hold_lock(index)
    holder.kill()
    holder.wait(timeout=30)
    assert (index / LOCK_FILENAME).exists()
    assert ingest([docs], index, workers=1).added == ["a.txt"]


# -- 3. a full disk ---------------------------------------------------------------------------


def _store_limited_to_its_size(monkeypatch, extra_pages: int = 2) -> None:
    """Every store opened from now on may grow by `extra_pages` pages only: SQLite then answers
    SQLITE_FULL exactly as on a full disk (no root, no mount needed)."""
    from policykb.store import Store

    real_open = Store.open.__func__

    def small_open(cls, *args, **kwargs):  # noqa: ANN001, ANN202
        store = real_open(cls, *args, **kwargs)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
        return store

    monkeypatch.setattr(Store, "open", classmethod(small_open))


def _big_text(n: int) -> str:
    return "Rapport om hemsjukvård\n\n" + "\n\n".join(
        f"Stycke {i}: kommunen ansvarar för hemsjukvård och rehabilitering enligt 12 kap. {i % 9 + 1} § HSL; "
        f"sjuksköterskan dokumenterar insats nummer {i} i journalen och följer upp den varje vecka."
        for i in range(n)
    )


def test_a_full_disk_stops_the_run_with_one_message_and_leaves_the_store_as_it_was(tmp_path, monkeypatch, capsys):
    import sys

    from policykb.cli.main import run
    from policykb.store import DiskFullError, StoreError

    docs = _write_docs(tmp_path / "docs", ["a.txt", "b.txt"])
    index = tmp_path / "index"
    assert not ingest([docs], index, workers=1).failed
    before = _stats(index)
    more = tmp_path / "more"
    more.mkdir()
    for name in ("c1.txt", "c2.txt", "c3.txt"):
        (more / name).write_text(_big_text(150), encoding="utf-8")

    with monkeypatch.context() as patch:
        _store_limited_to_its_size(patch)
        with pytest.raises(DiskFullError) as caught:
            ingest([more], index, workers=1)
        assert isinstance(caught.value, StoreError)
        message = str(caught.value)
        assert "\n" not in message and "is full" in message and "MB free" in message and "as it was" in message

        patch.setattr(sys, "argv", ["policykb", "ingest", str(more), "--index-dir", str(index), "--workers", "1"])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            run()
        assert exited.value.code == 2
        # (without a terminal ingest also logs one progress line per file: those are not the error)
        err = [line for line in capsys.readouterr().err.strip().splitlines()
               if line.strip() and not line.startswith("ingest: ")]
        assert len(err) == 1 and err[0].startswith("error: the disk holding the index") and "Traceback" not in err[0]

    after = _stats(index)
    assert {k: v for k, v in after.items() if k != "size_bytes"} == {k: v for k, v in before.items() if k != "size_bytes"}
    with Searcher(index) as searcher:
        warnings: list[str] = []
        assert searcher.search(QUERY, k=3, mode="hybrid", warn=warnings.append) and warnings == []
    # With room again, the same run stores everything.
    assert sorted(ingest([more], index, workers=1).added) == ["c1.txt", "c2.txt", "c3.txt"]


def test_a_full_disk_while_writing_the_vector_files_rolls_the_store_back(tmp_path, monkeypatch):
    import errno

    from policykb.index import vectors
    from policykb.store import DiskFullError

    docs = _write_docs(tmp_path / "docs", ["a.txt"])
    index = tmp_path / "index"
    ingest([docs], index, workers=1)
    before = _stats(index)
    _write_docs(docs, ["b.txt"])

    def no_space(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vectors, "_write_temp", no_space)
    with pytest.raises(DiskFullError):
        ingest([docs], index, workers=1)
    monkeypatch.undo()
    assert _stats(index) == {**before, "size_bytes": _stats(index)["size_bytes"]}
    assert not list(index.glob(".vectors*.tmp"))


def test_a_really_full_disk_on_a_small_tmpfs(tmp_path):
    """The same on a real full filesystem, when this process may mount one (root, not in every sandbox)."""
    import os
    import shutil
    import subprocess

    from policykb.store import DiskFullError

    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to make a small tmpfs")
    docs = _write_docs(tmp_path / "docs", ["a.txt", "b.txt"])
    probe = tmp_path / "probe-index"
    ingest([docs], probe, workers=1)
    used = sum(p.stat().st_size for p in probe.iterdir() if p.is_file())
    size_kb = (used + 400_000) // 1024
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        index = mount / "index"
        assert not ingest([docs], index, workers=1).failed
        before = _stats(index)
        more = tmp_path / "more"
        more.mkdir()
        for i in range(6):
            (more / f"big{i}.txt").write_text(_big_text(400), encoding="utf-8")
        with pytest.raises(DiskFullError) as caught:
            ingest([more], index, workers=1)
        assert "\n" not in str(caught.value) and "MB free" in str(caught.value)
        after = _stats(index)
        assert {k: v for k, v in after.items() if k != "size_bytes"} == {k: v for k, v in before.items() if k != "size_bytes"}
        with Searcher(index) as searcher:
            assert searcher.search(QUERY, k=3, mode="hybrid")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_upload_job_waits_for_a_cli_writer_instead_of_failing(tmp_path):
    import time

    from fastapi.testclient import TestClient

    from policykb.api.app import create_app

    docs = _write_docs(tmp_path / "docs", ["a.txt"])
    index = tmp_path / "index"
    ingest([docs], index, workers=1)
    key = "test-key-robust"
    with TestClient(create_app(index, api_key=key)) as client:
        holder = _hold_lock(index)
        try:
            text = _write_docs(tmp_path / "up", ["c.txt"]).joinpath("c.txt").read_bytes()
            answer = client.post("/documents", headers={"X-API-Key": key}, files={"file": ("sip.txt", text, "text/plain")})
            assert answer.status_code == 202, answer.text
            job_id = answer.json()["job_id"]
            time.sleep(4)
            assert client.get(f"/jobs/{job_id}").json()["status"] not in {"done", "failed"}
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
        deadline = time.monotonic() + 180
        while (job := client.get(f"/jobs/{job_id}").json())["status"] not in {"done", "failed"}:
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "done" and job["files"][0]["status"] == "ingested", job
