"""`/`: the search page. The query, mode, facet choices and page are URL parameters, so every
result list is a link; htmx swaps only the results when JavaScript is on.

One search fetches the best `MAX_K` hits; the facets count and narrow that list
(`query.facets` says why), and the page shows them `PER_PAGE` at a time. The hit lists of recent
queries are kept per index snapshot, so paging and facet clicks do not search again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from policykb.errors import InputError, NotFoundError, StoreError
from policykb.query.facets import FACETS, HitFacts, Selection, check_selection, facet_counts, hit_facts
from policykb.query.search import MAX_K, MAX_QUERY_CHARS, MAX_YEAR, MIN_YEAR, MODES

from policykb.api.deps import SettingsDep, SnapshotDep
from policykb.api.web.common import PageRoute, is_fragment_request, marked, render, url_with

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PER_PAGE = 10
SNIPPET_CHARS = 600
CACHE_ENTRIES = 64
FACET_VALUES_SHOWN = 12
FACET_TITLES = {"kind": "Dokumenttyp", "publisher": "Utgivare", "year": "År", "doc": "Dokument", "cites": "Hänvisar till lag"}

OptionalText = Annotated[str | None, Query()]


@dataclass
class ResultList:
    hits: list[Any]
    facts: dict[int, HitFacts]
    warnings: list[str]


class ResultCache:
    """The hit lists of recent searches, keyed by the snapshot they were computed on."""

    def __init__(self, size: int = CACHE_ENTRIES):
        self.size = size
        self._entries: OrderedDict[tuple, ResultList] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> ResultList | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, value: ResultList) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _clean(value: str | None) -> str | None:
    """A form sends empty fields as `kind=`: that is no choice."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _int(value: str | None, what: str, *, low: int | None = None, high: int | None = None) -> int | None:
    value = _clean(value)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{what} ska vara ett heltal, inte {value[:40]!r}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"{what} {number} ligger utanför {low}–{high}")
    return number


def _selection(kind: str | None, publisher: str | None, year_from: str | None, year_to: str | None,
               doc: str | None, cites: str | None) -> Selection:
    from policykb.query.search.plan import parse_reference_canonicals

    cites_text = _clean(cites)
    canonicals: list[str] = []
    if cites_text is not None:
        if len(cites_text) > 200:
            raise InputError("hänvisningen i filtret är längre än 200 tecken")
        canonicals = parse_reference_canonicals(cites_text)
    return Selection(
        kind=_clean(kind), publisher=_clean(publisher), doc=_clean(doc),
        year_from=_int(year_from, "år från"), year_to=_int(year_to, "år till"),
        cites=canonicals, cites_text=cites_text,
    )


