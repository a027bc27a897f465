"""The FAISS index on disk: ids kept, exact and approximate behind one call, atomic, checked."""

from __future__ import annotations

import json

import numpy as np
import pytest

from policykb.errors import ModelError, StoreError
from policykb.index.vectors import VectorIndex, index_type_for, prepare_vectors


def write_vectors(index_dir, vectors, ids, model_id):
    prepared = prepare_vectors(index_dir, vectors, ids, model_id)
    prepared.commit()
    return prepared.meta


def _vectors(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_round_trip_keeps_passage_ids(tmp_path):
    x = _vectors(300)
    ids = np.arange(300) * 7 + 11
    meta = write_vectors(tmp_path, x, ids, "m")
    data = json.loads((tmp_path / "vectors.json").read_text())
    assert data["model_id"] == "m" and data["count"] == 300 and data["dimension"] == 32
    assert data["passage_ids"] == ids.tolist() and data["checksum"] == meta.checksum
    index = VectorIndex.load(tmp_path, expected_model="m", expected_count=300)
    scores, found = index.search(x[[5, 17]], 3)
    assert found[:, 0].tolist() == [ids[5], ids[17]]
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)
    assert np.allclose(index.vectors_for([ids[3]]), x[[3]])
    assert not list(tmp_path.glob(".*.tmp"))


def test_index_type_by_size():
    assert index_type_for(1000) == "flat"
    assert index_type_for(200_000) == "flat"
    assert index_type_for(200_001) == "ivf"


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_one_call_for_exact_and_approximate(kind):
    x = _vectors(2000, seed=1)
    ids = np.arange(2000) + 100
    index = VectorIndex.from_arrays(x, ids, "m", index_type=kind)
    _, found = index.search(x[:20], 1)
    assert (found[:, 0] == ids[:20]).mean() >= 0.95
    allowed = ids[1000:1010]
    _, found = index.search(x[:2], 5, allowed_ids=allowed)
    assert set(found.ravel().tolist()) <= set(allowed.tolist())
    _, found = index.search(x[[1005 - 0]], 1, allowed_ids=allowed)
    assert found[0, 0] == ids[1005]


def test_other_model_or_count_is_refused(tmp_path):
    write_vectors(tmp_path, _vectors(10), range(10), "model-a")
    with pytest.raises(ModelError, match="re-index"):
        VectorIndex.load(tmp_path, expected_model="model-b")
    with pytest.raises(StoreError, match="re-index"):
        VectorIndex.load(tmp_path, expected_count=11)


def test_mismatched_files_are_refused(tmp_path):
    write_vectors(tmp_path, _vectors(10), range(10), "m")
    meta = (tmp_path / "vectors.json").read_text()
    write_vectors(tmp_path, _vectors(12, seed=3), range(12), "m")
    (tmp_path / "vectors.json").write_text(meta)  # a json that belongs to other vectors
    with pytest.raises(StoreError, match="checksum"):
        VectorIndex.load(tmp_path)


def test_prepared_vectors_are_invisible_until_committed(tmp_path):
    write_vectors(tmp_path, _vectors(10), range(10), "m")
    prepared = prepare_vectors(tmp_path, _vectors(20), range(20), "m")
    assert VectorIndex.load(tmp_path).count == 10
    prepared.commit()
    assert VectorIndex.load(tmp_path).count == 20
    prepared = prepare_vectors(tmp_path, _vectors(5), range(5), "m")
    prepared.discard()
    assert VectorIndex.load(tmp_path).count == 20
    assert not list(tmp_path.glob(".*.tmp"))


def test_missing_vectors_say_to_ingest(tmp_path):
    with pytest.raises(StoreError, match="ingest"):
        VectorIndex.load(tmp_path)


def test_a_killed_writers_temporary_files_are_removed_when_the_index_is_next_written(tmp_path):
    # Issue 19: `.vectors.faiss.*.tmp` files of a killed ingest stayed forever (as big as the index).
    import os
    import time

    from policykb.index.indexer import SearchIndexer
    from policykb.store import Store

    index_dir = tmp_path / "index"
    with Store.open(index_dir):
        pass
    stale = [index_dir / ".vectors.faiss.k1ll3d.tmp", index_dir / ".vectors.json.k1ll3d.tmp"]
    fresh = index_dir / ".vectors.faiss.l1ve.tmp"  # a writer still at work
    other = index_dir / "notes.tmp"
    for path in [*stale, fresh, other]:
        path.write_bytes(b"x" * 100)
    an_hour_ago = time.time() - 3600
    for path in [*stale, other]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    with Store.open(index_dir, create=False, readonly=True):  # a reader cleans nothing
        pass
    assert all(p.exists() for p in stale)
    with Store.open(index_dir) as store:
        SearchIndexer(store)
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and other.exists()
