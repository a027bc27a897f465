"""The HTTP API through FastAPI's TestClient: every endpoint and every error status."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import pytest
from helpers.index_copy import copy_index
from fastapi.testclient import TestClient

from policykb.api import create_app

KEY = "hemlig-nyckel-for-test"
HOME_CARE = "004_2be6a2c697e985af.txt"
PROPOSAL_DOC = "003_98179518a3d1e638.txt"



@pytest.fixture(scope="module")
def reader(corpus_index: Path):
    """A client of a read-only API over the corpus (uploads disabled)."""
    with TestClient(create_app(corpus_index, api_key="")) as client:
        yield client


@pytest.fixture(scope="module")
def writable_index(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("api-writable") / "index"
    return copy_index(corpus_index, target)


@pytest.fixture(scope="module")
def writer(writable_index: Path):
    """A client of an API that accepts uploads (small limit, to test it cheaply)."""
    app = create_app(writable_index, api_key=KEY, max_upload_bytes=200_000)
    with TestClient(app) as client:
        yield client


def wait_for_job(client: TestClient, job_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in {"done", "failed"}:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


def store_counts(index: Path) -> dict[str, int]:
    with sqlite3.connect(index / "policykb.sqlite") as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "passages", "refs", "mentions")
        }


# -- status ------------------------------------------------------------------------------------


def test_health_describes_the_served_index(reader: TestClient, corpus_index: Path) -> None:
    response = reader.get("/health")
    assert response.status_code == 200
    body = response.json()
    counts = store_counts(corpus_index)
    assert body["status"] == "ok"
    assert body["documents"] == counts["documents"] and body["passages"] == counts["passages"]
    assert body["writes_enabled"] is False
    assert body["snapshot"] >= 1
    assert response.headers["X-Index-Snapshot"] == str(body["snapshot"])


def test_health_answers_head_requests(reader: TestClient) -> None:
    # Load balancers and uptime monitors probe with HEAD; it was 405.
    response = reader.head("/health")
    assert response.status_code == 200 and not response.content


def test_error_messages_name_no_server_path(reader: TestClient, corpus_index: Path, tmp_path: Path) -> None:
    # Issue 19: 404 and 503 bodies showed the absolute index path.
    missing = reader.get("/documents/okänd.pdf")
    assert missing.status_code == 404
    assert str(corpus_index) not in missing.text and "the index" in missing.json()["detail"]
    empty_dir = tmp_path / "inget-index"
    with TestClient(create_app(empty_dir, api_key="")) as client:
        for response in (client.get("/documents"), client.get("/search", params={"q": "vård"})):
            assert response.status_code == 503
            assert str(tmp_path) not in response.text and "POST /documents" in response.json()["detail"]


def test_stats_counts_what_the_store_holds(reader: TestClient, corpus_index: Path) -> None:
    body = reader.get("/stats").json()
    counts = store_counts(corpus_index)
    assert body["documents"] == counts["documents"]
    assert body["passages"] == counts["passages"]
    assert body["references"] == counts["refs"]
    assert body["schema_version"] >= 1


def test_an_api_without_an_index_says_how_to_make_one(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "nothing-here", api_key="")) as client:
        health = client.get("/health").json()
        assert health["status"] == "empty" and health["documents"] == 0
        response = client.get("/documents")
        assert response.status_code == 503
        assert "POST /documents" in response.json()["detail"]
        assert "policykb ingest" in response.json()["detail"]


# -- documents and passages --------------------------------------------------------------------


def test_documents_lists_every_document_with_metadata(reader: TestClient, corpus_index: Path) -> None:
    docs = reader.get("/documents").json()["documents"]
    assert len(docs) == store_counts(corpus_index)["documents"]
    by_id = {d["doc_id"]: d for d in docs}
    assert by_id[PROPOSAL_DOC]["identifier"] == "2026-5-10283"
    assert by_id[PROPOSAL_DOC]["publisher"] == "Socialstyrelsen"
    assert all("path" not in d for d in docs)


def test_document_detail_has_outline_with_pages_and_reference_counts(reader: TestClient) -> None:
    body = reader.get(f"/documents/{HOME_CARE}").json()
    assert body["doc_id"] == HOME_CARE and body["page_count"] > 50
    outline = body["outline"]
    assert len(outline) > 20
    assert all(0 <= h["page"] < body["page_count"] for h in outline)
    assert [h["page"] for h in outline] == sorted(h["page"] for h in outline)
    refs = body["references"]
    assert refs["total"] == sum(refs["by_kind"].values()) == sum(c["count"] for c in refs["cited"])
    assert "path" not in body


def test_unknown_document_is_404_with_a_hint(reader: TestClient) -> None:
    response = reader.get("/documents/004_2be6")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "004_2be6" in detail and HOME_CARE in detail  # did you mean …


def test_passage_detail_has_text_pages_heading_and_footnotes(reader: TestClient, corpus_index: Path) -> None:
    with sqlite3.connect(corpus_index / "policykb.sqlite") as conn:
        passage_id, text, notes = conn.execute(
            "SELECT p.passage_id, p.text, count(f.number) FROM passages p JOIN passage_footnotes f USING (passage_id) "
            "WHERE p.doc_id = ? GROUP BY p.passage_id ORDER BY p.passage_id LIMIT 1",
            (HOME_CARE,),
        ).fetchone()
    body = reader.get(f"/passages/{passage_id}").json()
    assert body["text"] == text
    assert body["doc_id"] == HOME_CARE and body["pages"] and body["heading"]
    assert len(body["footnotes"]) == notes and all(n["text"] for n in body["footnotes"])


def test_passage_references_and_entities_point_into_its_text(reader: TestClient, corpus_index: Path) -> None:
    with sqlite3.connect(corpus_index / "policykb.sqlite") as conn:
        row = conn.execute(
            "SELECT passage_id FROM refs WHERE footnote_number IS NULL AND passage_id IS NOT NULL "
            "GROUP BY passage_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    assert row is not None, "the corpus has references"
    body = reader.get(f"/passages/{row[0]}").json()
    assert body["references"]
    for ref in body["references"]:
        assert body["text"][ref["start"] : ref["end"]] == ref["text"]
        assert ref["canonical"] and ref["url"].startswith("http")
    for mention in body["entities"]:
        assert body["text"][mention["start"] : mention["end"]] == mention["text"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/passages/99999999", 404), ("/passages/abc", 422), ("/passages/0", 422),
     ("/passages/99999999999999999999999", 404)],  # beyond SQLite's 64 bits: was a 500
)
def test_bad_passage_ids(reader: TestClient, path: str, status: int) -> None:
    response = reader.get(path)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("fmt", ["json", "md", "txt"])
def test_export_in_each_format(reader: TestClient, fmt: str) -> None:
    response = reader.get(f"/documents/{HOME_CARE}/export", params={"format": fmt})
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        assert body["doc"]["doc_id"] == HOME_CARE and body["pages"]
    else:
        assert "hemmet" in response.text
        assert response.headers["content-type"].startswith("text/markdown" if fmt == "md" else "text/plain")


def test_export_rejects_unknown_format_and_document(reader: TestClient) -> None:
    assert reader.get(f"/documents/{HOME_CARE}/export", params={"format": "docx"}).status_code == 422
    assert reader.get("/documents/okänd.pdf/export").status_code == 404


# -- search ------------------------------------------------------------------------------------


def test_search_returns_hits_in_the_design_shape(reader: TestClient) -> None:
    response = reader.get("/search", params={"q": "vem ansvarar för rehabilitering i hemmet", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "hybrid" and 1 <= len(body["hits"]) <= 5
    for rank, hit in enumerate(body["hits"], start=1):
        assert hit["rank"] == rank
        assert {"score", "passage_id", "doc_id", "title", "identifier", "pages", "heading", "text"} <= hit.keys()
        for start, end in hit["highlights"]:
            assert 0 <= start < end <= len(hit["text"])


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_search_modes(reader: TestClient, mode: str) -> None:
    body = reader.get("/search", params={"q": "fast vårdkontakt", "mode": mode, "k": 3}).json()
    assert body["mode"] == mode and body["hits"]


def test_search_filters_by_document(reader: TestClient) -> None:
    body = reader.get("/search", params={"q": "samverkan", "doc": HOME_CARE, "k": 20}).json()
    assert body["hits"] and {h["doc_id"] for h in body["hits"]} == {HOME_CARE}


def test_search_survives_fts_syntax_in_the_query(reader: TestClient) -> None:
    response = reader.get("/search", params={"q": '"hemsjukvård AND NEAR( -kommun* :'})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"q": ""}, 400, "empty"),
        ({"q": "   "}, 400, "empty"),
        ({}, 400, "q"),
        ({"q": "x" * 1001}, 422, "q"),
        ({"q": "vård", "k": 0}, 422, "k"),
        ({"q": "vård", "k": 101}, 422, "k"),
        ({"q": "vård", "k": "tio"}, 422, "k"),
        ({"q": "vård", "mode": "fuzzy"}, 422, "mode"),
    ],
)
def test_search_input_errors(reader: TestClient, params: dict, status: int, words: str) -> None:
    response = reader.get("/search", params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


# -- text analysis -----------------------------------------------------------------------------


def test_refs_normalises_references_in_a_text(reader: TestClient) -> None:
    text = "Regionen ska enligt 12 kap. 1 och 3 §§ och 16 kap. 1 § HSL avsätta läkarresurser."
    body = reader.post("/refs", json={"text": text, "date": "2024-01-01"}).json()
    canon = [r["canonical"] for r in body["references"]]
    assert canon == ["SFS 2017:30 12 kap. 1 §", "SFS 2017:30 12 kap. 3 §", "SFS 2017:30 16 kap. 1 §"]
    for ref in body["references"]:
        assert text[ref["start"] : ref["end"]] == ref["text"]


def test_refs_uses_the_date_to_resolve_abbreviations(reader: TestClient) -> None:
    before = reader.post("/refs", json={"text": "enligt SoL", "date": "2024-01-01"}).json()["references"]
    after = reader.post("/refs", json={"text": "enligt SoL", "date": "2026-01-01"}).json()["references"]
    assert before[0]["canonical"] == "SFS 2001:453" and after[0]["canonical"] == "SFS 2025:400"


def test_entities_labels_roles_plans_and_organisations(reader: TestClient) -> None:
    text = "MAS:en och Socialstyrelsens handläggare ska se till att en SIP upprättas."
    body = reader.post("/entities", json={"text": text}).json()
    labels = {e["label"] for e in body["entities"]}
    assert {"ROLE:MAS", "ORG:Socialstyrelsen", "PLAN:SIP"} <= labels
    for e in body["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]


@pytest.mark.parametrize("path", ["/refs", "/entities"])
@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": 5}, {"text": "SoL", "date": "igår"}],
)
def test_text_endpoints_validate_their_input(reader: TestClient, path: str, body: dict) -> None:
    response = reader.post(path, json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str) and response.json()["errors"]


def test_malformed_json_is_422(reader: TestClient) -> None:
    response = reader.post("/refs", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


# -- citations and trace -----------------------------------------------------------------------


def test_xref_finds_passages_citing_a_provision_in_any_spelling(reader: TestClient) -> None:
    first = reader.get("/xref", params={"ref": "12 kap. 1 § HSL"})
    second = reader.get("/xref", params={"ref": "SFS 2017:30 12 kap. 1 §"})
    assert first.status_code == second.status_code == 200
    # the same answer, each echoing its own question
    assert {**first.json(), "query": None} == {**second.json(), "query": None}
    assert first.json()["query"] == "12 kap. 1 § HSL" and second.json()["query"] == "SFS 2017:30 12 kap. 1 §"
    assert HOME_CARE in json.dumps(first.json())


def test_xref_of_nonsense_is_400_listing_accepted_forms(reader: TestClient) -> None:
    response = reader.get("/xref", params={"ref": "blåbärssoppa"})
    assert response.status_code == 400
    assert "§" in response.json()["detail"]


def test_xref_needs_a_ref(reader: TestClient) -> None:
    assert reader.get("/xref").status_code == 422


def test_cites_lists_what_a_document_cites(reader: TestClient) -> None:
    response = reader.get(f"/cites/{HOME_CARE}")
    assert response.status_code == 200
    assert "SFS 2017:30" in json.dumps(response.json())
    assert reader.get("/cites/okänd.pdf").status_code == 404


def test_law_lists_the_cited_provisions_of_an_act(reader: TestClient) -> None:
    response = reader.get("/law", params={"act": "HSL"})
    assert response.status_code == 200
    assert "SFS 2017:30 12 kap. 1 §" in json.dumps(response.json(), ensure_ascii=False)
    assert reader.get("/law").status_code == 422


def test_trace_as_json_and_as_csv(reader: TestClient) -> None:
    rows = reader.get("/trace", params={"doc": HOME_CARE}).json()["rows"]
    assert rows and all(r["doc_id"] == HOME_CARE for r in rows)
    assert {r["via"] for r in rows} <= {"inline", "footnote", None}
    response = reader.get("/trace", params={"doc": HOME_CARE}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    assert header[0] == "doc_id" and {"page", "sentence", "modality", "actor", "sources", "via"} <= set(header)
    assert len(lines) >= len(rows) + 1


def test_trace_filters_by_source_in_any_spelling(reader: TestClient) -> None:
    rows = reader.get("/trace", params={"source": "16 kap. 1 § HSL"}).json()["rows"]
    assert rows and all(any(s.startswith("SFS 2017:30") for s in r["sources"]) for r in rows)


# -- limits and errors -------------------------------------------------------------------------


def test_body_over_the_limit_is_413_before_it_is_read(corpus_index: Path) -> None:
    with TestClient(create_app(corpus_index, api_key="", max_body_bytes=2048)) as client:
        response = client.post("/refs", json={"text": "HSL " * 2000})
        assert response.status_code == 413
        assert "2 KB" in response.json()["detail"]

        def chunks():
            for _ in range(10):
                yield b'{"text": "' + b"x" * 500

        streamed = client.post("/refs", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413


def test_unknown_endpoint_and_method_are_json(reader: TestClient) -> None:
    missing = reader.get("/finns-inte")
    assert missing.status_code == 404 and "/docs" in missing.json()["detail"]
    wrong = reader.delete("/documents")
    assert wrong.status_code == 405 and "DELETE" in wrong.json()["detail"]


def test_an_unexpected_error_is_500_json_without_a_traceback(corpus_index: Path) -> None:
    app = create_app(corpus_index, api_key="")

    def broken() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert "incident" in detail and "secret" not in detail and "Traceback" not in response.text


def test_a_slow_request_is_abandoned_with_503(corpus_index: Path) -> None:
    app = create_app(corpus_index, api_key="", request_timeout=0.2)

    async def slow() -> dict:
        await asyncio.sleep(2)
        return {}

    app.add_api_route("/slow", slow)
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.get("/slow")
        assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert "0.2 s" in response.json()["detail"] and response.headers["retry-after"]


def test_no_cors_unless_configured(corpus_index: Path, reader: TestClient) -> None:
    preflight = {"Origin": "https://intranat.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in reader.options("/search", headers=preflight).headers
    assert "access-control-allow-origin" not in reader.get("/health", headers={"Origin": preflight["Origin"]}).headers
    with TestClient(create_app(corpus_index, api_key="", cors_origins=["https://intranat.example"])) as client:
        response = client.get("/health", headers={"Origin": "https://intranat.example"})
        assert response.headers["access-control-allow-origin"] == "https://intranat.example"


def test_openapi_documents_every_endpoint_with_swedish_examples(reader: TestClient) -> None:
    assert reader.get("/docs").status_code == 200
    spec = reader.get("/openapi.json").json()
    for path in ("/health", "/stats", "/search", "/documents", "/documents/{doc_id}", "/documents/{doc_id}/export",
                 "/passages/{passage_id}", "/refs", "/entities", "/xref", "/cites/{doc_id}", "/law", "/trace",
                 "/jobs/{job_id}", "/consultation"):
        assert path in spec["paths"], path
    assert "post" in spec["paths"]["/documents"]
    text = json.dumps(spec, ensure_ascii=False)
    assert "vem ansvarar för rehabilitering i hemmet" in text and "Regionen ska avsätta" in text


# -- uploads and jobs --------------------------------------------------------------------------


def test_uploads_are_refused_with_403_when_no_key_is_configured(reader: TestClient) -> None:
    response = reader.post("/documents", files={"file": ("a.txt", b"Hej", "text/plain")})
    assert response.status_code == 403
    assert "POLICYKB_API_KEY" in response.json()["detail"] and "X-API-Key" in response.json()["detail"]


def test_uploads_need_the_right_key(writer: TestClient) -> None:
    files = {"file": ("a.txt", b"Hej hej", "text/plain")}
    assert writer.post("/documents", files=files).status_code == 401
    assert writer.post("/documents", files=files, headers={"X-API-Key": "fel"}).status_code == 401


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"json": {"file": "x"}}, 415, "multipart"),
        ({"data": {"title": "Utan fil"}, "files": {"ignored": ("", b"", "text/plain")}}, 400, "no file"),
        ({"files": {"file": ("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "image/png")}}, 415, "bild.png"),
        ({"files": {"file": ("tom.txt", b"", "text/plain")}}, 400, "empty"),
        ({"files": {"file": ("brus.txt", bytes(range(1, 32)) * 40, "text/plain")}}, 415, "brus.txt"),
        ({"files": {"file": ("stor.txt", "å".encode() * 150_000, "text/plain")}}, 413, "stor.txt"),
    ],
)
def test_upload_errors(writer: TestClient, kwargs: dict, status: int, words: str, writable_index: Path) -> None:
    before = sorted(p.name for p in (writable_index / "uploads").glob("*")) if (writable_index / "uploads").exists() else []
    response = writer.post("/documents", headers={"X-API-Key": KEY}, **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    after = sorted(p.name for p in (writable_index / "uploads").glob("*")) if (writable_index / "uploads").exists() else []
    assert after == before  # nothing left behind


def test_a_body_far_over_the_upload_limit_is_413_at_once(writer: TestClient) -> None:
    response = writer.post(
        "/documents", headers={"X-API-Key": KEY}, files={"file": ("jätte.txt", b"a" * 600_000, "text/plain")}
    )
    assert response.status_code == 413


def test_upload_is_stored_under_a_generated_name_and_ingested(writer: TestClient, writable_index: Path) -> None:
    text = (
        "Riktlinjer för rehabilitering i hemmet\n\n"
        "Kommunen ska erbjuda rehabilitering i hemmet till personer som behöver det. "
        "Arbetsterapeuten och fysioterapeuten planerar insatserna tillsammans med patienten.\n"
    ).encode("cp1252")
    response = writer.post(
        "/documents",
        headers={"X-API-Key": KEY},
        files={"file": ("../../../etc/kommunens riktlinjer.txt", text, "text/plain")},
        data={"title": "Kommunens riktlinjer för hemrehabilitering", "publisher": "Testkommunen"},
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['job_id']}"
    (entry,) = job["files"]
    assert entry["name"] == "kommunens riktlinjer.txt"
    assert entry["stored_as"].startswith(f"uploads/{job['job_id']}/") and "etc" not in entry["stored_as"]
    stored = (writable_index / entry["stored_as"]).resolve()
    assert stored.is_relative_to(writable_index.resolve() / "uploads") and stored.read_bytes() == text

    done = wait_for_job(writer, job["job_id"])
    assert done["status"] == "done", done
    (entry,) = done["files"]
    assert entry["status"] == "ingested" and entry["error"] is None
    detail = writer.get(f"/documents/{entry['doc_id']}").json()
    assert detail["title"] == "Kommunens riktlinjer för hemrehabilitering" and detail["publisher"] == "Testkommunen"
    assert any(d["doc_id"] == entry["doc_id"] for d in writer.get("/documents").json()["documents"])


def test_uploading_a_document_already_in_the_index_is_a_duplicate(writer: TestClient, corpus_dir: Path) -> None:
    content = (corpus_dir / "000_df29f894942e6f0d.txt").read_bytes()
    response = writer.post(
        "/documents", headers={"X-API-Key": KEY},
        files=[("file", ("kopia.txt", content, "text/plain")), ("file", ("kopia2.txt", content, "text/plain"))],
    )
    assert response.status_code == 202
    done = wait_for_job(writer, response.json()["job_id"])
    assert done["status"] == "done"
    assert [f["status"] for f in done["files"]] == ["duplicate", "duplicate"]
    assert {f["doc_id"] for f in done["files"]} == {"000_df29f894942e6f0d.txt"}


def test_a_file_that_cannot_be_read_is_a_per_file_error(writer: TestClient) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    good = "Rapport om fast vårdkontakt\n\nRegionen ska utse en fast vårdkontakt för patienten.\n".encode()
    response = writer.post(
        "/documents", headers={"X-API-Key": KEY},
        files=[("file", ("trasig.pdf", pdf, "application/pdf")), ("file", ("bra.md", good, "text/markdown"))],
    )
    assert response.status_code == 202
    job = response.json()
    assert [f["content_type"] for f in job["files"]] == ["pdf", "text"]
    assert job["files"][0]["stored_as"].endswith(".pdf") and job["files"][1]["stored_as"].endswith(".md")
    done = wait_for_job(writer, job["job_id"])
    assert done["status"] == "done"
    broken, fine = done["files"]
    assert broken["status"] == "failed" and "trasig.pdf" in broken["error"] and "uploads/" not in broken["error"]
    assert fine["status"] == "ingested"


def test_an_ingest_that_overruns_its_time_is_stopped_and_the_job_fails(writable_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    copy_index(writable_index, index)
    before = store_counts(index)
    with TestClient(create_app(index, api_key=KEY, ingest_timeout=0.3)) as client:
        response = client.post(
            "/documents", headers={"X-API-Key": KEY},
            files={"file": ("sen.txt", "Sen rapport\n\nKommunen ska svara i tid.\n".encode(), "text/plain")},
        )
        job = wait_for_job(client, response.json()["job_id"], timeout=60)
        assert job["status"] == "failed" and "longer than" in job["error"]
        assert job["files"][0]["status"] == "failed"
        assert client.get("/health").json()["status"] == "ok"
    assert store_counts(index) == before  # the stopped ingest left the index as it was


def test_unknown_job_is_404(writer: TestClient) -> None:
    response = writer.get("/jobs/0123456789abcdef")
    assert response.status_code == 404 and "POST /documents" in response.json()["detail"]


def test_a_new_snapshot_is_served_after_an_ingest(writer: TestClient) -> None:
    before = writer.get("/health").json()
    response = writer.post(
        "/documents", headers={"X-API-Key": KEY},
        files={"file": ("ny.txt", "Ny rapport\n\nKommunen ska samverka med regionen om hemsjukvård.\n".encode(), "text/plain")},
    )
    wait_for_job(writer, response.json()["job_id"])
    after = writer.get("/health").json()
    assert after["snapshot"] > before["snapshot"]
    assert after["documents"] == before["documents"] + 1


# -- consultation ------------------------------------------------------------------------------


def test_consultation_splits_the_proposal_document(reader: TestClient) -> None:
    response = reader.post("/consultation", json={"doc_id": PROPOSAL_DOC, "evidence": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    proposals = body["proposals"]
    assert body["document"]["doc_id"] == PROPOSAL_DOC and len(proposals) >= 20
    labels = [p["label"] for p in proposals]
    assert {"1.1.1", "2.1.3", "6.2.2", "7.2.2"} <= set(labels)
    assert any("Socialstyrelsen föreslår" in p["text"] for p in proposals)
    for p in proposals:
        assert p["text"] and p["page"] >= 0 and p["passage_id"]
        for e in p["evidence"]:
            assert e["doc_id"] != PROPOSAL_DOC and e["quote"]
    markdown = body["markdown"]
    assert markdown.count("Ställningstagande:") == len(proposals)
    assert markdown.count("\n## ") == len(proposals) + 2  # + Sammanfattning, Övriga synpunkter
    assert all(p["evidence"] for p in proposals)
    assert "s. " in markdown and "”" in markdown


def test_consultation_as_markdown(reader: TestClient) -> None:
    response = reader.post(
        "/consultation", json={"doc_id": PROPOSAL_DOC, "evidence": 0}, headers={"Accept": "text/markdown"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# Remissvar: Förslag: Nationell strategi")


def test_document_content_is_escaped_in_every_api_rendering(hostile_index: Path) -> None:
    # Issue 19: titles were copied raw into Markdown (HTML, headings, javascript: links) and CSV
    # cells starting with = + - @ were not neutralised. The API renders through the same
    # functions as the CLI; this checks that it does.
    import csv
    import io

    from helpers.hostile import DOC_ID
    from markdown_it import MarkdownIt

    with TestClient(create_app(hostile_index, api_key="")) as client:
        consultation = client.post("/consultation", json={"doc_id": DOC_ID, "evidence": 0},
                                   headers={"Accept": "text/markdown"})
        export = client.get(f"/documents/{DOC_ID}/export", params={"format": "md"})
        table = client.get("/trace", headers={"Accept": "text/csv"})
    for response in (consultation, export):
        assert response.status_code == 200, response.text
        html = MarkdownIt("commonmark").render(response.text)
        assert "<script" not in html and 'href="javascript' not in html and html.count("<h1>") == 1
        assert "[/bold] &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert table.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(table.text.lstrip("\ufeff"))) for c in row]
    assert f"'{DOC_ID}" in cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"doc_id": PROPOSAL_DOC, "job_id": "abc"}, 400),
        ({"doc_id": "okänd.pdf"}, 404),
        ({"job_id": "0123456789abcdef"}, 404),
        ({"doc_id": PROPOSAL_DOC, "evidence": 11}, 422),
        ({"doc_id": PROPOSAL_DOC, "mode": "fuzzy"}, 422),
    ],
)
def test_consultation_errors(reader: TestClient, body: dict, status: int) -> None:
    response = reader.post("/consultation", json=body)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_consultation_of_an_uploaded_document_by_job_id(writer: TestClient, corpus_dir: Path) -> None:
    remiss = (
        "Remiss om samordnad individuell plan\n\n"
        "Utredningens förslag\n\n"
        "1. Regionen och kommunen ska upprätta en SIP inom två veckor.\n\n"
        "2. Socialstyrelsen ges i uppdrag att ta fram ett kunskapsstöd om fast vårdkontakt.\n\n"
        "3. Regionens skyldighet att avsätta läkarresurser enligt 12 kap. 1 § hälso- och sjukvårdslagen (2017:30) förtydligas.\n\n"
        "Övrigt\n\n"
        "Vi föreslår att uppföljningen sker efter tre år.\n"
    ).encode()
    response = writer.post("/documents", headers={"X-API-Key": KEY}, files={"file": ("remiss.txt", remiss, "text/plain")})
    job_id = response.json()["job_id"]
    # The ingest process needs seconds to start and embed; until it is done the job is not ready.
    early = writer.post("/consultation", json={"job_id": job_id})
    assert early.status_code == 409 and f"/jobs/{job_id}" in early.json()["detail"]
    wait_for_job(writer, job_id)
    body = writer.post("/consultation", json={"job_id": job_id, "evidence": 1}).json()
    texts = [p["text"] for p in body["proposals"]]
    assert any("SIP inom två veckor" in t for t in texts)
    assert any("fast vårdkontakt" in t for t in texts)
    assert any("uppföljningen sker efter tre år" in t for t in texts)
    (third,) = [p for p in body["proposals"] if "läkarresurser" in p["text"]]
    provisions = {prov["canonical"]: prov for prov in third["provisions"]}
    cited = provisions["SFS 2017:30 12 kap. 1 §"]
    assert cited["url"].startswith("http") and HOME_CARE in {d["doc_id"] for d in cited["citing_documents"]}
    assert cited["cited_elsewhere"] >= 1
    assert third["requirements"] and all(
        any(src.startswith("SFS 2017:30 12 kap. 1 §") for src in row["sources"]) for row in third["requirements"]
    )
    assert "SFS 2017:30 12 kap. 1 §" in body["markdown"] and "Krav som vilar på dessa lagrum" in body["markdown"]
