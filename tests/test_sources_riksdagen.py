"""The Riksdagen open-data client against a local replay server (a real socket): the recorded
answers in tests/fixtures/riksdagen and ones constructed in their shapes, with the service's quirks
and failures. Never the real network."""

from __future__ import annotations

import threading

import pytest

from helpers.replay_server import Answer, ReplayServer, closed_port_url
from helpers.riksdagen_replay import riksdagen_server

from policykb.errors import InputError, SourceError, SourceUnavailableError
from policykb.sources.fetch import download, parse_identifiers
from policykb.sources.riksdagen import DEFAULT_BASE_URL, RiksdagenClient, as_list, canonical_of


def client_for(server: ReplayServer, **options) -> RiksdagenClient:
    sleeps: list[float] = []
    options = {"pause": 0, "backoff": 0.01, "sleep": sleeps.append, **options}
    client = RiksdagenClient(server.url, **options)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


@pytest.fixture
def riksdagen(tmp_path):
    with riksdagen_server(tmp_path / "built") as server:
        yield server


# -- listings, status, quirks -----------------------------------------------------------------


def test_recorded_listing_pages_are_followed_and_entries_read():
    with ReplayServer() as server:
        server.add("/dokumentlista/", Answer.file("dokumentlista-bet-page1.json"), doktyp="bet")
        server.add("/dokumentlista/", Answer.file("dokumentlista-bet-page2.json"), doktyp="bet", p="2")
        listing = client_for(server).listing(doktyp="bet", sort="datum", sortorder="desc")
    assert listing.total == 74773
    assert [d.dok_id for d in listing.documents] == ["HE01FiU8", "HD01KU45", "HD01JuU47", "HD01JuU45"]
    planned, published = listing.documents[0], listing.documents[1]
    assert planned.pdf_url is None and planned.status == "planerat"  # filbilaga: null
    # the recorded https://data.riksdagen.se/fil/… is fetched from the configured base URL
    assert published.pdf_url == f"{server.url}/fil/C889726E-ED62-4E29-9FBB-C25B8458C08E"
    assert published.canonical == "bet. 2025/26:KU45" and published.organ == "KU"
    assert published.html_url == f"{server.url}/dokument/HD01KU45.html"  # protocol-relative in the answer
    # page 2 was asked for through the recorded @nasta_sida (http://data.riksdagen.se/…&p=2)
    assert [r.query.get("p") for r in server.requests_to("/dokumentlista/")] == [None, "2"]


def test_a_listing_that_keeps_offering_pages_stops_when_the_page_number_stops_advancing(riksdagen):
    listing = client_for(riksdagen).search("nära vård", doktyp="sou", date_from="2017-01-01")
    assert [d.canonical for d in listing.documents] == ["SOU 2020:19", "SOU 2019:29", "SOU 2018:39"]
    assert listing.total == 3
    # page 3 repeats page 2 (@sida 2): asked once, its entries not taken twice
    assert [r.query.get("p") for r in riksdagen.requests_to("/dokumentlista/")] == [None, "2", "3"]
    assert {r.query["from"] for r in riksdagen.requests_to("/dokumentlista/")} == {"2017-01-01"}


def test_search_limit_stops_paging(riksdagen):
    listing = client_for(riksdagen).search("nära vård", doktyp="sou", limit=2)
    assert len(listing.documents) == 2 and listing.total == 3
    assert len(riksdagen.requests_to("/dokumentlista/")) == 1


def test_single_object_quirk_in_listing_file_attachment_and_references(riksdagen):
    client = client_for(riksdagen)
    found = client.find("SOU 2020:19")  # `dokument` and `fil` are single objects in this answer
    assert found is not None and found.dok_id == "H8B319"
    assert found.pdf_url.endswith("/fil/5B0E2E6A-0C1F-4D9E-9F7A-2D0B6C1E3A19")
    status = client.status("H8B319")  # `bilaga` and `referens` single objects too
    assert status.pdf_url == f"{riksdagen.url}/fil/5B0E2E6A-0C1F-4D9E-9F7A-2D0B6C1E3A19"
    assert status.related == [{"relation": "behandlas_i", "dok_id": "H703164", "doktyp": "prop",
                               "identifier": "prop. 2019/20:164", "title": "Steg på vägen mot en mer nära vård"}]
    assert status.systemdatum == "2020-04-20 10:12:45" and status.date == "2020-04-14"


