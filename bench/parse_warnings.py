"""Corpus figures for docs/decisions/0011: feeds, entries, undated entries, derived
titles and parser warnings by code, over the real feeds (and the feedparser peer suite).

    .venv/bin/python bench/parse_warnings.py [CORPUS_DIR]

A warning without a ``code`` attribute (before warnings became data) is counted under
the first three words of its message.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.errors import ParseError
from digest.parse import parse_feed
from digest.types import SourceKind

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus"
KINDS = {"arxiv": SourceKind.ARXIV, "partytime": SourceKind.PODCAST, "github": SourceKind.RELEASE}


def _code(warning: object) -> str:
    code = getattr(warning, "code", None)
    return str(code) if code else " ".join(str(warning).split()[:3])


def measure(files: list[Path], root: Path) -> Counter[str]:
    figures: Counter[str] = Counter()
    for path in files:
        kind = KINDS.get(path.relative_to(root).parts[0], SourceKind.BLOG)
        try:
            parsed = parse_feed(path.read_bytes(), url=f"https://feeds.example/{path.name}",
                                kind=kind)  # fmt: skip
        except ParseError as e:
            figures[f"error {e.code}"] += 1
            continue
        figures["feeds"] += 1
        figures["entries"] += len(parsed.entries)
        figures["undated entries"] += sum(e.published is None for e in parsed.entries)
        figures["untitled entries"] += sum(not e.title for e in parsed.entries)
        figures["derived titles"] += sum("title_derived" in e.extra for e in parsed.entries)
        figures["entries without link"] += sum(e.link is None for e in parsed.entries)
        figures["feeds with warnings"] += bool(parsed.warnings)
        figures.update(f"warning {_code(w)}" for w in parsed.warnings)
    return figures


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    real = corpus / "feeds" / "real"
    peer = corpus / "feeds" / "peer-suite"
    for name, root in (("real", real), ("peer-suite", peer)):
        files = sorted(p for p in root.rglob("*") if p.is_file() and ".expected." not in p.name)
        print(f"== {name} ({len(files)} files)")
        for key, value in sorted(measure(files, root).items()):
            print(f"{key:40} {value}")


if __name__ == "__main__":
    main()
