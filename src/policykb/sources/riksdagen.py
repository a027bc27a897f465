"""The client of Riksdagen's open data (data.riksdagen.se): listings, document status, files.

Three calls matter: `dokumentlista` (a paged listing, filtered by type, riksmöte, number or free
text), `dokumentstatus/{dok_id}.json` (one document with its attachments and its references to
related documents) and the files themselves (the PDF, or the HTML rendering of a statute).

The service has quirks that its long-time clients (lagen.nu's ferenda among them) handle, and so
does this one:
- a list of one element comes back as the element itself (`dokument`, `fil`, `bilaga`,
  `referens`): `as_list` reads both;
- URLs in answers are protocol-relative (`//data.riksdagen.se/…`) or plain http: made https, and
  moved onto the configured base URL when that is a mirror (or the tests' replay server);
- listings offer `@nasta_sida` past their last real page: paging stops when `@sida` stops
  advancing;
- a "PDF" may be an HTML error page sent with status 200: the `%PDF` magic is checked;
- 429 and 5xx answers and timeouts are retried with exponential backoff (honouring Retry-After),
  a 404 means "no such document", and a host that cannot be reached is one clear error naming
  it — never a traceback.

Polite by default: one request at a time (a lock, and a short pause between requests), a
User-Agent naming policykb, a timeout on every request.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policykb.config import DEFAULT_MAX_FILE_BYTES
from policykb.errors import SourceError, SourceUnavailableError

DEFAULT_BASE_URL = "https://data.riksdagen.se"
BASE_URL_ENV = "POLICYKB_RIKSDAGEN_URL"
SERVICE_HOST = "data.riksdagen.se"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_PAGES = 60  # the service stops at about 50 pages whatever it offers next
PAGE_SIZE = 200
MAX_RETRY_AFTER = 60.0

# doktyp in Riksdagen's data → (canonical prefix in DESIGN.md, whether `rm` is a riksmöte)
DOKTYP_PREFIX = {"prop": "prop.", "bet": "bet.", "rskr": "rskr.", "sou": "SOU", "ds": "Ds", "dir": "dir."}
RIKSMOTE_TYPES = {"prop", "bet", "rskr"}
# The reference parser's kind → Riksdagen's doktyp.
KIND_TO_DOKTYP = {"prop": "prop", "bet": "bet", "rskr": "rskr", "sou": "sou", "ds": "ds", "dir": "dir",
                  "act": "sfs", "chapter": "sfs", "section": "sfs"}


def user_agent() -> str:
    # The installed distribution's version (the package's own `__version__` sits above this layer).
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("policykb")
    except PackageNotFoundError:
        installed = "dev"
    return f"policykb/{installed} (document fetcher of a Swedish policy knowledge base; one request at a time)"


def base_url(value: str | None = None) -> str:
    """The service's base URL: `value` (`--source-url`), else $POLICYKB_RIKSDAGEN_URL, else the real service."""
    from policykb.errors import InputError

    url = (value or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"source URL {url!r} is not an http(s) URL; give one like {DEFAULT_BASE_URL} "
            f"(--source-url or {BASE_URL_ENV})"
        )
    return url


