"""Group entries from several feeds into stories: one paper, its code, the blog post
about it and the podcast episode discussing it become one :class:`Story`.

Two entries join when they share an identity (canonical URL, arXiv id, code
repository), when one's content links point at the paper or repository the other is
about, or when their titles are near-identical (token Jaccard >= 0.8, different feeds,
within ``title_window_days``). Union-find makes the result a partition of the input.

Roundups (an entry linking to more than ``_MAX_REFS`` papers/repositories) are not
"about" any of them, so their links are ignored; otherwise one weekly roundup would
glue a dozen stories together.

Story keys are stable across rebuilds because they come from the story's earliest
entry (first_seen, then id), which later arrivals cannot displace: ``arxiv:<id>`` when
a paper is involved, else ``url:<sha1(canonical)[:16]>``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from digest.identity import arxiv_id, canonical_url, link_role
from digest.types import Entry, LinkRole, SourceKind, Story, StoryLink

__all__ = ["group_stories", "title_tokens"]

log = logging.getLogger("digest.group")

TITLE_JACCARD = 0.8
_MIN_TITLE_TOKENS = 3  # "Release v1.2" must not merge two repositories' releases
_MAX_REFS = 3  # more paper/code links than this: a roundup, not a story about one thing
_LEAD_MIN_WORDS = 50
_REF_ROLES = frozenset({LinkRole.PAPER, LinkRole.CODE, LinkRole.RELEASE})
_TOKEN_RE = re.compile(r"\w+")
_TAG_RE = re.compile(r"<[^>]+>")
_STOP = frozenset({"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "is"})


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_stories(
    entries: Sequence[Entry], *, now: datetime, title_window_days: int = 7
) -> list[Story]:
    """Partition ``entries`` into stories, newest story first (by latest rank_time)."""
    uf = _UnionFind(len(entries))
    _union_by_tokens(entries, uf)
    _union_by_titles(entries, uf, timedelta(days=title_window_days))
    groups: dict[int, list[Entry]] = defaultdict(list)
    for i, entry in enumerate(entries):
        groups[uf.find(i)].append(entry)
    stories = [_make_story(members) for members in groups.values()]
    # rank_time is capped at now by the store; capping again keeps a bad clock harmless
    stories.sort(key=lambda s: (-max(min(e.rank_time, now) for e in s.entries).timestamp(), s.key))
    log.debug("grouped %d entries into %d stories", len(entries), len(stories))
    return stories


# --- identities ------------------------------------------------------------


def _canonical(entry: Entry) -> str:
    return entry.canonical or canonical_url(entry.link or "") or f"entry:{entry.id}"


def _repo_key(url: str) -> str | None:
    """``github.com/owner/repo`` for any page inside a code repository (releases, tree)."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in {"github.com", "gitlab.com", "codeberg.org"} and len(segments) >= 2:
        return f"repo:{host}/{segments[0].lower()}/{segments[1].lower()}"
    if host == "huggingface.co" and segments:
        if segments[0] in {"datasets", "spaces"} and len(segments) >= 3:
            return f"repo:{host}/{'/'.join(segments[:3]).lower()}"
        if segments[0] not in {"blog", "docs", "learn", "papers", "posts"} and len(segments) >= 2:
            return f"repo:{host}/{'/'.join(segments[:2]).lower()}"
    return None


def _own_tokens(entry: Entry) -> set[str]:
    """What the entry *is*: its URL, its paper, its repository."""
    url = _canonical(entry)
    tokens = {f"url:{url}"}
    paper = entry.arxiv_id or arxiv_id(url)
    if paper:
        tokens.add(f"arxiv:{paper}")
    repo = _repo_key(url)
    if repo:
        tokens.add(repo)
    return tokens


def _ref_tokens(entry: Entry) -> list[str]:
    """What the entry points at (papers, repositories), in content order; [] for roundups."""
    refs: list[str] = []
    for raw in entry.links:
        url = canonical_url(raw)
        if link_role(url) not in _REF_ROLES:
            continue
        paper = arxiv_id(url)
        token = f"arxiv:{paper}" if paper else (_repo_key(url) or f"url:{url}")
        if token not in refs:
            refs.append(token)
    return refs if len(refs) <= _MAX_REFS else []


def _union_by_tokens(entries: Sequence[Entry], uf: _UnionFind) -> None:
    first: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for token in _own_tokens(entry) | set(_ref_tokens(entry)):
            if token in first:
                uf.union(first[token], i)
            else:
                first[token] = i


# --- near-identical titles -----------------------------------------------------


