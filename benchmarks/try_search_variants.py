"""Search variants that need more than a setting: measured on the train / test queries, not kept.

    python benchmarks/try_search_variants.py rerank [--index-dir .evalindex]
    python benchmarks/try_search_variants.py strength [--index-dir .evalindex]
    python benchmarks/try_search_variants.py query-adapter [--index-dir .evalindex]
    python benchmarks/try_search_variants.py fine-tune --out adapted.npz [--lr 2e-5] [--heading-share 0.5]
    python benchmarks/try_search_variants.py re-embed --weights adapted.npz [--weights none]

Each prints hybrid (and, for the embedding variants, dense) nDCG@10 on both splits, with the paired
bootstrap interval of the difference from the shipped search. README "Search quality" holds the
figures. The variants, and why each was tried:

- `rerank`: a linear re-ranking of each query's top 30 hybrid hits: the fused score plus weighted
  features (best-unit and passage-vector cosines and BM25, each scaled over the 30; the IDF share of
  the query's terms in the text and in the heading; log length), weights fitted on train by
  coordinate ascent over a grid, from the fused score alone.
- `strength`: the fusion scales BM25 by the best candidate's and the dense score min-max over the
  candidates, so a weak best match on one side counts as much as a strong one. Tried: BM25 divided
  by max(best, c x the query terms' summed IDF, about what a passage holding each term once scores),
  and a floor on the dense span, so that a flat side is not stretched to 0..1.
- `query-adapter`: a linear map W on the query vector (W q, W near the identity), fitted without any
  query labels on the corpus's own pseudo-queries: each passage's heading (its last part, read as a
  query) should find that passage among all passages (InfoNCE, temperature 0.05, L2 pull to I).
- `fine-tune` + `re-embed`: domain adaptation of e5-small's encoder layers on the evaluation corpus,
  without query labels: inverse cloze (a sentence unit read as a query should find the rest of its
  passage, the unit kept in 10 % of pairs) plus heading -> passage, in-batch negatives, one epoch.
  Needs torch (`pip install torch==2.13.0`, the CPU build; not a dependency of policykb). `re-embed`
  then embeds every sentence unit, passage and query with the adapted weights (through policykb's
  own engine) and searches with them; `--weights none` is the same path with the shipped weights,
  so the comparison is like for like.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# beside this file: the query sets and their query-vector cache
import eval_search

REPO = Path(__file__).resolve().parents[1]
SPLITS = ("train", "test")


def load_gold() -> dict:
    from policykb.evaluate.retrieval import load_gold as load

    return {split: load(eval_search.SPLITS[split]) for split in SPLITS}


def measure(searcher, gold: dict, name: str, modes: tuple[str, ...], baseline: dict | None) -> dict:
    """nDCG@10 per (mode, split), printed beside the difference from `baseline` and its interval."""
    from policykb.evaluate.retrieval import evaluate_index, paired_bootstrap_interval

    out = {}
    for mode in modes:
        for split in SPLITS:
            report = evaluate_index(searcher, gold[split], mode=mode, k=10)
            scores = [q.ndcg for q in report.queries]
            out[(mode, split)] = scores
            line = f"{name:34s} {mode:6s} {split:5s} {report.overall['ndcg']:.3f}"
            if baseline:
                low, high = paired_bootstrap_interval(scores, baseline[(mode, split)])
                diff = float(np.mean(scores) - np.mean(baseline[(mode, split)]))
                line += f"  {diff:+.3f} [{low:+.3f}, {high:+.3f}]"
            print(line, flush=True)
    return out


# -- a learned re-ranking of the top 30 ------------------------------------------------------------

RERANK_DEPTH = 30
RERANK_GRID = (-0.3, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


def rerank_features(searcher, query: str) -> tuple[list, dict[str, list[float]]]:
    """The top RERANK_DEPTH hybrid hits of `query` and, per feature, one value per hit (scaled 0..1)."""
    import math

    from policykb.index import lexical
    from policykb.query.search.segments import best_unit_scores, term_idf

    conn = searcher.connection()
    plan = searcher.query_analyzer.plan(query)
    hits = searcher.search(query, k=RERANK_DEPTH, mode="hybrid")
    if not hits:
        return [], {}
    vector = searcher._embed_query(plan.dense_texts)[0]
    ids = [h.passage_id for h in hits]
    best = best_unit_scores(searcher._load_units(conn, ids, searcher.model_id), vector)
    mean = searcher.vector_index().vectors_for(ids) @ vector
    match = lexical.match_expression(plan.terms)
    bm25 = dict(lexical.search(conn, match, len(ids), only_ids=ids)) if match else {}
    terms = list(dict.fromkeys(plan.terms))
    idf = term_idf(conn, terms) if terms else {}
    total = sum(idf.values()) or 1.0
    analyzer = searcher.query_analyzer.analyzer

    def share(text: str) -> float:
        present = {t for token in analyzer.tokens(text or "") for t in token.terms}
        return sum(idf[t] for t in terms if t in present) / total

    def scaled(values: list[float], min_max: bool) -> list[float]:
        low = min(values) if min_max else 0.0
        high = max(values)
        return [(v - low) / (high - low) if high > low else 0.0 for v in values]

    return hits, {
        "fused": [h.score for h in hits],
        "best unit": scaled([best.get(i, 0.0) for i in ids], True),
        "passage vector": scaled([float(x) for x in mean], True),
        "bm25": scaled([bm25.get(i, 0.0) for i in ids], False),
        "text share": [share(h.text) for h in hits],
        "heading share": [share(h.heading) for h in hits],
        "length": [math.log(max(len(h.text.split()), 10)) / math.log(300) for h in hits],
    }


def rerank(args) -> None:
    from policykb.evaluate.retrieval import RetrievedPassage, paired_bootstrap_interval, score_ranking
    from policykb.query.search import Searcher

    gold = load_gold()
    with Searcher(args.index_dir) as searcher:
        eval_search.cache_query_vectors(searcher, Path(args.index_dir) / "query-vectors.pickle")
        known = searcher.document_ids()
        rows = {split: [(g, *rerank_features(searcher, g.query)) for g in gold[split]] for split in SPLITS}

    def scores(split: str, weights: dict[str, float]) -> list[float]:
        out = []
        for g, hits, features in rows[split]:
            value = [sum(w * features[f][i] for f, w in weights.items()) for i in range(len(hits))]
            order = sorted(range(len(hits)), key=lambda i: -value[i])
            ranking = [RetrievedPassage(hits[i].doc_id, hits[i].text) for i in order]
            out.append(score_ranking(g, ranking, 10, known).ndcg)
        return out

    weights = {"fused": 1.0}
    fitted = float(np.mean(scores("train", weights)))
    for _ in range(3):  # coordinate ascent on train only
        for feature in ("best unit", "passage vector", "bm25", "text share", "heading share", "length"):
            for value in RERANK_GRID:
                trial = {**weights, feature: value}
                score = float(np.mean(scores("train", trial)))
                if score > fitted + 1e-4:
                    fitted, weights = score, trial
    print("fitted on train:", {f: w for f, w in weights.items() if w})
    for split in SPLITS:
        base, new = scores(split, {"fused": 1.0}), scores(split, weights)
        low, high = paired_bootstrap_interval(new, base)
        print(
            f"re-ranked top {RERANK_DEPTH}  hybrid {split:5s} {np.mean(new):.3f}  "
            f"{np.mean(new) - np.mean(base):+.3f} [{low:+.3f}, {high:+.3f}]  (shipped {np.mean(base):.3f})"
        )


# -- strength-keeping normalisations ---------------------------------------------------------------


def strength(args) -> None:
    from policykb.query.search import Searcher
    from policykb.query.search import searcher as searcher_module
    from policykb.query.search.segments import term_idf

    gold = load_gold()
    shipped_lexical, shipped_dense = (
        searcher_module._max_scaled,
        searcher_module._min_max,
    )
    with Searcher(args.index_dir) as searcher:
        eval_search.cache_query_vectors(searcher, Path(args.index_dir) / "query-vectors.pickle")
        conn = searcher.connection()
        search = searcher.search
        summed_idf: dict = {}
        current = {}

        def search_noting_idf(query, *a, **kw):
            terms = tuple(t for t in dict.fromkeys(searcher.query_analyzer.plan(query).terms) if t)
            if terms not in summed_idf:
                summed_idf[terms] = sum(term_idf(conn, terms).values()) if terms else 0.0
            current["idf"] = summed_idf[terms]
            return search(query, *a, **kw)

        searcher.search = search_noting_idf
        baseline = measure(searcher, gold, "shipped", ("hybrid",), None)
        for c in (0.5, 1.0, 2.0):

            def lexical_scaled(scores, c=c):
                divisor = max(max(scores.values(), default=0.0), c * current["idf"])
                return {k: max(v, 0.0) / divisor if divisor > 0 else 0.0 for k, v in scores.items()}

            searcher_module._max_scaled = lexical_scaled
            measure(
                searcher,
                gold,
                f"BM25 / max(best, {c} x sum IDF)",
                ("hybrid",),
                baseline,
            )
            searcher_module._max_scaled = shipped_lexical
        for floor in (0.05, 0.1, 0.15):

            def dense_scaled(scores, floor=floor):
                if not scores:
                    return {}
                low, high = min(scores.values()), max(scores.values())
                return {k: (v - low) / max(high - low, floor) for k, v in scores.items()}

            searcher_module._min_max = dense_scaled
            measure(searcher, gold, f"dense span floor {floor}", ("hybrid",), baseline)
            searcher_module._min_max = shipped_dense


# -- a label-free linear query adapter -------------------------------------------------------------


def nearest_headings(conn: sqlite3.Connection) -> dict[int, str]:
    """Each passage's nearest heading (the last of its heading path), for passages under one."""
    out = {}
    for pid, path in conn.execute("SELECT passage_id, heading_path FROM passages ORDER BY passage_id"):
        headings = json.loads(path or "[]")
        if headings and headings[-1].strip():
            out[pid] = headings[-1].strip()
    return out


