"""User-facing errors. Each message says what went wrong, where, and what to do about it.

Front ends turn `PolicyKBError` into exit code 2 (CLI) or a JSON `detail` (API); anything
else is a bug and may show a traceback.
"""

from __future__ import annotations


class PolicyKBError(Exception):
    """An error caused by input or environment that the user can fix."""

    status = 400  # HTTP status the API maps this to


class InputError(PolicyKBError):
    """Bad input file, path, query or argument."""


class UnsupportedInputError(InputError):
    status = 415


class TooLargeError(InputError):
    status = 413


class NotFoundError(PolicyKBError):
    status = 404


class StoreError(PolicyKBError):
    """The index directory or its store cannot be used as it is."""

    status = 503


class ModelError(PolicyKBError):
    """An embedding model is missing, unknown or does not match the index."""

    status = 503


class SourceUnavailableError(PolicyKBError):
    """An outside source (Riksdagen's open data) cannot be reached or keeps failing: nothing was stored."""

    status = 503


class SourceError(PolicyKBError):
    """An outside source answered, but not with what was asked for (an error page, broken JSON)."""

    status = 502
