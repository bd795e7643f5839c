"""A small approved English issue with a pt-BR edition configured, for the edition
tests: a real feeds.yaml, a real SQLite store and the draft saved as a build would."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from digest.app import drafting
from digest.config import load_config
from digest.store import Store
from digest.types import (
    Candidate,
    Config,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    ItemStatus,
    LinkRole,
    Reason,
    SectionSuggestion,
    Story,
    StoryLink,
    Summary,
    SummaryMethod,
)

KEY = "2026-W48"

# (key, section, title, summary): Markdown summaries with links, glossary terms
# (LLM, fine-tuning, Hugging Face, dataset, large language models) and a "no".
ITEMS = (
    ("rewarding", "publications", "Self-Rewarding Language Models",
     "Researchers at Meta AI propose a training loop in which the model acts as its own "
     "judge: it writes candidate answers and scores them with an LLM-as-a-judge prompt. "
     "After three iterations of fine-tuning, the model outperforms several proprietary "
     "systems. [Paper](https://arxiv.org/abs/2401.10020)"),
    ("mixtral", "publications", "Mixtral of Experts",
     "Mistral AI released a sparse mixture-of-experts model in which each token is routed "
     "to two of eight experts. The weights are available on Hugging Face under the Apache "
     "2.0 license. [Paper](https://arxiv.org/abs/2401.04088)"),
    ("qa-data", "tools", "A dataset of hard questions for large language models",
     "The dataset has ten thousand questions written by experts. There is no single right "
     "answer to many of them, so it measures how models handle doubt. See "
     "https://github.com/example/hard-questions for the data."),
)  # fmt: skip

FEEDS_YAML = """\
newsletter:
  title: The NLP & AI Digest
  site_url: https://digest.example.org/
  titles: [{language: pt-BR, title: O Resumo de PLN e IA}]
sections:
  - {key: publications, title: Publications, titles: [{language: pt-BR, title: Publicações}]}
  - {key: tools, title: Tools and Datasets, titles: [{language: pt-BR, title: Ferramentas}]}
sources: []
publish:
  output_dir: public
editions:
  - language: pt-BR
    intro: Bem-vindos a esta edição.
    outro: Até a próxima semana.
"""


def write_config(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "feeds.yaml"
    path.write_text(FEEDS_YAML + extra, encoding="utf-8")
    return load_config(path)


def _item(key: str, section: str, position: int, title: str, summary: str) -> DraftItem:
    url = f"https://example.org/{key}"
    story = Story(key, (), (StoryLink(url, LinkRole.POST, "Example"),), url)
    text = Summary(0, summary, SummaryMethod.FEED, len(summary.split()))
    candidate = Candidate(story, text, 1.0, (Reason("r", 1.0),), (SectionSuggestion(section, 0.9),))
    return DraftItem(key, section, position, title, summary, ItemStatus.PENDING, candidate,
                     title, summary)  # fmt: skip


def save_approved_draft(store: Store, config: Config, now: datetime) -> Draft:
    """The ITEMS as this week's draft, every item and the draft approved."""
    sections = tuple(
        DraftSection(s, tuple(_item(k, sec, n, t, x) for n, (k, sec, t, x) in enumerate(
            i for i in ITEMS if i[1] == s.key)))
        for s in config.sections
    )  # fmt: skip
    draft = Draft(KEY, now - timedelta(days=3), now + timedelta(days=4), DraftStatus.DRAFT,
                  sections, ())  # fmt: skip
    store.save_draft(draft, now=now)
    return drafting.approve_draft(store, config, now=now, all_items=True, key=KEY)
