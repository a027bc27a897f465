"""The dense index: passage vectors in FAISS, persisted next to the store.

- Vectors are L2-normalised, so inner product = cosine similarity. A passage's vector is the
  normalised mean of its sentence units' vectors (`units.py`, `search_index.py`); the unit
  vectors themselves stay in the store's embedding cache.
- Passage ids travel with the vectors (`IndexIDMap2`), and `vectors.json` lists them in index
  order too, with the model id, dimension, count, index type and a SHA-256 of `vectors.faiss`.
- Up to `EXACT_LIMIT` passages the index is exact (`IndexFlatIP`); above it, an inverted-file
  index (`IndexIVFFlat`, 2·sqrt(n) lists, `IVF_NPROBE` probed). IVF rather than HNSW because
  ingest rebuilds the index: IVF trains on a sample and adds 1M vectors in about a minute on
  two cores, where an HNSW graph of 1M takes many times longer (benchmarks/bench_scale.py).
  `VectorIndex.search` is the one call for both, with an optional set of allowed ids (filters)
  applied inside the search rather than after it. `build_index(..., index_type="hnsw")` is
  kept for comparison.
- Writing goes to temporary files in the same directory, swapped in with `os.replace`: a reader
  never sees half an index. The faiss file is replaced before the json, and a reader checks the
  checksum, so a reader caught between the two swaps retries instead of mixing old and new.
- A writer killed between writing its temporary files and swapping them in leaves them behind;
  the next writer removes those older than `STALE_TEMP_SECONDS` (`remove_stale_temp_files`). A
  live writer's are younger: it writes them at the end of its store transaction and swaps them
  in right after the commit, seconds later.
- A loaded index that names another model, or another passage count, than the store raises a
  `StoreError`/`ModelError` telling the user to re-index: wrong rows are never returned.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policykb.config import VECTORS_FILENAME, VECTORS_META_FILENAME
from policykb.errors import ModelError, StoreError

if TYPE_CHECKING:
    import numpy as np

EXACT_LIMIT = 200_000
IVF_NPROBE = 32
IVF_TRAIN_SAMPLE = 100_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# Below this many allowed passages, a filtered approximate search scores them all exactly instead.
FILTER_BRUTE_FORCE_LIMIT = 50_000
# 2: passage vectors are the mean of their sentence units' vectors (1: embedded passage text).
FORMAT_VERSION = 2
STALE_TEMP_SECONDS = 600  # a temporary vector file this old belongs to no live writer


@dataclass
class VectorMeta:
    model_id: str
    dimension: int
    count: int
    index_type: str  # "flat" | "ivf" | "hnsw"
    checksum: str  # sha256 of vectors.faiss
    passage_ids: list[int]
    format: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def index_type_for(count: int) -> str:
    return "flat" if count <= EXACT_LIMIT else "ivf"


def build_index(vectors: np.ndarray, ids: Sequence[int] | np.ndarray, *, index_type: str | None = None):  # noqa: ANN201
    """A FAISS index over `vectors` (n x d, normalised float32) labelled with passage `ids`."""
    import faiss
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise ValueError(f"{len(ids)} ids for a vector array of shape {vectors.shape}")
    dimension = vectors.shape[1]
    index_type = index_type or index_type_for(len(ids))
    if index_type == "flat":
        base = faiss.IndexFlatIP(dimension)
    elif index_type == "ivf":
        nlist = max(1, min(int(2 * len(ids) ** 0.5), len(ids) // 40 or 1))
        quantizer = faiss.IndexFlatIP(dimension)
        base = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        sample_size = max(IVF_TRAIN_SAMPLE, 40 * nlist)  # k-means wants ~40 points per list
        if len(vectors) > sample_size:
            pick = np.random.default_rng(0).choice(len(vectors), sample_size, replace=False)
            sample = vectors[np.sort(pick)]
        base.train(sample)
        base.nprobe = IVF_NPROBE
    elif index_type == "hnsw":
        base = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        base.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index type {index_type!r}")
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(vectors, ids)
    if index_type == "ivf":
        base.make_direct_map()  # lets `vectors_for` reconstruct by id
    return index


@dataclass
class PreparedVectors:
    """A new index written to temporary files, not yet visible: `commit()` swaps it in."""

    meta: VectorMeta
    faiss_tmp: Path
    meta_tmp: Path
    index_dir: Path

    def commit(self) -> None:
        os.replace(self.faiss_tmp, self.index_dir / VECTORS_FILENAME)
        os.replace(self.meta_tmp, self.index_dir / VECTORS_META_FILENAME)

    def discard(self) -> None:
        self.faiss_tmp.unlink(missing_ok=True)
        self.meta_tmp.unlink(missing_ok=True)


def prepare_vectors(
    index_dir: str | os.PathLike,
    vectors: np.ndarray,
    ids: Sequence[int] | np.ndarray,
    model_id: str,
    *,
    index_type: str | None = None,
) -> PreparedVectors:
    """Build the index and write `vectors.faiss` + `vectors.json` as temporary files beside
    the live ones (same filesystem, so the swap is an atomic rename)."""
    import faiss
    import numpy as np

    index_dir = Path(index_dir)
    ids = np.asarray(ids, dtype=np.int64)
    index = build_index(vectors, ids, index_type=index_type)
    data = faiss.serialize_index(index).tobytes()
    meta = VectorMeta(
        model_id=model_id,
        dimension=int(index.d),
        count=int(len(ids)),
        index_type=index_type or index_type_for(len(ids)),
        checksum=hashlib.sha256(data).hexdigest(),
        passage_ids=[int(i) for i in ids],
    )
    faiss_tmp = _write_temp(index_dir, VECTORS_FILENAME, data)
    try:
        meta_tmp = _write_temp(index_dir, VECTORS_META_FILENAME, json.dumps(meta.to_dict()).encode("utf-8"))
    except BaseException:
        faiss_tmp.unlink(missing_ok=True)
        raise
    return PreparedVectors(meta, faiss_tmp, meta_tmp, index_dir)


def _temp_prefix(name: str) -> str:
    return f".{name}."


def remove_stale_temp_files(index_dir: str | os.PathLike, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary vector files (`.vectors.faiss.*.tmp`, `.vectors.json.*.tmp`) that a
    killed writer left behind, those not modified for `older_than` seconds; returns them. Run
    when the index is opened for writing (`SearchIndexer`); they can be as big as the index."""
    removed: list[Path] = []
    cutoff = time.time() - older_than
    for name in (VECTORS_FILENAME, VECTORS_META_FILENAME):
        for path in Path(index_dir).glob(f"{_temp_prefix(name)}*.tmp"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue  # gone already (another writer cleaned it) or not ours to remove
    return removed


def _write_temp(index_dir: Path, name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(name), suffix=".tmp", dir=index_dir)
    try:
        # mkstemp makes the file private; the index is as readable as any file the user creates.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def read_meta(index_dir: str | os.PathLike) -> VectorMeta | None:
    path = Path(index_dir) / VECTORS_META_FILENAME
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return VectorMeta(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise StoreError(
            f"{path} is damaged ({exc.__class__.__name__}); run `policykb ingest` again to rebuild the vectors"
        ) from exc


# The states `vectors_state` names (shown by `policykb stats` and `/health`).
VECTORS_CURRENT = "current"  # the files are the ones the store was last indexed with
VECTORS_STALE = "stale"  # they are not (a writer killed between its commit and its swap): dense search waits
VECTORS_NONE = "none"  # the index never had vectors


def vectors_state(index_dir: str | os.PathLike, settings: dict[str, str], passage_count: int,
                  model_id: str | None = None) -> str:
    """Whether the vector files match the store, judged from `vectors.json` against what the
    store recorded in its own transaction (`settings`: embedding model, vectors checksum) and its
    passage count. Cheap (the faiss file is not hashed here: `VectorIndex.load` does that), and the
    one rule both the writer (rebuild or not) and the readers (dense or lexical only) use.

    Why the store is the judge: an ingest commits the store, then swaps the files in; a kill
    between the two leaves the store right and the files one generation behind, never the reverse."""
    expected_model = model_id or settings.get("embedding_model")
    if expected_model is None and not settings.get("vectors_checksum"):
        return VECTORS_NONE
    try:
        meta = read_meta(index_dir)
    except StoreError:
        return VECTORS_STALE  # a damaged vectors.json: the next ingest rewrites it
    if meta is None or not (Path(index_dir) / VECTORS_FILENAME).exists():
        return VECTORS_STALE
    current = (
        meta.count == passage_count
        and meta.format == FORMAT_VERSION
        and meta.model_id == expected_model
        and meta.checksum == settings.get("vectors_checksum")
    )
    return VECTORS_CURRENT if current else VECTORS_STALE


class VectorIndex:
    """A loaded dense index. Thread-safe for concurrent searches (FAISS search is read-only)."""

    def __init__(self, index: Any, meta: VectorMeta):
        self.index = index
        self.meta = meta

    @property
    def count(self) -> int:
        return self.meta.count

    @classmethod
    def from_arrays(cls, vectors: np.ndarray, ids: Sequence[int], model_id: str, index_type: str | None = None) -> VectorIndex:
        """An in-memory index (benchmarks, tests)."""
        index = build_index(vectors, ids, index_type=index_type)
        meta = VectorMeta(model_id, int(index.d), len(ids), index_type or index_type_for(len(ids)), "", list(map(int, ids)))
        return cls(index, meta)

    @classmethod
    def load(
        cls,
        index_dir: str | os.PathLike,
        *,
        expected_model: str | None = None,
        expected_count: int | None = None,
    ) -> VectorIndex:
        import faiss
        import numpy as np

        # One query searches a few thousand to a million vectors in well under a millisecond per
        # thread; FAISS's OpenMP threads would only spin-wait between queries, taking the cores
        # that the query embedding and other requests need (a served /search measured 7-10x
        # slower with them on 2 cores). Searches in parallel come from the server's own threads.
        faiss.omp_set_num_threads(1)
        index_dir = Path(index_dir)
        for attempt in range(3):
            meta = read_meta(index_dir)
            if meta is None:
                raise StoreError(
                    f"the index in {index_dir} has no vectors yet ({VECTORS_META_FILENAME} is missing); "
                    f"run `policykb ingest PATH` to build them"
                )
            try:
                data = (index_dir / VECTORS_FILENAME).read_bytes()
            except OSError as exc:
                raise StoreError(
                    f"cannot read {index_dir / VECTORS_FILENAME} ({exc.strerror}); run `policykb ingest` again"
                ) from exc
            if hashlib.sha256(data).hexdigest() == meta.checksum:
                break
            time.sleep(0.05 * (attempt + 1))  # a writer may be between its two swaps
        else:
            raise StoreError(
                f"{index_dir / VECTORS_FILENAME} does not match {VECTORS_META_FILENAME} (checksum); "
                f"run `policykb ingest` again to rebuild the vectors"
            )
        if meta.format != FORMAT_VERSION:
            raise StoreError(
                f"the vectors in {index_dir} were built by another version of policykb (format "
                f"{meta.format}, this one reads {FORMAT_VERSION}); run `policykb ingest PATH` again to re-index"
            )
        if expected_model is not None and meta.model_id != expected_model:
            raise ModelError(
                f"the vectors in {index_dir} were built with model {meta.model_id!r} but the store "
                f"expects {expected_model!r}; re-index: run `policykb ingest PATH --model {expected_model}`"
            )
        if expected_count is not None and meta.count != expected_count:
            raise StoreError(
                f"the vectors in {index_dir} cover {meta.count} passages but the store has {expected_count}; "
                f"the last ingest did not finish: run `policykb ingest` again to re-index"
            )
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if index.ntotal != meta.count or index.d != meta.dimension:
            raise StoreError(
                f"{index_dir / VECTORS_FILENAME} holds {index.ntotal} vectors of dimension {index.d}, "
                f"{VECTORS_META_FILENAME} says {meta.count} of {meta.dimension}; run `policykb ingest` again"
            )
        return cls(index, meta)

    def search(
        self, queries: np.ndarray, k: int, *, allowed_ids: Iterable[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, passage ids), each n_queries x k, best first; id -1 pads missing hits."""
        import faiss
        import numpy as np

        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(int(k), max(self.count, 1)))
        kind = self.meta.index_type
        if allowed_ids is None:
            if kind == "hnsw":
                return self.index.search(queries, k, params=faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k)))
            if kind == "ivf":
                return self.index.search(queries, k, params=faiss.SearchParametersIVF(nprobe=IVF_NPROBE))
            return self.index.search(queries, k)
        allowed = np.fromiter((int(i) for i in allowed_ids), dtype=np.int64)
        if len(allowed) == 0:
            return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
        if kind != "flat" and len(allowed) <= FILTER_BRUTE_FORCE_LIMIT:
            return self._exact_among(queries, k, allowed)
        selector = faiss.IDSelectorBatch(allowed)
        if kind == "hnsw":
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(4 * HNSW_EF_SEARCH, k))
        elif kind == "ivf":
            params = faiss.SearchParametersIVF(sel=selector, nprobe=4 * IVF_NPROBE)
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.index.search(queries, k, params=params)

    def _exact_among(self, queries: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        vectors = self.vectors_for(allowed)
        scores = queries @ vectors.T
        k = min(k, len(allowed))
        top = np.argsort(-scores, axis=1)[:, :k]
        return np.take_along_axis(scores, top, axis=1), allowed[top]

    def vectors_for(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of passage `ids` (which must be in the index)."""
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self.meta.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)