def heading_pairs(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, str]]:
    """(row of the passage in `ids`, its nearest heading) for every passage under one."""
    row = {pid: i for i, pid in enumerate(ids)}
    return [(row[pid], heading) for pid, heading in nearest_headings(conn).items() if pid in row]


def fit_adapter(
    queries: np.ndarray,
    targets: np.ndarray,
    passages: np.ndarray,
    lam: float,
    tau: float = 0.05,
    steps: int = 300,
    lr: float = 0.05,
) -> np.ndarray:
    """W minimising InfoNCE of (W q) against all passages (targets: a distribution over them per
    query) + lam |W - I|^2, by Adam from the identity."""
    d = passages.shape[1]
    eye = np.eye(d)
    w, m, v = eye.copy(), np.zeros((d, d)), np.zeros((d, d))
    for t in range(1, steps + 1):
        logits = (queries @ w.T) @ passages.T / tau
        logits -= logits.max(axis=1, keepdims=True)
        soft = np.exp(logits)
        soft /= soft.sum(axis=1, keepdims=True)
        grad_z = ((soft - targets) / len(queries) / tau) @ passages
        grad = grad_z.T @ queries + 2 * lam * (w - eye)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def query_adapter(args) -> None:
    from policykb.query.search import Searcher

    gold = load_gold()
    with Searcher(args.index_dir) as searcher:
        eval_search.cache_query_vectors(searcher, Path(args.index_dir) / "query-vectors.pickle")
        conn = searcher.connection()
        ids = [r[0] for r in conn.execute("SELECT passage_id FROM passages ORDER BY passage_id")]
        passages = searcher.vector_index().vectors_for(ids).astype(np.float64)
        pairs = heading_pairs(conn, ids)
        texts = sorted({text for _, text in pairs})
        vectors = dict(zip(texts, searcher._model().encode_queries(texts)))
        queries = np.stack([vectors[text] for _, text in pairs]).astype(np.float64)
        under: dict[str, set[int]] = {}
        for row, text in pairs:
            under.setdefault(text, set()).add(row)
        targets = np.zeros((len(pairs), len(ids)))
        for i, (_, text) in enumerate(pairs):  # every passage under the same heading is a positive
            for row in under[text]:
                targets[i, row] = 1.0 / len(under[text])
        print(
            f"{len(pairs)} heading -> passage pairs, {len(texts)} distinct headings",
            flush=True,
        )
        embed = searcher._embed_query
        baseline = measure(searcher, gold, "shipped", ("dense", "hybrid"), None)
        for lam in (1.0, 0.1, 0.01):
            w = fit_adapter(queries, targets, passages, lam)

            def adapted(texts, w=w):
                z = embed(texts).astype(np.float64) @ w.T
                return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)

            searcher._embed_query = adapted
            measure(
                searcher,
                gold,
                f"query adapter, L2 {lam} (|W-I| {np.linalg.norm(w - np.eye(len(w))):.2f})",
                ("dense", "hybrid"),
                baseline,
            )
            searcher._embed_query = embed


