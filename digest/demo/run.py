"""`digest demo`: the whole job, offline, on the sample feeds this project ships.

It serves digest/demo/data on 127.0.0.1, writes a demo feeds.yaml (the project's
newsletter and sections, the demo's sources, 127.0.0.1 allowed), then fetches,
extracts, ranks, builds the draft, approves it (standing in for the editor) and
publishes every format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ruamel.yaml import YAML

from digest.app import pipeline
from digest.app.refresh import refresh
from digest.cli import console
from digest.config import load_config
from digest.demo.site import demo_sources, serve_demo_site
from digest.store import Store

_PACKAGED = Path(__file__).parent / "data" / "feeds.yaml"


def write_demo_config(base_config: Path, base_url: str, out_dir: Path) -> Path:
    """The project's feeds.yaml with the demo's sources and loopback allowed."""
    yaml = YAML(typ="rt")
    source = base_config if base_config.exists() else _PACKAGED
    data = yaml.load(source.read_text(encoding="utf-8"))
    data["sources"] = demo_sources(base_url)
    data.setdefault("fetch", {})["allow_hosts"] = ["127.0.0.1"]
    data["fetch"]["deadline"] = 10
    data.setdefault("publish", {})["output_dir"] = "public"
    data["publish"].pop("templates_dir", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def run_demo(base_config: Path, out_dir: Path, db_path: Path | None = None) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    db_path = db_path or out_dir / "demo.sqlite"
    for stale in db_path.parent.glob(db_path.name + "*"):
        stale.unlink()  # a fresh demo every time
    say = console.out.print
    with serve_demo_site(now) as base_url:
        config = load_config(write_demo_config(base_config, base_url, out_dir))
        say(f"[bold]demo[/]: sample feeds served at {base_url}")
        with Store.open(db_path) as store, console.progress_bar(True) as progress:
            outcomes = refresh(store, config, now=now, due_only=False, progress=progress)
            console.print_failures(outcomes)
            say(console.fetch_summary(outcomes))
            made = pipeline.summarise_pending(store, config, now=now, progress=progress)
            say(f"summaries: {made} made")
            draft = pipeline.build_draft(store, config, now=now)
            console.draft_view(draft)
            pipeline.approve_draft(store, config, now=now, all_items=True)
            files = pipeline.publish(store, config, now=now)
    say("\n[bold]published[/]:")
    say(f"  HTML      {files.html}\n  Markdown  {files.markdown}\n  Index     {files.index}\n"
        f"  Atom      {files.atom}")  # fmt: skip
    for extra in files.extra:
        say(f"            {extra}")
    say(f"\nReview it yourself: digest --config {out_dir / 'feeds.yaml'} --db {db_path} draft show")
