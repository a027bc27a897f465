"""`policykb fetch` end to end against the replay server: download, manifest, ingest, statutes as
documents (each section a passage with its own canonical reference), provision text in xref,
trace and the remissvar helper; re-fetching; the CLI and POST /fetch; bad input."""

from __future__ import annotations

import json
import time
import pytest

from helpers.cli import run_cli
from helpers.replay_server import Answer, closed_port_url
from helpers.riksdagen_replay import riksdagen_server

from policykb.ingest import FETCH_FOLDER, fetch
from policykb.sources.riksdagen import RiksdagenClient
from policykb.store import Store

ALL = ["SOU 2020:19", "prop. 2019/20:164", "Ds 2023:23", "dir. 2020:5", "bet. 2019/20:SoU8", "SFS 2017:30"]


def client(server) -> RiksdagenClient:  # noqa: ANN001
    return RiksdagenClient(server.url, pause=0, backoff=0.01)


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """Every kind of identifier fetched once into one index; the replay server stays up."""
    root = tmp_path_factory.mktemp("fetched")
    with riksdagen_server(root / "built") as server:
        report = fetch(ALL + ["SOU 2020:99"], root / "index", client=client(server))
        yield root / "index", server, report


def test_every_identifier_kind_is_downloaded_and_ingested_with_its_metadata(fetched):
    index, _, report = fetched
    assert [(d.asked, d.status) for d in report.documents] == [(a, "downloaded") for a in ALL] + [("SOU 2020:99", "failed")]
    assert "has no SOU 2020:99" in report.documents[-1].error
    assert not report.ingest.failed and len(report.ingest.added) == 6
    with Store.open(index, create=False, readonly=True) as store:
        docs = {d["doc_id"]: d for d in store.list_documents()}
    assert set(docs) == {"sou-2020-19.pdf", "prop-2019-20-164.pdf", "ds-2023-23.pdf", "dir-2020-5.pdf",
                         "bet-2019-20-sou8.pdf", "sfs-2017-30.html"}
    sou = docs["sou-2020-19.pdf"]
    assert (sou["identifier"], sou["kind"], sou["publisher"], sou["date"]) == (
        "SOU 2020:19", "sou", "Socialdepartementet", "2020-04-14")
    assert sou["title"] == "God och nära vård – En reform för ett hållbart hälso- och sjukvårdssystem"
    assert docs["prop-2019-20-164.pdf"]["kind"] == "proposition"
    assert docs["bet-2019-20-sou8.pdf"]["identifier"] == "bet. 2019/20:SoU8"
    statute = docs["sfs-2017-30.html"]
    assert (statute["identifier"], statute["kind"], statute["title"]) == (
        "SFS 2017:30", "statute", "Hälso- och sjukvårdslag (2017:30)")
    # the manifest the ingest read keeps Riksdagen's own record of each document
    manifest = json.loads((index / FETCH_FOLDER / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["file"]: e for e in manifest["documents"]}
    prop = entries["prop-2019-20-164.pdf"]
    assert (prop["source"], prop["dok_id"], prop["systemdatum"]) == ("riksdagen", "H703164", "2020-05-27 08:00:11")
    assert [(r["relation"], r["identifier"]) for r in prop["related"]] == [
        ("behandlas_i", "bet. 2019/20:SoU8"), ("följdmotion", None)]


def test_refetching_an_unchanged_document_is_a_no_op(fetched):
    index, server, _ = fetched
    before = len(server.log)
    report = fetch(["SOU 2020:19", "SFS 2017:30"], index, client=client(server))
    assert [d.status for d in report.documents] == ["unchanged", "unchanged"]
    assert report.ingest.documents == 0 and sorted(report.ingest.unchanged) == ["sfs-2017-30.html", "sou-2020-19.pdf"]
    asked = [r.path for r in server.log[before:]]
    assert not any(p.startswith(("/fil/", "/dokument/")) for p in asked)  # looked up, not downloaded


def test_a_document_riksdagen_changed_is_downloaded_again(fetched):
    index, server, _ = fetched
    server.add("/dokumentstatus/HBB323.json", Answer.file(
        "dokumentstatus-HBB323.json", replace={"2023-10-02 13:37:00": "2024-01-15 09:00:00"}))
    report = fetch(["Ds 2023:23"], index, client=client(server))
    assert report.documents[0].status == "downloaded"
    assert report.ingest.unchanged == ["ds-2023-23.pdf"]  # the same bytes: the index is not touched
    entries = json.loads((index / FETCH_FOLDER / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert {e["file"]: e["systemdatum"] for e in entries}["ds-2023-23.pdf"] == "2024-01-15 09:00:00"


# -- statutes as documents -----------------------------------------------------------------------


def test_the_statute_is_split_into_sections_each_with_its_own_reference(fetched):
    from policykb.legal.statute import provision_of

    index, _, _ = fetched
    with Store.open(index, create=False, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT heading_path, text FROM passages WHERE doc_id = 'sfs-2017-30.html' ORDER BY ordinal").fetchall()
    sections = {}
    for heading_path, text in rows:
        canonical = provision_of("SFS 2017:30", json.loads(heading_path))
        sections.setdefault(canonical, []).append(text)
    assert [c for c in sections if c] == [
        "SFS 2017:30 1 kap. 1 §", "SFS 2017:30 1 kap. 2 §", "SFS 2017:30 1 kap. 2 a §", "SFS 2017:30 3 kap. 1 §",
        "SFS 2017:30 3 kap. 2 §", "SFS 2017:30 5 kap. 1 §", "SFS 2017:30 5 kap. 2 §", "SFS 2017:30 5 kap. 4 §",
        "SFS 2017:30 7 kap. 2 a §", "SFS 2017:30 7 kap. 3 §", "SFS 2017:30 16 kap. 4 §"]
    assert " ".join(sections["SFS 2017:30 5 kap. 1 §"]).endswith("5. vara lätt tillgänglig. Lag (2022:1250).")
    assert sections["SFS 2017:30 3 kap. 1 §"][0].startswith("Målet med hälso- och sjukvården är en god hälsa")
    # the transitional provisions and the act's header are passages of no section
    rest = " ".join(sections[None])
    assert "Denna lag träder i kraft den 1 april 2017." in rest and "SFS nr: 2017:30" in rest
    assert "Innehåll och definitioner" not in rest.split("SFS nr")[0]  # the table of contents left out


def test_xref_shows_the_cited_provisions_own_text(fetched):
    from policykb.query.xref import xref

    index, _, _ = fetched
    with Store.open(index, create=False, readonly=True) as store:
        result = xref(store, "16 kap. 4 § HSL")
        act = xref(store, "HSL")
        other = xref(store, "prop. 2019/20:164")
    target = result["targets"][0]
    assert target["canonical"] == "SFS 2017:30 16 kap. 4 §"
    assert target["provision_text"].startswith("När den enskilde har behov av insatser både från hälso- och sjukvården")
    assert "vem av huvudmännen som ska ha det övergripande ansvaret för planen" in target["provision_text"]
    sou = next(d for d in result["documents"] if d["doc_id"] == "sou-2020-19.pdf")
    provision = sou["hits"][0]["provisions"][0]
    assert provision["canonical"] == "SFS 2017:30 16 kap. 4 §" and provision["provision_text"] == target["provision_text"]
    assert "provision_text" not in act["targets"][0]  # an act is not one provision
    assert all("provision_text" not in t for t in other["targets"])


def test_cli_xref_prints_the_provision_text(fetched):
    index, _, _ = fetched
    result = run_cli("xref", "16 kap. 4 § HSL", "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("SFS 2017:30 16 kap. 4 § — Hälso- och sjukvårdslag (2017:30)")
    assert lines[2].strip().startswith("När den enskilde har behov av insatser")
    assert "  4. vem av huvudmännen som ska ha det övergripande ansvaret för planen." in lines


def test_trace_and_the_remissvar_helper_show_provision_text(fetched):
    from policykb.consult.provisions import _provision
    from policykb.query.trace import trace

    index, _, _ = fetched
    with Store.open(index, create=False, readonly=True) as store:
        rows = trace(store, source="16 kap. 4 § HSL")
        provision = _provision(store, "SFS 2017:30 16 kap. 4 §", "section", "", "16 kap. 4 § HSL", "sou-2020-19.pdf")
        unfetched = _provision(store, "SFS 2010:659 3 kap. 1 §", "section", "", "3 kap. 1 § PSL", "sou-2020-19.pdf")
    row = next(r for r in rows if r["doc_id"] == "sou-2020-19.pdf")
    link = next(l for l in row["links"] if l["canonical"] == "SFS 2017:30 16 kap. 4 §")
    assert link["provision_text"].startswith("När den enskilde har behov av insatser")
    assert provision.provision_text == link["provision_text"]
    assert unfetched.provision_text is None


def test_search_finds_law_text(fetched):
    import policykb

    index, _, _ = fetched
    hits = policykb.search(index, "individuell plan samtycker huvudmännen", k=3, mode="lexical")
    assert hits[0].doc_id == "sfs-2017-30.html"
    assert "16 kap. Samverkan" in hits[0].heading and hits[0].heading.endswith("4 §")
    assert hits[0].identifier == "SFS 2017:30"


def test_a_document_removed_from_the_index_is_restored_from_the_kept_file(fetched):
    from policykb.ingest import remove

    index, server, _ = fetched
    remove(["dir-2020-5.pdf"], index)
    before = len(server.log)
    report = fetch(["dir. 2020:5"], index, client=client(server))
    assert [(d.status, d.doc_id) for d in report.documents] == [("restored", "dir-2020-5.pdf")]
    assert report.ingest.added == ["dir-2020-5.pdf"]
    assert not any(r.path.startswith("/fil/") for r in server.log[before:])


# -- a listing search ------------------------------------------------------------------------------


def test_search_fetches_every_hit_up_to_the_limit_with_the_count_first(tmp_path):
    events = []
    with riksdagen_server(tmp_path / "built") as server:
        report = fetch([], tmp_path / "index", search="nära vård", kind="sou", year_from=2017, limit=2,
                       client=client(server), progress=lambda *e: events.append(e))
    assert report.hits == 3
    assert [(d.identifier, d.status) for d in report.documents] == [("SOU 2020:19", "downloaded"),
                                                                    ("SOU 2019:29", "downloaded")]
    stages = [e[0] for e in events]
    assert stages[0] == "listing" and events[0][2] == 3 and stages.index("listing") < stages.index("fetch")
    assert sorted(report.ingest.added) == ["sou-2019-29.pdf", "sou-2020-19.pdf"]


@pytest.mark.parametrize("options, says", [
    ({"search": "x", "kind": "novel"}, "--kind 'novel'"),
    ({"search": "x", "limit": 0}, "--limit 0"),
    ({"search": "x", "year_from": 99999}, "--year-from 99999"),
    ({"kind": "sou"}, "go with --search"),
])
def test_bad_search_options(tmp_path, options, says):
    from policykb.errors import InputError

    with pytest.raises(InputError, match=says):
        fetch([], tmp_path / "index", client=RiksdagenClient(closed_port_url()), **options)
    assert not (tmp_path / "index").exists()


# -- the command line ------------------------------------------------------------------------------


def test_cli_fetch_from_a_file_with_json(tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("# what the remiss cites\nSFS 2017:30\n\nDs 2023:23  # the memo\n", encoding="utf-8")
    with riksdagen_server(tmp_path / "built") as server:
        result = run_cli("fetch", "--file", str(listing), "--index-dir", str(tmp_path / "index"), "--json",
                         env={"POLICYKB_RIKSDAGEN_URL": server.url})
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert [(d["identifier"], d["status"], d["doc_id"]) for d in data["documents"]] == [
            ("SFS 2017:30", "downloaded", "sfs-2017-30.html"), ("Ds 2023:23", "downloaded", "ds-2023-23.pdf")]
        assert data["ingest"]["documents"] == 2
        shown = run_cli("fetch", "SFS 2017:30", "--index-dir", str(tmp_path / "index"), "--source-url", server.url)
    assert shown.returncode == 0, shown.stderr
    assert "unchanged: SFS 2017:30 — Hälso- och sjukvårdslag (2017:30)" in shown.stdout


def test_cli_search_says_the_hit_count_first(tmp_path):
    with riksdagen_server(tmp_path / "built") as server:
        result = run_cli("fetch", "--search", "nära vård", "--kind", "sou", "--year-from", "2017", "--limit", "1",
                         "--index-dir", str(tmp_path / "index"), "--source-url", server.url)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "fetch: 3 hit(s) in Riksdagen's open data for 'nära vård'; fetching at most 1"
    assert "downloaded: SOU 2020:19 — God och nära vård (id sou-2020-19.pdf)" in result.stdout
    assert "ingested 1 document(s) (1 new" in result.stdout
    bad = run_cli("fetch", "--search", "x", "--year-from", "1e20", "--index-dir", str(tmp_path / "index"))
    assert bad.returncode == 2 and bad.stderr.startswith("error: --year-from '1e20' is not a whole number")


def test_cli_network_down_is_one_line_exit_2_and_nothing_stored(tmp_path):
    url = closed_port_url()
    result = run_cli("fetch", "SOU 2020:19", "--index-dir", str(tmp_path / "index"), "--source-url", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("fetch: ")]  # progress lines go to stderr too
    assert len(errors) == 1 and errors[0] == lines[-1]
    assert errors[0].startswith(f"error: {url.split('//')[1]} could not be reached (connection refused)")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "index").exists()  # not even an empty index directory


def test_cli_unknown_and_unparsable_identifiers(tmp_path):
    with riksdagen_server(tmp_path / "built") as server:
        unknown = run_cli("fetch", "SOU 2020:99", "--index-dir", str(tmp_path / "index"), "--source-url", server.url)
    assert unknown.returncode == 2
    assert "failed: SOU 2020:99: Riksdagen's open data has no SOU 2020:99" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    bad = run_cli("fetch", "SOU 20x", "--index-dir", str(tmp_path / "index"), "--source-url", "http://127.0.0.1:9")
    assert bad.returncode == 2 and bad.stderr.startswith("error: 'SOU 20x' is not an identifier policykb can fetch")
    assert not (tmp_path / "index" / "policykb.sqlite").exists()


# -- the API ------------------------------------------------------------------------------------------


def test_post_fetch_runs_as_a_job(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from policykb.api import create_app

    with riksdagen_server(tmp_path / "built") as server:
        monkeypatch.setenv("POLICYKB_RIKSDAGEN_URL", server.url)  # the job's process reads it
        with TestClient(create_app(tmp_path / "index", api_key="k")) as api:
            assert api.post("/fetch", json={"identifiers": ["SOU 2020:19"]}).status_code == 401
            bad = api.post("/fetch", json={"identifiers": ["inte ett id"]}, headers={"X-API-Key": "k"})
            assert bad.status_code == 400 and "is not an identifier policykb can fetch" in bad.json()["detail"]
            answer = api.post("/fetch", json={"identifiers": ["SFS 2017:30", "SOU 2020:99"]}, headers={"X-API-Key": "k"})
            assert answer.status_code == 202
            job_id = answer.json()["job_id"]
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                job = api.get(f"/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.5)
            assert job["status"] == "done", job
            files = {f["name"]: f for f in job["files"]}
            assert files["SFS 2017:30"]["status"] == "ingested" and files["SFS 2017:30"]["doc_id"] == "sfs-2017-30.html"
            assert files["SOU 2020:99"]["status"] == "failed" and "has no SOU 2020:99" in files["SOU 2020:99"]["error"]
            listed = api.get("/documents")
            assert listed.status_code == 200, listed.text
            docs = listed.json()["documents"]
            assert [d["doc_id"] for d in docs] == ["sfs-2017-30.html"]
    assert str(tmp_path) not in json.dumps(job)  # no server path reaches the client


def test_post_fetch_with_the_network_down_fails_the_job_with_one_clear_message(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from policykb.api import create_app

    monkeypatch.setenv("POLICYKB_RIKSDAGEN_URL", closed_port_url())
    with TestClient(create_app(tmp_path / "index", api_key="k")) as api:
        job_id = api.post("/fetch", json={"identifiers": ["SOU 2020:19"]}, headers={"X-API-Key": "k"}).json()["job_id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = api.get(f"/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
    assert job["status"] == "failed" and "could not be reached" in job["error"]
    assert not list((tmp_path / "index").rglob("*.pdf"))
    if (tmp_path / "index" / "policykb.sqlite").exists():
        with Store.open(tmp_path / "index", create=False, readonly=True) as store:
            assert store.list_documents() == []
