"""The web page in a real browser: Debian's chromium, headless, driven by Playwright for Python,
against a real `policykb serve` over a copy of the bundled corpus's index.

Screenshots of each view (laptop and phone widths) go to tests/artifacts/ (not committed).
Skipped, with the reason, where /usr/bin/chromium or the playwright package is missing
(`apt-get install -y chromium chromium-driver fonts-dejavu-core`; `pip install -e ".[test]"`;
never `playwright install`: its own browser download is not used)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from helpers.index_copy import copy_index
from helpers.paths import REPO
from helpers.served import served

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
KEY = "webbläsarnyckel"
QUERY = "rehabilitering i hemmet"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# A small remiss to upload: its proposals make a quick consultation.
REMISS_TEXT = """Remiss: Rehabilitering i hemmet i glesbygd

## Förslag

Utredningen föreslår att regionen ska ansvara för rehabilitering i hemmet enligt 12 kap. 1 § HSL.

Utredningen föreslår att kommunen ska erbjuda hjälpmedel i hemmet.
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install -y chromium chromium-driver fonts-dejavu-core"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def site(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory):
    index = copy_index(corpus_index, tmp_path_factory.mktemp("web-browser") / "index")
    with served(index, api_key=KEY) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, base_url=site)
    blocked: list[str] = []
    # Nothing may be fetched from anywhere but the server itself.
    context.route(re.compile(r"^(?!" + re.escape(site) + r").*"), lambda route: (blocked.append(route.request.url), route.abort()))
    page = context.new_page()
    yield page
    context.close()
    assert blocked == [], f"the page tried to load outside resources: {blocked}"


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def count(page) -> int:
    return int(page.locator("[data-total]").first.get_attribute("data-total"))


def test_a_typed_query_shows_hits_and_facets_narrow_them(page) -> None:
    page.goto("/")
    page.get_by_label("Sök i dokumenten").fill(QUERY)
    page.get_by_label("Sök i dokumenten").press("Enter")
    page.wait_for_selector("li.hit")
    assert "q=rehabilitering" in page.url  # htmx pushed the shareable URL
    before = count(page)
    assert before > 10 and page.locator("li.hit mark").count() > 5
    shoot(page, "search-laptop")
    facet = page.locator('a[data-facet="doc"]').last
    expected = int(facet.get_attribute("data-count"))
    facet.click()
    page.wait_for_function(f"document.querySelector('[data-total]').dataset.total == '{expected}'")
    assert count(page) == expected < before
    assert "doc=" in page.url
    assert page.locator("li.hit").count() == min(expected, 10)
    shoot(page, "search-facet")
    page.go_back()
    page.wait_for_function(f"document.querySelector('[data-total]').dataset.total == '{before}'")


def test_a_hit_opens_the_document_at_the_marked_passage_and_a_reference_leads_to_its_xref(page) -> None:
    page.goto(f"/?q={QUERY}")
    first = page.locator("li.hit h2 a").first
    passage = re.search(r"stycke=(\d+)", first.get_attribute("href")).group(1)
    first.click()
    page.wait_for_url(re.compile(rf"/dokument/.*stycke={passage}"))
    marked = page.locator(".passage-hit").first
    marked.wait_for()
    box = marked.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box  # scrolled to the passage
    assert page.locator(".hitlabel").is_visible()
    shoot(page, "document-at-hit")
    page.goto("/dokument/004_2be6a2c697e985af.txt")
    ref = page.locator("a.ref").first
    canonical = ref.get_attribute("title")
    ref.click()
    page.wait_for_url(re.compile(r"/lagrum\?ref="))
    assert page.locator("h1").inner_text().startswith("Vem hänvisar till")
    assert count(page) >= 1
    assert canonical.removeprefix("Vem mer hänvisar till ").rstrip("?") in page.locator("main").inner_text()
    shoot(page, "xref")
    page.goto("/lagrum?ref=12 kap. 1 § HSL")
    page.get_by_role("link", name=re.compile("Alla paragrafer i")).first.click()
    page.wait_for_url(re.compile(r"/lag\?act="))
    assert page.locator("table tbody tr").count() >= 1
    shoot(page, "law")


