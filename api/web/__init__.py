"""The web page: server-rendered HTML (Jinja2) over the same core calls as the JSON API.

Every view is a GET URL that can be shared (forms submit with GET where they only read), works
without JavaScript, and uses the vendored htmx for partial updates when it runs. Pages and their
paths (Swedish, beside the JSON API's English ones):

    /                         search (q, mode, kind, publisher, year_from, year_to, doc, cites, like, sida)
    /dokument/{doc_id}        reading view (stycke = the passage to open at and mark)
    /lagrum?ref=              who cites a provision or document (xref)
    /lag?act=                 an act's provisions by citation count (law)
    /krav                     the requirement trace table; /krav.csv and /krav.md download it
    /remiss, /remiss/{doc_id} the remissvar helper; POST /remiss/{doc_id}/utkast downloads the draft
    /uppladdning              upload form (the API key); /jobb/{job_id} an ingest job's progress
    /static/…                 style sheet and htmx
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the API app."""
    from policykb.api.web import law, reading, remiss, search, trace, upload
    from policykb.api.web.common import STATIC_DIR

    app.state.web_results = search.ResultCache()
    for module in (search, reading, law, trace, remiss, upload):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _pages_for_browsers(app)


def _pages_for_browsers(app: FastAPI) -> None:
    """A browser that follows a wrong link gets a page, not the API's JSON; API clients (which do not
    ask for text/html first) keep their JSON answer."""
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from policykb.api.web.common import error_page

    api_handler = app.exception_handlers[StarletteHTTPException]

    async def handler(request, exc):  # noqa: ANN001, ANN202
        accept = request.headers.get("accept", "")
        if exc.status_code == 404 and accept.startswith("text/html") and request.method in ("GET", "HEAD"):
            return error_page(request, 404, f"sidan {request.url.path} finns inte; börja om från sökningen")
        return await api_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, handler)
