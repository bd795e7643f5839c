"""End to end over a real loopback server and a real SQLite file: fetch -> parse ->
store -> extract -> rank -> draft -> review -> publish, then the Atom read back."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from feedgen import Item, atom_releases, days_ago, load, rss, write_config
from httpserver import LoopbackServer

import digest.parse.feed as parser
from digest.app import drafting, publishing, summarise
from digest.app.additions import add_url
from digest.app.lease import FETCH_LEASE, fetch_lease
from digest.app.refresh import refresh
from digest.app.update import update
from digest.draft.review import apply_decisions
from digest.errors import BlockedAddressError, FetchError, LeaseHeldError, ReviewError
from digest.rank import learn
from digest.store import Store
from digest.store.drafts import DraftStore
from digest.types import Action, Config, DraftStatus, ItemStatus

ARTICLE = """<html><head><title>Sparse attention, explained</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Sparse attention, explained</h1>
{paras}
</article><footer>Copyright Example Lab. Subscribe to our newsletter.</footer></body></html>"""

PARA = (
    "<p>Sparse attention lets a transformer attend to a small, learned subset of positions "
    "instead of every token, which cuts the cost of long inputs from quadratic to nearly "
    "linear. In this post we walk through how the routing works, why it keeps quality on "
    "retrieval benchmarks, and where it still fails on reasoning tasks that need many hops.</p>"
)


def serve_world(server: LoopbackServer, now: datetime) -> list[dict[str, object]]:
    """Four healthy feeds of four kinds, one failing with 500, one that is not a feed."""
    post = server.url("/posts/sparse.html")
    server.route("/posts/sparse.html", body=ARTICLE.format(paras=PARA * 5),
                 content_type="text/html; charset=utf-8")  # fmt: skip
    server.route("/blog.xml", etag='"b1"', body=rss("Example Lab", [
        Item("Sparse attention, explained", post,
             "We explain sparse attention and why it matters … Continue reading",
             published=days_ago(now, 1)),
        Item("A new multilingual evaluation suite", server.url("/posts/eval.html"),
             "A full post about evaluating multilingual language models across forty languages "
             "with careful attention to translation artefacts, annotator agreement and the "
             "ways benchmark contamination can inflate scores. " * 3,
             published=days_ago(now, 2)),
    ]))  # fmt: skip
    server.route("/arxiv.xml", body=rss("cs.CL updates on arXiv.org", [
        Item("Routing Tokens for Sparse Attention", "https://arxiv.org/abs/2611.00001",
             "arXiv:2611.00001v1 Announce Type: new Abstract: We propose a router that selects "
             "a sparse set of keys for each query. It matches dense attention on long-context "
             "retrieval while using a fraction of the compute. We release code and models.",
             guid="oai:arXiv.org:2611.00001v1", published=days_ago(now, 1.5)),
        Item("Auditing bias in reward models", "https://arxiv.org/abs/2611.00002",
             "arXiv:2611.00002v1 Announce Type: new Abstract: We audit fairness and bias of "
             "reward models used for preference tuning across demographic groups.",
             guid="oai:arXiv.org:2611.00002v1", published=days_ago(now, 2)),
    ]))  # fmt: skip
    server.route("/podcast.xml", body=rss("Test Podcast", [
        Item("Ep. 7: Teaching with language models", server.url("/episodes/7"),
             "We talk with a teacher about using language models in a classroom course, "
             "what worked for students, and what did not.",
             published=days_ago(now, 3), enclosure=server.url("/media/7.mp3"),
             duration="41:05"),
    ]))  # fmt: skip
    server.route("/releases.atom", content_type="application/atom+xml", body=atom_releases(
        "example/sparse-router",
        [("v1.0.0", "<h2>What's Changed</h2><ul><li>First stable release of the sparse "
          "attention router library, with pretrained checkpoints.</li></ul>", days_ago(now, 1))],
    ))  # fmt: skip
    server.route("/broken.xml", status=500, body=b"oops")
    server.route("/notafeed.xml", body=b"<html><body>Just a moment...</body></html>",
                 content_type="text/html")  # fmt: skip
    return [
        {"name": "Example Lab", "url": server.url("/blog.xml"), "kind": "blog", "weight": 1.2},
        {"name": "arXiv cs.CL", "url": server.url("/arxiv.xml"), "kind": "arxiv",
         "section": "publications"},
        {"name": "Test Podcast", "url": server.url("/podcast.xml"), "kind": "podcast"},
        {"name": "router releases", "url": server.url("/releases.atom"), "kind": "release",
         "section": "tools"},
        {"name": "Broken", "url": server.url("/broken.xml"), "kind": "blog"},
        {"name": "Not a feed", "url": server.url("/notafeed.xml"), "kind": "news"},
    ]  # fmt: skip


@pytest.fixture
def world(server: LoopbackServer, tmp_path: Path, now: datetime) -> Config:
    return load(write_config(tmp_path, serve_world(server, now)))


def test_whole_pipeline_to_a_published_atom_feed(
    world: Config, store: Store, now: datetime, tmp_path: Path
) -> None:
    outcomes = refresh(store, world, now=now)
    by_url = {o.key.rsplit("/", 1)[1]: o for o in outcomes}
    assert {k for k, o in by_url.items() if o.ok} == {
        "blog.xml", "arxiv.xml", "podcast.xml", "releases.atom"
    }  # fmt: skip
    assert by_url["broken.xml"].code == "http_error"
    assert by_url["notafeed.xml"].code == "not_a_feed"
    health = {h.name: h for h in store.feed_health(now=now)}
    assert health["Broken"].status == "error" and health["Broken"].last_error_code == "http_error"
    assert health["Broken"].next_fetch_at is not None and health["Broken"].next_fetch_at > now
    assert health["Example Lab"].entries == 2

    assert summarise.summarise_pending(store, world, now=now) == 6
    draft = drafting.build_draft(store, world, now=now)
    placed = [i for s in draft.sections for i in s.items]
    assert placed and all(i.candidate.reasons for i in placed)
    assert all(i.summary and i.candidate.summary.method for i in placed)
    # The teaser's article page was fetched and extracted.
    sparse = next(i for i in draft.items() if "Sparse attention, explained" in i.title)
    assert sparse.candidate.summary.method.value == "article"
    meta = sparse.candidate.summary.meta  # metadata survives the draft snapshot
    assert meta.reading_minutes and meta.site_name and meta.date
    episode = next(i for i in draft.items() if i.title.startswith("Ep. 7"))
    assert episode.candidate.summary.meta.duration_seconds == 41 * 60 + 5

    drafting.approve_draft(store, world, now=now, all_items=True)
    files = publishing.publish(store, world, now=now, out_dir=tmp_path / "out")
    parsed = feedparser.parse(io.BytesIO(files.atom.read_bytes()))
    assert parsed.bozo == 0
    assert len(parsed.entries) == 1
    content = parsed.entries[0].content[0].value
    assert "Routing Tokens for Sparse Attention" in content
    assert files.html.exists() and files.markdown.exists() and files.index.exists()


def test_second_refresh_uses_conditional_get_and_adds_nothing(
    world: Config, store: Store, server: LoopbackServer, now: datetime
) -> None:
    refresh(store, world, now=now)
    before = store.count_entries()
    outcomes = refresh(store, world, now=now, due_only=False)
    assert store.count_entries() == before
    assert sum(o.new_entries for o in outcomes) == 0
    sent = [r.headers.get("if-none-match") for r in server.requests if r.path == "/blog.xml"]
    assert sent == [None, '"b1"']


def test_decisions_survive_a_rebuild_after_new_fetches(
    world: Config, store: Store, server: LoopbackServer, now: datetime
) -> None:
    refresh(store, world, now=now)
    summarise.summarise_pending(store, world, now=now)
    draft = drafting.build_draft(store, world, now=now)
    first, second = draft.sections[0].items[:2]
    drafting.decide(store, world, Action.EDIT_TITLE, first.key, "Edited title", now=now)
    drafting.decide(store, world, Action.APPROVE, first.key, now=now)
    drafting.decide(store, world, Action.MOVE, second.key, "ethics", now=now)

    later = now + timedelta(hours=2)
    server.route("/arxiv.xml", body=rss("cs.CL", [
        Item("A brand new paper on summarization", "https://arxiv.org/abs/2611.00009",
             "arXiv:2611.00009v1 Announce Type: new Abstract: Something new.",
             guid="oai:arXiv.org:2611.00009v1", published=later),
    ]))  # fmt: skip
    refresh(store, world, now=later, due_only=False)
    summarise.summarise_pending(store, world, now=later)
    rebuilt = drafting.build_draft(store, world, now=later)
    kept = rebuilt.item(first.key)
    assert kept is not None and kept.title == "Edited title"
    assert kept.status == ItemStatus.APPROVED and kept.generated_title == first.generated_title
    moved = rebuilt.item(second.key)
    assert moved is not None and moved.section == "ethics"
    assert any("brand new paper" in i.title for i in rebuilt.items())


def test_a_build_hands_out_the_snapshot_the_database_holds(
    world: Config, store: Store, now: datetime
) -> None:
    """build_draft keeps the saved snapshot in memory instead of reading thirty thousand
    rows back: what it keeps must be what a fresh read of the database gives."""
    refresh(store, world, now=now)
    summarise.summarise_pending(store, world, now=now)
    draft = drafting.build_draft(store, world, now=now)
    first, second = draft.sections[0].items[:2]
    drafting.decide(store, world, Action.EDIT_TITLE, first.key, "Edited title", now=now)
    drafting.decide(store, world, Action.REJECT, second.key, now=now)
    for when in (now, now + timedelta(hours=1)):  # a first build, then a rebuild
        built = drafting.build_draft(store, world, now=when)
        kept = store.load_draft(built.key, world.sections)
        assert kept == DraftStore.load_draft(store, built.key, world.sections)
        assert kept is not None
        assert built == apply_decisions(kept, store.decisions(built.key))


def test_models_learn_the_same_from_placed_and_decided_items_alone(
    world: Config, store: Store, now: datetime
) -> None:
    """Training reads of each earlier draft only the items placed or decided on."""
    refresh(store, world, now=now)
    summarise.summarise_pending(store, world, now=now)
    draft = drafting.build_draft(store, world, now=now)
    items = draft.items()
    drafting.decide(store, world, Action.APPROVE, items[0].key, now=now)
    drafting.decide(store, world, Action.MOVE, items[-1].key, "ethics", now=now)
    drafting.decide(store, world, Action.REJECT, items[1].key, now=now)
    drafting.approve_draft(store, world, now=now, all_items=True)
    full = DraftStore.load_draft(store, draft.key, world.sections)
    assert full is not None
    whole = [(apply_decisions(full, store.decisions(draft.key)), False)]
    assert learn.labelled_items(store, world) == learn.labelled_items(store, world, whole)
    assert learn.relevance_examples(store, world) == learn.relevance_examples(store, world, whole)


def test_overlapping_runs_are_refused_by_the_lease(
    world: Config, store: Store, now: datetime
) -> None:
    store.acquire_lease(FETCH_LEASE, "cron:1", now=now, ttl=timedelta(minutes=10))
    with pytest.raises(LeaseHeldError):
        refresh(store, world, now=now)
    assert store.count_entries() == 0
    # An expired lease (its holder crashed) is taken over.
    refresh(store, world, now=now + timedelta(minutes=11))
    assert store.count_entries() > 0


def test_a_parser_crash_fails_only_that_feed(
    world: Config, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = parser.parse_feed

    def flaky(body: bytes, **kw: object) -> object:
        if str(kw["url"]).endswith("/podcast.xml"):
            raise RuntimeError("boom")
        return real(body, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(parser, "parse_feed", flaky)
    outcomes = {o.key.rsplit("/", 1)[1]: o for o in refresh(store, world, now=now)}
    assert outcomes["podcast.xml"].code == "parser_crash"
    assert outcomes["blog.xml"].ok and outcomes["arxiv.xml"].ok


def test_review_lifecycle_guards(world: Config, store: Store, now: datetime) -> None:
    with pytest.raises(ReviewError, match="no draft"):
        drafting.require_draft(store, world)
    refresh(store, world, now=now)
    summarise.summarise_pending(store, world, now=now)
    draft = drafting.build_draft(store, world, now=now)
    with pytest.raises(ReviewError, match="not approved"):
        publishing.publish(store, world, now=now)
    with pytest.raises(ReviewError, match="unknown section"):
        drafting.decide(store, world, Action.MOVE, draft.items()[0].key, "nowhere", now=now)
    approved = drafting.approve_draft(store, world, now=now)
    assert approved.status == DraftStatus.APPROVED
    with pytest.raises(ReviewError, match="reopen"):
        drafting.decide(store, world, Action.REJECT, draft.items()[0].key, now=now)
    with pytest.raises(ReviewError, match="no approved items"):
        publishing.publish(store, world, now=now)


def test_update_refreshes_then_summarises_under_one_lease(
    world: Config, store: Store, now: datetime
) -> None:
    stages: list[tuple[str, int, int]] = []
    result = update(store, world, now=now, progress=lambda *p: stages.append(p))
    assert len(result.outcomes) == 6 and result.failed == 2 and not result.all_failed
    assert result.new_entries == store.count_entries() == 6
    window = store.entries_since(now - timedelta(days=world.rank.window_days))
    assert result.summarised == len(store.summaries_for(window)) == 6
    assert stages[0][0] == "fetch" and stages[-1] == ("summaries", 1, 1)
    # The lease is released: another run takes it at once.
    store.acquire_lease(FETCH_LEASE, "cron:1", now=now, ttl=timedelta(minutes=10))
    again = update(store, world, now=now + timedelta(minutes=11), summaries=False)
    assert again.summarised == 0


def test_update_does_nothing_while_another_run_holds_the_lease(
    world: Config, store: Store, server: LoopbackServer, now: datetime
) -> None:
    store.acquire_lease(FETCH_LEASE, "web:7", now=now, ttl=timedelta(minutes=10))
    with pytest.raises(LeaseHeldError, match="web:7"):
        update(store, world, now=now)
    assert server.hits_total() == 0 and store.count_entries() == 0


def test_a_run_holding_the_lease_can_call_update(
    world: Config, store: Store, now: datetime
) -> None:
    with fetch_lease(store, world, now=now):
        assert update(store, world, now=now, summaries=False).new_entries == 6
        # update's nested hold ended, but the outer run still holds the lease.
        with pytest.raises(LeaseHeldError):
            store.acquire_lease(FETCH_LEASE, "cron:1", now=now, ttl=timedelta(minutes=10))
    store.acquire_lease(FETCH_LEASE, "cron:1", now=now, ttl=timedelta(minutes=10))


def test_update_still_holds_the_lease_while_it_summarises(
    world: Config, store: Store, now: datetime
) -> None:
    refused: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "summaries" and done == 0:  # the fetches are over, summaries next
            try:
                store.acquire_lease(FETCH_LEASE, "cron:2", now=now, ttl=timedelta(minutes=1))
            except LeaseHeldError as e:
                refused.append(str(e))

    assert update(store, world, now=now, progress=progress).summarised == 6
    assert len(refused) == 1


def test_adding_a_page_that_cannot_be_fetched_raises_the_fetch_error_itself(
    world: Config, store: Store, server: LoopbackServer, now: datetime
) -> None:
    missing = server.url("/posts/missing.html")
    with pytest.raises(FetchError) as info:
        add_url(store, world, missing, now=now)
    assert (info.value.code, info.value.status, info.value.url) == ("not_found", 404, missing)
    assert str(info.value).startswith(f"could not fetch {missing}: 404 Not Found")
    with pytest.raises(BlockedAddressError) as blocked:
        add_url(store, world, "http://10.0.0.1/post", now=now)
    assert blocked.value.code == "blocked_address" and "10.0.0.1" in str(blocked.value)
