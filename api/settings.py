"""What one running API needs to know: where the index is, who may write, and its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from policykb.config import DEFAULT_MAX_FILE_BYTES

API_KEY_ENV = "POLICYKB_API_KEY"
CORS_ORIGINS_ENV = "POLICYKB_CORS_ORIGINS"
API_KEY_HEADER = "X-API-Key"
# Host names (comma-separated) the MCP endpoint answers to behind a proxy; DNS-rebinding protection.
MCP_ALLOWED_HOSTS_ENV = "POLICYKB_MCP_ALLOWED_HOSTS"



@dataclass(frozen=True)
class ApiSettings:
    index_dir: Path
    # None: read $POLICYKB_API_KEY; "" or unset: uploads are refused with 403.
    api_key: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_FILE_BYTES
    # Bodies of JSON requests (/refs, /entities, /consultation): a whole report's text fits.
    max_body_bytes: int = 5 * 1024 * 1024
    request_timeout: float = 30.0
    # A consultation runs a hybrid search per proposal: a long remiss takes a while.
    consultation_timeout: float = 180.0
    cors_origins: tuple[str, ...] = ()
    # Read connections per index snapshot: requests beyond this wait for a free one.
    read_connections: int = 8
    max_files_per_upload: int = 20
    # An ingest that runs longer than this is stopped and its job marked failed.
    ingest_timeout: float = 3600.0
    # The address the server listens on: /mcp turns DNS-rebinding protection on for a loopback one.
    host: str = "127.0.0.1"
    # Host names /mcp accepts besides the loopback ones (default: $POLICYKB_MCP_ALLOWED_HOSTS).
    mcp_allowed_hosts: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        index_dir: str | os.PathLike,
        *,
        api_key: str | None = None,
        cors_origins: list[str] | tuple[str, ...] | None = None,
        mcp_allowed_hosts: list[str] | tuple[str, ...] | None = None,
        **overrides,
    ) -> ApiSettings:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        if cors_origins is None:
            raw = os.environ.get(CORS_ORIGINS_ENV, "")
            cors_origins = [o.strip() for o in raw.split(",") if o.strip()]
        if mcp_allowed_hosts is None:
            raw = os.environ.get(MCP_ALLOWED_HOSTS_ENV, "")
            mcp_allowed_hosts = [h.strip() for h in raw.split(",") if h.strip()]
        # Resolved once: the core's messages then name this exact path, which the API takes out
        # of every message a client sees (errors.public_message).
        return cls(
            index_dir=Path(index_dir).resolve(), api_key=key or None, cors_origins=tuple(cors_origins),
            mcp_allowed_hosts=tuple(mcp_allowed_hosts), **overrides
        )

    @property
    def uploads_dir(self) -> Path:
        return self.index_dir / "uploads"

    @property
    def writes_enabled(self) -> bool:
        return bool(self.api_key)
