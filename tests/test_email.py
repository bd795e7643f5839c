"""PUBLISH e-mail: message building (RELIABILITY O5) and SMTP delivery to aiosmtpd."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from smtpserver import Collector, free_port
from test_publish import assert_safe_html, hostile_issue, make_config, make_issue

from digest.errors import PublishError
from digest.publish import build_email, publish_issue, send_email, smtp_password
from digest.types import SmtpSettings

SENDER = "Weekly NLP Digest <digest@news.example.org>"
RECIPIENTS = ("reader@example.org", "other@example.org")


def build(tmp_path: Path, **issue_changes: Any) -> EmailMessage:
    issue = replace(make_issue(), **issue_changes)
    return build_email(issue, make_config(tmp_path), sender=SENDER, recipients=RECIPIENTS)


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_message_is_multipart_alternative(tmp_path: Path) -> None:
    message = reparse(build(tmp_path))
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    # the From name is the newsletter's, so the subject does not repeat it
    assert message["Subject"] == "Issue 7: Small models, big context"
    assert message["To"] == "reader@example.org, other@example.org"
    assert message["Message-ID"].endswith("@news.example.org>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "Tokenização para português" in text.get_content()
    body = html.get_content()
    assert '<table role="presentation"' in body
    assert 'style="' in body  # inline CSS; the one <style> holds only the dark-mode colours
    [style] = re.findall(r"<style>(.*?)</style>", body, re.S)
    assert style.strip().startswith("@media (prefers-color-scheme: dark)")
    assert_safe_html("email.html", body)


def test_list_headers_sender_and_preheader(tmp_path: Path) -> None:
    message = reparse(build_email(make_issue(), make_config(tmp_path), recipients=RECIPIENTS))
    assert message["From"] == "The NLP Digest editors <digest@news.example.org>"
    assert message["Reply-To"] == "editors@news.example.org"
    assert message["List-Unsubscribe"] == (
        "<https://news.example.org/nlp/unsubscribe>, "
        "<mailto:leave@news.example.org?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058
    assert message["List-Id"] == "Weekly NLP Digest <news.example.org>"
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    body = html.get_content()
    preheader = re.search(r'<div style="display:none;[^"]*">([^<]*?)&#8199;', body)
    assert preheader and preheader.group(1) == (
        "Welcome to issue 7! Thank you for the support &amp; the suggestions."
    )
    assert ">Unsubscribe</a>" in body and 'width="544"' in body
    plain = text.get_content()
    assert (
        plain.index("Welcome to issue 7!")
        < plain.index("PAPERS 📙")
        < plain.index("HONOURABLE MENTIONS ⭐️")
        < plain.index("Send suggestions")
    )
    assert "Unsubscribe: https://news.example.org/nlp/unsubscribe" in plain


def test_one_click_needs_an_https_page(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    news = replace(config.newsletter, unsubscribe_url=None, reply_to=None)
    message = build_email(make_issue(), replace(config, newsletter=news), recipients=RECIPIENTS)
    assert message["List-Unsubscribe"] == "<mailto:leave@news.example.org?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] is None and message["Reply-To"] is None


def test_message_is_deterministic(tmp_path: Path) -> None:
    assert build(tmp_path).as_bytes() == build(tmp_path).as_bytes()


def test_lines_are_short_and_ascii(tmp_path: Path) -> None:
    raw = build(tmp_path, title="Ünïcødé " * 300).as_bytes()
    assert max(len(line) for line in raw.splitlines()) <= 998
    raw.decode("ascii")  # 7-bit safe for any SMTP server


@pytest.mark.parametrize(
    "title",
    [
        "Hello\r\nBcc: victim@example.org",
        "Hello\nX-Injected: 1\n\nbody",
        "Hello\u2028X-Injected: 2",
    ],
)
def test_subject_newlines_collapse(tmp_path: Path, title: str) -> None:
    message = reparse(build(tmp_path, title=title))
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Hello" in message["Subject"]


def test_long_non_ascii_subject_is_encoded_and_capped(tmp_path: Path) -> None:
    message = build(tmp_path, title="Modelos de linguagem à beira-mar " * 60)
    raw = message.as_bytes()
    header = raw.split(b"\n\n", 1)[0].decode("ascii")
    assert "=?utf-8?" in header.lower()
    subject = reparse(message)["Subject"]
    assert len(subject) <= 200 and subject.endswith("…")


def test_hostile_issue_email(tmp_path: Path) -> None:
    message = build_email(
        hostile_issue(), make_config(tmp_path), sender=SENDER, recipients=RECIPIENTS
    )
    parsed = reparse(message)
    html = parsed.get_body(("html",))
    text = parsed.get_body(("plain",))
    assert html is not None and text is not None
    assert_safe_html("email.html", html.get_content())
    assert "javascript:alert" not in "".join(
        line for line in text.get_content().splitlines() if line.startswith("  post on")
    )
    assert parsed["Subject"].startswith('Issue 9: "><img')


def test_header_injection_in_addresses_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishError):
        build_email(
            make_issue(),
            make_config(tmp_path),
            sender="a@b.org\r\nBcc: x@y.org",
            recipients=RECIPIENTS,
        )


def test_password_comes_from_the_named_variable() -> None:
    smtp = SmtpSettings(host="127.0.0.1", password_env="MY_SMTP_PW")
    assert smtp_password(smtp, {"MY_SMTP_PW": "s3cret"}) == "s3cret"
    assert smtp_password(smtp, {}) is None


# --- SMTP delivery against a real local server ------------------------------


def test_send_email_delivers_both_parts(tmp_path: Path, smtpd: tuple[Collector, int]) -> None:
    collector, port = smtpd
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=port,
        starttls=False,
        sender="digest@news.example.org",
        recipients=("list@example.org",),
    )
    started = time.monotonic()
    send_email(build(tmp_path), smtp, password=None)
    assert collector.received.wait(5)
    assert time.monotonic() - started < 5
    [envelope] = collector.envelopes
    assert envelope.mail_from == "digest@news.example.org"
    assert envelope.rcpt_tos == ["list@example.org"]
    message = message_from_bytes(envelope.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    types = [p.get_content_type() for p in message.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]
    # the From name is the newsletter's, so the subject does not repeat it
    assert message["Subject"] == "Issue 7: Small models, big context"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://news.example.org/nlp/unsubscribe>")


def test_send_email_defaults_to_message_recipients(
    tmp_path: Path, smtpd: tuple[Collector, int]
) -> None:
    collector, port = smtpd
    send_email(build(tmp_path), SmtpSettings(host="127.0.0.1", port=port, starttls=False), None)
    assert collector.received.wait(5)
    assert collector.envelopes[0].rcpt_tos == list(RECIPIENTS)


def test_send_email_failure_is_a_publish_error(tmp_path: Path) -> None:
    smtp = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout_seconds=2)
    with pytest.raises(PublishError) as info:
        send_email(build(tmp_path), smtp, None)
    assert info.value.code == "smtp"


def test_user_without_password_is_refused(tmp_path: Path) -> None:
    smtp = SmtpSettings(host="127.0.0.1", port=1, user="editor")
    with pytest.raises(PublishError, match="DIGEST_SMTP_PASSWORD"):
        send_email(build(tmp_path), smtp, None)


def test_published_eml_is_the_same_message(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    news = replace(
        config.newsletter, title='Weekly, "NLP" <x>', sender_name="", sender_address=None
    )
    config = replace(config, newsletter=news)
    files = publish_issue(make_issue(), [make_issue()], config, tmp_path / "out")
    eml = next(p for p in files.extra if p.suffix == ".eml")
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    # without a sender in feeds.yaml: noreply@ the site's host, named after the newsletter
    assert message["From"].addresses[0].addr_spec == "noreply@news.example.org"
    assert message["From"].addresses[0].display_name == 'Weekly, "NLP" <x>'
    assert message["List-Id"] == "Weekly, NLP x <news.example.org>"  # no stray <, > or "
