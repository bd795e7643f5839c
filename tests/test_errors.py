"""digest.errors: one tree, one enum of codes, and errors that travel as values
(a batch's result, a worker's reply) without being converted and rebuilt."""

from __future__ import annotations

import inspect
import pickle

import pytest

from digest import errors
from digest.errors import (
    FETCH_CODES,
    BlockedAddressError,
    DigestError,
    ErrorCode,
    FetchError,
    ParseError,
)
from digest.types import Outcome

# The strings the database and the UI have shown all along: they must not change.
STORED = {
    "error", "config", "storage", "storage_busy", "conflict", "not_found", "lease_held",
    "fetch", "timeout", "too_large", "redirect_loop", "too_many_redirects",
    "blocked_address", "bad_scheme", "insecure_redirect", "http_error", "rate_limited",
    "gone", "connection", "tls", "dns", "parse_error", "not_a_feed", "empty",
    "parse_timeout", "parser_crash", "bad_opml", "extract_failed", "extract_empty",
    "extract_timeout", "not_html", "review", "bad_query", "publish", "smtp",
}  # fmt: skip


def test_every_code_is_an_enum_member_with_its_old_value() -> None:
    assert STORED <= {c.value for c in ErrorCode}
    assert FETCH_CODES <= set(ErrorCode)
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, DigestError)]  # fmt: skip
    assert len(classes) > 10 and all(isinstance(c.code, ErrorCode) for c in classes)
    # A string still works (and compares equal), but only a known one.
    assert ParseError("x", code="not_a_feed").code is ErrorCode.NOT_A_FEED
    assert ErrorCode.TIMEOUT == "timeout" and f"{ErrorCode.TIMEOUT}" == "timeout"
    with pytest.raises(ValueError):
        DigestError("x", code="no_such_code")


@pytest.mark.parametrize(
    "error",
    [
        ParseError("no feed here", code=ErrorCode.NOT_A_FEED, url="https://a.example/f"),
        FetchError(
            "HTTP 429",
            code=ErrorCode.RATE_LIMITED,
            url="https://a.example/f",
            status=429,
            retry_after=120.0,
        ),
        BlockedAddressError("127.0.0.1 is loopback", hint="add it to fetch.allow_hosts"),
        DigestError("plain"),
    ],
    ids=["parse", "fetch", "blocked", "root"],
)
def test_an_error_pickles_whole(error: DigestError) -> None:
    # A worker's reply crosses processes by pickle: the instance must come back whole.
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert vars(back) == vars(error)
    assert len(pickle.dumps(error)) < 600  # a reply stays small


def test_detached_keeps_the_text_and_drops_the_frames() -> None:
    def fail() -> None:
        try:
            raise OSError("connection reset")
        except OSError as e:
            raise FetchError("GET failed", code=ErrorCode.CONNECTION, hint="retry") from e

    with pytest.raises(FetchError) as info:
        fail()
    error = info.value
    text = str(error)
    assert "OSError: connection reset" in text and error.__traceback__ is not None
    assert error.detached() is error
    assert str(error) == text and error.__traceback__ is None and error.__cause__ is None
    back = pickle.loads(pickle.dumps(error))
    assert str(back) == text  # the cause's text survives the trip too


def test_a_failed_outcome_carries_the_error_itself() -> None:
    error = ParseError("parsing took over 10s", code=ErrorCode.PARSE_TIMEOUT, url="u")
    outcome = Outcome.failed("https://a.example/f", error)
    assert outcome.error is error and not outcome.ok
    assert (outcome.code, outcome.detail) == (ErrorCode.PARSE_TIMEOUT, str(error))
