"""`digest serve`: the editor's review pages in a browser (Starlette under uvicorn).
The app is digest.web.app's; this module only checks the address and starts it."""

from __future__ import annotations

import click

from digest.cli import _console as console
from digest.cli._base import App, cli, handle_errors, pass_app
from digest.web.security import is_loopback


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs --token.")  # fmt: skip
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="DIGEST_WEB_TOKEN", default=None,
              help="Access token, required beyond loopback [env DIGEST_WEB_TOKEN].")  # fmt: skip
@pass_app
@handle_errors
def serve(app: App, host: str, port: int, token: str | None) -> None:
    """Serve the review pages: the draft, issues, feed health, search, refresh."""
    import uvicorn

    from digest.web.app import create_app

    web = create_app(app.config, app.db_path, host=host, token=token)
    shown = f"[{host}]" if ":" in host else host
    suffix = f"/?token={token}" if token and not is_loopback(host) else "/"
    console.out.print(f"review pages on http://{shown}:{port}{suffix}  (Ctrl+C to stop)")
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False)
