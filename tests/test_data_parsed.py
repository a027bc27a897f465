"""Parsed data tables kept between processes (`policykb.data.parsed`): read back, never trusted blindly."""

from __future__ import annotations

import gzip
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from policykb.data import parsed, read_bytes
from policykb.swedish import analyzer

NAME = "sv_lemma_stems.tsv.gz"


def parse_calls() -> tuple[list[int], object]:
    calls: list[int] = []

    def parse(raw: bytes) -> dict[str, str]:
        calls.append(1)
        return analyzer._parse_lemma_stems(raw)

    return calls, parse


def is_table(value: object) -> bool:
    return isinstance(value, dict) and len(value) > 0


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POLICYKB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "data"


def test_parsed_once_then_read_from_the_cache(cache):
    calls, parse = parse_calls()
    first = parsed(NAME, parse, is_table)
    files = list(cache.iterdir())
    assert calls == [1] and len(files) == 1 and files[0].name.startswith(NAME)
    second = parsed(NAME, parse, is_table)
    assert calls == [1], "the second read comes from the cache file"
    assert second == first == analyzer._parse_lemma_stems(read_bytes(NAME))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong shape"])
def test_a_damaged_cache_file_is_parsed_afresh_and_rewritten(cache, damage):
    import marshal

    calls, parse = parse_calls()
    expected = parsed(NAME, parse, is_table)
    [path] = list(cache.iterdir())
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        path.write_bytes(b"\x00not marshal at all" * 10)
    else:
        path.write_bytes(marshal.dumps(["a list, not the table"]))
    assert parsed(NAME, parse, is_table) == expected
    assert calls == [1, 1]
    assert parsed(NAME, parse, is_table) == expected and calls == [1, 1], "the rewritten file is read again"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_cache_directory_only_costs_the_time(cache):
    cache.parent.mkdir(parents=True)
    cache.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        calls, parse = parse_calls()
        assert is_table(parsed(NAME, parse, is_table)) and is_table(parsed(NAME, parse, is_table))
        assert calls == [1, 1]
    finally:
        cache.parent.chmod(stat.S_IRWXU)


def test_a_cache_path_that_is_a_file_only_costs_the_time(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")
    monkeypatch.setenv("POLICYKB_CACHE_DIR", str(blocker))
    calls, parse = parse_calls()
    assert is_table(parsed(NAME, parse, is_table))
    assert calls == [1]


def test_a_changed_data_file_is_never_answered_from_an_old_cache_file(cache, monkeypatch):
    calls, parse = parse_calls()
    parsed(NAME, parse, is_table)
    other = gzip.compress(b"hem\themm\n")
    monkeypatch.setattr("policykb.data.read_bytes", lambda name: other)
    assert parsed(NAME, parse, is_table) == {"hem": "hemm"}
    assert len(list(cache.iterdir())) == 2


def test_the_swedish_tables_load_in_a_fresh_process_from_the_cache(tmp_path):
    """Two processes: the first writes the tables, the second reads them, the same analysis."""
    env = {**os.environ, "POLICYKB_CACHE_DIR": str(tmp_path)}
    code = (
        "from policykb.swedish.analyzer import Analyzer, compound_parts, lemma_stems\n"
        "b, e = compound_parts(); print(len(b), len(e), len(lemma_stems()), "
        "Analyzer(lambda w: 5).tokens('hemsjukvården')[0].terms)"
    )
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True) for _ in "ab"]
    assert runs[0].stdout == runs[1].stdout and "sjukvård" in runs[0].stdout
    assert len(list((tmp_path / "data").iterdir())) == 2