# -- domain adaptation of the encoder --------------------------------------------------------------


def torch_e5(engine):
    """e5-small as a torch module over the engine's dequantised tensors (same layout, same maths:
    vectors agree with the engine's at cosine >= 0.99999)."""
    import torch
    import torch.nn.functional as F

    from policykb.index.e5_engine import word_rows

    names = (
        "qkv.w",
        "qkv.b",
        "ao.w",
        "ao.b",
        "aln.w",
        "aln.b",
        "fi.w",
        "fi.b",
        "fo.w",
        "fo.b",
        "oln.w",
        "oln.b",
    )

    class TorchE5(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            t = engine._t
            words = word_rows(t, np.arange(len(t["word.qs"])))  # the whole table, unpacked once
            # the embeddings stay as they are; only the encoder layers learn
            self.register_buffer("word", torch.from_numpy(words))
            self.register_buffer("pos", torch.from_numpy(np.array(t["pos"])))
            self.register_buffer("eln_w", torch.from_numpy(np.array(t["eln.w"])))
            self.register_buffer("eln_b", torch.from_numpy(np.array(t["eln.b"])))
            self.layers = torch.nn.ParameterList(
                torch.nn.Parameter(torch.from_numpy(np.array(t[f"l{i}.{n}"]))) for i in range(engine.NL) for n in names
            )

        def batch(self, texts: list[str], is_query: bool, max_tokens: int):
            tok = engine._tok
            seqs = [engine.token_ids(text, is_query)[:max_tokens] for text in texts]
            length = max(len(s) for s in seqs) + 2
            ids = torch.full((len(seqs), length), tok.pad, dtype=torch.long)
            mask = torch.zeros((len(seqs), length), dtype=torch.bool)
            for j, s in enumerate(seqs):
                ids[j, 0], ids[j, 1 + len(s)] = tok.bos, tok.eos
                ids[j, 1 : 1 + len(s)] = torch.tensor(s, dtype=torch.long)
                mask[j, : len(s) + 2] = True
            return ids, mask

        def forward(self, ids, mask):
            b, length = ids.shape
            h, nh = engine.H, engine.NH
            x = F.layer_norm(
                self.word[ids] + self.pos[:length],
                (h,),
                self.eln_w,
                self.eln_b,
                engine.eps,
            )
            padded = (~mask)[:, None, None, :]
            p = list(self.layers)
            for i in range(engine.NL):
                wqkv, bqkv, wo, bo, alw, alb, wi, bi, wf, bf, olw, olb = p[12 * i : 12 * i + 12]
                qkv = (x @ wqkv + bqkv).view(b, length, 3, nh, h // nh)
                q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))  # query pre-scaled
                attention = torch.softmax((q @ k.transpose(-1, -2)).masked_fill(padded, float("-inf")), dim=-1)
                context = (attention @ v).transpose(1, 2).reshape(b, length, h)
                x = F.layer_norm(x + context @ wo + bo, (h,), alw, alb, engine.eps)
                x = F.layer_norm(
                    x + F.gelu(x @ wi + bi, approximate="tanh") @ wf + bf,
                    (h,),
                    olw,
                    olb,
                    engine.eps,
                )
            weights = mask[:, :, None].to(x.dtype)
            return F.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)

        def tensors(self) -> dict[str, np.ndarray]:
            p = list(self.layers)
            return {
                f"l{i}.{n}": p[12 * i + j].detach().numpy().astype(np.float32)
                for i in range(engine.NL)
                for j, n in enumerate(names)
            }

    return TorchE5()