def as_list(value: Any) -> list[Any]:
    """The service's "list": absent/null/"" → [], one element (a dict) → [it], a list → itself."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


@dataclass
class RiksdagenDocument:
    """One document as Riksdagen describes it (from a listing entry or its status document)."""

    dok_id: str
    doktyp: str
    rm: str
    beteckning: str
    title: str
    subtitle: str = ""
    organ: str = ""
    date: str = ""
    systemdatum: str = ""
    status: str = ""
    pdf_url: str | None = None
    html_url: str | None = None
    text_url: str | None = None
    related: list[dict[str, Any]] = field(default_factory=list)

    @property
    def canonical(self) -> str | None:
        return canonical_of(self.doktyp, self.rm, self.beteckning, self.date)


def canonical_of(doktyp: str, rm: str, beteckning: str, date: str = "") -> str | None:
    """The DESIGN.md canonical identifier of a Riksdagen document (`prop. 2016/17:14`,
    `SOU 2020:19`, `SFS 2017:30`), None for types policykb has no canonical form for (motions …)."""
    doktyp, rm, beteckning = (doktyp or "").lower(), (rm or "").strip(), (beteckning or "").strip()
    if not beteckning:
        return None
    if doktyp == "sfs":
        return f"SFS {beteckning}" if re.fullmatch(r"\d{4}:\d+", beteckning) else None
    prefix = DOKTYP_PREFIX.get(doktyp)
    if prefix is None:
        return None
    if doktyp in RIKSMOTE_TYPES:
        return f"{prefix} {rm}:{beteckning}" if re.fullmatch(r"\d{4}/\d{2}", rm) else None
    # SOU, Ds and dir. are numbered per calendar year; Riksdagen reports `rm` as that year.
    year = rm if re.fullmatch(r"\d{4}", rm) else (date[:4] if re.fullmatch(r"\d{4}", date[:4]) else "")
    return f"{prefix} {year}:{beteckning}" if year else None


@dataclass
class Lookup:
    """How to find a canonical identifier in the listings: doktyp, rm and beteckning, and the
    `rm` values a match may carry (SOU 2020:19 may be filed under 2020, 2019/20 or 2020/21)."""

    doktyp: str
    rm: str
    beteckning: str
    rm_accepted: tuple[str, ...]


def lookup_for(canonical: str) -> Lookup | None:
    m = re.fullmatch(r"SFS (\d{4}):(\d+)", canonical)
    if m:
        return Lookup("sfs", m[1], f"{m[1]}:{m[2]}", (m[1],))
    m = re.fullmatch(r"(prop\.|bet\.|rskr\.) (\d{4}/\d{2}):(\w+)", canonical)
    if m:
        doktyp = m[1].rstrip(".")
        return Lookup(doktyp, m[2], m[3], (m[2],))
    m = re.fullmatch(r"(SOU|Ds|dir\.) (\d{4}):(\d+)", canonical)
    if m:
        doktyp = m[1].rstrip(".").lower()
        year = int(m[2])
        riksmoten = (f"{year - 1}/{str(year)[2:]}", f"{year}/{str(year + 1)[2:]}")
        return Lookup(doktyp, m[2], m[3], (m[2], *riksmoten))
    return None


@dataclass
class Listing:
    total: int  # the listing's own hit count (@traffar)
    documents: list[RiksdagenDocument]


class RiksdagenClient:
    """A polite client: one request at a time, a User-Agent, a timeout, retries with backoff.

    `sleep` and `clock` are injectable so tests run the retry logic without waiting."""

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        pause: float = 0.2,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base = base_url(url)
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.pause = pause
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self._retry_after: float | None = None  # what the last 429/503 asked for (Retry-After)
        self._lock = threading.Lock()
        self._last: float | None = None
        # A mirror or replay server on this machine is reached directly, whatever proxy the environment sets.
        loopback = urllib.parse.urlsplit(self.base).hostname in ("127.0.0.1", "localhost", "::1")
        self._opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if loopback else []))

    # -- URLs ------------------------------------------------------------------------------------

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def rebase(self, url: str) -> str:
        """A URL from an answer, as this client fetches it: https, and on the configured base URL
        when it names the real service and another base (a mirror, a replay server) is in use."""
        url = url.strip()
        if url.startswith("//"):
            url = "https:" + url
        elif url.startswith("/"):
            return self.base + url
        parts = urllib.parse.urlsplit(url)
        if parts.netloc == SERVICE_HOST:
            if self.base != DEFAULT_BASE_URL:
                base = urllib.parse.urlsplit(self.base)
                return urllib.parse.urlunsplit(
                    (base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, ""))
            return urllib.parse.urlunsplit(("https", parts.netloc, parts.path, parts.query, ""))
        return url

    # -- requests --------------------------------------------------------------------------------

    def get(self, url: str, *, what: str) -> bytes | None:
        """The body of `url`, or None on 404. Retries 429/5xx, timeouts and dropped connections
        with exponential backoff; raises SourceUnavailableError when they persist."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self._retry_delay(attempt))
            try:
                return self._get_once(url)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                if exc.code in RETRY_STATUSES:
                    problem = f"answered {exc.code} {exc.reason}"
                    self._retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                    continue
                raise SourceError(
                    f"{self.host} answered {exc.code} {exc.reason} to the request for {what}; "
                    f"check the identifier, or report it if it persists"
                ) from None
            except (TimeoutError, socket.timeout):
                problem = f"did not answer within {self.timeout:g} s"
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    problem = f"did not answer within {self.timeout:g} s"
                else:
                    problem = f"could not be reached ({_reason(reason)})"
            except (OSError, http.client.HTTPException) as exc:  # a connection dropped mid-answer
                problem = f"broke off the connection ({_reason(exc)})"
        tries = self.retries + 1
        raise SourceUnavailableError(
            f"{self.host} {problem} ({what}, {tries} {'try' if tries == 1 else 'tries'}); nothing was stored: "
            f"check the network connection (or its proxy) and try again later, or point --source-url / "
            f"{BASE_URL_ENV} at a reachable mirror"
        )

    def _retry_delay(self, attempt: int) -> float:
        wait = self.backoff * 2 ** (attempt - 1)
        if self._retry_after is not None:
            wait = max(wait, min(self._retry_after, MAX_RETRY_AFTER))
            self._retry_after = None
        return wait

    def _get_once(self, url: str) -> bytes:
        with self._lock:  # one request at a time, however many threads share the client
            if self._last is not None and self.pause > 0:
                gap = self.clock() - self._last
                if gap < self.pause:
                    self.sleep(self.pause - gap)
            request = urllib.request.Request(url, headers={"User-Agent": user_agent(), "Accept": "*/*"})
            self.requests += 1
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    body = response.read(self.max_bytes + 1)
                    announced = response.headers.get("Content-Length")
                    if announced and announced.isdigit() and len(body) < int(announced) <= self.max_bytes:
                        # the connection closed before the whole answer came (read(n) returns what there was)
                        raise http.client.IncompleteRead(body, int(announced) - len(body))
            finally:
                self._last = self.clock()
        if len(body) > self.max_bytes:
            raise SourceError(
                f"{url} is larger than {self.max_bytes / 2**20:.0f} MB; policykb does not fetch files that large"
            )
        return body

    def get_json(self, url: str, *, what: str) -> dict[str, Any] | None:
        body = self.get(url, what=what)
        if body is None:
            return None
        text = body.decode("utf-8-sig", errors="replace").strip()
        try:
            data = json.loads(text)
        except ValueError as exc:
            kind = "an HTML page" if text[:1] == "<" else "malformed JSON"
            raise SourceError(
                f"{self.host} sent {kind} instead of the JSON asked for ({what}: {exc.__class__.__name__} "
                f"at character {getattr(exc, 'pos', '?')}); the service may be having trouble: try again later"
            ) from None
        if not isinstance(data, dict):
            raise SourceError(f"{self.host} sent JSON of an unexpected shape for {what}; try again later")
        return data

    # -- the three calls -------------------------------------------------------------------------

    def listing(self, *, limit: int | None = None, **params: Any) -> Listing:
        """Every entry of a `dokumentlista` listing (up to `limit`), following its pages."""
        params = {"sz": PAGE_SIZE, **params, "utformat": "json"}
        url: str | None = self.url("/dokumentlista/", params)
        what = "the listing " + ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("utformat", "sz"))
        documents: list[RiksdagenDocument] = []
        total = 0
        previous_page = 0
        for _ in range(MAX_PAGES):
            if url is None:
                break
            data = self.get_json(url, what=what)
            if data is None:
                break
            listing = data.get("dokumentlista")
            if not isinstance(listing, dict):
                raise SourceError(f"{self.host} sent no `dokumentlista` in its answer to {what}; try again later")
            total = max(total, _int(listing.get("@traffar")))
            page = _int(listing.get("@sida")) or previous_page + 1
            if page <= previous_page:
                break  # the service offers pages past its last one: they repeat
            previous_page = page
            for entry in as_list(listing.get("dokument")):
                if isinstance(entry, dict) and entry.get("dok_id"):
                    documents.append(self._from_listing(entry))
            if limit is not None and len(documents) >= limit:
                documents = documents[:limit]
                break
            nxt = listing.get("@nasta_sida")
            url = self.rebase(nxt) if isinstance(nxt, str) and nxt.strip() else None
        return Listing(total=total, documents=documents)

    def status(self, dok_id: str) -> RiksdagenDocument | None:
        """The status document of `dok_id`: metadata, the PDF attachment, related documents. None on 404."""
        quoted = urllib.parse.quote(dok_id, safe="")
        data = self.get_json(self.url(f"/dokumentstatus/{quoted}.json"), what=f"the status of {dok_id}")
        if data is None:
            return None
        status = data.get("dokumentstatus")
        if not isinstance(status, dict) or not isinstance(status.get("dokument"), dict):
            raise SourceError(f"{self.host} sent a status of {dok_id} without its `dokument`; try again later")
        entry = status["dokument"]
        doc = self._from_entry(entry)
        for bilaga in as_list((status.get("dokbilaga") or {}).get("bilaga")):
            if isinstance(bilaga, dict) and (bilaga.get("filtyp") or "").lower() == "pdf" and bilaga.get("fil_url"):
                doc.pdf_url = self.rebase(bilaga["fil_url"])
                break
        for ref in as_list((status.get("dokreferens") or {}).get("referens")):
            if not isinstance(ref, dict) or not ref.get("ref_dok_id"):
                continue
            doc.related.append({
                "relation": ref.get("referenstyp") or "",
                "dok_id": ref["ref_dok_id"],
                "doktyp": ref.get("ref_dok_typ") or "",
                "identifier": canonical_of(ref.get("ref_dok_typ") or "", ref.get("ref_dok_rm") or "",
                                           ref.get("ref_dok_bet") or ""),
                "title": ref.get("ref_dok_titel") or "",
            })
        return doc

    def find(self, canonical: str) -> RiksdagenDocument | None:
        """The listing entry of a canonical identifier, None when Riksdagen has no such document.

        Looked up by type, riksmöte and number; where that finds nothing (SOU, Ds and dir. are filed
        by calendar year, not verified against every period of the service) by free text, keeping only
        an entry whose own type, number and year say it is the document asked for."""
        look = lookup_for(canonical)
        if look is None:
            return None
        listing = self.listing(doktyp=look.doktyp, rm=look.rm, bet=look.beteckning, limit=PAGE_SIZE)
        match = _matching(listing.documents, look)
        if match is None:
            listing = self.listing(doktyp=look.doktyp, sok=canonical, limit=PAGE_SIZE)
            match = _matching(listing.documents, look)
        return match

    def search(self, text: str | None, *, doktyp: str | None = None, date_from: str | None = None,
               date_to: str | None = None, limit: int | None = None) -> Listing:
        """A free-text listing, most relevant first."""
        return self.listing(sok=text, doktyp=doktyp, **{"from": date_from, "tom": date_to},
                            sort="rel" if text else "datum", sortorder="desc", limit=limit)

    def download(self, url: str, *, expect: str, what: str) -> bytes | None:
        """A file's bytes, checked to be what was asked for (`expect`: "pdf" or "html"). None on 404."""
        body = self.get(self.rebase(url), what=what)
        if body is None:
            return None
        head = body[:1024].lstrip()
        if expect == "pdf":
            if b"%PDF-" not in body[:1024]:
                title = re.search(rb"<title>(.*?)</title>", body[:4096], re.IGNORECASE | re.DOTALL)
                shown = f" titled {title.group(1).decode('utf-8', 'replace').strip()[:80]!r}" if title else ""
                kind = "an HTML page" if head[:1] == b"<" else "a file that is not a PDF"
                raise SourceError(
                    f"{self.host} sent {kind}{shown} instead of the PDF of {what}; "
                    f"the file may be temporarily unavailable: try again later"
                )
        elif not body.strip():
            raise SourceError(f"{self.host} sent an empty answer for {what}; try again later")
        return body

    # -- reading entries -------------------------------------------------------------------------

    def _from_entry(self, entry: dict[str, Any]) -> RiksdagenDocument:
        def text(key: str) -> str:
            value = entry.get(key)
            return str(value).strip() if value not in (None, "") else ""

        def link(key: str) -> str | None:
            return self.rebase(text(key)) if text(key) else None

        return RiksdagenDocument(
            dok_id=text("dok_id"),
            doktyp=(text("doktyp") or text("typ")).lower(),
            rm=text("rm"),
            beteckning=text("beteckning"),
            title=text("titel"),
            subtitle=text("undertitel") or text("subtitel"),
            organ=text("organ"),
            date=text("datum")[:10],
            systemdatum=text("systemdatum"),
            status=text("status"),
            html_url=link("dokument_url_html"),
            text_url=link("dokument_url_text"),
        )

    def _from_listing(self, entry: dict[str, Any]) -> RiksdagenDocument:
        doc = self._from_entry(entry)
        filbilaga = entry.get("filbilaga")
        files = as_list(filbilaga.get("fil")) if isinstance(filbilaga, dict) else []
        for f in files:
            if isinstance(f, dict) and (f.get("typ") or "").lower() == "pdf" and f.get("url"):
                doc.pdf_url = self.rebase(f["url"])
                break
        return doc


def _matching(documents: list[RiksdagenDocument], look: Lookup) -> RiksdagenDocument | None:
    for doc in documents:
        if doc.doktyp != look.doktyp or doc.beteckning.lower() != look.beteckning.lower():
            continue
        if doc.rm in look.rm_accepted or (look.doktyp not in RIKSMOTE_TYPES and doc.date[:4] == look.rm):
            return doc
    return None


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _reason(reason: Any) -> str:
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    text = getattr(reason, "strerror", None) or str(reason)
    return text or reason.__class__.__name__
