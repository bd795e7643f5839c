"""Kind-specific values of an entry: arXiv, podcasts (itunes and Podcasting 2.0),
GitHub releases; and itunes:duration in all its spellings. Pure functions."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree

from digest.sanitize import clean_text, safe_url, strip_control
from digest.types import Enclosure

__all__ = [
    "arxiv_extra",
    "derived_title",
    "episode_link",
    "original_link",
    "parse_duration",
    "podcast_extra",
    "podcast_tags",
    "release_extra",
    "release_link",
]

_SPACE_RE = re.compile(r"\s+")
_ANNOUNCE_RE = re.compile(r"Announce Type:\s*([a-z-]+)", re.I)
_ARXIV_PREFIX_RE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.I)
_VERSION_RE = re.compile(r"v(\d+)(?:\.pdf)?$")
_RELEASE_RE = re.compile(r"^https?://(?:www\.)?github\.com/([^/]+/[^/]+)/releases/tag/([^?#]+)")
_PRERELEASE_RE = re.compile(r"(?:alpha|beta|rc|pre|dev|preview|nightly)", re.I)
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?)?"
    r"\s*(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?)?$",
    re.I,
)
_MEDIA_EXT = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4", ".m4v",
              ".mov", ".webm")  # fmt: skip
_TITLE_WORDS = 12
_XML_DECLARATION_RE = re.compile(rb"\s*<\?xml\s")  # not <?xml-stylesheet, a PI
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s")
_ISO_DURATION_RE = re.compile(r"^P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)$", re.I)


def parse_duration(value: Any) -> int | None:
    """Seconds from itunes:duration: ``SS``, ``MM:SS``, ``HH:MM:SS``, ``1h 2m 3s``, ``PT1H2M``."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if ":" in text:
            seconds = 0.0
            for part in text.split(":"):
                seconds = seconds * 60 + float(part or 0)
        elif iso := _ISO_DURATION_RE.match(text):
            h, m, s = (float(g or 0) for g in iso.groups())
            seconds = h * 3600 + m * 60 + s
        elif (unit := _DURATION_RE.match(text)) and any(unit.groups()):
            h, m, s = (float(g or 0) for g in unit.groups())
            seconds = h * 3600 + m * 60 + s
        else:
            seconds = float(text)
    except ValueError:
        return None
    return int(seconds) if 0 <= seconds < 1_000_000 else None


def arxiv_extra(
    e: Mapping[str, Any], summary: str, categories: Sequence[str], extra: dict[str, str]
) -> str:
    """announce type, version and categories; returns the summary without its
    "arXiv:2401.12345v1 Announce Type: new Abstract:" preamble."""
    raw_summary = str(e.get("summary") or "")
    announce = e.get("arxiv_announce_type") or _first(_ANNOUNCE_RE.search(raw_summary))
    if announce:
        extra["announce_type"] = strip_control(str(announce)).strip().lower()
    for source in (str(e.get("id") or ""), str(e.get("link") or "")):
        if version := _first(_VERSION_RE.search(source)):
            extra["version"] = version
            break
    primary = (e.get("arxiv_primary_category") or {}).get("term") or (
        categories[0] if categories else ""
    )
    if primary:
        extra["primary_category"] = strip_control(str(primary))
    if categories:
        extra["categories"] = ",".join(categories)
    for key in ("comment", "journal_ref", "doi"):
        if value := e.get(f"arxiv_{key}"):
            extra[key] = _SPACE_RE.sub(" ", strip_control(str(value))).strip()
    abstract = _ARXIV_PREFIX_RE.sub("", clean_text(summary), count=1)  # summary: sanitised
    return f"<p>{html.escape(abstract, quote=False)}</p>" if abstract else ""


def _first(match: re.Match[str] | None) -> str | None:
    return match.group(1) if match else None


def podcast_extra(
    e: Mapping[str, Any], tags: Mapping[str, str], base: str, extra: dict[str, str]
) -> None:
    for key in ("episode", "season", "episodetype"):
        raw = e.get(f"itunes_{key}")  # most entries have none: no regex on ""
        if raw and (value := _SPACE_RE.sub(" ", strip_control(str(raw))).strip()):
            extra["episode_type" if key == "episodetype" else key] = value
    for key, value in tags.items():
        safe = safe_url(value, base) if key.endswith("_url") else strip_control(value)
        if safe:
            extra[key] = safe