def training_pairs(conn: sqlite3.Connection, heading_share: float, rng: random.Random) -> list[tuple[int, str, str]]:
    """(passage id, query text, passage text): one inverse-cloze pair per passage of two or more
    units, and a heading pair for `heading_share` of the passages with a heading of 2+ words."""
    units: dict[int, list[tuple[int, int]]] = {}
    for pid, start, end in conn.execute(
        "SELECT passage_id, start, end FROM passage_units ORDER BY passage_id, ordinal"
    ):
        units.setdefault(pid, []).append((start, end))
    headings = nearest_headings(conn)
    pairs = []
    for pid, text in conn.execute("SELECT passage_id, text FROM passages ORDER BY passage_id"):
        spans = units.get(pid, [])
        if len(spans) >= 2:
            start, end = rng.choice(spans)
            sentence = text[start:end].strip()
            rest = text if rng.random() < 0.1 else (text[:start] + " " + text[end:]).strip()
            if len(sentence.split()) >= 4:
                pairs.append((pid, sentence, rest))
        heading = headings.get(pid, "")
        if len(heading.split()) >= 2 and rng.random() < heading_share:
            pairs.append((pid, heading, text))
    return pairs


def fine_tune(args) -> None:
    import torch
    import torch.nn.functional as F

    from policykb.index.e5_engine import E5Engine

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    rng = random.Random(0)
    model_engine = E5Engine.load()
    model = torch_e5(model_engine)
    conn = sqlite3.connect(Path(args.index_dir) / "policykb.sqlite")
    pairs = training_pairs(conn, args.heading_share, rng)
    sample = [text for _, text, _ in pairs[:32]]
    with torch.no_grad():
        ported = model(*model.batch(sample, False, 510)).numpy()
    agreement = float(np.einsum("ij,ij->i", ported, model_engine.encode_passages(sample)).min())
    print(f"torch port against the engine: lowest cosine {agreement:.6f} on {len(sample)} texts", flush=True)
    optimiser = torch.optim.AdamW(list(model.layers), lr=args.lr, weight_decay=0.0)
    steps = int(len(pairs) / args.batch)
    print(f"{len(pairs)} pairs, {steps} steps of {args.batch}", flush=True)
    rng.shuffle(pairs)
    started = time.time()
    for step in range(steps):
        batch, seen = [], set()
        for pid, query, passage in pairs[step * args.batch : (step + 1) * args.batch]:
            if pid not in seen:  # one pair per passage in a batch: the others are its negatives
                seen.add(pid)
                batch.append((query, passage))
        queries = model(*model.batch([q for q, _ in batch], True, 64))
        passages = model(*model.batch([p for _, p in batch], False, 192))
        logits = queries @ passages.T / 0.05
        target = torch.arange(len(batch))
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        for group in optimiser.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / 10)  # 10 warm-up steps
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 10 == 0:
            print(
                f"step {step + 1}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s",
                flush=True,
            )
    np.savez(args.out, **model.tensors())
    print("saved", args.out)


