"""Group entries from several feeds into stories: one paper, its code, the blog post
about it and the podcast episode discussing it become one :class:`Story`.

Two entries join when they share an identity (canonical URL, arXiv id, code
repository), when one's content links point at the paper or repository the other is
about, or when their titles are near-identical (token Jaccard >= 0.8, different feeds,
within ``title_window_days``). Union-find makes the result a partition of the input.

What an entry is "about" is judged narrowly, because one false join merges two
stories: roundups (links to more than ``_MAX_REFS`` papers/repositories) are about
none of them; a repository counts only when the title names it ("Announcing
tinyllm", not "built on transformers"); a paper older than ``_RECENT_MONTHS`` (from
its yymm id) is a citation, which joins the paper's own entry but not other posts
citing it.

Story keys are stable across rebuilds because they come from the story's earliest
entry (first_seen, then id), which later arrivals cannot displace: ``arxiv:<id>`` when
a paper is involved, else ``url:<sha1(canonical)[:16]>``.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from digest.identity import arxiv_id, canonical_url, link_role, may_be_reference
from digest.types import Entry, LinkRole, SourceKind, Story, StoryLink

_FORGES = frozenset({"github.com", "gitlab.com", "huggingface.co", "codeberg.org"})

__all__ = ["group_stories", "title_pairs", "title_tokens"]

log = logging.getLogger("digest.draft.group")

TITLE_JACCARD = 0.8
_MIN_TITLE_TOKENS = 3  # "Release v1.2" must not merge two repositories' releases
_RECENT_MONTHS = 3
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
    entries: Sequence[Entry],
    *,
    now: datetime,
    title_window_days: int = 7,
    texts: Callable[[Sequence[Entry]], Mapping[int, str]] | None = None,
) -> list[Story]:
    """Partition ``entries`` into stories, newest story first (by latest rank_time).
    ``texts`` gives the content (else summary) of entries read without their content,
    by id: asked only for the members of stories of several entries, whose lead is
    chosen by how much text each has."""
    order = sorted(range(len(entries)), key=lambda i: _seen_order(entries[i]))
    demoted = _demoted(entries, order)
    idents = [_identify(e, now, i in demoted) for i, e in enumerate(entries)]
    uf = _UnionFind(len(entries))
    _union_by_tokens(entries, idents, uf, order)
    _union_by_titles(entries, uf, timedelta(days=title_window_days))
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entries)):
        groups[uf.find(i)].append(i)
    several = [entries[i] for g in groups.values() if len(g) > 1 for i in g]
    text = texts(several) if texts is not None and several else {}
    stories = [_make_story([(entries[i], idents[i]) for i in g], text) for g in groups.values()]
    # rank_time is capped at now by the store; capping again keeps a bad clock harmless
    stories.sort(key=lambda s: (-max(min(e.rank_time, now) for e in s.entries).timestamp(), s.key))
    log.debug("grouped %d entries into %d stories", len(entries), len(stories))
    return stories


# --- identities ------------------------------------------------------------


@dataclass(frozen=True)
class _Ident:
    """``own``: what the entry is (URL, paper, repository). ``shared``: what it is
    about (token -> URL): recent papers, repositories its title names, other paper
    URLs; these join entries to each other. ``pointers``: older papers it cites, which
    join it only to that paper's own entry, never to other entries citing it."""

    own: frozenset[str]
    shared: Mapping[str, str]
    pointers: frozenset[str]
    url: str  # what a url: key is hashed from


def _canonical(entry: Entry) -> str:
    return entry.canonical or canonical_url(entry.link or "") or f"entry:{entry.id}"


def _demoted(entries: Sequence[Entry], order: Sequence[int]) -> set[int]:
    """Entries whose URL names a site, not a document: homepages, and every entry but
    the earliest of one feed sharing a link (podcasts often link each episode to the
    show page). Keeping the earliest one's identity keeps its story key stable."""
    demoted: set[int] = set()
    first: dict[tuple[str, str], int] = {}
    for i in order:  # earliest first
        url = _canonical(entries[i])
        slot = (entries[i].feed_url, url)
        if slot in first or urlsplit(url).path in {"", "/"}:
            demoted.add(i)
        first.setdefault(slot, i)
    return demoted


