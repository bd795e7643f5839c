"""Identity of links and entries: canonical URLs, arXiv ids, link roles, hashes.

Pure functions, no I/O. ``canonical_url`` is what two feeds must agree on for their
entries to be "the same thing": it folds http/https, ``www.``, default ports,
fragments, tracking parameters, query order, trailing slashes and the many arXiv
URL forms (abs, pdf, html, vN, export.arxiv.org) into one string. It is idempotent.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from digest.sanitize import fts_text
from digest.types import EntryData, EntryKeys, LinkRole, SourceKind

__all__ = [
    "arxiv_id",
    "canonical_url",
    "content_hash",
    "entry_keys",
    "fallback_id",
    "fragment",
    "link_role",
    "make_keys",
    "may_be_reference",
]

# New style 2401.12345 (4 or 5 digits), old style cs/0601001 or math.GT/0309136.
_ARXIV_NEW = r"\d{4}\.\d{4,5}(?!\d)"
_ARXIV_OLD = r"[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}"
_ARXIV_ID = rf"(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?"
_ARXIV_RE = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html|format|ps|src)/|oai:arxiv\.org:|\barxiv:\s*)" + _ARXIV_ID,
    re.IGNORECASE,
)
_ARXIV_PATH_RE = re.compile(r"^/(?:abs|pdf|html|format|ps|src)/" + _ARXIV_ID, re.IGNORECASE)

_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "cmpid",
        "s_cid",
        "ncid",
        "sr_share",
        "spm",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__s")
# source=rss / source=feed etc. mark the channel, not the document.
_TRACKING_VALUES = {"source": {"rss", "feed", "atom", "feedburner", "twitter", "newsletter"}}

_DEFAULT_PORTS = {"http": 80, "https": 443}

_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "doi.org",
    "proceedings.mlr.press",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "biorxiv.org",
    "medrxiv.org",
    "semanticscholar.org",
    "openaccess.thecvf.com",
)
_CODE_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "pypi.org")
# Every link link_role (without a feed kind) calls a paper, code or release is on one
# of these hosts: a cheap test that spares parsing the many links that are not.
_REFERENCE_RE = re.compile(  # searched in lowercase: far quicker than re.IGNORECASE
    "|".join(re.escape(h) for h in (*_PAPER_HOSTS, *_CODE_HOSTS, "huggingface.co"))
)
_AUDIO_EXT = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac")


def arxiv_id(url_or_text: str) -> str | None:
    """The arXiv id (without version) named by an arxiv.org URL, an OAI id or ``arXiv:``."""
    # Every form has "arxiv" in it: in ASCII text, a plain search rules most out at a
    # fraction of the case-blind regex's cost (which also takes a dotless "ı" for "i").
    if url_or_text.isascii() and "arxiv" not in url_or_text.lower():
        return None
    match = _ARXIV_RE.search(url_or_text)
    return _normalise_arxiv(match.group("id")) if match else None


def _normalise_arxiv(raw: str) -> str:
    if "/" not in raw:
        return raw
    archive, number = raw.split("/", 1)
    # math.GT/0309136 and math/0309136 are the same paper; the subject class is optional.
    return f"{archive.split('.', 1)[0].lower()}/{number}"


# A URL already in the shape canonical_url gives most links in feeds: lowercase
# http(s), a plain lowercase host without port or user, a path without query or
# fragment. For it the general steps below reduce to these string operations (the
# property test in tests/test_identity.py compares both); urlsplit costs ~5 us a link.
_PLAIN_URL_RE = re.compile(r"https?://([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[^?#\s]*)?")


def canonical_url(url: str) -> str:
    """One spelling per document; see the module docstring. Non-http(s) URLs pass stripped."""
    text = url.strip()
    plain = _PLAIN_URL_RE.fullmatch(text)
    # _on_host(host, ("arxiv.org",)) spelled out: a third of the plain path's time
    if plain and (host := plain.group(1)) != "arxiv.org" and not host.endswith(".arxiv.org"):
        while host.startswith("www.") and "." in host[4:]:
            host = host[4:]
        return f"https://{host}{(plain.group(2) or '').rstrip('/') or '/'}"
    return _canonical_url(text)


def _canonical_url(text: str) -> str:
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return text
    host = _canonical_host(parts.netloc)
    if _on_host(host.split(":", 1)[0], ("arxiv.org",)):
        match = _ARXIV_PATH_RE.match(parts.path)
        if match:
            return f"https://arxiv.org/abs/{_normalise_arxiv(match.group('id'))}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, _clean_query(parts.query), ""))


def fallback_id(link: str) -> str:
    """An entry's identity when its feed gives no id: its canonical link, keeping a
    fragment that names a part of the page ("post#comment-12": two comments of one
    post differ only there) and dropping one that names page furniture ("#comments",
    "#more-123") or tracking. Not a per-document rule ("keep it when two entries
    collide"): that would change an entry's id as its neighbours come and go (ADR 0011)."""
    canonical = canonical_url(link)
    tail = fragment(link)
    if not tail or _NOISE_FRAGMENT_RE.match(tail) or not canonical.startswith("https://"):
        return canonical
    return f"{canonical}#{tail}"


def fragment(link: str | None) -> str:
    """The fragment of a link ("" without one)."""
    _, _, tail = (link or "").strip().partition("#")
    return tail


# Fragments that point at a page's furniture, or carry tracking, not at an entry.
_NOISE_FRAGMENT_RE = re.compile(
    r"^(?:comments?|respond|reply|disqus_thread|more(?:-\d+)?|(?:read|continue)[-_]?(?:more|reading)"
    r"|content|main|top|page|article|post|entry|utm_.*|xtor=.*|ref=.*|at_.*|\.\w+)$",
    re.IGNORECASE,
)


def _canonical_host(netloc: str) -> str:
    hostport = netloc.rsplit("@", 1)[-1].lower()
    host, port = hostport, ""
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif ":" in hostport:
        host, port = hostport.rsplit(":", 1)
    host = host.rstrip(".")
    while host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    if port in {"", "80", "443"}:
        return host
    return f"{host}:{port}"


def _clean_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        name = key.lower()
        if name in _TRACKING_EXACT or name.startswith(_TRACKING_PREFIXES):
            continue
        if value.lower() in _TRACKING_VALUES.get(name, ()):
            continue
        kept.append(piece)
    return "&".join(sorted(kept))


def link_role(url: str, kind: SourceKind | None = None) -> LinkRole:
    """What a link points at: a paper, code, a release, a podcast episode, news or a post."""
    low = url.lower()
    if _REFERENCE_RE.search(low) is None and not any(ext in low for ext in _AUDIO_EXT):
        return _role_of_kind(kind)  # no paper, code or audio anywhere: no need to parse
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = urlsplit("")
    host = _canonical_host(parts.netloc).split(":", 1)[0] if parts.netloc else ""
    path = parts.path.lower()
    if _on_host(host, _PAPER_HOSTS) or (host == "huggingface.co" and path.startswith("/papers")):
        return LinkRole.PAPER
    if _on_host(host, _CODE_HOSTS) or _is_hf_repo(host, path):
        if "/releases/" in path or path.endswith("/releases") or "/-/releases" in path:
            return LinkRole.RELEASE
        return LinkRole.RELEASE if kind is SourceKind.RELEASE else LinkRole.CODE
    if path.endswith(_AUDIO_EXT):
        return LinkRole.PODCAST
    return _role_of_kind(kind)


def _role_of_kind(kind: SourceKind | None) -> LinkRole:
    """The role of a link that is no paper, code or audio file: its feed's kind says."""
    if kind is SourceKind.PODCAST:
        return LinkRole.PODCAST
    if kind is SourceKind.RELEASE:
        return LinkRole.RELEASE
    if kind is SourceKind.NEWS:
        return LinkRole.NEWS
    return LinkRole.POST


def may_be_reference(url: str) -> bool:
    """False when ``link_role(url)`` cannot be a paper, code or release: the URL does not
    even contain such a host's name (grouping tests every link of every entry)."""
    return _REFERENCE_RE.search(url.lower()) is not None


def _on_host(host: str, domains: tuple[str, ...]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one (tried suffix by suffix)."""
    dot = -1
    while True:
        if host[dot + 1 :] in domains:
            return True
        dot = host.find(".", dot + 1)
        if dot == -1:
            return False


def _is_hf_repo(host: str, path: str) -> bool:
    """huggingface.co/<owner>/<model>, /datasets/..., /spaces/...: not its blog or docs."""
    if host != "huggingface.co":
        return False
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    if segments[0] in {"datasets", "spaces"}:
        return len(segments) >= 3
    return segments[0] not in {"blog", "docs", "learn", "papers", "posts"} and len(segments) >= 2


def content_hash(*parts: str) -> str:
    """sha256 hex over the parts; length-prefixed so ("ab", "c") != ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(f"{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def entry_keys(data: EntryData) -> EntryKeys:
    """What the store files an entry under: its canonical link (``guid:`` when it has
    none), the hash that tells a changed entry, and the plain text to search."""
    return make_keys(data.link, data.guid, data.title, data.summary_html, data.content_html)


def make_keys(
    link: str | None, guid: str, title: str, summary_html: str, content_html: str
) -> EntryKeys:
    """:func:`entry_keys` from an entry's parts, before its EntryData exists."""
    return EntryKeys(
        canonical=canonical_url(link) if link else f"guid:{guid}",
        content_hash=content_hash(title, summary_html, content_html),
        search_text=fts_text(content_html or summary_html),
    )