@router.get("/", response_class=HTMLResponse, name="web_search")
def search_page(
    request: Request,
    snapshot: SnapshotDep,
    settings: SettingsDep,
    q: OptionalText = None,
    mode: OptionalText = None,
    kind: OptionalText = None,
    publisher: OptionalText = None,
    year_from: OptionalText = None,
    year_to: OptionalText = None,
    doc: OptionalText = None,
    cites: OptionalText = None,
    like: OptionalText = None,
    inom: OptionalText = None,
    sida: OptionalText = None,
) -> HTMLResponse:
    """`inom` (within) searches one document only — the reading view's search box; the facets then
    narrow that document's best hits."""
    fragment = is_fragment_request(request, "results")
    mode = _clean(mode) or "hybrid"
    if mode not in MODES:
        raise InputError(f"okänt sökläge {mode[:40]!r}; välj kombinerad, ord eller betydelse")
    like_id = _int(like, "stycket att hitta liknande till", low=1, high=2**63 - 1)
    if q is None and like_id is None:
        if not snapshot.has_store:
            raise StoreError("indexet är tomt: läs in dokument med `policykb ingest` eller ladda upp dem")
        with snapshot.store(timeout=settings.request_timeout) as store:
            documents = store.list_documents()
        return render(request, "start.html", documents=documents, params={"mode": mode}, q="")
    query = (q or "").strip()
    if like_id is None and not query:
        raise InputError("sökrutan är tom: skriv några ord att söka efter, t.ex. rehabilitering i hemmet")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(
            f"frågan är {len(query):,} tecken lång; högst {MAX_QUERY_CHARS:,} tecken går att söka på".replace(",", "\u00a0")
        )
    page = _int(sida, "sidan", low=1, high=MAX_K) or 1
    selection = _selection(kind, publisher, year_from, year_to, doc, cites)
    scope = _clean(inom)
    searcher = snapshot.searcher
    if searcher is None:
        raise StoreError(snapshot.search_error or "det finns inget att söka i än: läs in eller ladda upp dokument först")
    from policykb.query.search import Filters

    scope_filter = Filters(doc=scope) if scope is not None else None

    with snapshot.store(timeout=settings.request_timeout) as store, searcher.using(store.conn):
        check_selection(store.conn, selection, min_year=MIN_YEAR, max_year=MAX_YEAR)
        cache: ResultCache = request.app.state.web_results
        key = (snapshot.generation, query, mode, like_id, scope)
        results = cache.get(key)
        if results is None:
            warnings: list[str] = []
            if like_id is not None:
                if store.get_passage(like_id) is None:
                    raise NotFoundError(f"det finns inget stycke med id {like_id} i indexet")
                hits = searcher.like(like_id, k=MAX_K, filters=scope_filter, warn=warnings.append)
            else:
                hits = searcher.search(query, k=MAX_K, mode=mode, filters=scope_filter, warn=warnings.append)
            results = ResultList(hits, hit_facts(store.conn, [h.passage_id for h in hits]), warnings)
            cache.put(key, results)
        like_source = store.get_passage(like_id) if like_id is not None else None
        scope_doc = store.require_document(scope).to_dict() if scope is not None else None

    kept = [h for h in results.hits if h.passage_id in results.facts and selection.admits(results.facts[h.passage_id])]
    pages = max(1, -(-len(kept) // PER_PAGE))
    page = min(page, pages)
    shown = kept[(page - 1) * PER_PAGE : page * PER_PAGE]
    params = {
        "q": query if like_id is None else None, "like": like_id, "mode": mode if mode != "hybrid" else None,
        "kind": selection.kind, "publisher": selection.publisher, "year_from": selection.year_from,
        "year_to": selection.year_to, "doc": selection.doc, "cites": selection.cites_text, "inom": scope,
    }
    context = {
        "q": query,
        "mode": mode,
        "like": like_id,
        "like_source": dict(like_source) if like_source is not None else None,
        "scope": scope_doc,
        "unscoped": url_with("/", {**params, "inom": None}),
        "params": params,
        "hits": [_hit_view(h, results.facts[h.passage_id], (page - 1) * PER_PAGE + n) for n, h in enumerate(shown, 1)],
        "total": len(kept),
        "depth": len(results.hits),
        "max_k": MAX_K,
        "page": page,
        "pages": pages,
        "page_links": _page_links(params, page, pages),
        "facets": _facet_views(params, selection, facet_counts([results.facts[h.passage_id] for h in kept])),
        "warnings": results.warnings,
    }
    if fragment:
        return render(request, "_results.html", **context)
    return render(request, "search.html", **context)


def _hit_view(hit: Any, facts: HitFacts, rank: int) -> dict[str, Any]:
    text, spans = _snippet(hit.text, list(hit.highlights))
    best = None
    if hit.best_sentence and hit.best_sentence_span is not None and hit.best_sentence.strip() != hit.text.strip():
        start, end = hit.best_sentence_span
        best = marked(hit.best_sentence, [(s - start, e - start) for s, e in hit.highlights if s >= start and e <= end])
    return {
        "rank": rank,
        "passage_id": hit.passage_id,
        "doc_id": hit.doc_id,
        "title": hit.title or hit.doc_id,
        "identifier": hit.identifier,
        "pages": hit.pages,
        "printed_pages": hit.printed_pages,
        "paged": hit.paged,
        "heading_path": facts.heading_path or ([hit.heading] if hit.heading else []),
        "best_sentence": best,
        "snippet": marked(text, spans),
        "kind": facts.kind,
        "publisher": facts.publisher,
        "year": facts.year,
    }


def _snippet(text: str, highlights: list) -> tuple[str, list]:
    """The text around the first marked word, at most SNIPPET_CHARS long, with the spans moved."""
    if len(text) <= SNIPPET_CHARS:
        return text, highlights
    first = min((int(s) for s, _ in highlights), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    cut = text[start:end]
    moved = [(int(s) - start, int(e) - start) for s, e in highlights if int(s) >= start and int(e) <= end]
    prefix, suffix = ("… " if start else ""), (" …" if end < len(text) else "")
    shift = len(prefix)
    return prefix + cut + suffix, [(s + shift, e + shift) for s, e in moved]


def _page_links(params: dict[str, Any], page: int, pages: int) -> list[dict[str, Any]]:
    return [{"number": n, "url": url_with("/", {**params, "sida": n if n > 1 else None}), "current": n == page}
            for n in range(1, pages + 1)]


def _facet_views(params: dict[str, Any], selection: Selection, counts: dict[str, list[dict]]) -> list[dict[str, Any]]:
    views = []
    for name in FACETS:
        chosen: list[dict[str, Any]] = []
        if name == "year" and (selection.year_from is not None or selection.year_to is not None):
            label = (str(selection.year_from) if selection.year_from == selection.year_to
                     else f"{selection.year_from or '…'}–{selection.year_to or '…'}")
            chosen.append({"label": label, "remove": url_with("/", {**params, "year_from": None, "year_to": None})})
        elif name != "year" and params.get(name) is not None:
            value = params[name]
            label = next((item["label"] for item in counts.get(name, []) if str(item["value"]) == str(value)), value)
            chosen.append({"label": label, "remove": url_with("/", {**params, name: None})})
        values = []
        if not chosen:
            for item in counts.get(name, [])[:FACET_VALUES_SHOWN]:
                change = ({"year_from": item["value"], "year_to": item["value"]} if name == "year"
                          else {name: item["value"]})
                values.append({**item, "url": url_with("/", {**params, **change})})
        if chosen or values:
            views.append({"name": name, "title": FACET_TITLES[name], "chosen": chosen, "options": values,
                          "more": max(0, len(counts.get(name, [])) - FACET_VALUES_SHOWN) if not chosen else 0})
    return views