def test_status_of_the_recorded_proposition_reads_attachment_and_related_documents():
    with ReplayServer() as server:
        server.add("/dokumentstatus/H40314.json", Answer.file("dokumentstatus-H40314.json"))
        doc = client_for(server).status("H40314")
    assert doc.canonical == "prop. 2016/17:14" and doc.organ == "Finansdepartementet"
    assert doc.title == "Ny definition av fastighetsbegreppet i mervärdesskattelagen"
    assert doc.date == "2016-09-27" and doc.systemdatum == "2016-11-24 16:36:38"
    assert doc.pdf_url == f"{server.url}/fil/D095E7A9-2F8E-4238-94FA-1C0DF79703F3"  # was plain http
    assert [(r["relation"], r["identifier"]) for r in doc.related] == [
        ("behandlas_i", "bet. 2016/17:SkU8"), ("följdmotion", None)]  # a motion has no canonical form


def test_find_falls_back_to_free_text_and_checks_type_number_and_year(riksdagen):
    client = client_for(riksdagen)
    found = client.find("dir. 2020:5")  # filed under riksmöte 2019/20, not found by rm=2020
    assert found is not None and found.dok_id == "H8B15"
    assert [r.query.get("sok") for r in riksdagen.requests_to("/dokumentlista/")] == [None, "dir. 2020:5"]
    # the prop. listing also holds prop. 2019/20:163: the match is by number
    assert client.find("prop. 2019/20:164").dok_id == "H703164"
    assert client.find("SOU 2020:99") is None


def test_urls_are_made_https_and_kept_on_the_real_service_by_default():
    client = RiksdagenClient(None)
    assert client.base == DEFAULT_BASE_URL
    assert client.rebase("//data.riksdagen.se/dokument/H40314.text") == "https://data.riksdagen.se/dokument/H40314.text"
    assert client.rebase("http://data.riksdagen.se/fil/X") == "https://data.riksdagen.se/fil/X"
    mirror = RiksdagenClient("http://mirror.example:8080/riksdagen/")
    assert mirror.rebase("http://data.riksdagen.se/fil/X") == "http://mirror.example:8080/riksdagen/fil/X"


def test_a_server_on_this_machine_is_reached_past_the_environments_proxy(riksdagen, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, closed_port_url())  # a proxy that is down
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert client_for(riksdagen).status("H8B319").dok_id == "H8B319"


def test_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("POLICYKB_RIKSDAGEN_URL", "http://127.0.0.1:9/")
    assert RiksdagenClient().base == "http://127.0.0.1:9"
    monkeypatch.setenv("POLICYKB_RIKSDAGEN_URL", "ftp://x")
    with pytest.raises(InputError, match="not an http"):
        RiksdagenClient()


def test_as_list_and_canonical_forms():
    assert as_list(None) == [] and as_list("") == [] and as_list({"a": 1}) == [{"a": 1}] and as_list([1, None]) == [1]
    assert canonical_of("sou", "2020", "19") == "SOU 2020:19"
    assert canonical_of("sou", "2019/20", "19", "2020-04-14") == "SOU 2020:19"
    assert canonical_of("bet", "2019/20", "SoU8") == "bet. 2019/20:SoU8"
    assert canonical_of("sfs", "2017", "2017:30") == "SFS 2017:30"
    assert canonical_of("mot", "2019/20", "3701") is None


# -- politeness ---------------------------------------------------------------------------------


