"""Watching the FTS5 queries a search makes (`policykb.index.lexical.search`)."""

from __future__ import annotations

import pytest


def record_lexical_queries(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """From now on, every lexical query appends whether it was restricted to given passages
    (`only_ids`: the second query that scores candidates the first did not read)."""
    from policykb.index import lexical

    restricted: list[bool] = []
    original = lexical.search

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        restricted.append(kwargs.get("only_ids") is not None)
        return original(*args, **kwargs)

    monkeypatch.setattr(lexical, "search", recording)
    return restricted
