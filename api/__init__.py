"""The policykb HTTP API: a thin FastAPI layer over the core library.

`create_app(index_dir, api_key=..., ...)` builds the application; `policykb serve` runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(index_dir, **kwargs) -> FastAPI:  # noqa: ANN001
    from policykb.api.app import create_app as build

    return build(index_dir, **kwargs)


__all__ = ["create_app"]
