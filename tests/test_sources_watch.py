"""`policykb watch`: the poll loop driven step by step (the sleep between polls is where the test
changes the folder), first with recording actions, then with the real ingest and removal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.signals import interruptible
from policykb.errors import StoreError
from policykb.sources.watch import FolderWatcher, WatchActions


class Recorder:
    """Actions that record what the watcher asks for; `busy` makes the next ingest fail as if
    another process held the index; files whose name contains "broken" fail."""

    def __init__(self) -> None:
        self.ingested: list[list[str]] = []
        self.removed: list[list[str]] = []
        self.stored_paths: dict[str, str] = {}
        self.busy = False

    def ingest(self, paths):  # noqa: ANN001, ANN201
        if self.busy:
            self.busy = False
            raise StoreError("the index is being written by process 4242 (policykb ingest)")
        self.ingested.append([p.name for p in paths])
        results = {}
        for p in paths:
            key = str(p.resolve())
            if "broken" in p.name:
                results[key] = ("failed", f"{p}: not a PDF")
            else:
                self.stored_paths[key] = p.name
                results[key] = ("ingested", p.name)
        return results, []

    def remove(self, doc_ids):  # noqa: ANN001, ANN201
        self.removed.append(list(doc_ids))
        self.stored_paths = {k: v for k, v in self.stored_paths.items() if v not in doc_ids}

    def actions(self) -> WatchActions:
        return WatchActions(self.ingest, self.remove, lambda: dict(self.stored_paths))


def test_a_growing_file_is_ingested_once_its_size_holds_for_two_polls(tmp_path):
    rec = Recorder()
    watcher = FolderWatcher(tmp_path, rec.actions())
    part = tmp_path / "sou.txt"
    part.write_text("Första delen av en lång rapport.\n", encoding="utf-8")
    watcher.poll()
    for more in ("Andra delen.\n", "Tredje delen.\n"):  # still being copied in
        with part.open("a", encoding="utf-8") as fh:
            fh.write(more)
        watcher.poll()
        assert rec.ingested == []
    watcher.poll()  # same size as at the last poll: settled
    assert rec.ingested == [["sou.txt"]]
    watcher.poll()
    watcher.poll()
    assert rec.ingested == [["sou.txt"]]  # once


def test_a_replaced_file_is_ingested_again_and_a_deleted_one_removed(tmp_path):
    rec = Recorder()
    events = []
    watcher = FolderWatcher(tmp_path, rec.actions(), on_event=events.append)
    report = tmp_path / "rapport.md"
    report.write_text("# Rapport\n\nVersion ett.\n", encoding="utf-8")
    watcher.poll()
    watcher.poll()
    assert rec.ingested == [["rapport.md"]]
    report.write_text("# Rapport\n\nVersion två, längre än den första.\n", encoding="utf-8")
    watcher.poll()
    watcher.poll()
    assert rec.ingested == [["rapport.md"], ["rapport.md"]]
    report.unlink()
    watcher.poll()
    assert rec.removed == []  # gone for one poll only: a save by delete-and-rename
    watcher.poll()
    assert rec.removed == [["rapport.md"]]
    kinds = [e["event"] for e in events]
    assert kinds.count("ingested") == 2 and kinds.count("removed") == 1


def test_a_file_back_within_a_poll_is_not_removed_and_keep_deleted_keeps_documents(tmp_path):
    rec = Recorder()
    watcher = FolderWatcher(tmp_path, rec.actions())
    doc = tmp_path / "a.txt"
    doc.write_text("Text.\n", encoding="utf-8")
    watcher.poll()
    watcher.poll()
    doc.unlink()
    watcher.poll()
    doc.write_text("Text.\n", encoding="utf-8")
    watcher.poll()
    watcher.poll()
    assert rec.removed == []

    keeper = FolderWatcher(tmp_path, rec.actions(), keep_deleted=True)
    doc.unlink()
    for _ in range(3):
        keeper.poll()
    assert rec.removed == []


def test_a_broken_file_among_good_ones_is_reported_once_and_the_others_ingested(tmp_path):
    rec = Recorder()
    events = []
    watcher = FolderWatcher(tmp_path, rec.actions(), on_event=events.append)
    for name in ("a.txt", "broken.pdf", "c.txt"):
        (tmp_path / name).write_text(f"{name}\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "~$lock.docx").write_text("x", encoding="utf-8")
    (tmp_path / "notes.odt").write_text("x", encoding="utf-8")
    for _ in range(4):
        watcher.poll()
    assert rec.ingested == [["a.txt", "broken.pdf", "c.txt"]]
    failed = [e for e in events if e["event"] == "failed"]
    assert len(failed) == 1 and "not a PDF" in failed[0]["message"]
    assert watcher.summary.ingested == ["a.txt", "c.txt"]
    (tmp_path / "broken.pdf").write_text("now fixed, and longer\n", encoding="utf-8")
    watcher.poll()
    watcher.poll()
    assert rec.ingested[-1] == ["broken.pdf"]  # tried again once it changed


def test_another_writer_holding_the_index_is_waited_out(tmp_path):
    rec = Recorder()
    events = []
    watcher = FolderWatcher(tmp_path, rec.actions(), on_event=events.append)
    (tmp_path / "a.txt").write_text("Text.\n", encoding="utf-8")
    rec.busy = True
    watcher.poll()
    watcher.poll()
    assert rec.ingested == [] and "try again at the next poll" in events[-1]["message"]
    watcher.poll()
    assert rec.ingested == [["a.txt"]]


def test_run_sleeps_the_interval_and_stops_cleanly_on_ctrl_c(tmp_path):
    rec = Recorder()
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise KeyboardInterrupt

    summary = FolderWatcher(tmp_path, rec.actions()).run(5.0, sleep=sleep)
    assert summary.polls == 3 and slept == [5.0, 5.0, 5.0]


# -- with the real ingest -----------------------------------------------------------------------


def test_watch_keeps_the_index_in_step_with_the_folder(tmp_path):
    from policykb.ingest import watch
    from policykb.store import Store

    folder, index = tmp_path / "share", tmp_path / "index"
    folder.mkdir()
    (folder / "vard.txt").write_text("Vård i hemmet\n\nKommunen ansvarar för hemsjukvården enligt 12 kap. 1 § HSL.\n",
                                     encoding="utf-8")
    (folder / "trasig.pdf").write_bytes(b"%PDF-1.4\n%broken beyond repair\n")
    (folder / "kopieras.md").write_text("# Rapport\n\nFörsta stycket.\n", encoding="utf-8")
    steps = []

    def between_polls(seconds: float) -> None:
        steps.append(seconds)
        if len(steps) == 1:  # the copy goes on
            with (folder / "kopieras.md").open("a", encoding="utf-8") as fh:
                fh.write("\nAndra stycket om samordnad individuell plan.\n")
        elif len(steps) == 3:
            (folder / "vard.txt").unlink()

    events = []
    summary = watch(folder, index, interval=0.01, sleep=between_polls, max_polls=6, on_event=events.append)
    assert sorted(summary["ingested"]) == ["kopieras.md", "vard.txt"]
    assert summary["removed"] == ["vard.txt"]
    assert [Path(p).name for p in summary["failed"]] == ["trasig.pdf"]
    with Store.open(index, create=False, readonly=True) as store:
        docs = {d["doc_id"] for d in store.list_documents()}
        text = " ".join(r[0] for r in store.conn.execute("SELECT text FROM passages WHERE doc_id = 'kopieras.md'"))
    assert docs == {"kopieras.md"}
    assert "Andra stycket" in text  # read once complete, not half-copied


def test_cli_watch_stops_cleanly_on_ctrl_c(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "a.txt").write_text("Text om vård.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykb.cli", "watch", str(folder), "--interval", "0.2",
         "--index-dir", str(tmp_path / "index"), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible,
    )
    try:
        line = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and '"ingested"' not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert '"event": "ingested"' in line, proc.stderr.read() if proc.poll() is not None else line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert '"event": "stopped"' in out and "Traceback" not in err


@pytest.mark.parametrize("args, says", [
    (["no-such-folder"], "no such folder"),
])
def test_cli_watch_bad_folder(tmp_path, args, says):
    from helpers.cli import run_cli

    result = run_cli("watch", *[str(tmp_path / a) for a in args], "--index-dir", str(tmp_path / "index"))
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