def test_the_trace_table_downloads_as_csv(page, tmp_path: Path) -> None:
    page.goto("/krav")
    page.get_by_label("Aktör").select_option("region")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(re.compile(r"actor=region"))
    shown = count(page)
    shoot(page, "trace")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("CSV")).click()
    path = tmp_path / "krav.csv"
    info.value.save_as(path)
    assert info.value.suggested_filename == "krav.csv"
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "doc_id" and len(rows) - 1 == shown > 0
    assert {row[0] for row in rows[1:]} <= {d for d in re.findall(r'<option value="([^"]+)"', page.content())}


def test_upload_without_the_key_is_refused_on_the_page(page, tmp_path: Path) -> None:
    upload = tmp_path / "remiss.txt"
    upload.write_text(REMISS_TEXT, encoding="utf-8")
    page.goto("/uppladdning")
    page.get_by_label("Filer").set_input_files(str(upload))
    page.get_by_label("API-nyckel").fill("fel nyckel")
    with page.expect_response(lambda r: r.url.endswith("/uppladdning") and r.request.method == "POST") as response:
        page.get_by_role("button", name="Ladda upp").click()
    assert response.value.status == 401
    assert "Fel eller saknad API-nyckel" in page.locator("#upload-error").inner_text()
    shoot(page, "upload-refused")


def test_an_uploaded_remiss_gets_a_draft_with_the_typed_answers(page, tmp_path: Path) -> None:
    import docx

    upload = tmp_path / "remiss-glesbygd.txt"
    upload.write_text(REMISS_TEXT, encoding="utf-8")
    page.goto("/uppladdning")
    page.get_by_label("Filer").set_input_files(str(upload))
    page.get_by_label("API-nyckel").fill(KEY)
    page.get_by_label("Titel").fill("Remiss om glesbygd")
    page.get_by_role("button", name="Ladda upp").click()
    page.wait_for_url(re.compile(r"/jobb/[0-9a-f]{16}"))
    page.wait_for_selector('[data-status="done"], [data-status="failed"]', timeout=300_000)
    assert page.locator("#job-status").get_attribute("data-status") == "done"
    shoot(page, "job-done")
    page.get_by_role("link", name="Skriv remissvar").click()
    page.wait_for_selector("section.proposal textarea", timeout=300_000)  # reloads itself until ready
    assert page.locator("section.proposal blockquote").count() >= 2
    page.get_by_label("Remissinstans (er organisation)").fill("Vårdförbundet")
    page.get_by_label("Ställningstagande till förslag 1", exact=True).select_option("tillstyrker med ändringar")
    page.get_by_label("Motivering till förslag 1", exact=True).fill("Glesbygden behöver <b>fler</b> arbetsterapeuter.")
    shoot(page, "remiss")
    with page.expect_download() as info:
        page.get_by_role("button", name="Ladda ner utkastet (Markdown)").click()
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert "tillstyrker med ändringar" in markdown and "Glesbygden behöver" in markdown and "Vårdförbundet" in markdown
    with page.expect_download() as info:
        page.get_by_role("button", name="Ladda ner utkastet (Word)").click()
    assert info.value.suggested_filename.endswith(".docx")
    document = docx.Document(info.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Glesbygden behöver <b>fler</b> arbetsterapeuter." in text and "Vårdförbundet" in text


def test_search_works_with_javascript_off(browser, site) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=site, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_label("Sök i dokumenten").fill(QUERY)
        page.get_by_role("button", name="Sök", exact=True).click()
        page.wait_for_url(re.compile(r"\?q=rehabilitering"))
        before = count(page)
        assert before > 10 and page.locator("li.hit").count() == 10
        facet = page.locator('a[data-facet="kind"]').first
        expected = int(facet.get_attribute("data-count"))
        facet.click()
        page.wait_for_url(re.compile(r"kind="))
        assert count(page) == expected
        shoot(page, "search-no-javascript")
    finally:
        context.close()


def test_phone_width_screenshots(browser, site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=site, is_mobile=True)
    page = context.new_page()
    try:
        for path, name in ((f"/?q={QUERY}", "search-phone"), ("/dokument/004_2be6a2c697e985af.txt?sida=1", "document-phone"),
                           ("/krav", "trace-phone"), ("/lag?act=HSL", "law-phone")):
            page.goto(path)
            # nothing wider than the screen but the tables, which scroll inside their box
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
            shoot(page, name)
    finally:
        context.close()


def test_keyboard_reaches_the_search_box_and_the_hits(page) -> None:
    page.goto(f"/?q={QUERY}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('li.hit') !== null"):
            break
    else:
        raise AssertionError("no hit link is reachable by keyboard")
    shoot(page, "keyboard-focus")
