"""What every page shares: the Jinja2 environment, rendering, the route class that turns errors into
readable pages, and the small formatting helpers the templates use.

Everything a document contains (titles, headings, sentences, footnotes, ids) reaches the page
through Jinja2 with autoescaping on; the few fragments built in Python (a snippet with its marked
words, a block with its reference links and footnote markers) are assembled from `markupsafe.escape`d
pieces, never from raw document text.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from policykb.errors import PolicyKBError
from policykb.query.pagelabel import page_label, page_range_label

from policykb.api.errors import public_message

log = logging.getLogger("policykb.api.web")

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
# The vendored htmx (see static/README.md for its origin and checksum).
HTMX_FILE = "htmx-2.0.11.min.js"

STATUS_TITLES = {
    400: "Felaktig begäran",
    401: "Fel nyckel",
    403: "Inte tillåtet",
    404: "Hittades inte",
    409: "Inte klart ännu",
    413: "För stort",
    415: "Filtypen stöds inte",
    422: "Felaktiga värden",
    500: "Internt fel",
    503: "Tjänsten är upptagen",
}

MODE_LABELS = {"hybrid": "Kombinerad", "lexical": "Ord", "dense": "Betydelse"}
KIND_LABELS = {
    "report": "rapport", "guidance": "vägledning", "bill": "proposition", "regulation": "föreskrift",
    "statute": "författning", "inquiry": "utredning", "directive": "kommittédirektiv", "consultation": "remiss",
}
MODALITY_LABELS = {
    "obligation": "skyldighet", "permission": "befogenhet", "prohibition": "förbud",
    "recommendation": "rekommendation", "right": "rättighet",
}


def url_with(path: str, params: dict[str, Any]) -> str:
    """`path?…` with the non-empty parameters, in a stable order."""
    items = [(k, v) for k, v in params.items() if v not in (None, "", [])]
    return path + ("?" + urlencode(items, doseq=True) if items else "")


def doc_url(doc_id: str, passage_id: int | None = None) -> str:
    """The reading view of a document, opened at a passage when one is given."""
    base = "/dokument/" + quote(doc_id, safe="")
    if passage_id is None:
        return base
    return f"{base}?stycke={passage_id}#stycke-{passage_id}"


def xref_url(ref: str) -> str:
    return url_with("/lagrum", {"ref": ref})


def law_url(act: str) -> str:
    return url_with("/lag", {"act": act})


def marked(text: str, spans: list[tuple[int, int]] | list[list[int]]) -> Markup:
    """`text` escaped, with the spans wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < last or end <= start:
            continue
        out.append(str(escape(text[last:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every template, whatever its extension
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        htmx_file=HTMX_FILE,
        doc_url=doc_url,
        xref_url=xref_url,
        law_url=law_url,
        url_with=url_with,
        page_label=page_label,
        page_range_label=page_range_label,
        mode_labels=MODE_LABELS,
        kind_labels=KIND_LABELS,
        modality_labels=MODALITY_LABELS,
    )
    # "1 hänvisning", "6 hänvisningar"
    env.globals["counted"] = lambda n, one, many: f"{n} {one if n == 1 else many}"
    env.filters["kind_label"] = lambda kind: KIND_LABELS.get(kind or "", kind or "")
    env.filters["thousands"] = lambda n: f"{n:,}".replace(",", "\u00a0")
    env.filters["urlpart"] = lambda s: quote(str(s), safe="")
    return env


ENV = _environment()


def render(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    context.setdefault("q", "")
    context.setdefault("mode", "hybrid")
    html = ENV.get_template(template).render(request=request, current=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    # the same URL answers a whole page or (for htmx) a fragment: caches must keep them apart
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


def is_fragment_request(request: Request, target: str) -> bool:
    """An htmx request that will swap the element `target` (its id)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == target


FIELD_LABELS = {
    "q": "sökfrågan", "k": "antal", "mode": "sökläget", "kind": "dokumenttypen", "publisher": "utgivaren",
    "year_from": "år från", "year_to": "år till", "doc": "dokumentet", "cites": "hänvisningen",
    "sida": "sidan", "stycke": "stycket", "ref": "hänvisningen", "act": "lagen", "like": "stycket",
}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    title = STATUS_TITLES.get(status, "Något gick fel")
    index_dir = request.app.state.settings.index_dir
    message = public_message(message, index_dir) or ""
    if is_fragment_request(request, "results"):
        return render(request, "_error_results.html", status=status, title=title, message=message)
    return render(request, "error.html", status=status, title=title, message=message, status_code=status)


class PageRoute(APIRoute):
    """A route whose errors are pages: the user's mistakes and the index's problems are shown as a
    readable message with the right status, never as JSON or a traceback."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                parts = []
                for err in exc.errors():
                    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
                    field = ".".join(loc)
                    parts.append(f"{FIELD_LABELS.get(field, field or 'begäran')}: {err.get('msg', 'ogiltigt värde')}")
                return error_page(request, 400, "; ".join(parts) or "begäran är inte giltig")
            except PolicyKBError as exc:
                return error_page(request, exc.status, str(exc))
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))
            except Exception as exc:  # noqa: BLE001 - a page, not a traceback
                incident = uuid.uuid4().hex[:12]
                log.error("unexpected error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
                return error_page(request, 500, f"Ett internt fel inträffade (händelse {incident}); serverns logg har detaljerna.")

        return page_handler
