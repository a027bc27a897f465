"""policykb backup: a consistent copy of an index that answers as the original does."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.index_copy import copy_index

import policykb.index.backup as backup_module
from policykb.config import VECTORS_FILENAME
from policykb.errors import InputError, StoreError
from policykb.index.backup import backup, index_size
from policykb.query.search import search

QUERY = "vem ansvarar för rehabilitering i hemmet"


def _hits(index: Path) -> list[tuple[int, str, float]]:
    return [(h.passage_id, h.text, round(h.score, 6)) for h in search(index, QUERY, k=5)]


def test_the_copy_answers_the_same_search_while_readers_run(corpus_index: Path, tmp_path: Path):
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_reading() -> None:
        while not stop.is_set():
            try:
                search(corpus_index, "delegering av läkemedel", k=3, mode="lexical")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    readers = [threading.Thread(target=keep_reading) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        report = backup(corpus_index, tmp_path / "copy")
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not errors
    assert set(report.files) >= {"policykb.sqlite", "vectors.faiss", "vectors.json"}
    assert report.size_bytes == index_size(tmp_path / "copy") > 0
    assert _hits(tmp_path / "copy") == _hits(corpus_index)


def test_a_copy_caught_between_commit_and_vector_swap_is_taken_again(corpus_index: Path, tmp_path: Path, monkeypatch):
    real = backup_module._copy_vectors
    calls = []

    def stale_first(index_dir: Path, dest: Path) -> dict[str, bytes]:
        copied = real(index_dir, dest)
        calls.append(1)
        if len(calls) == 1:  # as if an ingest had committed its store but not yet swapped its vectors in
            copied[VECTORS_FILENAME] = b"older vectors"
        return copied

    monkeypatch.setattr(backup_module, "_copy_vectors", stale_first)
    backup(corpus_index, tmp_path / "copy")
    assert len(calls) == 2
    assert _hits(tmp_path / "copy") == _hits(corpus_index)


def test_vectors_that_never_settle_leave_no_copy(corpus_index: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(backup_module, "_consistent", lambda dest, copied: False)
    monkeypatch.setattr(backup_module.time, "sleep", lambda s: None)
    with pytest.raises(StoreError, match="consistent copy"):
        backup(corpus_index, tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_bad_destinations_are_refused(corpus_index: Path, tmp_path: Path):
    (tmp_path / "exists").mkdir()
    with pytest.raises(InputError, match="already exists"):
        backup(corpus_index, tmp_path / "exists")
    with pytest.raises(InputError, match="does not exist"):
        backup(corpus_index, tmp_path / "no" / "such" / "copy")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(InputError, match="not writable"):
            backup(corpus_index, locked / "copy")


def test_backup_and_stats_on_the_command_line(corpus_index: Path, tmp_path: Path):
    source = copy_index(corpus_index, tmp_path / "index")
    done = run_cli("backup", str(tmp_path / "copy"), "--index-dir", str(source), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dest"] == str(tmp_path / "copy")
    again = run_cli("backup", str(tmp_path / "copy"), "--index-dir", str(source))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "already exists" in again.stderr
    stats = json.loads(run_cli("stats", "--json", "--index-dir", str(tmp_path / "copy")).stdout)
    assert stats["documents"] == 5 and stats["size_bytes"] == index_size(tmp_path / "copy")
    assert "MB" in run_cli("stats", "--index-dir", str(source)).stdout