def test_user_agent_names_policykb_and_requests_never_overlap(riksdagen):
    riksdagen.add("/dokumentstatus/H8B319.json", Answer(body=(riksdagen_fixture("dokumentstatus-H8B319.json")),
                                                        delay=0.15))
    client = client_for(riksdagen)
    threads = [threading.Thread(target=client.status, args=("H8B319",)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(riksdagen.log) == 3 and riksdagen.max_in_flight == 1
    assert all(r.headers["User-Agent"].startswith("policykb/") for r in riksdagen.log)


def riksdagen_fixture(name: str) -> bytes:
    from helpers.replay_server import RIKSDAGEN_FIXTURES

    return (RIKSDAGEN_FIXTURES / name).read_bytes()


def test_a_pause_between_requests_by_default():
    with ReplayServer() as server:
        server.add("/dokumentstatus/H40314.json", Answer.file("dokumentstatus-H40314.json"))
        sleeps: list[float] = []
        client = RiksdagenClient(server.url, sleep=sleeps.append)  # default pause 0.2 s
        client.status("H40314")
        client.status("H40314")
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.2


# -- failures -----------------------------------------------------------------------------------


def test_429_then_success_is_retried_after_the_servers_retry_after(riksdagen):
    riksdagen.add("/dokumentstatus/H8B319.json",
                  Answer(429, b"Too many requests", "text/plain", headers={"Retry-After": "3"}),
                  Answer.file("dokumentstatus-H8B319.json"))
    client = client_for(riksdagen)
    assert client.status("H8B319").dok_id == "H8B319"
    assert len(riksdagen.requests_to("/dokumentstatus/H8B319.json")) == 2
    assert client.sleeps == [3.0]  # Retry-After, above the 0.01 s backoff


def test_5xx_backs_off_exponentially_then_gives_up_naming_the_host(riksdagen):
    riksdagen.add("/dokumentstatus/H8B319.json", Answer(503, b"<html>Service Unavailable</html>", "text/html"))
    client = client_for(riksdagen, retries=3, backoff=0.5)
    with pytest.raises(SourceUnavailableError) as err:
        client.status("H8B319")
    assert client.sleeps == [0.5, 1.0, 2.0]
    assert len(riksdagen.requests_to("/dokumentstatus/H8B319.json")) == 4
    message = str(err.value)
    assert "127.0.0.1" in message and "503" in message and "try again later" in message


def test_a_timeout_is_retried_then_reported(riksdagen):
    riksdagen.add("/dokumentstatus/H8B319.json", Answer.file("dokumentstatus-H8B319.json"))
    riksdagen.routes[0].answers[0].delay = 1.0
    client = client_for(riksdagen, timeout=0.2, retries=1)
    with pytest.raises(SourceUnavailableError, match=r"did not answer within 0\.2 s \(the status of H8B319, 2 tries\)"):
        client.status("H8B319")


def test_a_timeout_then_an_answer_succeeds(riksdagen):
    slow = Answer.file("dokumentstatus-H8B319.json")
    slow.delay = 1.0
    riksdagen.add("/dokumentstatus/H8B319.json", slow, Answer.file("dokumentstatus-H8B319.json"))
    assert client_for(riksdagen, timeout=0.2).status("H8B319").dok_id == "H8B319"


def test_a_connection_dropped_mid_answer_is_retried_then_reported(riksdagen):
    cut = Answer.file("dokumentstatus-H8B319.json")
    cut.cut_off = True
    riksdagen.add("/dokumentstatus/H8B319.json", cut, Answer.file("dokumentstatus-H8B319.json"))
    assert client_for(riksdagen).status("H8B319").dok_id == "H8B319"
    riksdagen.add("/dokumentstatus/H8B319.json", cut)
    with pytest.raises(SourceUnavailableError, match="broke off the connection"):
        client_for(riksdagen, retries=1).status("H8B319")


def test_404_is_no_such_document_and_other_4xx_an_error(riksdagen):
    client = client_for(riksdagen)
    assert client.status("H0NOTHERE") is None
    riksdagen.add("/dokumentstatus/BAD.json", Answer(400, b"bad", "text/plain"))
    with pytest.raises(SourceError, match="400"):
        client.status("BAD")


def test_malformed_json_is_a_clear_error(riksdagen):
    riksdagen.add("/dokumentstatus/H8B319.json", Answer(body=riksdagen_fixture("dokumentstatus-H8B319.json")[:300]))
    with pytest.raises(SourceError, match="malformed JSON") as err:
        client_for(riksdagen).status("H8B319")
    assert "try again later" in str(err.value)


def test_an_html_error_page_served_as_pdf_is_refused(riksdagen):
    page = b"<!DOCTYPE html><html><head><title>Tekniskt fel</title></head><body>Sidan kunde inte visas</body></html>"
    riksdagen.add("/fil/5B0E2E6A-0C1F-4D9E-9F7A-2D0B6C1E3A19", Answer(body=page, content_type="application/pdf"))
    client = client_for(riksdagen)
    with pytest.raises(SourceError, match="HTML page titled 'Tekniskt fel' instead of the PDF of SOU 2020:19"):
        client.download(f"{riksdagen.url}/fil/5B0E2E6A-0C1F-4D9E-9F7A-2D0B6C1E3A19", expect="pdf", what="SOU 2020:19")


def test_network_down_names_the_host_and_what_to_do():
    url = closed_port_url()
    client = RiksdagenClient(url, retries=1, backoff=0.01, pause=0)
    with pytest.raises(SourceUnavailableError) as err:
        client.find("SOU 2020:19")
    message = str(err.value)
    host = url.split("//")[1]
    assert message.startswith(f"{host} could not be reached (connection refused)")
    assert "nothing was stored" in message and "--source-url" in message and "\n" not in message


# -- identifiers and downloads (no ingest) --------------------------------------------------------


def test_every_spelling_the_reference_parser_accepts():
    asked = ["SOU 2020:19", "Prop. 2019/20:164", "Regeringens proposition 2019/20:164", "Ds 2023:23", "Dir. 2020:5",
             "bet. 2019/20:SoU8", "SFS 2017:30", "2017:30", "hälso- och sjukvårdslagen", "2 kap. 3 § HSL"]
    canonicals = [r.canonical for r in parse_identifiers(asked)]
    # duplicates (the same proposition, the same act) are fetched once
    assert canonicals == ["SOU 2020:19", "prop. 2019/20:164", "Ds 2023:23", "dir. 2020:5", "bet. 2019/20:SoU8",
                          "SFS 2017:30"]


@pytest.mark.parametrize("bad, says", [
    ("hej hopp", "is not an identifier policykb can fetch"),
    ("HSLF-FS 2016:40", "not in Riksdagen's open data"),
    ("   ", "name at least one document"),
])
def test_identifiers_the_parser_rejects_or_riksdagen_does_not_publish(bad, says):
    with pytest.raises(InputError, match=says):
        parse_identifiers([bad])


def test_download_writes_files_and_manifest_only_when_every_request_was_answered(riksdagen, tmp_path):
    folder = tmp_path / "fetched"
    client = client_for(riksdagen)
    report = download(parse_identifiers(["SOU 2020:19", "SFS 2017:30"]), folder, client=client)
    assert [d.status for d in report.documents] == ["downloaded", "downloaded"]
    assert (folder / "sou-2020-19.pdf").read_bytes().startswith(b"%PDF")
    assert b'class="paragraf"' in (folder / "sfs-2017-30.html").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "sfs-2017-30.html", "sou-2020-19.pdf"]

    # the network goes down in the middle of the next run: nothing changes on disk
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    riksdagen.add("/dokumentstatus/H703164.json", Answer(503, b"down", "text/plain"))
    with pytest.raises(SourceUnavailableError):
        download(parse_identifiers(["Ds 2023:23", "prop. 2019/20:164"]), folder, client=client_for(riksdagen, retries=1))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_download_failures_of_one_identifier_leave_the_others(riksdagen, tmp_path):
    page = b"<html><head><title>Fel</title></head><body>Fel</body></html>"
    riksdagen.add("/fil/D5230023-0000-4000-8000-000000000023", Answer(body=page, content_type="application/pdf"))
    riksdagen.add("/dokumentstatus/H8B15.json", Answer(body=b'{"dokumentstatus": {"dokument": {"dok_id": '))
    report = download(parse_identifiers(["Ds 2023:23", "dir. 2020:5", "SOU 2020:99", "SOU 2020:19"]),
                      tmp_path / "f", client=client_for(riksdagen))
    status = {d.asked: (d.status, d.error or "") for d in report.documents}
    assert status["SOU 2020:19"][0] == "downloaded"
    assert status["Ds 2023:23"][0] == "failed" and "HTML page" in status["Ds 2023:23"][1]
    assert status["dir. 2020:5"][0] == "failed" and "malformed JSON" in status["dir. 2020:5"][1]
    assert status["SOU 2020:99"][0] == "failed" and "has no SOU 2020:99" in status["SOU 2020:99"][1]
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["manifest.json", "sou-2020-19.pdf"]
