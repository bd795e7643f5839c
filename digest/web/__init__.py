"""The editor's review pages (Starlette + jinja2): see ``digest.web.app.create_app``."""