def _repo_key(url: str) -> str | None:
    """``repo:github.com/owner/repo`` for any page inside a code repository."""
    if not may_be_reference(url):
        return None  # not on a forge (a quick test: most URLs are not)
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s.lower() for s in parts.path.split("/") if s]
    if host in {"github.com", "gitlab.com", "codeberg.org"} and len(segments) >= 2:
        return f"repo:{host}/{segments[0]}/{segments[1]}"
    if host == "huggingface.co" and segments:
        if segments[0] in {"datasets", "spaces"} and len(segments) >= 3:
            return f"repo:{host}/{'/'.join(segments[:3])}"
        if segments[0] not in {"blog", "docs", "learn", "papers", "posts"} and len(segments) >= 2:
            return f"repo:{host}/{'/'.join(segments[:2])}"
    return None


def _identify(entry: Entry, now: datetime, demoted: bool) -> _Ident:
    url = _canonical(entry)
    identity = f"entry:{entry.feed_url}#{entry.guid}" if demoted else url
    own = {f"url:{identity}"}
    paper = entry.arxiv_id or arxiv_id(url)
    if paper:
        own.add(f"arxiv:{paper}")
    repo = _repo_key(url)
    if repo:
        own.add(repo)
    shared, pointers = _references(entry, now)
    return _Ident(frozenset(own), shared, frozenset(pointers), identity)


def _references(entry: Entry, now: datetime) -> tuple[dict[str, str], set[str]]:
    shared: dict[str, str] = {}
    pointers: set[str] = set()
    seen: set[str] = set()
    title: str | None = None  # read only when a repository link needs it
    if not may_be_reference("\n".join(entry.links)):  # one test for all (most) links
        return shared, pointers
    for raw in entry.links:
        if not may_be_reference(raw):
            continue  # most links of a post: no paper, no repository, nothing to parse
        url = canonical_url(raw)
        role = link_role(url)
        paper = arxiv_id(url)
        repo = None if paper else _repo_key(url)
        if role not in _REF_ROLES or (role is not LinkRole.PAPER and repo is None):
            continue  # not a paper or a repository (a profile page, a site's blog post)
        token = f"arxiv:{paper}" if paper else (repo or f"url:{url}")
        seen.add(token)
        if paper and not _recent_paper(paper, now):
            pointers.add(token)
        elif repo and _words_line(repo.rsplit("/", 1)[-1]) not in (
            title := title or _words_line(entry.title)
        ):
            continue  # a dependency it mentions ("built on transformers"), not its topic
        else:
            shared.setdefault(token, url)
    if len(seen) > _MAX_REFS:
        return {}, set()
    return shared, pointers


def _words_line(text: str) -> str:
    """Lowercase words joined and padded with spaces, for whole-word containment."""
    return " " + " ".join(re.findall(r"[^\W_]+", text.casefold())) + " "


def _recent_paper(paper: str, now: datetime) -> bool:
    """New-style ids start with yymm; a paper from the last few months is news."""
    match = re.fullmatch(r"(\d{2})(\d{2})\.\d{4,5}", paper)
    if match is None:
        return False
    months = (now.year - 2000 - int(match[1])) * 12 + now.month - int(match[2])
    return -1 <= months <= _RECENT_MONTHS


def _union_by_tokens(
    entries: Sequence[Entry], idents: Sequence[_Ident], uf: _UnionFind, order: Sequence[int]
) -> None:
    first: dict[str, int] = {}
    owner: dict[str, int] = {}
    per_feed: set[tuple[str, str]] = set()
    for i in order:  # earliest first
        for token in sorted(idents[i].own | idents[i].shared.keys()):
            if token.startswith("repo:"):
                # one feed's releases, commits or posts about its own project are
                # separate items; only the earliest carries the repository across feeds
                slot = (entries[i].feed_url, token)
                if slot in per_feed:
                    continue
                per_feed.add(slot)
            if token in idents[i].own:
                owner.setdefault(token, i)
            if token in first:
                uf.union(first[token], i)
            else:
                first[token] = i
    for i, ident in enumerate(idents):
        for token in ident.pointers:
            if token in owner:
                uf.union(owner[token], i)


# --- near-identical titles -----------------------------------------------------


def title_tokens(title: str) -> frozenset[str]:
    """Casefolded word tokens of a title, minus a few stop words."""
    words = _TOKEN_RE.findall(title.casefold())
    return frozenset(w for w in words if w not in _STOP)


def _union_by_titles(entries: Sequence[Entry], uf: _UnionFind, window: timedelta) -> None:
    token_sets = [title_tokens(e.title) for e in entries]
    for i, j in title_pairs(token_sets):
        if uf.find(i) != uf.find(j) and _titles_match(entries, token_sets, i, j, window):
            uf.union(i, j)


