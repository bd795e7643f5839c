"""The one exception tree of digest.

Every error digest raises on purpose derives from :class:`DigestError` and has a
stable ``code`` that the database, the CLI and the web page show. Where a builtin
fits, the error also subclasses it, so callers may catch either::

    DigestError
     ├── ConfigError (ValueError)            code "config"
     ├── StorageError                         code "storage"
     │    ├── StorageUnavailableError         code per failure, see STORAGE_CODES
     │    ├── StorageBusyError                code "storage_busy"
     │    └── ConflictError                   code "conflict"
     ├── NotFoundError (LookupError)          code "not_found"
     ├── FetchError                           code per failure, see FETCH_CODES
     │    └── BlockedAddressError             code "blocked_address"
     ├── ParseError (ValueError)              code "parse_error" / "not_a_feed" / "empty"
     ├── ExtractError                         code "extract_failed" / "not_html" / ...
     ├── ReviewError (ValueError)             code "review"
     ├── SearchError (ValueError)             code "bad_query"
     ├── LeaseHeldError                       code "lease_held"
     └── PublishError                         code "publish"

Third-party exceptions are translated at stage boundaries with ``raise X(...) from e``;
``str()`` of an error includes its cause so one line tells the whole story.
"""

from __future__ import annotations


class DigestError(Exception):
    """Root of digest's errors. ``code`` is stable; ``hint`` says what to do next."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        cause = self.__cause__
        if cause is not None and str(cause) and str(cause) not in text:
            text = f"{text}: {type(cause).__name__}: {cause}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class ConfigError(DigestError, ValueError):
    """feeds.yaml (or an option) is wrong; the message names file, line and key."""

    code = "config"


class StorageError(DigestError):
    """The SQLite database could not be read or written."""

    code = "storage"


# Storage failure codes (digest.store.db.translate sets them; the CLI exits 3 for each,
# the web page answers 503).
STORAGE_READONLY = "storage_readonly"  # file, folder or mount read-only; permissions
STORAGE_FULL = "storage_full"  # disk (or quota) full
STORAGE_CORRUPT = "storage_corrupt"  # not a database, or a damaged one
STORAGE_CANNOT_OPEN = "storage_cannot_open"  # missing folder, no permission to open
STORAGE_IO = "storage_io"  # the OS reported an I/O error
STORAGE_CODES = frozenset(
    {"storage", STORAGE_READONLY, STORAGE_FULL, STORAGE_CORRUPT, STORAGE_CANNOT_OPEN, STORAGE_IO}
)


class StorageUnavailableError(StorageError):
    """The database cannot be read or written at all (read-only, disk full, corrupt,
    cannot open): retrying will not help until someone fixes the file or the disk."""


class StorageBusyError(StorageError):
    """Another process holds the write lock longer than the busy timeout."""

    code = "storage_busy"


class ConflictError(StorageError):
    """An editor acted on a stale version of an item (e.g. two browser tabs)."""

    code = "conflict"


class NotFoundError(DigestError, LookupError):
    """A feed, entry, draft item or issue does not exist."""

    code = "not_found"


# Codes a fetch failure may carry; the editor sees them in `digest feeds`.
FETCH_CODES = frozenset(
    {
        "timeout",
        "too_large",
        "redirect_loop",
        "too_many_redirects",
        "blocked_address",
        "bad_scheme",
        "insecure_redirect",
        "http_error",
        "rate_limited",
        "gone",
        "not_found",
        "connection",
        "tls",
        "dns",
    }
)


class FetchError(DigestError):
    """One fetch failed. ``retry_after`` (seconds) is set when the server asked."""

    code = "fetch"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.status = status
        self.retry_after = retry_after


class BlockedAddressError(FetchError):
    """The address guard refused a URL (private address, bad scheme, ...)."""

    code = "blocked_address"


class ParseError(DigestError, ValueError):
    """Fetched bytes are not a usable feed."""

    code = "parse_error"


class ExtractError(DigestError):
    """Article text could not be extracted; the feed text is kept instead."""

    code = "extract_failed"


class ReviewError(DigestError, ValueError):
    """An editor action does not fit the draft (unknown section, approved draft...)."""

    code = "review"


class SearchError(DigestError, ValueError):
    """A search query that FTS5 cannot parse."""

    code = "bad_query"


class LeaseHeldError(DigestError):
    """Another run (cron, daemon or the web page) holds the fetch lease."""

    code = "lease_held"


class PublishError(DigestError):
    """Rendering or writing an issue failed."""

    code = "publish"
