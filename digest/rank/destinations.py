"""What kind of page a link leads to: the maintained table of hosts and path patterns.

The section model reads a link's *destination kind* (paper, code, release, video,
course, podcast, news, blog, discussion, issue, jobs, docs) as well as its host: an
editor files "a video" or "a paper" by what it is more than by who hosts it. Rows are
tried in order and the first that matches wins, so specific rows (a GitHub issue, a
release page) come before general ones (any GitHub page is code). Add hosts here when a
newsletter leans on sites the table does not know; ``other`` is the honest default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = ["DESTINATIONS", "Destination", "destination", "host_of", "path_words"]


@dataclass(frozen=True)
class Destination:
    kind: str
    hosts: tuple[str, ...] = ()  # a host matches itself and its subdomains
    path: str = ""  # a regex searched in the lower-cased path (and query)

    def matches(self, host: str, path: str) -> bool:
        on_host = not self.hosts or any(host == h or host.endswith("." + h) for h in self.hosts)
        return on_host and (not self.path or _compiled(self.path).search(path) is not None)


_FORGES = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "sr.ht", "gitea.com")
_FORUMS = (
    "reddit.com", "news.ycombinator.com", "lobste.rs", "discourse.haskell.org",
    "users.rust-lang.org", "internals.rust-lang.org", "discuss.python.org", "twitter.com",
    "x.com", "mastodon.social", "fosstodon.org", "hachyderm.io", "bsky.app", "zulipchat.com",
    "stackoverflow.com", "mail.haskell.org", "groups.google.com", "discord.com",
)  # fmt: skip
_NEWS = (
    "nytimes.com", "theverge.com", "techcrunch.com", "wired.com", "reuters.com", "bbc.co.uk",
    "bbc.com", "arstechnica.com", "zdnet.com", "theregister.com", "theguardian.com",
    "bloomberg.com", "ft.com", "lwn.net", "infoq.com", "venturebeat.com", "axios.com",
    "technologyreview.com", "phoronix.com", "thenewstack.io", "cnbc.com", "washingtonpost.com",
)  # fmt: skip

_PAPERS = (
    "arxiv.org", "openreview.net", "aclanthology.org", "papers.nips.cc", "neurips.cc",
    "proceedings.mlr.press", "dl.acm.org", "doi.org", "semanticscholar.org", "biorxiv.org",
    "medrxiv.org", "ieeexplore.ieee.org", "link.springer.com", "sciencedirect.com",
    "nature.com", "science.org", "researchgate.net", "papers.ssrn.com", "hal.science",
)  # fmt: skip
_PODCASTS = (
    "podcasts.apple.com", "open.spotify.com", "anchor.fm", "podbean.com", "buzzsprout.com",
    "simplecast.com", "transistor.fm", "fireside.fm", "overcast.fm", "pca.st",
)  # fmt: skip
_COURSES = (
    "coursera.org", "edx.org", "udemy.com", "udacity.com", "deeplearning.ai", "fast.ai",
    "khanacademy.org", "ocw.mit.edu", "exercism.org",
)  # fmt: skip
_CODE = (
    *_FORGES, "crates.io", "lib.rs", "pypi.org", "hackage.haskell.org", "npmjs.com",
    "huggingface.co", "kaggle.com", "pkg.go.dev", "rubygems.org",
)  # fmt: skip
_BLOGS = (
    "medium.com", "substack.com", "dev.to", "hashnode.dev", "wordpress.com", "blogspot.com",
    "ghost.io", "bearblog.dev", "github.io", "tumblr.com", "write.as",
)  # fmt: skip
_JOBS = ("greenhouse.io", "lever.co", "workable.com", "ashbyhq.com")
_VIDEO = ("youtube.com", "youtu.be", "vimeo.com", "twitch.tv", "media.ccc.de")
_DOCS = ("docs.rs", "readthedocs.io", "readthedocs.org", "gitbook.io")

DESTINATIONS: tuple[Destination, ...] = (
    Destination("issue", _FORGES, r"/(issues|pull|pulls|merge_requests)/\d"),
    Destination("discussion", _FORGES, r"/discussions/\d"),
    Destination("release", _FORGES, r"/releases?(/|$)|/-/tags|/tag/"),
    Destination("jobs", (), r"/(jobs?|careers?|hiring|vacanc\w*|positions?)(/|$|\.|-)"),
    Destination("jobs", _JOBS),
    Destination("paper", ("huggingface.co",), r"^/papers/"),
    Destination("paper", _PAPERS),
    Destination("paper", (), r"\.pdf$|/papers?/|/publications?/|/proceedings/"),
    Destination("video", _VIDEO),
    Destination("video", (), r"/videos?/|/watch"),
    Destination("podcast", _PODCASTS),
    Destination("podcast", (), r"/podcasts?/|/episodes?/|\.mp3$"),
    Destination("course", _COURSES),
    Destination("course", (), r"/(courses?|lectures?|tutorials?|workshops?|lessons?|learn)(/|$)"),
    Destination("code", _CODE),
    Destination("docs", _DOCS),
    Destination("docs", (), r"^/docs?/|/documentation/|/book/|/reference/|/manual/"),
    Destination("discussion", _FORUMS),
    Destination("news", _NEWS),
    Destination("news", (), r"/news/|/press/|/announcements?/"),
    Destination("blog", _BLOGS),
    Destination("blog", (), r"/(blog|posts?|articles?|writing|notes|essays?)(/|$)|^/\d{4}/\d{2}/"),
)

_WORD_RE = re.compile(r"[a-z][a-z]{2,}")
_STOP_PATH = frozenset({"www", "com", "org", "html", "htm", "php", "index", "the", "and", "for"})


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def host_of(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.").removeprefix("m.")


@lru_cache(maxsize=65536)
def destination(url: str) -> str:
    """The first matching row's kind, else ``other`` (``none`` for an unreadable link)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "none"
    host = host_of(url)
    if not host:
        return "none"
    path = (parts.path + ("?" + parts.query if parts.query else "")).lower()
    return next((d.kind for d in DESTINATIONS if d.matches(host, path)), "other")


def path_words(url: str) -> list[str]:
    """Alphabetic words of the path, without ids, hashes and file extensions."""
    try:
        path = urlsplit(url.strip()).path.lower()
    except ValueError:
        return []
    return [w for w in _WORD_RE.findall(path) if w not in _STOP_PATH]
