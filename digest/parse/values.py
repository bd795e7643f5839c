"""Text values as feedparser gives them, for the fast path (:mod:`digest.parse.fast`):
its stripping and mojibake and cp1252 repairs, its date parsing, its URL join against
the xml:base in force, and its un-escaping of links. Each agrees with feedparser on the
corpus (tests/test_parse_fast.py); each is cheaper where a value needs no touch.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.urls import _urljoin

__all__ = [
    "MAY_HOLD_C1",
    "feed_date",
    "fix_text",
    "join_uri",
    "link_fix",
    "may_hold_c1",
    "split_author",
]

_LINK_ENTITY_RE = re.compile("&([A-Za-z0-9_]+);")
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_W3C_DATE_RE = re.compile(
    "(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    "T(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})"
)
_RFC822_DATE_RE = re.compile(
    f"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<d>[0-9]{{2}}) (?P<m>{'|'.join(_MONTHS)}) "
    "(?P<y>[0-9]{4}) (?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2}) (?P<zone>GMT|UTC|[+-][0-9]{4})"
)
_NO_OFFSET = timedelta(0)
# An absolute http(s) URI that urljoin gives back unchanged whatever the base: a
# lowercase scheme, an ASCII host, no ";" (params), "#" or empty query (dropped), no
# brackets (urlsplit checks them), no spaces or controls (it removes those).
_PLAIN_ABSOLUTE_RE = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]*)?(?:/[A-Za-z0-9\-._~%!$&'()*+,=:@/]*)?"
    r"(?:\?[A-Za-z0-9\-._~%!$&'()*+,=:@/?]+)?"
)
_C1_RE = re.compile("[\x80-\x9f]")  # the only characters feedparser's cp1252 table maps
# A C1 control can only reach a text value from the body as UTF-8 bytes (C2 80-9F) or
# as a character reference (&#128;-&#159;, &#x80;-&#x9F;); nor can fix_text's mojibake
# repair make one of other characters. Most feeds have neither: then no value needs
# the C1 scan, 3 ns a character, which was 3% of a feed's parse.
_C1_UTF8_RE = re.compile(rb"\xc2[\x80-\x9f]")
_C1_REF_RE = re.compile(rb"&#(?:[xX]0*[89][0-9a-fA-F]|0*1(?:2[89]|[3-5][0-9]));")
MAY_HOLD_C1: ContextVar[bool] = ContextVar("may_hold_c1", default=True)
# feedparser's e-mail pattern (_sync_author_detail) is [local chars]+ "@" domain, which
# re.search tries from every position: quadratic on a long run of local characters. Its
# local part can only end at an "@", so the same leftmost match is found from each "@":
# the run of local characters before it (str.rstrip), then the domain matched there.
_EMAIL_LOCAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+"
_EMAIL_DOMAIN_RE = re.compile(
    r"(?:\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.|(?:[a-zA-Z0-9\-]+\.)+)"
    r"(?:[a-zA-Z]{2,4}|[0-9]{1,3})\]?(?:\?subject=\S+)?"
)


def may_hold_c1(body: bytes) -> bool:
    """Whether a text value of this document may hold a C1 control (see _C1_UTF8_RE):
    ``in`` finds a byte 100x faster than the regex scans, and "&#" is common."""
    if b"\xc2" in body and _C1_UTF8_RE.search(body):
        return True
    return _C1_REF_RE.search(body) is not None


def fix_text(text: str) -> str:
    """feedparser's touches on every text value: strip, undo latin-1 mojibake, cp1252."""
    text = text.strip()
    if text.isascii():  # O(1) in CPython: no mojibake and no cp1252 controls possible
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    # str.translate with a dict looks up every character (~30 us per KB, a quarter of
    # a real feed's parse); only C1 controls are in the table, and they are rare.
    if not MAY_HOLD_C1.get():
        return text
    return text.translate(_cp1252) if _C1_RE.search(text) else text


@lru_cache(maxsize=1024)  # an Atom feed's entries often share their updated date
def feed_date(text: str) -> Any:
    """feedparser's _parse_date, with the two forms nearly every feed writes read by
    one regex: W3C-DTF (Atom), which its first handler reads the same way, and RFC 822
    (RSS), which that handler always refuses before the next one reads it so (5 us).
    Its 9-tuple (or None) is immutable, so a cached one is safe to share."""
    match = _W3C_DATE_RE.fullmatch(text) or _RFC822_DATE_RE.fullmatch(text)
    if match is None:
        return _parse_date(text)
    year, month, day, hour, minute, second, zone = match.group("y", "m", "d", "H", "M", "S", "zone")
    try:
        stamp = datetime(int(year), _MONTHS.get(month) or int(month), int(day),
                         int(hour), int(minute), int(second))  # fmt: skip
        return (stamp - _offset(zone)).utctimetuple()
    except (ValueError, OverflowError):  # feedparser's handler gives up: so do we
        return _parse_date(text)


def _offset(zone: str) -> timedelta:
    """A zone the date regexes accept, as feedparser's handlers read it."""
    if zone[0] not in "+-":  # Z, GMT, UTC
        return _NO_OFFSET
    sign = -1 if zone[0] == "-" else 1
    return timedelta(hours=sign * int(zone[1:3]), minutes=sign * int(zone[-2:]))


def join_uri(base: str, uri: str) -> str:
    """feedparser's _urljoin: without a base, all it does is drop the slashes after a
    scheme's "://" beyond two (its _urifixer), which only a ":///" can have; a plain
    absolute URI (see _PLAIN_ABSOLUTE_RE) it returns as it is, if the base parses."""
    if not base and ":///" not in uri:
        return uri
    if _PLAIN_ABSOLUTE_RE.fullmatch(uri) and _parses(base):
        return uri
    return str(_urljoin(base, uri))


def _parses(base: str) -> bool:
    """urljoin does not raise ValueError on this base (then _urljoin gives "")."""
    try:
        urlparse(base)  # urlsplit caches its results: a feed's few bases cost once
    except ValueError:
        return False
    return True


def link_fix(value: str) -> str:
    if "&" not in value:  # nothing for either replacement to find
        return value
    return _LINK_ENTITY_RE.sub(r"&\g<1>", value.replace("&amp;", "&"))


def split_author(text: str) -> dict[str, str]:
    """An RSS-style author (<author>, dc:creator, itunes:author, managingEditor) as
    feedparser files it: the first e-mail address it finds is taken out as the email,
    what is left (unwrapped from "()" or "<>") is the name."""
    if "@" not in text:  # nearly every author: no address to look for
        return {"name": text} if text else {}
    email = _find_email(text)
    if email is None:
        return {"name": text}
    name = text.replace(email, "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "")
    name = name.strip()
    name = name[1:] if name[:1] == "(" else name
    name = (name[:-1] if name[-1:] == ")" else name).strip()
    return {"name": name, "email": email} if name else {"email": email}


def _find_email(text: str) -> str | None:
    """What feedparser's e-mail regex finds first in ``text``, in one pass (each
    character is looked at from one "@" at most; see _EMAIL_DOMAIN_RE)."""
    after = 0  # where the text after the previous "@" starts
    while (at := text.find("@", after)) != -1:
        head = text[after:at]
        local = len(head) - len(head.rstrip(_EMAIL_LOCAL))
        if local and (domain := _EMAIL_DOMAIN_RE.match(text, at + 1)):
            return text[at - local : domain.end()]
        after = at + 1
    return None
