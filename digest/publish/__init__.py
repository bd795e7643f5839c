"""PUBLISH: an approved Issue rendered everywhere readers are.

HTML archive pages, Markdown, Atom and JSON Feed, and an e-mail (HTML + text),
all over one jinja2 Environment (:mod:`digest.publish.render`)."""

from digest.publish.archive import (
    Staged,
    publish_issue,
    render_issue,
    stage_issue,
    write_atomic,
)
from digest.publish.feeds import JSON_FEED_VERSION, MAX_FEED_ITEMS
from digest.publish.i18n import Translator, translator
from digest.publish.mail import build_email, email_bodies, send_email, smtp_password, subject_line
from digest.publish.render import environment, render
from digest.publish.text import clean_text, md_escape, output_url
from digest.publish.view import Alternate, alternate, tag_id

__all__ = [
    "JSON_FEED_VERSION",
    "MAX_FEED_ITEMS",
    "Alternate",
    "Staged",
    "Translator",
    "alternate",
    "build_email",
    "clean_text",
    "email_bodies",
    "environment",
    "md_escape",
    "output_url",
    "publish_issue",
    "render",
    "render_issue",
    "send_email",
    "smtp_password",
    "stage_issue",
    "subject_line",
    "tag_id",
    "translator",
    "write_atomic",
]