class _VectorsInMemory:
    """The part of `index.vectors` a search uses, over vectors held in memory (exact search)."""

    def __init__(self, ids: list[int], vectors: np.ndarray):
        self.ids, self.vectors = np.array(ids), vectors
        self.row = {pid: i for i, pid in enumerate(ids)}
        self.count = len(ids)

    def search(self, queries, k, allowed_ids=None):
        scores = self.vectors @ np.atleast_2d(queries)[0]
        if allowed_ids is not None:
            scores = np.where(np.isin(self.ids, list(allowed_ids)), scores, -9.0)
        top = np.argsort(-scores)[:k]
        return scores[top][None, :].astype(np.float32), self.ids[top][None, :]

    def vectors_for(self, ids):
        return self.vectors[[self.row[int(i)] for i in ids]]


def re_embed(args) -> None:
    from policykb.index.e5_engine import E5Engine
    from policykb.query.search import Searcher
    from policykb.query.search.segments import PassageUnits

    gold = load_gold()
    shipped = E5Engine.load()
    baseline = None
    with Searcher(args.index_dir) as searcher:
        conn = searcher.connection()
        spans: dict[int, list[tuple[int, int]]] = {}
        texts = []
        for pid, start, end, text in conn.execute(
            "SELECT u.passage_id, u.start, u.end, p.text FROM passage_units u JOIN passages p USING (passage_id) "
            "ORDER BY u.passage_id, u.ordinal"
        ):
            spans.setdefault(pid, []).append((start, end))
            texts.append(text[start:end])
        cached = pickle.loads((Path(args.index_dir) / "query-vectors.pickle").read_bytes())
        query_texts = sorted({key[1] for key in cached})  # every query's dense texts, as eval_search saw them
        for weights in args.weights:
            engine = shipped
            if weights != "none":
                cfg = {
                    "H": shipped.H,
                    "NL": shipped.NL,
                    "NH": shipped.NH,
                    "FF": shipped.FF,
                    "MAXP": shipped.MAXP,
                    "eps": shipped.eps,
                }
                engine = E5Engine(
                    shipped._tok,
                    {**shipped._t, **dict(np.load(weights))},
                    {"config": cfg},
                    shipped.cache_path,
                    None,
                )
            unit_vectors = engine.encode_passages(texts)
            query_vectors = {t: engine.encode_queries(list(t)) for t in query_texts}
            by_passage, row = {}, 0
            for pid, passage_spans in spans.items():
                by_passage[pid] = unit_vectors[row : row + len(passage_spans)]
                row += len(passage_spans)
            ids = sorted(by_passage)
            means = np.stack([by_passage[p].mean(0) for p in ids])
            index = _VectorsInMemory(
                ids,
                (means / np.linalg.norm(means, axis=1, keepdims=True)).astype(np.float32),
            )
            searcher.vector_index = lambda index=index: index
            searcher.usable_vectors = lambda warn=None, index=index: index
            searcher._load_units = lambda conn, pids, model_id, by_passage=by_passage: {
                int(p): PassageUnits(list(spans[int(p)]), by_passage[int(p)]) for p in pids if int(p) in by_passage
            }

            def embed(texts, query_vectors=query_vectors, engine=engine):
                vectors = query_vectors.get(tuple(texts))
                vectors = engine.encode_queries(list(texts)) if vectors is None else vectors
                if len(vectors) == 1:
                    return vectors
                mean = vectors.mean(0, keepdims=True)
                return (mean / np.linalg.norm(mean)).astype(np.float32)

            searcher._embed_query = embed
            scores = measure(searcher, gold, Path(weights).stem, ("dense", "hybrid"), baseline)
            baseline = baseline or scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=("rerank", "strength", "query-adapter", "fine-tune", "re-embed"))
    parser.add_argument("--index-dir", default=str(REPO / ".evalindex"))
    parser.add_argument("--out", default="adapted.npz")
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--heading-share", type=float, default=0.5)
    parser.add_argument("--weights", action="append", default=[])
    args = parser.parse_args()
    if args.variant == "re-embed" and not args.weights:
        args.weights = ["none"]
    {
        "rerank": rerank,
        "strength": strength,
        "query-adapter": query_adapter,
        "fine-tune": fine_tune,
        "re-embed": re_embed,
    }[args.variant](args)


if __name__ == "__main__":
    sys.exit(main())
