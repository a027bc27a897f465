"""`/lagrum?ref=` (every passage citing a provision or document, grouped by document: `xref`) and
`/lag?act=` (an act's provisions by how often the corpus cites them: `law`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from policykb.errors import InputError
from policykb.legal.canonical import act_of

from policykb.api.deps import StoreDep
from policykb.api.web.common import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_REF_CHARS = 200


def _reference(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise InputError(f"{what} är tom: skriv t.ex. 2 kap. 3 § HSL, HSL eller prop. 2019/20:164")
    if len(value) > MAX_REF_CHARS:
        raise InputError(f"{what} är {len(value)} tecken lång; högst {MAX_REF_CHARS} tecken")
    return value


@router.get("/lagrum", response_class=HTMLResponse, name="web_xref")
def xref_page(request: Request, store: StoreDep, ref: Annotated[str | None, Query()] = None) -> HTMLResponse:
    from policykb.query.xref import most_cited, unknown_act_message, xref

    ref = _reference(ref, "hänvisningen")
    if ref is None:
        return render(request, "xref.html", ref="", result=None, acts=most_cited(store, level="act"),
                      documents=most_cited(store, level="document", limit=15), message=None, unpaged=set())
    from policykb.query.pagelabel import unpaged_documents

    result = xref(store, ref)
    acts = list(dict.fromkeys(a for a in (act_of(t["canonical"]) for t in result["targets"]) if a))
    return render(request, "xref.html", ref=ref, result=result, acts=acts, documents=[],
                  message=unknown_act_message(result), unpaged=unpaged_documents(store.conn))


@router.get("/lag", response_class=HTMLResponse, name="web_law")
def law_page(request: Request, store: StoreDep, act: Annotated[str | None, Query()] = None) -> HTMLResponse:
    from policykb.query.xref import law, most_cited

    act = _reference(act, "lagen")
    if act is None:
        return render(request, "law.html", act="", result=None, acts=most_cited(store, level="act"))
    return render(request, "law.html", act=act, result=law(store, act), acts=[])
