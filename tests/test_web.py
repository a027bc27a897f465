"""The web page over HTTP (FastAPI's TestClient, and a real `policykb serve` for what uvicorn
itself must let through): every view, its shareable URL, htmx fragments, downloads, uploads,
escaping of hostile documents and queries, and bad input answered with a page and the right status."""

from __future__ import annotations

import hashlib
import html
import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from helpers.hostile import DOC_ID as HOSTILE_DOC
from helpers.index_copy import copy_index
from helpers.served import served

from policykb.api import create_app
from policykb.api.web.common import STATIC_DIR, HTMX_FILE

KEY = "webbnyckel-for-test"
HOME_CARE = "004_2be6a2c697e985af.txt"
PROPOSAL_DOC = "003_98179518a3d1e638.txt"
QUERY = "rehabilitering i hemmet"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


@pytest.fixture(scope="module")
def web(corpus_index: Path):
    with TestClient(create_app(corpus_index, api_key="")) as client:
        yield client


@pytest.fixture(scope="module")
def hostile_web(hostile_index: Path):
    with TestClient(create_app(hostile_index, api_key="")) as client:
        yield client


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Markdown document with a table, a footnote-free reference and a proposal: the pieces the
    bundled corpus (text dumps) has no example of."""
    from policykb.ingest import ingest

    root = tmp_path_factory.mktemp("web-small")
    src = root / "src"
    src.mkdir()
    (src / "tabell.md").write_text(
        "# Vårdens ansvar i tabellform\n\n"
        "Kommunen ska erbjuda hemsjukvård enligt 12 kap. 1 § HSL.\n\n"
        "| Huvudman | Ansvar |\n|---|---|\n| Region | Läkarinsatser <b>i hemmet</b> |\n| Kommun | Hemsjukvård |\n\n"
        "## Förslag\n\nUtredningen föreslår att regionen ska ansvara för rehabilitering i hemmet.\n",
        encoding="utf-8",
    )
    report = ingest([src], root / "index")
    assert not report.failed and report.added
    return root / "index"


@pytest.fixture(scope="module")
def small_web(small_index: Path):
    with TestClient(create_app(small_index, api_key="")) as client:
        yield client


def total(page: str) -> int:
    found = re.search(r'data-total="(\d+)"', page)
    assert found, page[:2000]
    return int(found.group(1))


def assert_page(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    body = response.text
    assert body.startswith("<!doctype html>") and '<html lang="sv">' in body
    assert "Traceback" not in body and "File \"" not in body
    for word in words:
        assert word in body, (word, body[:3000])
    return body


# -- search ---------------------------------------------------------------------------------------


def test_start_page_lists_the_documents_and_every_view(web: TestClient) -> None:
    body = assert_page(web.get("/"), 200, "Hälso- och sjukvård i hemmet – kunskapsstöd", f'href="/dokument/{HOME_CARE}"')
    for path in ("/lagrum", "/krav", "/remiss", "/uppladdning"):
        assert f'href="{path}"' in body
    assert '<label for="q">' in body and 'role="search"' in body


def test_search_shows_hits_with_title_page_heading_best_sentence_and_marked_snippet(web: TestClient) -> None:
    body = assert_page(web.get("/", params={"q": QUERY}), 200)
    assert total(body) > 10
    hits = re.findall(r'<li class="hit">(.*?)</li>\s*(?=<li class="hit">|</ol>)', body, re.S)
    assert len(hits) == 10
    first = hits[0]
    link = re.search(r'href="(/dokument/[^"?]+\?stycke=(\d+)#stycke-(\d+))"', first)
    assert link and link.group(2) == link.group(3)
    assert re.search(r"<mark>[Rr]ehabilitering</mark>", first)
    assert re.search(r"(s\.|sida) \d+", first)  # the printed or positional page of a paged document
    assert '<p class="path">' in first
    assert sum('<p class="best">' in h for h in hits) >= 5
    assert 'href="/?like=' in first
    # the query is in the box, so the URL is the whole state
    assert f'value="{QUERY}"' in body


def test_facets_narrow_the_hits_to_the_count_they_show(web: TestClient) -> None:
    body = web.get("/", params={"q": QUERY}).text
    before = total(body)
    for facet in ("doc", "kind", "cites"):
        links = re.findall(rf'<a href="([^"]+)" data-facet="{facet}" data-count="(\d+)">', body)
        assert links, facet
        url, count = html.unescape(links[-1][0]), int(links[-1][1])
        narrowed = web.get(url)
        after = total(assert_page(narrowed, 200, "ta bort"))
        assert after == count < before, (facet, url)
        # the narrowed list's own facets only count what it holds
        inner = [int(n) for n in re.findall(r'data-count="(\d+)"', narrowed.text)]
        assert all(n <= after for n in inner)


def test_a_year_facet_and_paging_are_url_parameters(web: TestClient) -> None:
    body = web.get("/", params={"q": QUERY}).text
    year = re.search(r'<a href="([^"]+)" data-facet="year" data-count="(\d+)">(\d{4})</a>', body)
    assert year
    query = parse_qs(urlparse(html.unescape(year.group(1))).query)
    assert query["year_from"] == query["year_to"] == [year.group(3)]
    second = assert_page(web.get("/", params={"q": QUERY, "sida": 2}), 200, 'aria-current="page">2<')
    assert '<ol class="hitlist" start="11">' in second
    first_ids = re.findall(r"stycke=(\d+)#", body)
    second_ids = re.findall(r"stycke=(\d+)#", second)
    assert first_ids[:10] != second_ids[:10]


def test_htmx_gets_only_the_results_and_the_same_url_gives_the_whole_page(web: TestClient) -> None:
    fragment = web.get("/", params={"q": QUERY}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="results"') and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    whole = web.get("/", params={"q": QUERY})
    assert "<html" in whole.text and 'id="results"' in whole.text
    error = web.get("/", params={"q": " "}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert error.status_code == 400 and error.text.lstrip().startswith('<div id="results"') and "sökrutan är tom" in error.text


def test_the_reading_views_search_box_searches_only_that_document(web: TestClient) -> None:
    page = web.get(f"/dokument/{PROPOSAL_DOC}").text
    assert f'name="inom" value="{PROPOSAL_DOC}"' in page
    body = assert_page(web.get("/", params={"q": "hjälpmedel", "inom": PROPOSAL_DOC}), 200, "Söker bara i", "sök i alla dokument")
    docs = set(re.findall(r'<h2><a href="/dokument/([^"?]+)\?stycke=', body))
    assert docs == {PROPOSAL_DOC}
    assert f'name="inom" value="{PROPOSAL_DOC}"' in body  # the next query stays in the document
    assert_page(web.get("/", params={"q": "hjälpmedel", "inom": "finns-inte.txt"}), 400, "no such document")


def test_more_like_this_lists_passages_of_other_documents(web: TestClient) -> None:
    body = web.get("/", params={"q": QUERY}).text
    like = re.search(r'href="/\?like=(\d+)"', body).group(1)
    page = assert_page(web.get("/", params={"like": like}), 200, "stycken liknar")
    assert total(page) > 0
    source_doc = re.search(rf'href="/dokument/([^"?]+)\?stycke={like}#', body).group(1)
    hits = re.findall(r'<h2><a href="/dokument/([^"?]+)\?stycke=', page)
    assert hits and source_doc not in hits


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"q": ""}, 400, "sökrutan är tom"),
        ({"q": "   "}, 400, "sökrutan är tom"),
        ({"q": "a" * 20_000}, 400, "högst 1\u00a0000 tecken"),
        ({"q": QUERY, "mode": "<b>fel</b>"}, 400, "okänt sökläge"),
        ({"q": QUERY, "kind": "<script>alert(1)</script>"}, 400, "no document in the index has it"),
        ({"q": QUERY, "publisher": "Ingen alls"}, 400, "no document in the index has it"),
        ({"q": QUERY, "doc": "finns-inte.txt"}, 400, "no document in the index has it"),
        ({"q": QUERY, "year_from": "tjugo"}, 400, "heltal"),
        ({"q": QUERY, "year_from": "3000"}, 400, "give a year"),
        ({"q": QUERY, "year_from": "2024", "year_to": "2020"}, 400, "is after"),
        ({"q": QUERY, "cites": "ingen hänvisning"}, 400, "not a reference"),
        ({"q": QUERY, "sida": "0"}, 400, "utanför"),
        ({"like": "abc"}, 400, "heltal"),
        ({"like": "99999999999"}, 404, "inget stycke"),
    ],
)
def test_bad_search_input_is_a_page_with_the_right_status(web: TestClient, params: dict, status: int, words: str) -> None:
    body = assert_page(web.get("/", params=params), status, words)
    assert "<script>alert(1)</script>" not in body and "<b>fel</b>" not in body
    assert 'role="alert"' in body and 'role="search"' in body  # the message, and a way on


def test_html_and_script_in_a_query_are_shown_as_text(web: TestClient) -> None:
    query = '<script>alert("x")</script> rehabilitering <img src=x onerror=alert(1)>'
    body = assert_page(web.get("/", params={"q": query}), 200)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body


def test_a_20000_character_query_reaches_the_page_through_uvicorn(corpus_index: Path) -> None:
    import socket
    from urllib.parse import quote, urlsplit

    with served(corpus_index) as base:
        # 20,000 letters; "ö" percent-encodes to 6 bytes each, 60 kB of URL
        for query in ("a" * 20_000, "ö" * 10_000):
            response = httpx.get(f"{base}/", params={"q": query}, timeout=60)
            assert_page(response, 400, "tecken")
        # The same request head arriving in several reads, as a busy machine delivers it: the server
        # must wait for the rest of the head, not reset the connection (h11's default limit, 16 KiB
        # of incomplete head, did that at random).
        where = urlsplit(base)
        head = (f"GET /?q={quote('ö' * 10_000)} HTTP/1.1\r\nHost: {where.netloc}\r\n"
                "Connection: close\r\n\r\n").encode()
        with socket.create_connection((where.hostname, where.port), timeout=60) as sock:
            for start in range(0, len(head), 8192):
                sock.sendall(head[start : start + 8192])
                time.sleep(0.02)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400") and "tecken".encode() in answer


# -- reading --------------------------------------------------------------------------------------


def test_a_hit_opens_its_document_at_the_marked_passage(web: TestClient) -> None:
    body = web.get("/", params={"q": QUERY}).text
    doc, passage = re.search(r'href="/dokument/([^"?]+)\?stycke=(\d+)#', body).groups()
    page = assert_page(web.get(f"/dokument/{doc}", params={"stycke": passage}), 200, "Sökträffen")
    anchor = page.index(f'id="stycke-{passage}"')
    marked = page.index("passage-hit")
    assert anchor < marked < anchor + 400
    assert page.count('id="stycke-') > 5  # every passage has its anchor
    assert '<details class="outline">' in page  # the outline, closed when opening at a hit


def test_reading_view_has_metadata_outline_pages_and_footnotes_beside_markers(web: TestClient) -> None:
    page = assert_page(web.get(f"/dokument/{HOME_CARE}"), 200, "Hälso- och sjukvård i hemmet – kunskapsstöd",
                       "Socialstyrelsen", "Innehåll (", 'class="pagelabel">Sida 1')
    markers = re.findall(r'<sup class="fn"><a href="#(fn-\d+-\d+)"', page)
    assert markers
    for target in markers:
        assert f'id="{target}"' in page, target
    assert '<aside class="notes"' in page
    # a window of pages, and links to the others
    assert 'href="/dokument/004_2be6a2c697e985af.txt?sida=21"' in page
    later = assert_page(web.get(f"/dokument/{HOME_CARE}", params={"sida": 45}), 200, 'id="sida-45"')
    assert 'id="sida-1"' not in later


def test_every_reference_links_to_its_xref_view_and_to_lagen_nu(web: TestClient) -> None:
    page = web.get(f"/dokument/{HOME_CARE}", params={"sida": 1}).text
    refs = re.findall(r'<a class="ref" href="(/lagrum\?ref=[^"]+)"[^>]*>(.*?)</a><a class="ext" href="(https://lagen\.nu/[^"]+)"', page)
    assert len(refs) >= 5
    xref = web.get(html.unescape(refs[0][0]))
    assert_page(xref, 200, "Vem hänvisar till", HOME_CARE)


def test_tables_are_tables_and_document_text_is_escaped(small_web: TestClient) -> None:
    page = assert_page(small_web.get("/dokument/tabell.md"), 200)
    assert '<th scope="col">Huvudman</th>' in page and "<td>Region</td>" in page
    assert "Läkarinsatser &lt;b&gt;i hemmet&lt;/b&gt;" in page and "<b>i hemmet</b>" not in page
    assert 'class="ref" href="/lagrum?ref=SFS+2017%3A30+12+kap.+1+%C2%A7"' in page


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/dokument/finns-inte.txt", {}, 404, "finns-inte.txt"),
        ("/dokument/<script>alert(1)<\\script>", {}, 404, "&lt;script&gt;"),
        (f"/dokument/{HOME_CARE}", {"stycke": "abc"}, 400, "positivt heltal"),
        (f"/dokument/{HOME_CARE}", {"stycke": "-3"}, 400, "positivt heltal"),
        (f"/dokument/{HOME_CARE}", {"stycke": str(2**70)}, 404, "no passage"),
        (f"/dokument/{HOME_CARE}", {"sida": "5000"}, 400, "finns inte"),
    ],
)
def test_bad_reading_requests(web: TestClient, path: str, params: dict, status: int, words: str) -> None:
    body = assert_page(web.get(path, params=params), status, words)
    assert "<script>alert(1)" not in body


def test_a_passage_of_another_document_is_404(web: TestClient) -> None:
    body = web.get("/", params={"q": QUERY, "doc": PROPOSAL_DOC}).text
    other = re.search(r"stycke=(\d+)#", body).group(1)
    assert_page(web.get(f"/dokument/{HOME_CARE}", params={"stycke": other}), 404, "belongs to document", PROPOSAL_DOC)


# -- law ------------------------------------------------------------------------------------------


def test_xref_of_a_document_reference(web: TestClient) -> None:
    page = assert_page(web.get("/lagrum", params={"ref": "SOU 2016:2"}), 200, "Vem hänvisar till SOU 2016:2")
    assert total(page) >= 1 and "Alla paragrafer i" not in page


def test_xref_view_groups_citing_passages_by_document(web: TestClient) -> None:
    page = assert_page(web.get("/lagrum", params={"ref": "12 kap. 1 § HSL"}), 200, "SFS 2017:30 12 kap. 1 §",
                       "https://lagen.nu/2017:30#K12P1")
    assert total(page) >= 1
    assert re.search(r'<section class="xrefdoc">\s*<h2><a href="/dokument/', page)
    assert re.search(r'href="/dokument/[^"]+\?stycke=\d+#stycke-\d+"', page)
    assert 'href="/lag?act=SFS+2017%3A30"' in page


def test_law_view_lists_provisions_most_cited_first(web: TestClient) -> None:
    page = assert_page(web.get("/lag", params={"act": "HSL"}), 200, "Hälso- och sjukvårdslag (2017:30)")
    counts = [int(n) for n in re.findall(r'<tr><td><a href="/lagrum\?ref=[^"]+">[^<]+</a></td><td>(\d+)</td>', page)]
    assert len(counts) >= 3 and counts == sorted(counts, reverse=True)
    start = assert_page(web.get("/lagrum"), 200, "Mest citerade lagar")
    assert 'href="/lag?act=SFS+2017%3A30"' in start


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/lagrum", {"ref": ""}, 400, "tom"),
        ("/lagrum", {"ref": "<script>x</script>"}, 400, "&lt;script&gt;"),
        ("/lagrum", {"ref": "x" * 300}, 400, "högst 200"),
        ("/lag", {"act": "prop. 2019/20:164"}, 400, "not an act"),
        ("/lag", {"act": "SFS 1800:1"}, 404, "not in the lawbook"),
    ],
)
def test_bad_law_requests(web: TestClient, path: str, params: dict, status: int, words: str) -> None:
    body = assert_page(web.get(path, params=params), status, words)
    assert "<script>x" not in body


# -- trace ----------------------------------------------------------------------------------------


def test_trace_table_filters_and_downloads_the_same_rows(web: TestClient, corpus_index: Path) -> None:
    from policykb.query.trace import to_csv, to_markdown, trace
    from policykb.store import Store

    filters = {"actor": "region", "modality": "obligation"}
    page = assert_page(web.get("/krav", params=filters), 200, "Ladda ner CSV")
    with Store.open(corpus_index, create=False, readonly=True) as store:
        rows = trace(store, actor="region", modality="obligation")
    assert total(page) == len(rows) > 0
    assert 'option value="region" selected' in page
    csv_link = html.unescape(re.search(r'href="(/krav\.csv\?[^"]+)"', page).group(1))
    download = web.get(csv_link)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text == to_csv(rows)
    md = web.get(html.unescape(re.search(r'href="(/krav\.md\?[^"]+)"', page).group(1)))
    assert md.text == to_markdown(rows)
    everything = total(web.get("/krav").text)
    assert everything > len(rows)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"actor": "<i>ingen</i>"}, 400, "unknown actor"),
        ({"modality": "kanske"}, 400, "unknown modality"),
        ({"doc": "finns-inte.txt"}, 404, "finns-inte.txt"),
        ({"source": "inget lagrum"}, 400, "not a reference"),
        ({"sida": "99"}, 400, "finns inte"),
    ],
)
def test_bad_trace_filters(web: TestClient, params: dict, status: int, words: str) -> None:
    body = assert_page(web.get("/krav", params=params), status, words)
    assert "<i>ingen</i>" not in body


# -- remissvar ------------------------------------------------------------------------------------


def wait_for_consultation(client: TestClient, doc_id: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/remiss/{doc_id}")
        assert response.status_code == 200, response.text[:1000]
        if "Underlaget tas fram" not in response.text:
            return response.text
        assert response.headers.get("refresh") is None or response.headers["refresh"] == "3"
        time.sleep(0.5)
    raise AssertionError(f"the consultation of {doc_id} was not ready in {timeout} s")


def test_remiss_page_shows_proposals_and_the_draft_downloads_with_the_typed_answers(small_web: TestClient) -> None:
    import docx

    assert_page(small_web.get("/remiss"), 200, 'href="/remiss/tabell.md"')
    first = small_web.get("/remiss/tabell.md")
    assert first.status_code == 200
    page = wait_for_consultation(small_web, "tabell.md")
    ids = re.findall(r'name="position-([^"]+)"', page)
    assert ids, page[:3000]
    assert "regionen ska ansvara för rehabilitering" in page
    form = {f"position-{ids[0]}": "avstyrker", f"motivering-{ids[0]}": "Kostnaden <b>är</b> inte utredd.",
            "remissinstans": "Vårdförbundet"}
    md = small_web.post("/remiss/tabell.md/utkast", data={**form, "format": "md"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert "avstyrker" in md.text and "Kostnaden" in md.text and "Vårdförbundet" in md.text
    assert "<b>" not in md.text
    word = small_web.post("/remiss/tabell.md/utkast", data={**form, "format": "docx"})
    assert word.status_code == 200 and "wordprocessingml" in word.headers["content-type"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Kostnaden <b>är</b> inte utredd." in text and "Vårdförbundet" in text
    bad = small_web.post("/remiss/tabell.md/utkast", data={f"position-{ids[0]}": "kanske", "format": "md"})
    assert_page(bad, 400, "inget av")
    bad_format = small_web.post("/remiss/tabell.md/utkast", data={"format": "pdf"})
    assert_page(bad_format, 400, "okänt format")


def test_a_draft_before_its_consultation_is_ready_is_409(web: TestClient) -> None:
    assert_page(web.post(f"/remiss/{HOME_CARE}/utkast", data={"format": "md"}), 409, "inte klart")
    assert_page(web.get("/remiss/finns-inte.txt"), 404, "finns-inte.txt")


# -- upload and jobs -------------------------------------------------------------------------------


def test_upload_without_the_key_is_refused_on_the_page(corpus_index: Path, tmp_path: Path) -> None:
    index = copy_index(corpus_index, tmp_path / "index")
    files = {"file": ("remiss.txt", "Kommunen ska erbjuda hemsjukvård.\n".encode(), "text/plain")}
    with TestClient(create_app(index, api_key=KEY)) as client:
        wrong = client.post("/uppladdning", data={"key": "fel", "title": "Min <b>titel</b>"}, files=files)
        body = assert_page(wrong, 401, "Fel eller saknad API-nyckel", 'value="Min &lt;b&gt;titel&lt;/b&gt;"')
        assert 'id="upload-error"' in body
        assert_page(client.post("/uppladdning", data={"key": ""}, files=files), 401, "Inget laddades upp")
        assert_page(client.post("/uppladdning", data={"key": KEY}), 400, "Välj minst en fil")
        assert not (index / "uploads").exists() or not any((index / "uploads").iterdir())
    with TestClient(create_app(index, api_key="")) as client:
        assert_page(client.post("/uppladdning", data={"key": KEY}, files=files), 403, "avstängd")
        assert_page(client.get("/uppladdning"), 200, "Uppladdning är avstängd")


def test_upload_with_the_key_shows_the_job_until_the_document_is_in(corpus_index: Path, tmp_path: Path) -> None:
    index = copy_index(corpus_index, tmp_path / "index")
    files = [("file", ("glesbygd.txt", "Vägledning om glesbygd\n\nKommunen ska erbjuda hemrehabilitering i glesbygd.\n".encode(), "text/plain")),
             ("file", ("trasig.txt", b"\x00\x01\x02 binary", "text/plain"))]
    with TestClient(create_app(index, api_key=KEY)) as client:
        response = client.post("/uppladdning", data={"key": KEY, "title": "Glesbygd <i>test</i>"}, files=files,
                               follow_redirects=False)
        assert response.status_code in (303, 415, 400), response.text[:500]
        if response.status_code != 303:  # the binary file is refused before anything is stored
            assert_page(response, response.status_code, "trasig.txt")
            response = client.post("/uppladdning", data={"key": KEY, "title": "Glesbygd <i>test</i>"},
                                   files=files[:1], follow_redirects=False)
        assert response.status_code == 303
        job_url = response.headers["location"]
        assert re.fullmatch(r"/jobb/[0-9a-f]{16}", job_url)
        deadline = time.monotonic() + 300
        while True:
            page = client.get(job_url)
            assert_page(page, 200, "Status:")
            if 'data-status="done"' in page.text or 'data-status="failed"' in page.text:
                break
            assert page.headers["refresh"] == "2"
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert 'data-status="done"' in page.text and "glesbygd.txt" in page.text and "inläst" in page.text
        doc_link = re.search(r'href="(/dokument/[^"]+)"', page.text.split("<table>")[1]).group(1)
        assert_page(client.get(doc_link), 200, "Glesbygd &lt;i&gt;test&lt;/i&gt;")
        assert_page(client.get("/jobb/ffffffffffffffff"), 404, "inget uppladdningsjobb")
        assert_page(client.get("/jobb/inte-ett-id!"), 400, "bokstäver och siffror")


def test_an_unknown_path_is_a_page_for_a_browser_and_json_for_an_api_client(web: TestClient) -> None:
    assert_page(web.get("/finns/inte", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}), 404, "/finns/inte")
    api = web.get("/finns/inte")
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


# -- hostile documents, static files, no outside requests -----------------------------------------------


def test_a_hostile_document_is_shown_as_text_in_every_view(hostile_web: TestClient) -> None:
    from urllib.parse import quote

    pages = [
        hostile_web.get("/"),
        hostile_web.get("/", params={"q": "kommunen hemsjukvård"}),
        hostile_web.get(f"/dokument/{quote(HOSTILE_DOC, safe='')}"),
        hostile_web.get("/lagrum", params={"ref": "12 kap. 1 § HSL"}),
        hostile_web.get("/krav"),
        hostile_web.get("/remiss"),
    ]
    for response in pages:
        body = assert_page(response, 200)
        assert "<script>alert" not in body and "<b>x</b>" not in body and "<i>id.md" not in body
        assert 'href="javascript:' not in body
    assert html.escape("<script>alert(1)</script> [x](javascript:alert(1))", quote=False) in pages[2].text


def test_htmx_is_the_pinned_file_and_every_page_loads_only_its_own_files(web: TestClient) -> None:
    served_js = web.get(f"/static/{HTMX_FILE}")
    assert served_js.status_code == 200
    assert hashlib.sha256(served_js.content).hexdigest() == HTMX_SHA256
    assert hashlib.sha256((STATIC_DIR / HTMX_FILE).read_bytes()).hexdigest() == HTMX_SHA256
    assert HTMX_SHA256 in (STATIC_DIR / "README.md").read_text(encoding="utf-8")
    assert web.get("/static/style.css").status_code == 200
    for path in ("/", f"/?q={QUERY}", f"/dokument/{HOME_CARE}", "/lagrum", "/lag?act=HSL", "/krav", "/remiss", "/uppladdning"):
        body = web.get(path).text
        loaded = re.findall(r'<(?:script|img|iframe)[^>]*\ssrc="([^"]*)"', body) + re.findall(r'<link[^>]*\shref="([^"]*)"', body)
        assert loaded and all(src.startswith("/static/") for src in loaded), (path, loaded)
        assert "@import" not in body and "url(http" not in body


def test_the_json_api_is_unchanged_beside_the_pages(web: TestClient) -> None:
    response = web.get("/search", params={"q": QUERY, "k": 3})
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["hits"]) == 3
    assert web.get("/xref", params={"ref": ""}).headers["content-type"] == "application/json"
    assert "/" not in web.get("/openapi.json").json()["paths"]


def test_a_server_without_an_index_says_so_and_still_offers_the_upload(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "tomt", api_key=KEY)) as client:
        start = client.get("/")
        assert start.status_code == 503 and "policykb ingest" in start.text and "Traceback" not in start.text
        assert_page(client.get("/uppladdning"), 200, "Ladda upp dokument")
        assert client.get("/", params={"q": QUERY}).status_code == 503
