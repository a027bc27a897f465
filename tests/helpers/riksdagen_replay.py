"""Riksdagen's open data replayed: the recorded and constructed answers of tests/fixtures/riksdagen
behind a local server, with real PDFs built for the documents they list."""

from __future__ import annotations

from pathlib import Path

from helpers.replay_server import Answer, ReplayServer, write_pdf

# dok_id → (file id in its `fil_url`, the lines of its pages)
PDFS: dict[str, tuple[str, list[list[str]]]] = {
    "H8B319": ("5B0E2E6A-0C1F-4D9E-9F7A-2D0B6C1E3A19", [
        ["Statens offentliga utredningar", "SOU 2020:19", "God och nära vård", "En reform för ett hållbart",
         "hälso- och sjukvårdssystem", "Stockholm 2020"],
        ["Sammanfattning", "Utredningen föreslår att primärvården ska vara grunden i hälso- och sjukvården.",
         "Regionen ska organisera vården så att den kan ges nära befolkningen.",
         "En fast läkarkontakt ska erbjudas alla som vill ha en, enligt 16 kap. 4 § HSL.",
         "Omställningen till en god och nära vård tar tid och kräver samverkan mellan region och kommun."],
    ]),
    "H703164": ("8C41B7D2-44A5-4E0E-A1B6-7F0C9A2D5E64", [
        ["Regeringens proposition 2019/20:164", "Steg på vägen mot en mer nära vård",
         "Regeringen överlämnar denna proposition till riksdagen."],
        ["Propositionens huvudsakliga innehåll", "I propositionen föreslås att primärvårdens uppdrag",
         "ska regleras i hälso- och sjukvårdslagen. Primärvården ska vara grunden för hälso- och sjukvården.",
         "Lagändringarna föreslås träda i kraft den 1 juli 2021."],
    ]),
    "HBB323": ("D5230023-0000-4000-8000-000000000023", [
        ["Ds 2023:23", "Tillgänglig vård i hemmet", "Socialdepartementet"],
        ["Promemorians huvudsakliga innehåll", "Kommunerna ansvarar för hälso- och sjukvård i ordinärt boende",
         "när ett sådant ansvar har överlåtits. Hemsjukvården behöver bli mer tillgänglig."],
    ]),
    "H8B15": ("D1200005-0000-4000-8000-000000000005", [
        ["Kommittédirektiv", "Dir. 2020:5", "Samordnad utveckling för god och nära vård",
         "Beslut vid regeringssammanträde den 30 januari 2020"],
        ["Sammanfattning", "En särskild utredare ska stödja omställningen till en god och nära vård."],
    ]),
    "H701SoU8": ("B0B0B0B0-SOU8-4000-8000-000000000008", [
        ["Socialutskottets betänkande 2019/20:SoU8", "En mer nära vård"],
        ["Sammanfattning", "Utskottet föreslår att riksdagen antar regeringens lagförslag i prop. 2019/20:164."],
    ]),
    "H7B327": ("50190029-0000-4000-8000-000000000029", [
        ["Statens offentliga utredningar", "SOU 2019:29", "God och nära vård", "Vård i samverkan"],
        ["Sammanfattning", "Samverkan mellan region och kommun kring den enskilde ska stärkas."],
    ]),
    "H6B312": ("50180039-0000-4000-8000-000000000039", [
        ["Statens offentliga utredningar", "SOU 2018:39", "God och nära vård", "En primärvårdsreform"],
        ["Sammanfattning", "Primärvårdens uppdrag ska tydliggöras i lag."],
    ]),
}

IDENTIFIER_ROUTES = [
    # (listing params, listing fixture, dok_id)
    ({"doktyp": "sou", "rm": "2020", "bet": "19"}, "dokumentlista-sou-2020-19.json", "H8B319"),
    ({"doktyp": "prop", "rm": "2019/20", "bet": "164"}, "dokumentlista-prop-2019-20-164.json", "H703164"),
    ({"doktyp": "ds", "rm": "2023", "bet": "23"}, "dokumentlista-ds-2023-23.json", "HBB323"),
    ({"doktyp": "dir", "sok": "dir. 2020:5"}, "dokumentlista-dir-2020-5-fritext.json", "H8B15"),
    ({"doktyp": "bet", "rm": "2019/20", "bet": "SoU8"}, "dokumentlista-bet-2019-20-sou8.json", "H701SoU8"),
    ({"doktyp": "sfs", "rm": "2017", "bet": "2017:30"}, "dokumentlista-sfs-2017-30.json", "sfs-2017-30"),
]


def riksdagen_server(folder: Path) -> ReplayServer:
    """A replay server answering for SOU 2020:19, prop. 2019/20:164, Ds 2023:23, dir. 2020:5,
    bet. 2019/20:SoU8, SFS 2017:30 and the "nära vård" search (PDFs built into `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    server = ReplayServer()
    # Anything not listed below: an empty listing (what the service answers for an unknown number).
    server.add("/dokumentlista/", Answer.file("dokumentlista-empty.json"))
    for params, listing, dok_id in IDENTIFIER_ROUTES:
        server.add("/dokumentlista/", Answer.file(listing), **params)
        server.add(f"/dokumentstatus/{dok_id}.json", Answer.file(f"dokumentstatus-{dok_id}.json"))
    for dok_id in ("H7B327", "H6B312"):
        server.add(f"/dokumentstatus/{dok_id}.json", Answer.file(f"dokumentstatus-{dok_id}.json"))
    for dok_id, (file_id, pages) in PDFS.items():
        body = write_pdf(folder / f"{dok_id}.pdf", pages)
        server.add(f"/fil/{file_id}", Answer(body=body, content_type="application/pdf"))
    server.add("/dokument/sfs-2017-30.html", Answer.file("sfs-2017-30.html"))
    search = {"sok": "nära vård", "doktyp": "sou"}
    server.add("/dokumentlista/", Answer.file("dokumentlista-sok-nara-vard-page1.json"), **search)
    server.add("/dokumentlista/", Answer.file("dokumentlista-sok-nara-vard-page2.json"), **search, p="2")
    # The service offers a page past the last one, repeating it: the client must stop there.
    server.add("/dokumentlista/", Answer.file("dokumentlista-sok-nara-vard-page2.json"), **search, p="3")
    return server
