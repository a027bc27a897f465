"""The API's moving parts on their own: index snapshots, upload checks and the limit middleware."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers.index_copy import copy_index

from policykb.api.state import AppState, BusyError, IndexSnapshot
from policykb.api.uploads import display_name, store_upload
from policykb.errors import InputError, TooLargeError, UnsupportedInputError
from policykb.ingest import ingest


@pytest.fixture
def index_copy(corpus_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    return copy_index(corpus_index, target)


def _documents(snapshot: IndexSnapshot) -> int:
    with snapshot.store(timeout=1) as store:
        return store.conn.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_a_held_snapshot_keeps_its_corpus_while_another_process_ingests(index_copy: Path, tmp_path: Path) -> None:
    state = AppState(index_copy, read_connections=3)
    state.open()
    extra = tmp_path / "extra.txt"
    extra.write_text("Ett nytt dokument\n\nKommunen ska erbjuda hemsjukvård.\n", encoding="utf-8")
    with state.snapshot() as old:
        before = _documents(old)
        report = ingest([extra], index_copy)
        assert report.documents == 1
        # Every connection of the held snapshot still sees the corpus as it was.
        assert [_documents(old) for _ in range(3)] == [before] * 3
        new = state.refresh()
        assert _documents(new) == before + 1 and new.generation == old.generation + 1
        assert _documents(old) == before  # still usable until released
    with state.snapshot() as current:
        assert current is new
    state.close()


def test_changes_by_another_process_are_picked_up(index_copy: Path, tmp_path: Path) -> None:
    import time

    state = AppState(index_copy, read_connections=1)
    state.open()
    first = state.current.generation
    extra = tmp_path / "annat.txt"
    extra.write_text("Annat dokument\n\nRegionen ansvarar för läkarinsatser.\n", encoding="utf-8")
    ingest([extra], index_copy)
    deadline = time.monotonic() + 10
    while state.current.generation == first and time.monotonic() < deadline:
        with state.snapshot():
            pass
        time.sleep(0.3)
    assert state.current.generation > first
    with state.snapshot() as snap:
        assert snap.fingerprint[0] == _documents(snap)
    state.close()


def test_a_snapshot_with_all_connections_busy_answers_503(index_copy: Path) -> None:
    snapshot = IndexSnapshot.open(index_copy, 1, connections=1)
    with snapshot.store(timeout=1):
        with pytest.raises(BusyError) as info:
            with snapshot.store(timeout=0.05):
                pass
    assert info.value.status == 503
    snapshot.retire()


def test_an_empty_snapshot_says_to_ingest(tmp_path: Path) -> None:
    snapshot = IndexSnapshot.open(tmp_path / "none", 1, connections=2)
    assert not snapshot.has_store
    with pytest.raises(Exception) as info:
        with snapshot.store(timeout=0.1):
            pass
    assert info.value.status == 503 and "policykb ingest" in str(info.value)


# -- uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "kind", "suffix"),
    [
        ("Rehabilitering i hemmet är viktigt.\n".encode(), "a.txt", "text", ".txt"),
        ("Rehabilitering i hemmet är viktigt.\n".encode("cp1252"), "a.txt", "text", ".txt"),
        ("\ufeff# Rubrik\n\nText.\n".encode(), "notes.md", "text", ".md"),
        (b"<html><body><p>Hej</p></body></html>", "sida.HTM", "text", ".html"),
        (b"\n  %PDF-1.7\n" + bytes(range(256)) * 10, "rapport.txt", "pdf", ".pdf"),
        (b"plain text named pdf", "falsk.pdf", "text", ".txt"),
    ],
)
def test_upload_type_is_decided_by_content(tmp_path: Path, data: bytes, name: str, kind: str, suffix: str) -> None:
    stored = store_upload(io.BytesIO(data), name, tmp_path, "job-1", limit=10_000)
    assert stored.content_type == kind and stored.path.name == "job-1" + suffix
    assert stored.path.read_bytes() == data and stored.size_bytes == len(data)
    assert list(tmp_path.iterdir()) == [stored.path]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", InputError),
        (b"PK\x03\x04" + bytes(2000), UnsupportedInputError),
        (b"text" + b"\x00" * 10, UnsupportedInputError),
        (bytes(range(1, 9)) * 200, UnsupportedInputError),
        (b"\x81\x8d\x8f\x90\x9d" * 100, UnsupportedInputError),  # neither UTF-8 nor Windows-1252
        (b"a" * 10_001, TooLargeError),
    ],
)
def test_uploads_that_are_not_pdf_or_text_are_refused(tmp_path: Path, data: bytes, error: type) -> None:
    with pytest.raises(error) as info:
        store_upload(io.BytesIO(data), "fil.txt", tmp_path, "job-2", limit=10_000)
    assert "fil.txt" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_large_text_is_checked_across_chunks(tmp_path: Path) -> None:
    # A multi-byte character split across the 1 MiB read boundary is still valid UTF-8.
    data = ("x" * (1024 * 1024 - 1) + "ö" * 10).encode()
    stored = store_upload(io.BytesIO(data), "lång.txt", tmp_path, "job-3", limit=4 * 1024 * 1024)
    assert stored.content_type == "text"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\remiss.pdf", "remiss.pdf"),
        ("rad\nbrytning.txt", "radbrytning.txt"),
        ("", "file 3"),
        (None, "file 3"),
    ],
)
def test_client_file_names_are_only_shown(raw: str | None, shown: str) -> None:
    assert display_name(raw, 3) == shown