def title_pairs(token_sets: Sequence[frozenset[str]]) -> Iterator[tuple[int, int]]:
    """Every pair (j, i), j < i, of token sets that may have Jaccard >= TITLE_JACCARD,
    and few others: blocking through an index, never all pairs.

    Two such sets share their intersection, and each side reaches it by dropping at
    most ``n - ceil(t*n)`` of its ``n`` tokens (0 to 2 up to 14 tokens), so each set is
    filed under every subset left after dropping that many: sets sharing a key are the
    candidates. A key is the sum of the tokens' hashes, so a subset's key costs one
    subtraction; a collision only adds a candidate the Jaccard check refuses. Longer
    titles would need too many keys: they, and the titles long enough to match them,
    are paired by prefix filtering instead (rare tokens first)."""
    seen: set[tuple[int, int]] = set()
    eligible = [i for i, tokens in enumerate(token_sets) if _wordy(tokens)]
    long_ones = [i for i in eligible if len(token_sets[i]) >= _LONG_PARTNER]
    for pair in itertools.chain(_subset_pairs(token_sets, eligible),
                                _prefix_pairs(token_sets, long_ones)):  # fmt: skip
        if pair not in seen:
            seen.add(pair)
            yield pair


def _wordy(tokens: frozenset[str]) -> bool:
    """Enough words to judge by: "v1.2.0", "Episode 12" say too little."""
    return sum(1 for t in tokens if len(t) > 1 and not t.isdigit()) >= _MIN_TITLE_TOKENS


def _droppable(size: int) -> int:
    # the epsilon keeps 0.8 * 5 from rounding up to one token too few
    return size - math.ceil(TITLE_JACCARD * size - 1e-9)


_MAX_DROP = 2
_LONG = next(n for n in itertools.count(1) if _droppable(n) > _MAX_DROP)  # 15 tokens
_LONG_PARTNER = math.ceil(TITLE_JACCARD * _LONG - 1e-9)  # the shortest title matching one


def _subset_pairs(sets: Sequence[frozenset[str]], members: list[int]) -> Iterator[tuple[int, int]]:
    """Sets sharing a subset key whose size alone makes the Jaccard of the two high
    enough: the key of their exact intersection always does."""
    buckets: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (key, size) -> (set, n)
    for i in members:
        n = len(sets[i])
        if n >= _LONG:
            continue
        hashes = [hash(t) for t in sets[i]]
        total = sum(hashes)
        keys = {(total, n)}
        drop = _droppable(n)  # at most _MAX_DROP = 2
        if drop >= 1:
            keys.update([(total - h, n - 1) for h in hashes])
        if drop >= 2:
            keys.update([(total - a - b, n - 2) for a, b in itertools.combinations(hashes, 2)])
        for key in keys:
            shared = key[1]
            bucket = buckets.setdefault(key, [])
            for j, m in bucket:
                if shared >= TITLE_JACCARD * (n + m - shared) - 1e-9:
                    yield j, i
            bucket.append((i, n))


def _prefix_pairs(sets: Sequence[frozenset[str]], members: list[int]) -> Iterator[tuple[int, int]]:
    """Pairs with a set of _LONG tokens or more, by PPJoin: two sets with Jaccard >= t
    share a token among the rarest ``n - ceil(t*n) + 1`` of each, so only those are
    indexed, with their positions; shortest first, a pair is dropped when the sizes
    differ too much or when the tokens left after the first shared one cannot make
    the overlap Jaccard needs."""
    freq = Counter(t for i in members for t in sets[i])
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)  # token -> (set, position)
    ratio = TITLE_JACCARD / (1 + TITLE_JACCARD)  # J >= t <=> overlap >= ratio * (n + m)
    for i in sorted(members, key=lambda i: (len(sets[i]), i)):
        ordered = sorted(sets[i], key=lambda t: (freq[t], t))
        n = len(ordered)
        overlap: dict[int, int] = {}  # -1: cannot reach the overlap needed
        # a longer set probing this one needs fewer of its tokens indexed (PPJoin)
        indexed = n - math.ceil(2 * ratio * n - 1e-9) + 1
        for pos, token in enumerate(ordered[: _droppable(n) + 1]):
            # two shorter than _LONG are paired by their subset keys, not here
            for j, jpos in index[token] if n >= _LONG else ():
                m = len(sets[j])  # m <= n: shortest first
                if overlap.get(j, 0) < 0 or m < TITLE_JACCARD * n - 1e-9:
                    continue
                need = math.ceil(ratio * (n + m) - 1e-9)
                bound = overlap.get(j, 0) + 1 + min(n - pos - 1, m - jpos - 1)
                overlap[j] = overlap.get(j, 0) + 1 if bound >= need else -1
            if pos < indexed:
                index[token].append((i, pos))
        yield from ((min(i, j), max(i, j)) for j, count in overlap.items() if count > 0)