def title_tokens(title: str) -> frozenset[str]:
    """Casefolded word tokens of a title, minus a few stop words."""
    words = _TOKEN_RE.findall(title.casefold())
    return frozenset(w for w in words if w not in _STOP)


def _union_by_titles(entries: Sequence[Entry], uf: _UnionFind, window: timedelta) -> None:
    """Prefix filtering: two sets with Jaccard >= t share a token among the rarest
    ``|A| - ceil(t*|A|) + 1`` of each, so only those tokens are indexed (near-linear)."""
    token_sets = [title_tokens(e.title) for e in entries]
    freq: Counter[str] = Counter(t for ts in token_sets for t in ts)
    index: dict[str, list[int]] = defaultdict(list)
    for i, tokens in enumerate(token_sets):
        if sum(1 for t in tokens if len(t) > 1 and not t.isdigit()) < _MIN_TITLE_TOKENS:
            continue  # "v1.2.0", "Episode 12": too little said to call two the same
        ordered = sorted(tokens, key=lambda t: (freq[t], t))
        prefix = len(tokens) - math.ceil(TITLE_JACCARD * len(tokens)) + 1
        seen: set[int] = set()
        for token in ordered[:prefix]:
            for j in index[token]:
                if j not in seen and _titles_match(entries, token_sets, i, j, window):
                    uf.union(i, j)
                seen.add(j)
            index[token].append(i)


def _titles_match(
    entries: Sequence[Entry], sets: list[frozenset[str]], i: int, j: int, window: timedelta
) -> bool:
    a, b = entries[i], entries[j]
    if a.feed_url == b.feed_url or abs(a.rank_time - b.rank_time) > window:
        return False
    union = len(sets[i] | sets[j])
    return union > 0 and len(sets[i] & sets[j]) / union >= TITLE_JACCARD


# --- building a story -----------------------------------------------------------


def _words(entry: Entry) -> int:
    text = _TAG_RE.sub(" ", entry.content_html or entry.summary_html)
    return len(text.split())


def _lead_key(entry: Entry) -> tuple[int, int, float, int]:
    """An explainer beats a listing: a blog/news post with real text leads, then the
    arXiv entry (its abstract is a good summary), then the entry with the most text."""
    words = _words(entry)
    if entry.kind in {SourceKind.BLOG, SourceKind.NEWS} and words >= _LEAD_MIN_WORDS:
        tier = 0
    elif entry.kind is SourceKind.ARXIV:
        tier = 1
    else:
        tier = 2
    return (tier, -min(words, 400), entry.first_seen.timestamp(), entry.id)


def _seen_order(entry: Entry) -> tuple[float, int]:
    return (entry.first_seen.timestamp(), entry.id)


def _story_key(members: Sequence[Entry]) -> str:
    """From the earliest entry: its own arXiv id, else its first referenced paper,
    else any member's paper, else its canonical URL."""
    ordered = sorted(members, key=_seen_order)
    for entry in ordered:
        tokens = sorted(t for t in _own_tokens(entry) if t.startswith("arxiv:"))
        tokens += [t for t in _ref_tokens(entry) if t.startswith("arxiv:")]
        if tokens:
            return tokens[0]
    digest = hashlib.sha1(_canonical(ordered[0]).encode("utf-8")).hexdigest()[:16]
    return f"url:{digest}"


def _story_links(ordered: Sequence[Entry]) -> tuple[StoryLink, ...]:
    links: dict[str, StoryLink] = {}
    for entry in ordered:
        url = entry.canonical or entry.link
        if url and url not in links:
            links[url] = StoryLink(url, link_role(url, entry.kind), entry.source_name)
    for entry in ordered:
        for url in _ref_urls(entry):
            if url not in links:
                links[url] = StoryLink(url, link_role(url), entry.source_name)
    return tuple(links.values())


def _ref_urls(entry: Entry) -> Iterable[str]:
    if not _ref_tokens(entry):
        return []
    urls = (canonical_url(u) for u in entry.links)
    return [u for u in urls if link_role(u) in _REF_ROLES]


def _make_story(members: Sequence[Entry]) -> Story:
    lead = min(members, key=_lead_key)
    rest = sorted((e for e in members if e is not lead), key=_seen_order)
    ordered = (lead, *rest)
    key = _story_key(members)
    links = _story_links(sorted(members, key=_seen_order))
    primary: str | None
    if key.startswith("arxiv:"):
        paper = next((ln.url for ln in links if arxiv_id(ln.url) == key[6:]), None)
        primary = paper or f"https://arxiv.org/abs/{key[6:]}"
    else:
        earliest = min(members, key=_seen_order)
        primary = earliest.canonical or earliest.link
    return Story(key=key, entries=ordered, links=links, primary_link=primary)
