"""What a `digest fetch` process imports (issue #22: its memory is a target).

cron starts `digest fetch` every few minutes without a terminal; every module it
imports is memory it holds for the whole run. These modules were taken out of its
path on purpose; the test runs a real fetch in a fresh interpreter (one feed served
on loopback) and fails if one of them comes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from feedgen import Item, rss, write_config
from httpserver import LoopbackServer

# module -> why `digest fetch` has no use for it
KEPT_OUT = {
    "rich": "the CLI prints fetch's totals with click; rich is for tables and the draft view",
    "pygments": "httpx's own command-line client (digest/__init__.py hides it)",
    "importlib.metadata": "sqlite-utils plugins are not loaded (digest.store.db.connect)",
    "multiprocessing": "only a parse or extraction pool imports it (digest.workers)",
    "dateutil": "sqlite-utils' command-line recipes, deferred (digest.store.sqlitedb)",
    "ctypes": "dateutil.tz's, the same",
    "digest.cli.review": "review commands are imported when one runs (cli._base.COMMAND_MODULES)",
    "digest.rank": "ranking is the draft's, not the fetch's",
    "digest.publish": "publishing is `digest publish`'s",
    "digest.web": "the web app is `digest serve`'s",
}

# Runs the CLI as the `digest` script does, then writes the modules it ended with.
_RUN = """
import json, sys
from digest.cli import main
out = sys.argv.pop(1)
try:
    main()
finally:
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def test_fetch_does_not_import_what_it_does_not_use(server: LoopbackServer, tmp_path: Path) -> None:
    body = "<p>" + "A paragraph of the article. " * 40 + "</p>"
    items = [Item(f"Post {i}", server.url(f"/post/{i}"), body) for i in range(3)]
    server.route("/feed.xml", body=rss("Blog", items))
    source = {"name": "Blog", "url": server.url("/feed.xml"), "kind": "blog"}
    config = write_config(tmp_path, [source])
    modules_file = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(modules_file), "--config", str(config),
         "--db", str(tmp_path / "d.sqlite"), "fetch"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "fetched 1 feeds: 3 new entries, 0 failed" in done.stdout
    modules = set(json.loads(modules_file.read_text()))
    assert "digest.store" in modules and "httpx" in modules  # it did fetch and store
    loaded = {m: why for m, why in KEPT_OUT.items() if m in modules}
    assert not loaded, f"`digest fetch` imports again: {loaded}"


def test_the_deferred_sqlite_utils_recipes_still_work() -> None:
    """digest.store.sqlitedb defers sqlite_utils.recipes: whoever reads it gets it."""
    code = (
        "import sys, digest.store\n"
        "assert 'dateutil' not in sys.modules\n"
        "from sqlite_utils import recipes, utils\n"
        "assert utils.recipes is recipes\n"
        "print(recipes.parsedate('5 March 2020'), recipes.jsonsplit('a,b'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2020-03-05", '["a",', '"b"]']
