"""`digest demo`: the whole job, offline, on the sample feeds this project ships.

It serves digest/demo/data on 127.0.0.1, writes a demo feeds.yaml (the project's
newsletter and sections, the demo's sources, 127.0.0.1 allowed), then calls the same
use cases as an editor's week (digest.app): update, build the draft, approve it
(standing in for the editor), draft the pt-BR edition and approve it (standing in for
the translator; skipped, with the reason, without the translation engine) and publish
every format. It prints nothing: it returns
a DemoRun that the CLI shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from digest.app import drafting, editions, publishing
from digest.app.refresh import ProgressFn
from digest.app.update import UpdateResult, update
from digest.config import load_config
from digest.demo.site import demo_sources, serve_demo_site
from digest.errors import TranslateError
from digest.store import Store
from digest.types import Config, Draft, PublishedFiles

_PACKAGED = Path(__file__).parent / "data" / "feeds.yaml"
# The demo's translated edition, unless feeds.yaml configures editions of its own.
_EDITION = {
    "language": "pt-BR",
    "intro": "Bem-vindos à edição em português do resumo desta semana.",
    "outro": "Sugestões? Responda a este e-mail.",
}


def write_demo_config(base_config: Path, base_url: str, out_dir: Path) -> Path:
    """The project's feeds.yaml with the demo's sources and its loopback origin allowed."""
    yaml = YAML(typ="rt")
    source = base_config if base_config.exists() else _PACKAGED
    data = yaml.load(source.read_text(encoding="utf-8"))
    data["sources"] = demo_sources(base_url)
    # The demo's feeds and its article pages share one loopback origin: allow exactly
    # that origin, for the feeds and for the links in them (ADR 0003).
    origin = f"{urlsplit(base_url).hostname}:{urlsplit(base_url).port or 80}"
    data.setdefault("fetch", {})["allow_hosts"] = [origin]
    data["fetch"]["allow_content_hosts"] = [origin]
    data["fetch"]["deadline"] = 10
    data.setdefault("publish", {})["output_dir"] = "public"
    if not data.get("editions"):
        data["editions"] = [_EDITION]
    data["publish"].pop("templates_dir", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


@dataclass(frozen=True)
class DemoRun:
    """What a demo run made, for the CLI to show."""

    base_url: str  # where the sample site was served (gone once the run ends)
    config_path: Path
    db_path: Path
    update: UpdateResult
    draft: Draft  # as built, before the stand-in editor approved it
    files: PublishedFiles
    skipped: tuple[str, ...] = ()  # editions not made, each with why


def run_demo(
    base_config: Path,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    now: datetime,
    progress: ProgressFn | None = None,
) -> DemoRun:
    """Serve the sample site, then fetch, summarise, build, approve and publish into
    ``out_dir`` (the database too, unless ``db_path`` is given; it starts empty), and
    reopen the draft for the editor's own review."""
    db_path = db_path or out_dir / "demo.sqlite"
    for stale in db_path.parent.glob(db_path.name + "*"):
        stale.unlink()  # a fresh demo every time
    with serve_demo_site(now) as base_url:
        config_path = write_demo_config(base_config, base_url, out_dir)
        config = load_config(config_path)
        with Store.open(db_path) as store:
            updated = update(store, config, now=now, due_only=False, progress=progress)
            draft = drafting.build_draft(store, config, now=now)
            drafting.approve_draft(store, config, now=now, all_items=True)
            skipped = tuple(_edition(store, config, e.language, now, progress)
                            for e in config.editions)  # fmt: skip
            files = publishing.publish(store, config, now=now)
            # Leave the draft in review, as an editor's week starts: `digest approve`,
            # `reject`, `move` and `edit` work on it at once (README, "The editor's week").
            drafting.reopen_draft(store, config, now=now)
    return DemoRun(base_url, config_path, db_path, updated, draft, files,
                   tuple(s for s in skipped if s))  # fmt: skip


def _edition(
    store: Store, config: Config, language: str, now: datetime, progress: ProgressFn | None
) -> str:
    """Machine-translate the edition and approve it, standing in for the translator;
    without the engine, one line saying how to install it."""
    step = (lambda done, total: progress(f"{language} edition", done, total)) if progress else None
    try:
        editions.translate_edition(store, config, language, now=now, progress=step)
    except TranslateError as e:
        return f"{language} edition skipped: {e}"
    editions.approve_edition(store, config, language, now=now)
    return ""
