"""The MCP server (api/mcp.py): every tool, resource and prompt through a real client session,
in process; then the same server over stdio (`policykb mcp` in a subprocess) and over streamable
HTTP (`policykb serve` on a free port, at /mcp)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from helpers.index_copy import copy_index
from helpers.served import serve_process

from mcp import Client, MCPError, StdioServerParameters

from policykb.api.mcp import create_mcp_server, markdown_part, transport_security
from policykb.api.state import AppState

TOOLS = {
    "search", "get_passage", "get_document", "list_documents", "parse_references", "who_cites",
    "document_cites", "law_provisions", "trace_requirements", "draft_consultation",
}
QUERY = "vem ansvarar för rehabilitering i hemmet"
REMISS = "003_98179518a3d1e638.txt"
GUIDANCE = "004_2be6a2c697e985af.txt"


def run(session: Callable[[Client], Awaitable[Any]], server: Any) -> Any:
    """Open a client session on `server` (an MCPServer, StdioServerParameters or URL), run `session`."""

    async def main() -> Any:
        async with Client(server, read_timeout_seconds=120) as client:
            return await session(client)

    return anyio.run(main)


def protocol_error(session: Callable[[Client], Awaitable[Any]], server: Any) -> MCPError:
    """The MCP error `session` gets (a protocol error, not a tool result)."""

    async def caught(client: Client) -> MCPError:
        try:
            await session(client)
        except MCPError as exc:
            return exc
        raise AssertionError("no MCP error")

    return run(caught, server)


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "text", None))


@pytest.fixture(scope="module")
def index_state(corpus_index: Path):
    """The corpus index opened once, as the API opens it (snapshots), for every in-process server."""
    state = AppState(corpus_index, read_connections=2)
    state.open()
    yield state
    state.close()


@pytest.fixture(scope="module")
def server(corpus_index: Path, index_state: AppState):
    return create_mcp_server(corpus_index, state=lambda: index_state)


def call(server: Any, name: str, arguments: dict[str, Any]) -> Any:
    return run(lambda client: client.call_tool(name, arguments), server)


def ok(server: Any, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = call(server, name, arguments)
    assert not result.is_error, text_of(result)
    # the text content is the same result as JSON, for clients that read only text
    assert json.loads(text_of(result)) == result.structured_content
    return result.structured_content


def tool_error(server: Any, name: str, arguments: dict[str, Any]) -> str:
    result = call(server, name, arguments)
    assert result.is_error, result.structured_content
    return text_of(result)


# -- the server's description ------------------------------------------------------------------


def test_every_tool_is_listed_read_only_with_typed_results(server) -> None:
    tools = run(lambda client: client.list_tools(), server).tools
    assert {tool.name for tool in tools} == TOOLS
    for tool in tools:
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False, tool.name
        assert tool.output_schema and tool.output_schema.get("properties"), tool.name
        assert "xample" in tool.description, tool.name  # every description shows an example call
    search = next(tool for tool in tools if tool.name == "search")
    k = search.input_schema["properties"]["k"]
    assert (k["minimum"], k["maximum"]) == (1, 50)
    assert {"kind", "publisher", "year_from", "year_to", "doc_id", "cites", "mode"} <= set(search.input_schema["properties"])
    hit = search.output_schema["$defs"]["McpSearchHit"]["properties"]
    assert {"doc_id", "title", "identifier", "page_label", "heading", "references", "uri", "citation"} <= set(hit)


def test_instructions_explain_the_identifiers_and_the_citing_flow(server) -> None:
    async def session(client: Client) -> tuple:
        return client.instructions, client.server_info

    instructions, info = run(session, server)
    assert info.name == "policykb"
    for needle in ("doc_id", "passage_id", "SFS 2017:30 2 kap. 3 §", "https://lagen.nu/2017:30#K2P3",
                   "policykb://documents/{doc_id}", "search", "get_passage", "page_label"):
        assert needle in instructions, needle


# -- search and passages -----------------------------------------------------------------------


def test_search_gives_the_core_hits_with_what_a_citation_needs(server, corpus_index: Path) -> None:
    import policykb

    result = ok(server, "search", {"query": QUERY, "k": 5})
    expected = policykb.search(corpus_index, QUERY, k=5)
    assert [h["passage_id"] for h in result["hits"]] == [h.passage_id for h in expected]
    assert result["query"] == QUERY and result["mode"] == "hybrid" and result["k"] == 5
    with sqlite3.connect(corpus_index / "policykb.sqlite") as conn:
        for hit, core in zip(result["hits"], expected):
            assert hit["text"] == core.text and hit["doc_id"] == core.doc_id and hit["title"] == core.title
            assert hit["uri"] == f"policykb://passages/{hit['passage_id']}"
            assert (hit["title"] or hit["doc_id"]) in hit["citation"]
            if hit["page_label"]:
                assert hit["page_label"].startswith(("s. ", "sida ")) and hit["citation"].endswith(hit["page_label"])
            stored = {r[0] for r in conn.execute("SELECT canonical FROM refs WHERE passage_id = ?", (hit["passage_id"],))}
            assert {r["canonical"] for r in hit["references"]} == stored
            assert all(r["url"].startswith("http") for r in hit["references"])


def test_search_filters(server) -> None:
    only_one = ok(server, "search", {"query": "läkemedel", "k": 10, "doc_id": GUIDANCE})
    assert only_one["hits"] and {h["doc_id"] for h in only_one["hits"]} == {GUIDANCE}
    citing = ok(server, "search", {"query": "ansvar", "k": 10, "cites": "HSL"})
    assert citing["hits"]
    for hit in citing["hits"]:
        assert any(r["canonical"].startswith("SFS 2017:30") for r in hit["references"]), hit
    lexical = ok(server, "search", {"query": "fast vårdkontakt", "k": 3, "mode": "lexical"})
    assert lexical["mode"] == "lexical" and lexical["hits"]


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        ({"query": "   "}, "query is empty"),
        ({"query": "rehabilitering", "k": 51}, "less than or equal to 50"),
        ({"query": "rehabilitering", "k": 0}, "greater than or equal to 1"),
        ({"query": "rehabilitering", "mode": "fuzzy"}, "hybrid"),
        ({"query": "rehabilitering", "doc_id": "finns-inte.pdf"}, "no such document"),
        ({"query": "rehabilitering", "kind": "roman"}, "no document of that kind"),
        ({"query": "rehabilitering", "cites": "ingen lag alls"}, "not a reference"),
    ],
)
def test_search_errors_are_tool_errors(server, arguments: dict, needle: str) -> None:
    assert needle in tool_error(server, "search", arguments)


def test_get_passage_gives_the_whole_passage_with_citation_fields(server, corpus_index: Path) -> None:
    hit = ok(server, "search", {"query": QUERY, "k": 1})["hits"][0]
    passage = ok(server, "get_passage", {"passage_id": hit["passage_id"]})
    assert hit["text"] in passage["text"]
    assert passage["doc_id"] == hit["doc_id"] and passage["page_label"] == hit["page_label"]
    assert passage["citation"] == hit["citation"]
    assert passage["uri"] == hit["uri"] and passage["document_uri"] == f"policykb://documents/{hit['doc_id']}"
    for ref in passage["references"]:
        assert passage["text"][ref["start"]:ref["end"]] == ref["text"] and ref["url"].startswith("http")
    message = tool_error(server, "get_passage", {"passage_id": 987654321})
    assert "no passage with id 987654321" in message and str(corpus_index) not in message
    assert "greater than or equal to 1" in tool_error(server, "get_passage", {"passage_id": 0})


# -- documents ---------------------------------------------------------------------------------


def test_get_document_pages_through_the_whole_markdown(server, corpus_index: Path) -> None:
    from policykb.query.export import export_document
    from policykb.store import Store

    with Store.open(corpus_index, create=False, readonly=True) as store:
        whole = export_document(store, GUIDANCE, "md")
    parts, offset = [], 0
    while True:
        page = ok(server, "get_document", {"doc_id": GUIDANCE, "offset": offset, "max_chars": 4000})
        assert page["offset"] == offset and page["total_chars"] == len(whole) and len(page["markdown"]) <= 4000
        parts.append(page["markdown"])
        if not page["truncated"]:
            assert page["next_offset"] is None
            break
        assert page["next_offset"] > offset
        offset = page["next_offset"]
    assert "".join(parts) == whole and len(parts) > 2
    # a part ends at a paragraph or line break, never inside a line
    assert all(part.endswith("\n") for part in parts)
    assert page["doc_id"] == GUIDANCE and page["uri"] == f"policykb://documents/{GUIDANCE}"
    assert "past the end" in tool_error(server, "get_document", {"doc_id": GUIDANCE, "offset": len(whole) + 1})
    missing = tool_error(server, "get_document", {"doc_id": "okänd.pdf"})
    assert "no document with id 'okänd.pdf'" in missing and str(corpus_index) not in missing
    assert "1000" in tool_error(server, "get_document", {"doc_id": GUIDANCE, "max_chars": 10})


def test_markdown_part_cuts_at_a_break_in_the_second_half() -> None:
    text = "a" * 30 + "\n\n" + "b" * 30 + "\n" + "c" * 30
    assert markdown_part(text, 0, 50) == ("a" * 30 + "\n\n", 32)
    assert markdown_part(text, 32, 40) == ("b" * 30 + "\n", 63)
    assert markdown_part("x" * 100, 0, 40) == ("x" * 40, 40)  # no break: cut at the limit
    assert markdown_part(text, 63, 100) == ("c" * 30, len(text))


def test_list_documents(server, corpus_index: Path) -> None:
    listing = ok(server, "list_documents", {})
    with sqlite3.connect(corpus_index / "policykb.sqlite") as conn:
        stored = {r[0]: r[1] for r in conn.execute("SELECT doc_id, kind FROM documents")}
    assert listing["count"] == len(stored) == len(listing["documents"])
    assert {d["doc_id"] for d in listing["documents"]} == set(stored)
    assert all(d["uri"] == f"policykb://documents/{d['doc_id']}" and "path" not in d for d in listing["documents"])
    kind = next(k for k in stored.values() if k)
    narrowed = ok(server, "list_documents", {"kind": kind})
    assert narrowed["count"] == sum(1 for k in stored.values() if k == kind)


# -- references and the citation graph ---------------------------------------------------------


def test_parse_references_gives_canonical_forms_and_lagen_nu_links(server) -> None:
    result = ok(server, "parse_references", {"text": "Se 5 kap. 1 och 4 §§ HSL samt prop. 2019/20:164, s. 11."})
    assert [r["canonical"] for r in result["references"]] == [
        "SFS 2017:30 5 kap. 1 §", "SFS 2017:30 5 kap. 4 §", "prop. 2019/20:164",
    ]
    assert result["references"][0]["url"] == "https://lagen.nu/2017:30#K5P1"
    assert result["references"][2]["detail"] == {"page": "11"}
    dated = ok(server, "parse_references", {"text": "enligt 4 kap. 1 § SoL", "date": "2026-01-01"})
    assert dated["references"][0]["canonical"].startswith("SFS 2025:400")
    assert ok(server, "parse_references", {"text": "Inga hänvisningar här."})["count"] == 0
    assert "text is empty" in tool_error(server, "parse_references", {"text": "  "})
    assert "pattern" in tool_error(server, "parse_references", {"text": "HSL", "date": "igår"})


def test_who_cites_groups_citing_passages_by_document(server) -> None:
    act = ok(server, "law_provisions", {"act": "HSL"})
    section = next(p for p in act["provisions"] if p["level"] == "section")
    result = ok(server, "who_cites", {"reference": section["canonical"]})
    assert result["targets"][0]["canonical"] == section["canonical"]
    assert result["targets"][0]["url"].startswith("https://lagen.nu/2017:30#")
    shown = [hit for doc in result["documents"] for hit in doc["hits"]]
    assert len(shown) == result["shown_hits"] and result["citations"] >= len(shown) > 0
    for doc in result["documents"]:
        assert doc["uri"] == f"policykb://documents/{doc['doc_id']}"
        for hit in doc["hits"]:
            assert hit["sentence"] and hit["provisions"]
            assert any(p["canonical"] == section["canonical"] for p in hit["provisions"])
            assert hit["uri"] is None or hit["uri"] == f"policykb://passages/{hit['passage_id']}"
    whole_act = ok(server, "who_cites", {"reference": "hälso- och sjukvårdslagen", "max_hits": 2})
    assert whole_act["shown_hits"] == 2 and whole_act["truncated"] is True
    assert "not a reference" in tool_error(server, "who_cites", {"reference": "inte en hänvisning"})
    assert "not in the lawbook" in tool_error(server, "who_cites", {"reference": "SFS 1999:9999"})


def test_document_cites_and_law_provisions(server, corpus_index: Path) -> None:
    cites = ok(server, "document_cites", {"doc_id": GUIDANCE})
    assert cites["doc_id"] == GUIDANCE and cites["references"] > 0 and cites["acts"]
    for act in cites["acts"]:
        assert act["url"].startswith("http") and all(p["canonical"].startswith(act["canonical"]) for p in act["provisions"])
    assert "no document with id" in tool_error(server, "document_cites", {"doc_id": "saknas.txt"})
    law = ok(server, "law_provisions", {"act": "HSL"})
    assert law["act"] == "SFS 2017:30" and law["title"] and law["citations"] > 0
    counts = [p["citations"] for p in law["provisions"]]
    assert counts == sorted(counts, reverse=True)
    with sqlite3.connect(corpus_index / "policykb.sqlite") as conn:
        direct = conn.execute(
            "SELECT count(*) FROM citations WHERE target = ? AND direct = 1", (law["provisions"][0]["canonical"],)
        ).fetchone()[0]
    assert law["provisions"][0]["citations"] == direct
    assert "not an act" in tool_error(server, "law_provisions", {"act": "prop. 2019/20:164"})


def test_trace_requirements(server) -> None:
    result = ok(server, "trace_requirements", {"actor": "region", "modality": "obligation", "limit": 3})
    assert result["rows"] and len(result["rows"]) <= 3 and result["total"] >= len(result["rows"])
    assert result["truncated"] is (result["total"] > 3)
    for row in result["rows"]:
        assert row["modality"] == "obligation" and row["sentence"]
        assert [link["canonical"] for link in row["links"]] == row["sources"]
    sourced = ok(server, "trace_requirements", {"source": "HSL", "limit": 500})
    assert sourced["rows"] and all(any(s.startswith("SFS 2017:30") for s in row["sources"]) for row in sourced["rows"])
    assert "unknown actor" in tool_error(server, "trace_requirements", {"actor": "marsmänniska"})
    assert "obligation" in tool_error(server, "trace_requirements", {"modality": "kanske"})
    assert "not a reference" in tool_error(server, "trace_requirements", {"source": "ingenting"})


def test_draft_consultation_gives_proposals_with_evidence_and_the_skeleton(server) -> None:
    # every proposal of the strategy: on the bundled corpus the quote gate finds evidence for few of them
    draft = ok(server, "draft_consultation", {"doc_id": REMISS, "evidence": 2})
    assert draft["document"]["doc_id"] == REMISS and "path" not in draft["document"]
    assert len(draft["proposals"]) > 3
    assert draft["markdown"].startswith("# Remissvar:") and "Ställningstagande:" in draft["markdown"]
    evidence = [e for p in draft["proposals"] for e in p["evidence"]]
    assert evidence and all(e["doc_id"] != REMISS for e in evidence)
    for item in evidence:
        assert item["uri"] == f"policykb://passages/{item['passage_id']}" and item["quote"]
    # a proposal without evidence says so honestly, in its own words
    assert all(p["evidence"] or p["evidence_note"].startswith("Inget underlag hittades") for p in draft["proposals"])
    first = ok(server, "draft_consultation", {"doc_id": REMISS, "evidence": 2, "max_proposals": 3})
    assert len(first["proposals"]) == 3 and any("only the first 3" in w for w in first["warnings"])
    assert "no document with id" in tool_error(server, "draft_consultation", {"doc_id": "saknas.txt"})
    assert "less than or equal to 10" in tool_error(server, "draft_consultation", {"doc_id": REMISS, "evidence": 11})


def test_errors_leave_the_session_working(server) -> None:
    async def session(client: Client) -> tuple:
        bad = await client.call_tool("get_passage", {"passage_id": 987654321})
        unknown = await client.call_tool("no_such_tool", {})
        good = await client.call_tool("search", {"query": QUERY, "k": 1})
        return bad, unknown, good

    bad, unknown, good = run(session, server)
    assert bad.is_error and unknown.is_error and "no_such_tool" in text_of(unknown)
    assert not good.is_error and good.structured_content["hits"]


# -- resources and prompts ---------------------------------------------------------------------


def test_resources_documents_and_passages(server, corpus_index: Path) -> None:
    from policykb.query.export import export_document
    from policykb.store import Store

    hit = ok(server, "search", {"query": QUERY, "k": 1})["hits"][0]

    async def session(client: Client) -> tuple:
        templates = await client.list_resource_templates()
        listing = await client.read_resource("policykb://documents")
        document = await client.read_resource(f"policykb://documents/{GUIDANCE}")
        passage = await client.read_resource(hit["uri"])
        return templates, listing, document, passage

    templates, listing, document, passage = run(session, server)
    assert {t.uri_template for t in templates.resource_templates} == {
        "policykb://documents/{doc_id}", "policykb://passages/{passage_id}",
    }
    with Store.open(corpus_index, create=False, readonly=True) as store:
        assert document.contents[0].text == export_document(store, GUIDANCE, "md")
        assert json.loads(listing.contents[0].text)["count"] == len(store.document_ids())
    assert document.contents[0].mime_type == "text/markdown"
    assert json.loads(passage.contents[0].text) == ok(server, "get_passage", {"passage_id": hit["passage_id"]})


@pytest.mark.parametrize(
    ("uri", "needle"),
    [
        ("policykb://documents/okänd.pdf", "no document with id"),
        ("policykb://passages/987654321", "no passage with id"),
        ("policykb://passages/tolv", "not a passage id"),
    ],
)
def test_unknown_resources_are_errors(server, uri: str, needle: str) -> None:
    assert needle in str(protocol_error(lambda client: client.read_resource(uri), server))


def test_prompts(server) -> None:
    async def session(client: Client) -> tuple:
        listed = await client.list_prompts()
        remiss = await client.get_prompt("remissvar", {"document": REMISS, "organisation": "Region Västerbotten"})
        trace = await client.get_prompt("trace_provision", {"reference": "2 kap. 3 § HSL"})
        return listed, remiss, trace

    listed, remiss, trace = run(session, server)
    arguments = {p.name: {(a.name, a.required) for a in p.arguments} for p in listed.prompts}
    assert arguments == {
        "remissvar": {("document", True), ("organisation", True)},
        "trace_provision": {("reference", True)},
    }
    text = remiss.messages[0].content.text
    assert remiss.messages[0].role == "user"
    assert REMISS in text and "Region Västerbotten" in text and "draft_consultation" in text and "page_label" in text
    text = trace.messages[0].content.text
    assert "SFS 2017:30 2 kap. 3 §" in text and "https://lagen.nu/2017:30#K2P3" in text and "who_cites" in text
    missing = protocol_error(lambda client: client.get_prompt("remissvar", {"document": "saknas.txt", "organisation": "X"}), server)
    assert "no document with id 'saknas.txt'" in str(missing)
    bad = protocol_error(lambda client: client.get_prompt("trace_provision", {"reference": "ingenting alls"}), server)
    assert "not a reference" in str(bad)


# -- DNS-rebinding protection ------------------------------------------------------------------


def test_transport_security_follows_the_bind_address_and_the_allowed_hosts() -> None:
    local = transport_security("127.0.0.1")
    assert local.enable_dns_rebinding_protection and "localhost:*" in local.allowed_hosts
    assert "evil.example" not in local.allowed_hosts
    assert not transport_security("0.0.0.0").enable_dns_rebinding_protection
    proxied = transport_security("0.0.0.0", ("kb.region.se", "intern.example:8443"))
    assert proxied.enable_dns_rebinding_protection
    assert {"kb.region.se", "kb.region.se:*", "intern.example:8443"} <= set(proxied.allowed_hosts)
    assert "intern.example:*" not in proxied.allowed_hosts
    assert {"https://kb.region.se", "https://intern.example:8443"} <= set(proxied.allowed_origins)


def test_the_app_takes_allowed_hosts_from_the_environment(corpus_index: Path, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from policykb.api.app import create_app

    monkeypatch.setenv("POLICYKB_MCP_ALLOWED_HOSTS", "kb.region.se, intern.example:8443")
    app = create_app(corpus_index, api_key="", host="0.0.0.0")
    assert app.state.settings.mcp_allowed_hosts == ("kb.region.se", "intern.example:8443")
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with TestClient(app) as client:
        accepted = client.post("/mcp", json=body, headers={**headers, "Host": "kb.region.se"})
        refused = client.post("/mcp", json=body, headers={**headers, "Host": "evil.example"})
        wrong_port = client.post("/mcp", json=body, headers={**headers, "Host": "intern.example:9000"})
    assert accepted.status_code == 200 and '"serverInfo"' in accepted.text and "policykb" in accepted.text
    assert refused.status_code == 421 and wrong_port.status_code == 421


# -- the transports ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_index(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_index(corpus_index, tmp_path_factory.mktemp("mcp-served") / "index")


def test_stdio_transport_in_a_subprocess(served_index: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "policykb.cli", "mcp", "--index-dir", str(served_index)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )

    async def session(client: Client) -> tuple:
        tools = await client.list_tools()
        found = await client.call_tool("search", {"query": QUERY, "k": 3})
        missing = await client.call_tool("get_document", {"doc_id": "okänd.pdf"})
        document = await client.read_resource(f"policykb://documents/{GUIDANCE}")
        return client.server_info, tools, found, missing, document

    info, tools, found, missing, document = run(session, params)
    assert info.name == "policykb" and {t.name for t in tools.tools} == TOOLS
    assert not found.is_error and len(found.structured_content["hits"]) == 3
    assert missing.is_error and "no document with id" in text_of(missing) and str(served_index) not in text_of(missing)
    assert document.contents[0].text.startswith("# ")


def test_stdio_command_without_an_index_exits_2_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "policykb.cli", "mcp", "--index-dir", str(tmp_path / "none")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "policykb ingest" in done.stderr


@pytest.fixture(scope="module")
def http_server(served_index: Path):
    with serve_process(served_index, log_dir=served_index.parent) as running:  # stops cleanly, no traceback
        yield running.base


def test_http_transport_of_policykb_serve(http_server: str) -> None:
    async def session(client: Client) -> tuple:
        tools = await client.list_tools()
        found = await client.call_tool("search", {"query": QUERY, "k": 3})
        bad = await client.call_tool("search", {"query": QUERY, "k": 500})
        return client.server_info, client.instructions, tools, found, bad

    info, instructions, tools, found, bad = run(session, f"{http_server}/mcp")
    assert info.name == "policykb" and "lagen.nu" in instructions
    assert {t.name for t in tools.tools} == TOOLS
    assert not found.is_error and len(found.structured_content["hits"]) == 3
    hits = httpx.get(f"{http_server}/search", params={"q": QUERY, "k": 3}, timeout=60).json()["hits"]
    assert [h["passage_id"] for h in found.structured_content["hits"]] == [h["passage_id"] for h in hits]
    assert bad.is_error and "50" in text_of(bad)


def test_http_transport_refuses_a_rebound_host_name(http_server: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    refused = httpx.post(f"{http_server}/mcp", json=body, headers={**headers, "Host": "evil.example"}, timeout=10)
    assert refused.status_code == 421
    foreign = httpx.post(f"{http_server}/mcp", json=body, headers={**headers, "Origin": "http://evil.example"}, timeout=10)
    assert foreign.status_code == 403
    # the JSON API beside it is unaffected
    assert httpx.get(f"{http_server}/health", timeout=10).json()["status"] == "ok"
