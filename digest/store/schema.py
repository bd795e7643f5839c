"""Versioned schema. Each migration runs once, in its own transaction, and bumps
``PRAGMA user_version``; never edit a released migration, append a new one."""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: the foundation
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        section TEXT,
        weight REAL NOT NULL DEFAULT 1.0,
        enabled INTEGER NOT NULL DEFAULT 1,
        added_at TEXT NOT NULL,
        title TEXT,
        site_link TEXT,
        etag TEXT,
        last_modified TEXT,
        status TEXT NOT NULL DEFAULT 'never',
        next_fetch_at TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_error_code TEXT,
        last_error TEXT,
        last_error_at TEXT,
        last_success_at TEXT,
        redirect_url TEXT,
        redirect_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        feed_url TEXT NOT NULL REFERENCES feeds(url),
        guid TEXT NOT NULL,
        link TEXT,
        canonical TEXT NOT NULL,
        title TEXT NOT NULL,
        authors TEXT NOT NULL DEFAULT '[]',
        published TEXT,
        updated TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        summary_html TEXT NOT NULL DEFAULT '',
        content_html TEXT NOT NULL DEFAULT '',
        content_hash TEXT NOT NULL,
        categories TEXT NOT NULL DEFAULT '[]',
        enclosures TEXT NOT NULL DEFAULT '[]',
        image TEXT,
        arxiv_id TEXT,
        duration_seconds INTEGER,
        links TEXT NOT NULL DEFAULT '[]',
        extra TEXT NOT NULL DEFAULT '{}',
        UNIQUE (feed_url, guid)
    );
    CREATE INDEX entries_first_seen ON entries(first_seen);
    CREATE INDEX entries_canonical ON entries(feed_url, canonical);
    CREATE INDEX entries_arxiv ON entries(arxiv_id);
    CREATE TABLE fetch_attempts (
        id INTEGER PRIMARY KEY,
        feed_url TEXT NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        code TEXT,
        message TEXT,
        new_entries INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX fetch_attempts_feed ON fetch_attempts(feed_url, at);
    CREATE TABLE summaries (
        entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        method TEXT NOT NULL,
        words INTEGER NOT NULL,
        language TEXT,
        note TEXT,
        article_text TEXT,
        content_hash TEXT NOT NULL,
        made_at TEXT NOT NULL
    );
    CREATE TABLE drafts (
        key TEXT PRIMARY KEY,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        built_at TEXT NOT NULL,
        approved_at TEXT
    );
    CREATE TABLE draft_items (
        draft_key TEXT NOT NULL REFERENCES drafts(key),
        item_key TEXT NOT NULL,
        section TEXT NOT NULL,
        position INTEGER NOT NULL,
        placed INTEGER NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        summary_method TEXT NOT NULL,
        score REAL NOT NULL,
        reasons TEXT NOT NULL,
        suggestions TEXT NOT NULL,
        entry_ids TEXT NOT NULL,
        links TEXT NOT NULL,
        primary_link TEXT,
        PRIMARY KEY (draft_key, item_key)
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        draft_key TEXT NOT NULL,
        item_key TEXT NOT NULL,
        action TEXT NOT NULL,
        value TEXT,
        at TEXT NOT NULL,
        editor TEXT NOT NULL DEFAULT 'editor'
    );
    CREATE INDEX decisions_draft ON decisions(draft_key, id);
    CREATE TABLE issues (
        number INTEGER PRIMARY KEY,
        draft_key TEXT NOT NULL UNIQUE,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        published_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE issue_links (
        issue_number INTEGER NOT NULL REFERENCES issues(number),
        item_key TEXT NOT NULL,
        canonical TEXT NOT NULL
    );
    CREATE INDEX issue_links_canonical ON issue_links(canonical);
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    """,
    # 2: full-text search over titles, summaries and article text (rowid = entry id)
    """
    CREATE VIRTUAL TABLE search_index USING fts5(
        title, summary, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO search_index (rowid, title, summary, body)
        SELECT e.id, e.title, COALESCE(s.text, ''), COALESCE(s.article_text, '')
        FROM entries e LEFT JOIN summaries s ON s.entry_id = e.id;
    """,
    # 3: permanent moves are adopted into moved_to; feeds.yaml's URL stays the identity
    """
    ALTER TABLE feeds ADD COLUMN moved_to TEXT;
    """,
    # 4: past issues imported as labelled history (section = the configured key);
    # unique on (issue, title) so importing the same file twice changes nothing
    """
    CREATE TABLE history_items (
        id INTEGER PRIMARY KEY,
        issue TEXT NOT NULL,
        date TEXT,
        section TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        links TEXT NOT NULL DEFAULT '[]',
        kind TEXT,
        imported_at TEXT NOT NULL,
        source_file TEXT NOT NULL,
        UNIQUE (issue, title)
    );
    """,
    # 5: metadata of a summary (author, date, image, site, reading time, duration)
    """
    ALTER TABLE summaries ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE draft_items ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
    """,
    # 6: the search index keeps no copy of its text (FTS5 external content): it reads
    # it from search_source, which derives it from entries and summaries with the
    # fts_text() function every connection registers (store/db.py). A summary counts
    # while it is for the entry's current content; its article text replaces the body.
    """
    DROP TABLE search_index;
    CREATE VIEW search_source AS
        SELECT e.id AS id, e.title AS title,
            CASE WHEN s.content_hash = e.content_hash THEN s.text ELSE '' END AS summary,
            CASE WHEN s.content_hash = e.content_hash AND COALESCE(s.article_text, '') != ''
                THEN s.article_text
                ELSE fts_text(CASE WHEN e.content_html != '' THEN e.content_html
                              ELSE e.summary_html END)
            END AS body
        FROM entries e LEFT JOIN summaries s ON s.entry_id = e.id;
    CREATE VIRTUAL TABLE search_index USING fts5(
        title, summary, body, content = 'search_source', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO search_index (search_index) VALUES ('rebuild');
    """,
    # 7: parser warnings are data (ADR 0011): [[code, message], ...] of the last parse on
    # the feed (its status is then 'warning') and of each attempt; an undated entry
    # first seen in a feed's backlog (first fetch, or after a long gap) is not news.
    """
    ALTER TABLE feeds ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE fetch_attempts ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE entries ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
    """,
    # 8: translated editions (ADR 0018), keyed by the English issue's draft. The machine's
    # translations and the translator's edits and review marks are appended, never
    # updated, so a re-translation or a rebuild cannot lose a translator's work; each
    # row keeps the hash of the English text it was written for (stale marking).
    """
    CREATE TABLE translations (
        id INTEGER PRIMARY KEY,
        draft_key TEXT NOT NULL,
        language TEXT NOT NULL,
        item_key TEXT NOT NULL,
        field TEXT NOT NULL,
        origin TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        source_hash TEXT NOT NULL,
        flags TEXT NOT NULL DEFAULT '[]',
        at TEXT NOT NULL,
        editor TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX translations_edition ON translations(draft_key, language, id);
    CREATE TABLE edition_approvals (
        id INTEGER PRIMARY KEY,
        draft_key TEXT NOT NULL,
        language TEXT NOT NULL,
        approved INTEGER NOT NULL,
        source_hash TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX edition_approvals_edition ON edition_approvals(draft_key, language, id);
    CREATE TABLE edition_issues (
        number INTEGER NOT NULL,
        language TEXT NOT NULL,
        draft_key TEXT NOT NULL,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        published_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (number, language)
    );
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; return the schema version now in force."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first, so wrap the script in its own transaction.
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return len(MIGRATIONS)