def release_extra(link: str | None, raw_id: str, feed_url: str, extra: dict[str, str]) -> None:
    """GitHub releases: repository, tag, version, prerelease from the release link."""
    match = _RELEASE_RE.match(link or "")
    if match:
        repo, tag = match.group(1), unquote(match.group(2)).strip("/")
    elif raw_id.startswith("tag:github.com,2008:Repository/") and "/releases" in feed_url:
        feed_repo = re.match(r"^https?://(?:www\.)?github\.com/([^/]+/[^/]+)/releases", feed_url)
        if not feed_repo:
            return
        repo, tag = feed_repo.group(1), raw_id.rsplit("/", 1)[-1]
    else:
        return
    extra["repository"] = repo
    extra["tag"] = tag
    extra["version"] = tag[1:] if re.match(r"^v\d", tag) else tag
    extra["prerelease"] = "true" if _PRERELEASE_RE.search(tag) else "false"


_TRANSCRIPT_PREFERENCE = (
    "text/vtt",
    "application/x-subrip",
    "application/srt",
    "text/html",
    "application/json",
)


def podcast_tags(body: bytes, tree: Any = None) -> dict[str, dict[str, str]]:
    """Podcasting 2.0 transcript/chapters/person per item, keyed by guid, link and title.
    lxml with entities, DTDs and network off; any failure just means no extras.
    ``tree``: the fast path's parse of ``body``, which left comments and processing
    instructions out (a comment splits an element's text): used when there are none."""
    root = tree if tree is not None and not _has_comments_or_pis(body) else _podcast_tree(body)
    if root is None:
        return {}
    found: dict[str, dict[str, str]] = {}
    for item in root.iter("item"):
        tags = _podcast_item(item)
        if tags:
            for key in ("guid", "link", "title"):
                text = (item.findtext(key) or "").strip()
                if text:
                    found.setdefault(text, tags)
    return found


def _podcast_tree(body: bytes) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=False
    )
    try:
        return etree.fromstring(body.lstrip(), parser)
    except (etree.Error, ValueError):
        return None


def _has_comments_or_pis(body: bytes) -> bool:
    """A comment, or a "<?" besides the XML declaration (scans of the bytes, ~1% of
    a parse of them)."""
    declared = _XML_DECLARATION_RE.match(body) is not None
    return b"<!--" in body or body.count(b"<?") > declared


def _podcast_item(item: Any) -> dict[str, str]:
    tags: dict[str, str] = {}
    transcripts: list[tuple[int, str, str]] = []
    persons: list[str] = []
    for child in item:
        tag = child.tag if isinstance(child.tag, str) else ""
        if "podcastindex" not in tag and "podcast-namespace" not in tag.lower():
            continue
        name, kind = tag.rsplit("}", 1)[-1], (child.get("type") or "").strip()
        if name == "transcript" and child.get("url"):
            rank = _TRANSCRIPT_PREFERENCE.index(kind) if kind in _TRANSCRIPT_PREFERENCE else 99
            transcripts.append((rank, child.get("url").strip(), kind))
        elif name == "chapters" and child.get("url") and "chapters_url" not in tags:
            tags["chapters_url"], tags["chapters_type"] = child.get("url").strip(), kind
        elif name == "person" and (child.text or "").strip():
            role = (child.get("role") or "").strip().lower()
            persons.append(child.text.strip() + (f" ({role})" if role else ""))
    if transcripts:
        _, tags["transcript_url"], tags["transcript_type"] = min(transcripts, key=lambda t: t[0])
    if persons:
        tags["persons"] = ", ".join(dict.fromkeys(persons))
    return {k: v for k, v in tags.items() if v}


def original_link(e: Mapping[str, Any]) -> str | None:
    """The article behind a proxy: ``feedburner:origLink``, or the same element of
    another proxy's namespace (pheedo:origLink...), which feedparser files under
    ``<prefix>_origlink``. The item's own link then only counts a click (ADR 0011)."""
    for key, value in e.items():
        if key.endswith("origlink") and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def episode_link(enclosures: Sequence[Enclosure]) -> str | None:
    """An episode without a page links to its audio (or video) file."""
    for enclosure in enclosures:
        path = enclosure.url.split("?", 1)[0].lower()
        if enclosure.type.startswith(("audio/", "video/")) or path.endswith(_MEDIA_EXT):
            return enclosure.url
    return None


def release_link(link: str | None, extra: Mapping[str, str]) -> str | None:
    """A GitHub release links to its release page, whatever else the entry links to
    (a tag, a commit, or nothing)."""
    repo, tag = extra.get("repository"), extra.get("tag")
    if not repo or not tag or _RELEASE_RE.match(link or ""):
        return None
    return f"https://github.com/{repo}/releases/tag/{quote(tag, safe='')}"


def derived_title(summary_html: str) -> str:
    """A headline for an untitled entry: the first sentence of its (sanitised) text,
    at most a dozen words, with an ellipsis when cut."""
    text = clean_text(summary_html)
    if not text:
        return ""
    sentence = _SENTENCE_END_RE.split(text, maxsplit=1)[0]
    words = sentence.split()
    if len(words) <= _TITLE_WORDS:
        return " ".join(words)
    return " ".join(words[:_TITLE_WORDS]).rstrip(",;:") + "…"
