"""The one exception tree of digest.

Every error digest raises on purpose derives from :class:`DigestError` and has a
stable ``code``, an :class:`ErrorCode`, that the database, the CLI and the web page
show, and, where one applies, the ``url`` it is about. Where a builtin fits, the error
also subclasses it, so callers may catch either::

    DigestError                               code "error"; .code .hint .url
     ├── ConfigError (ValueError)            code "config"
     ├── StorageError                         code "storage"
     │    ├── StorageUnavailableError         code per failure, see STORAGE_CODES
     │    ├── StorageBusyError                code "storage_busy"
     │    └── ConflictError                   code "conflict"
     ├── NotFoundError (LookupError)          code "not_found"
     ├── FetchError                           a code from FETCH_CODES; .status .retry_after
     │    └── BlockedAddressError             code "blocked_address" / "bad_scheme"
     ├── ParseError (ValueError)              code "parse_error" / "not_a_feed" / "empty" /
     │                                        "parse_timeout" / "parser_crash" / "bad_opml"
     ├── ExtractError                         code "extract_failed" / "not_html" / ...
     ├── ReviewError (ValueError)             code "review"
     ├── SearchError (ValueError)             code "bad_query"
     ├── LeaseHeldError                       code "lease_held"
     ├── PublishError                         code "publish" / "smtp"
     └── TranslateError                       code "translate" / "engine_missing" / "bad_input"

Third-party exceptions are translated at stage boundaries with ``raise X(...) from e``;
``str()`` of an error includes its cause so one line tells the whole story.

In a batch (a refresh of many feeds) a failure of one item is not raised: the error
instance itself is that item's value (``Fetched | NotModified | FetchError`` from
fetch, ``ParsedFeed | ParseError`` from parse), stored against the item
(``Store.record_fetch``) and reported in its ``Outcome``. Only a failure that stops
the whole call (the lease is held, the database is unusable) is raised.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class ErrorCode(StrEnum):
    """Every code an error may carry. The values are what the database stores and the
    CLI and the web page show, so they never change; a new failure gets a new member."""

    # --- error codes: one block, one member a line, grouped by stage ---
    ERROR = "error"
    CONFIG = "config"
    STORAGE = "storage"
    STORAGE_BUSY = "storage_busy"
    STORAGE_READONLY = "storage_readonly"  # file, folder or mount read-only; permissions
    STORAGE_FULL = "storage_full"  # disk (or quota) full
    STORAGE_CORRUPT = "storage_corrupt"  # not a database, or a damaged one
    STORAGE_CANNOT_OPEN = "storage_cannot_open"  # missing folder, no permission to open
    STORAGE_IO = "storage_io"  # the OS reported an I/O error
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    LEASE_HELD = "lease_held"
    # fetch (FETCH_CODES)
    FETCH = "fetch"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BLOCKED_ADDRESS = "blocked_address"
    BAD_SCHEME = "bad_scheme"
    INSECURE_REDIRECT = "insecure_redirect"
    HTTP_ERROR = "http_error"
    RATE_LIMITED = "rate_limited"
    GONE = "gone"
    CONNECTION = "connection"
    TLS = "tls"
    DNS = "dns"
    # parse
    PARSE_ERROR = "parse_error"
    NOT_A_FEED = "not_a_feed"
    EMPTY = "empty"
    PARSE_TIMEOUT = "parse_timeout"
    PARSER_CRASH = "parser_crash"
    BAD_OPML = "bad_opml"
    # extract
    EXTRACT_FAILED = "extract_failed"
    EXTRACT_EMPTY = "extract_empty"
    EXTRACT_TIMEOUT = "extract_timeout"
    NOT_HTML = "not_html"
    SUMMARY_TIMEOUT = "summary_timeout"
    SUMMARY_FAILED = "summary_failed"
    # review, search, publish
    REVIEW = "review"
    BAD_QUERY = "bad_query"
    PUBLISH = "publish"
    SMTP = "smtp"
    # translate
    TRANSLATE = "translate"
    ENGINE_MISSING = "engine_missing"
    BAD_INPUT = "bad_input"


class DigestError(Exception):
    """Root of digest's errors. ``code`` is stable; ``hint`` says what to do next;
    ``url`` is the URL the error is about, when there is one (a feed, a page).

    An instance pickles whole (a worker's reply): ``__init__`` takes the message alone
    and pickle restores the other attributes from ``__dict__``; the cause does not
    travel, so a worker puts what matters of it in the message."""

    code: ErrorCode = ErrorCode.ERROR

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str | None = None,
        hint: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = ErrorCode(code)  # an unknown code fails here, not in the UI
        self.hint = hint
        self.url = url

    def detached(self) -> Self:
        """This error made fit to be kept as a batch's value or sent to another
        process: the cause's text moves into the message (``str()`` is unchanged), and
        no traceback is held, whose frames would keep their locals (a half-read body)
        alive for as long as the result is."""
        cause = self.__cause__
        if cause is not None and str(cause) and str(cause) not in self.message:
            self.message = f"{self.message}: {type(cause).__name__}: {cause}"
        self.args = (self.message,)
        self.__cause__ = self.__context__ = None
        self.__traceback__ = None
        return self

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

    code = ErrorCode.CONFIG


class StorageError(DigestError):
    """The SQLite database could not be read or written."""

    code = ErrorCode.STORAGE


# What the CLI exits 3 for (digest.store.db.translate sets these codes).
STORAGE_CODES = frozenset(
    {
        ErrorCode.STORAGE,
        ErrorCode.STORAGE_READONLY,
        ErrorCode.STORAGE_FULL,
        ErrorCode.STORAGE_CORRUPT,
        ErrorCode.STORAGE_CANNOT_OPEN,
        ErrorCode.STORAGE_IO,
    }
)


class StorageUnavailableError(StorageError):
    """The database cannot be read or written at all (read-only, disk full, corrupt,
    cannot open): retrying will not help until someone fixes the file or the disk."""


class StorageBusyError(StorageError):
    """Another process holds the write lock longer than the busy timeout."""

    code = ErrorCode.STORAGE_BUSY


class ConflictError(StorageError):
    """An editor acted on a stale version of an item (e.g. two browser tabs)."""

    code = ErrorCode.CONFLICT


class NotFoundError(DigestError, LookupError):
    """A feed, entry, draft item or issue does not exist."""

    code = ErrorCode.NOT_FOUND


# Codes a fetch failure may carry; the editor sees them in `digest feeds`.
FETCH_CODES = frozenset(
    {
        ErrorCode.TIMEOUT,
        ErrorCode.TOO_LARGE,
        ErrorCode.REDIRECT_LOOP,
        ErrorCode.TOO_MANY_REDIRECTS,
        ErrorCode.BLOCKED_ADDRESS,
        ErrorCode.BAD_SCHEME,
        ErrorCode.INSECURE_REDIRECT,
        ErrorCode.HTTP_ERROR,
        ErrorCode.RATE_LIMITED,
        ErrorCode.GONE,
        ErrorCode.NOT_FOUND,
        ErrorCode.CONNECTION,
        ErrorCode.TLS,
        ErrorCode.DNS,
    }
)


class WarningCode(StrEnum):
    """Codes of parser warnings: the feed was read, but not as written. Each is stored
    with the fetch attempt and on the feed (status "warning"), shown and logged (ADR 0011)."""

    NOT_WELL_FORMED = "not_well_formed"  # broken XML read by the tolerant parser (truncated...)
    CHARSET_OVERRIDE = "charset_override"  # the declared charset was wrong; another was used
    RECOVERED_WITH_LOSSES = "recovered_with_losses"  # stray bytes replaced to keep the rest
    SKIPPED_ENTRIES = "skipped_entries"  # entries without any identity, or not objects
    DUPLICATE_IDS = "duplicate_ids"  # entries repeating an earlier id in the same document
    ENTRIES_CAPPED = "entries_capped"  # more entries than fetch.max_entries: the oldest dropped


WARNING_CODES = frozenset(WarningCode)


class FetchError(DigestError):
    """One fetch failed: raised inside the fetch stage, returned as the value of a
    failed fetch (``FetchResult``). ``status`` is the HTTP status when there was one;
    ``retry_after`` (seconds) is set when the server asked."""

    code = ErrorCode.FETCH

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str | None = None,
        hint: str | None = None,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint, url=url)
        self.status = status
        self.retry_after = retry_after


class BlockedAddressError(FetchError):
    """The address guard refused a URL (private address, bad scheme, ...)."""

    code = ErrorCode.BLOCKED_ADDRESS


class ParseError(DigestError, ValueError):
    """Fetched bytes are not a usable feed."""

    code = ErrorCode.PARSE_ERROR


class ExtractError(DigestError):
    """Article text could not be extracted; the feed text is kept instead."""

    code = ErrorCode.EXTRACT_FAILED


class ReviewError(DigestError, ValueError):
    """An editor action does not fit the draft (unknown section, approved draft...)."""

    code = ErrorCode.REVIEW


class SearchError(DigestError, ValueError):
    """A search query that FTS5 cannot parse."""

    code = ErrorCode.BAD_QUERY


class LeaseHeldError(DigestError):
    """Another run (cron, daemon or the web page) holds the fetch lease."""

    code = ErrorCode.LEASE_HELD


class PublishError(DigestError):
    """Rendering or writing an issue failed."""

    code = ErrorCode.PUBLISH


class TranslateError(DigestError):
    """A translation engine is missing, refused the text or answered nonsense."""

    code = ErrorCode.TRANSLATE
