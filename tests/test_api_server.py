"""A real `policykb serve` (uvicorn in its own process) on a loopback port, over HTTP."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from helpers.index_copy import copy_index
from helpers.served import serve_process

KEY = "server-test-key"
NEW_DOC_TEXT = (
    "Vägledning om hemrehabilitering i glesbygd\n\n"
    "Kommunen ska erbjuda hemrehabilitering med arbetsterapeut och fysioterapeut i glesbygd. "
    "Regionen ansvarar för läkarinsatser i glesbygdens hemsjukvård.\n"
)


@pytest.fixture(scope="module")
def server(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("served")
    index = copy_index(corpus_index, root / "index")
    with serve_process(index, api_key=KEY, log_dir=root) as running:  # stops cleanly: exit 0, no traceback
        yield running.base, index


def test_the_served_api_answers_over_http(server) -> None:
    base, _ = server
    with httpx.Client(base_url=base, timeout=30) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["writes_enabled"] is True
        docs = client.get("/documents").json()["documents"]
        assert len(docs) == health["documents"]
        assert client.get("/docs").status_code == 200
        missing = client.get("/passages/987654321")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
        assert "access-control-allow-origin" not in client.get("/health", headers={"Origin": "http://x.example"}).headers


def test_an_upload_is_ingested_while_reads_go_on_without_errors_or_mixes(server) -> None:
    base, index = server
    stop = threading.Event()
    observed: list[tuple[str, int, int, object]] = []  # (endpoint, status, snapshot, payload)
    lock = threading.Lock()

    def reader(endpoint: str, params: dict) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                response = client.get(endpoint, params=params)
                snapshot = int(response.headers.get("x-index-snapshot", -1))
                if response.status_code != 200:
                    payload = response.text
                elif endpoint == "/documents":
                    payload = len(response.json()["documents"])
                else:
                    payload = frozenset(hit["doc_id"] for hit in response.json()["hits"])
                with lock:
                    observed.append((endpoint, response.status_code, snapshot, payload))

    threads = [threading.Thread(target=reader, args=("/documents", {})) for _ in range(2)]
    threads += [
        threading.Thread(target=reader, args=("/search", {"q": "hemrehabilitering i glesbygd", "k": 10}))
        for _ in range(3)
    ]
    with httpx.Client(base_url=base, timeout=30) as client:
        first = client.get("/health").json()
        for t in threads:
            t.start()
        time.sleep(0.5)
        upload = client.post(
            "/documents", headers={"X-API-Key": KEY},
            files={"file": ("glesbygd.txt", NEW_DOC_TEXT.encode(), "text/plain")},
        )
        assert upload.status_code == 202, upload.text
        job_id = upload.json()["job_id"]
        deadline = time.monotonic() + 300
        while (job := client.get(f"/jobs/{job_id}").json())["status"] not in {"done", "failed"}:
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(30)
        assert job["status"] == "done", job
        (entry,) = job["files"]
        new_doc = entry["doc_id"]
        last = client.get("/health").json()

    assert last["documents"] == first["documents"] + 1
    assert observed and all(status == 200 for _, status, _, _ in observed), [o for o in observed if o[1] != 200][:3]
    # One snapshot, one corpus: every answer from the same snapshot saw the same documents.
    counts: dict[int, set] = defaultdict(set)
    for endpoint, _, snapshot, payload in observed:
        if endpoint == "/documents":
            counts[snapshot].add(payload)
    assert all(len(values) == 1 for values in counts.values()), counts
    generations = sorted(counts)
    assert [next(iter(counts[g])) for g in generations] == sorted(next(iter(counts[g])) for g in generations)
    assert next(iter(counts[generations[0]])) == first["documents"]
    assert next(iter(counts[generations[-1]])) == first["documents"] + 1
    new_from = min(g for g in generations if next(iter(counts[g])) == first["documents"] + 1)
    hits_by_gen = [(snapshot, docs) for endpoint, _, snapshot, docs in observed if endpoint == "/search"]
    assert all(new_doc not in docs for snapshot, docs in hits_by_gen if snapshot < new_from)
    assert any(new_doc in docs for snapshot, docs in hits_by_gen if snapshot >= new_from)
    assert (index / entry["stored_as"]).is_file()
