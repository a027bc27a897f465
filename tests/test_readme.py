"""The README documents every CLI command and every API route (DESIGN.md: a test keeps it so)."""

from __future__ import annotations

import re

from helpers.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _placeholders(text: str) -> str:
    return re.sub(r"\{[^}/]*\}", "{}", text)


def test_every_cli_command_is_documented():
    from policykb.cli.main import app

    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert len(commands) > 10
    missing = [c for c in commands if not re.search(rf"policykb {re.escape(c)}\b", README)]
    assert missing == []


def test_every_api_route_is_documented(tmp_path):
    from policykb.api.app import create_app

    paths = create_app(tmp_path, api_key="").openapi()["paths"]
    documented = _placeholders(README)
    missing = [p for p in paths if f"`{_placeholders(p)}" not in documented and f"{_placeholders(p)}?" not in documented
               and f" {_placeholders(p)}`" not in documented]
    assert missing == []