def _titles_match(
    entries: Sequence[Entry], sets: list[frozenset[str]], i: int, j: int, window: timedelta
) -> bool:
    a, b = entries[i], entries[j]
    if a.feed_url == b.feed_url or abs(a.rank_time - b.rank_time) > window:
        return False
    union = len(sets[i] | sets[j])
    return union > 0 and len(sets[i] & sets[j]) / union >= TITLE_JACCARD


# --- building a story -----------------------------------------------------------


def _words(entry: Entry, texts: Mapping[int, str]) -> int:
    text = _TAG_RE.sub(" ", texts.get(entry.id) or entry.content_html or entry.summary_html)
    return len(text.split())


def _lead_key(entry: Entry, texts: Mapping[int, str]) -> tuple[int, int, float, int]:
    """An explainer beats a listing: a blog/news post with real text leads, then the
    arXiv entry (its abstract is a good summary), then the entry with the most text."""
    words = _words(entry, texts)
    if entry.kind in {SourceKind.BLOG, SourceKind.NEWS} and words >= _LEAD_MIN_WORDS:
        tier = 0
    elif entry.kind is SourceKind.ARXIV:
        tier = 1
    else:
        tier = 2
    return (tier, -min(words, 400), entry.first_seen.timestamp(), entry.id)


def _seen_order(entry: Entry) -> tuple[float, int]:
    return (entry.first_seen.timestamp(), entry.id)


def _story_key(ordered: Sequence[tuple[Entry, _Ident]]) -> str:
    """The first paper of the earliest entry (its own, else one it is about), else of
    the next entries; else the earliest entry's canonical URL. Pointer tokens never
    name a story: they are not joined across entries, so they would not be unique."""
    for _, ident in ordered:
        tokens = sorted(t for t in ident.own if t.startswith("arxiv:"))
        tokens += [t for t in ident.shared if t.startswith("arxiv:")]
        if tokens:
            return tokens[0]
    digest = hashlib.sha1(ordered[0][1].url.encode("utf-8")).hexdigest()[:16]
    return f"url:{digest}"


def _story_links(ordered: Sequence[tuple[Entry, _Ident]]) -> tuple[StoryLink, ...]:
    """Each member's own link as published (deduplicated by canonical form), then the
    papers and repositories they point at; code links are cut to the repository, so
    a release's notes add one "code" link rather than one per pull request."""
    links: dict[str, StoryLink] = {}
    for entry, _ in ordered:
        if entry.link:
            canonical = entry.canonical or canonical_url(entry.link)
            # arXiv's canonical form is its abs page for the latest version: show that.
            url = canonical if arxiv_id(entry.link) else entry.link
            link = StoryLink(url, _own_role(entry, url), entry.source_name)
            links.setdefault(canonical, link)
    for entry, ident in ordered:
        for url in ident.shared.values():
            role = link_role(url)
            url = _repository(url) if role == LinkRole.CODE else url
            links.setdefault(canonical_url(url), StoryLink(url, role, entry.source_name))
    return tuple(links.values())


def _own_role(entry: Entry, url: str) -> LinkRole:
    """An entry linking to its own audio or video file (an episode without a page) is
    a podcast episode, whatever its feed's kind."""
    media = any(e.url == entry.link and e.type.startswith(("audio/", "video/"))
                for e in entry.enclosures)  # fmt: skip
    return LinkRole.PODCAST if media else link_role(url, entry.kind)


def _repository(url: str) -> str:
    """https://github.com/org/repo/pull/41 -> https://github.com/org/repo"""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname in _FORGES and len(segments) > 2:
        return f"{parts.scheme}://{parts.netloc}/{segments[0]}/{segments[1]}"
    return url


def _make_story(members: Sequence[tuple[Entry, _Ident]], texts: Mapping[int, str]) -> Story:
    # one entry is its own lead: _lead_key reads all its text to count words
    lead = (
        members[0][0]
        if len(members) == 1
        else min((e for e, _ in members), key=lambda e: _lead_key(e, texts))
    )
    by_seen = sorted(members, key=lambda m: _seen_order(m[0]))
    entries = (lead, *(e for e, _ in by_seen if e is not lead))
    key = _story_key(by_seen)
    links = _story_links(by_seen)
    primary: str | None
    if key.startswith("arxiv:"):
        paper = next((ln.url for ln in links if arxiv_id(ln.url) == key[6:]), None)
        primary = paper or f"https://arxiv.org/abs/{key[6:]}"
    else:
        primary = by_seen[0][0].link or by_seen[0][0].canonical
    return Story(key=key, entries=entries, links=links, primary_link=primary)
