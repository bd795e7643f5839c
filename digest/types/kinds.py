"""The closed sets of names the stages share: kinds of source, link roles, summary
methods, the draft's and an item's status, the editor's actions."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    """What a source publishes; it decides parsing details and section hints."""

    BLOG = "blog"
    ARXIV = "arxiv"
    PODCAST = "podcast"
    RELEASE = "release"
    NEWS = "news"


class ExtractPolicy(StrEnum):
    """When to fetch an entry's article page: only for teasers, always, or never."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class LinkRole(StrEnum):
    """What a link of a story points at."""

    PAPER = "paper"
    CODE = "code"
    POST = "post"
    PODCAST = "podcast"
    RELEASE = "release"
    NEWS = "news"


class SummaryMethod(StrEnum):
    """Where an item's one-paragraph summary came from."""

    FEED = "feed"
    ABSTRACT = "abstract"
    ARTICLE = "article"
    SHOW_NOTES = "show_notes"
    RELEASE_NOTES = "release_notes"
    EDITOR = "editor"
    TITLE = "title"


class DraftStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class ItemStatus(StrEnum):
    """An item's review state inside a draft."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Action(StrEnum):
    """What an editor can do; each is stored as a Decision."""

    APPROVE = "approve"
    REJECT = "reject"
    RESET = "reset"
    MOVE = "move"
    REORDER = "reorder"
    EDIT_TITLE = "edit_title"
    EDIT_SUMMARY = "edit_summary"
    APPROVE_ALL = "approve_all"
    UNDO = "undo"  # revokes the decision whose id is its value; the log stays append-only
    MERGE = "merge"  # the item joins the story of the item whose key is its value
    SPLIT = "split"  # a merged item stands on its own again
    EDIT_LINKS = "edit_links"  # value: the item's links, one "role url" a line
    # The editor's words for the whole issue (item key ISSUE_WORDS) and an item's image.
    SET_TITLE = "set_title"
    SET_SUBJECT = "set_subject"
    SET_INTRO = "set_intro"
    SET_OUTRO = "set_outro"
    SET_IMAGE = "set_image"  # value: an image URL, "" to show none, None the feed's own
    SET_CAPTION = "set_caption"  # the image's caption; "" or None for none


class TitlePolicy(StrEnum):
    """An edition's item titles (mostly paper titles) stay in the original, or are
    translated."""

    KEEP = "keep"
    TRANSLATE = "translate"


class EngineName(StrEnum):
    """The translation engines an edition can use (digest.translate.engine)."""

    BUNDLED = "bundled"
    ARGOS = "argos"
    LIBRETRANSLATE = "libretranslate"


class TranslationStatus(StrEnum):
    """Where an edition's item stands: the machine's draft, checked by the
    translator, or written for an English text that has changed since."""

    MACHINE = "machine"
    REVIEWED = "reviewed"
    STALE = "stale"
