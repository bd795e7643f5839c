"""The issue as an e-mail (HTML + plain-text alternative) and its SMTP delivery.

Headers are built from cleaned, single-line text; the ``email`` package's policy
RFC 2047-encodes non-ASCII and refuses CR/LF, so a feed title can never inject a
header (RELIABILITY O5). Bodies use quoted-printable/base64 (``cte_type="7bit"``)
so any SMTP server accepts them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from urllib.parse import urlsplit

from digest.errors import ErrorCode, PublishError
from digest.publish.i18n import Translator, translator
from digest.publish.render import render
from digest.publish.text import cap, clean_text
from digest.publish.view import IssueView, SiteView, issue_view, site_view
from digest.types import Config, Issue, SmtpSettings

log = logging.getLogger("digest.publish")

SUBJECT_MAX = 200
POLICY = default_policy.clone(cte_type="7bit", max_line_length=78)


def email_bodies(issue: Issue, config: Config) -> tuple[str, str]:
    """The (plain text, HTML) bodies of the issue e-mail."""
    t = translator(config.newsletter.language)
    site = site_view(config, t)
    view = issue_view(issue, site, t)
    return email_parts(view, site, config, t)


def email_parts(view: IssueView, site: SiteView, config: Config, t: Translator) -> tuple[str, str]:
    """(plain text, HTML) from an already-built view (publish_issue shares its views)."""
    context = {"issue": view, "site": site, "t": t, "root": site.url}
    folder = config.publish.templates_dir
    return (
        render(folder, "issue.email.txt.j2", **context),
        render(folder, "issue.email.html.j2", **context),
    )


def subject_line(subject: str) -> str:
    """One line (CR/LF and all whitespace collapsed), at most SUBJECT_MAX characters.
    The newsletter's name is the From name, so the subject does not repeat it."""
    return cap(clean_text(subject), SUBJECT_MAX)


def sender_address(config: Config) -> str:
    """The From header: feeds.yaml's sender name and address; the address falls back
    to the SMTP sender, then to noreply@ the site's host."""
    news, smtp = config.newsletter, config.publish.smtp
    host = urlsplit(news.site_url).hostname or "localhost"
    addr = news.sender_address or (smtp.sender if smtp else "") or f"noreply@{host}"
    name = clean_text(news.sender_name or news.title_in(news.language))
    try:
        return str(Address(display_name=name, addr_spec=_address(addr, "sender")))
    except (ValueError, TypeError, IndexError) as e:
        raise PublishError(f"invalid e-mail sender address {addr!r}") from e


def list_headers(site: SiteView) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) and, with an https page, one-click List-Unsubscribe-Post
    (RFC 8058), which the large mailbox providers ask of bulk senders."""
    targets = [u for u in (site.unsubscribe_url, site.unsubscribe_mailto) if u]
    phrase = " ".join(site.title.translate(str.maketrans("", "", '<>"')).split())
    headers = {"List-Id": f"{phrase} <{site.host}>"}
    if targets:
        headers["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in targets)
    if site.unsubscribe_url and site.unsubscribe_url.startswith("https:"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _address(value: str, what: str) -> str:
    text = value.strip()
    if not text or any(c in text for c in "\r\n\x00"):
        raise PublishError(f"invalid e-mail {what} address {value!r}")
    return text


def build_email(
    issue: Issue, config: Config, *, recipients: Sequence[str], sender: str | None = None
) -> EmailMessage:
    """A multipart/alternative message: text/plain first, then text/html. ``sender``
    defaults to feeds.yaml's (:func:`sender_address`)."""
    t = translator(config.newsletter.language)
    site = site_view(config, t)
    view = issue_view(issue, site, t)
    text, html = email_parts(view, site, config, t)
    message = EmailMessage(policy=POLICY)
    try:
        message["Subject"] = subject_line(view.subject)
        message["From"] = _address(sender or sender_address(config), "sender")
        if config.newsletter.reply_to:
            message["Reply-To"] = _address(config.newsletter.reply_to, "reply-to")
        message["To"] = ", ".join(_address(r, "recipient") for r in recipients)
        message["Date"] = format_datetime(view.published)
        digest_id = hashlib.sha256(view.tag_id.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<issue-{view.number}-{digest_id}@{site.host}>"
        message["Content-Language"] = site.lang
        for name, value in list_headers(site).items():
            message[name] = value
    except (ValueError, TypeError) as e:
        raise PublishError("cannot build the issue e-mail headers") from e
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # A boundary derived from the issue keeps the .eml byte-identical on republication.
    message.set_boundary(f"==digest-{digest_id}==")
    return message


def smtp_password(smtp: SmtpSettings, environ: Mapping[str, str] | None = None) -> str | None:
    """The SMTP password from the environment variable named in the settings."""
    env = os.environ if environ is None else environ
    return env.get(smtp.password_env) or None


def send_email(message: EmailMessage, smtp: SmtpSettings, password: str | None) -> None:
    """Deliver ``message``; recipients default to the message's To header."""
    if smtp.user and password is None:
        raise PublishError(
            f"SMTP user {smtp.user!r} set but no password",
            hint=f"export {smtp.password_env}",
        )
    recipients = list(smtp.recipients) or None
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user and password is not None:
                client.login(smtp.user, password)
            refused = client.send_message(
                message, from_addr=smtp.sender or None, to_addrs=recipients
            )
    except (smtplib.SMTPException, OSError) as e:
        raise PublishError(
            f"sending mail via {smtp.host}:{smtp.port} failed", code=ErrorCode.SMTP
        ) from e
    if refused:
        log.warning("SMTP server refused %d recipient(s): %s", len(refused), sorted(refused))
    log.info("sent issue e-mail %s via %s:%d", message["Message-ID"], smtp.host, smtp.port)
