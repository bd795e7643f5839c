"""WEB: the editor's review pages (Starlette + jinja2), an adapter over digest.app.

``app.create_app`` is the entry point and ``security`` the defences (also used by
`digest serve`); the underscored modules are this package's own. No route holds a
use case, and nothing here imports the CLI.
"""
