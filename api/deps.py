"""Dependencies: the shared state a request may use, each taken from `app.state`."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response

from policykb.store import Store

from policykb.api.jobs import IngestJobs
from policykb.api.settings import API_KEY_ENV, API_KEY_HEADER, ApiSettings
from policykb.api.state import AppState, IndexSnapshot


def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


def get_state(request: Request) -> AppState:
    return request.app.state.index


def get_jobs(request: Request) -> IngestJobs:
    return request.app.state.jobs


SNAPSHOT_HEADER = "X-Index-Snapshot"


def get_snapshot(state: Annotated[AppState, Depends(get_state)], response: Response) -> Iterator[IndexSnapshot]:
    """The index snapshot this request works on, held until the request is done.

    Its generation goes out in the X-Index-Snapshot header: answers with the same value come
    from the same state of the corpus.
    """
    with state.snapshot() as snapshot:
        response.headers[SNAPSHOT_HEADER] = str(snapshot.generation)
        yield snapshot


def get_store(
    snapshot: Annotated[IndexSnapshot, Depends(get_snapshot)],
    settings: Annotated[ApiSettings, Depends(get_settings)],
) -> Iterator[Store]:
    """A read connection of the request's snapshot."""
    with snapshot.store(timeout=settings.request_timeout) as store:
        yield store


def key_matches(settings: ApiSettings, sent: str) -> bool:
    """Whether `sent` is the server's API key (compared in constant time); False when writes are off."""
    if not settings.writes_enabled or not sent:
        return False
    return hmac.compare_digest(sent.encode(), settings.api_key.encode())


def require_api_key(request: Request, settings: Annotated[ApiSettings, Depends(get_settings)]) -> None:
    """Writes need the server's API key in X-API-Key; without a configured key they are off."""
    if not settings.writes_enabled:
        raise HTTPException(
            403,
            f"uploads are disabled on this server: start it with the environment variable {API_KEY_ENV} "
            f"set to a secret, then send that secret in the {API_KEY_HEADER} header",
        )
    if not key_matches(settings, request.headers.get(API_KEY_HEADER, "")):
        raise HTTPException(
            401,
            f"missing or wrong {API_KEY_HEADER} header; send the key the server was started with",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
StateDep = Annotated[AppState, Depends(get_state)]
SnapshotDep = Annotated[IndexSnapshot, Depends(get_snapshot)]
StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[IngestJobs, Depends(get_jobs)]
