"""The SQLite state store: run history now; content hashes, orders and cursors as later features need them.

The schema version is SQLite's ``user_version``; migrations run in order inside one transaction each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedsync.errors import StateError

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        command     TEXT NOT NULL,
        channel     TEXT NOT NULL,
        destination TEXT,
        started_at  TEXT NOT NULL,
        ended_at    TEXT,
        item_count  INTEGER,
        outcome     TEXT NOT NULL DEFAULT 'running',
        message     TEXT
    );
    CREATE INDEX runs_channel_started ON runs (channel, started_at);
    """,
    """
    CREATE TABLE items (
        channel     TEXT NOT NULL,
        destination TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        hash        TEXT NOT NULL,
        sent_at     TEXT NOT NULL,
        status      TEXT NOT NULL,
        message     TEXT,
        PRIMARY KEY (channel, destination, item_id)
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    command: str
    channel: str
    destination: str | None
    started_at: str
    ended_at: str | None
    item_count: int | None
    outcome: str
    message: str | None


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state database {path} is unusable: {exc}") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state database {self.path} has schema version {version}, newer than this "
                f"feedsync understands ({SCHEMA_VERSION}); upgrade feedsync"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction() as db:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def start_run(self, command: str, channel: str, destination: str | None) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (command, channel, destination, started_at) VALUES (?, ?, ?, ?)",
                (command, channel, destination, _now()),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, *, outcome: str, item_count: int | None, message: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, outcome = ?, item_count = ?, message = ? WHERE id = ?",
                (_now(), outcome, item_count, message, run_id),
            )

    def last_published_count(self, channel: str) -> int | None:
        """Items in the channel's last successful push (for the item-count guardrail)."""
        row = self._db.execute(
            "SELECT item_count FROM runs WHERE channel = ? AND command = 'push' AND outcome IN "
            "('published', 'published_with_findings') ORDER BY id DESC LIMIT 1",
            (channel,),
        ).fetchone()
        return None if row is None else int(row[0])

    def sent_items(self, channel: str, destination: str) -> dict[str, tuple[str, str]]:
        """item id -> (content hash, sent_at) of what the destination holds, as far as feedsync knows."""
        rows = self._db.execute(
            "SELECT item_id, hash, sent_at FROM items WHERE channel = ? AND destination = ? AND status = 'ok'",
            (channel, destination),
        )
        return {item_id: (digest, sent_at) for item_id, digest, sent_at in rows}

    def record_items(
        self,
        channel: str,
        destination: str,
        sent: list[tuple[str, str]],
        *,
        status: str = "ok",
        message: str | None = None,
    ) -> None:
        """Record (item id, hash) pairs the destination accepted (or rejected, with ``status``), in one
        transaction: called after each remote batch, so a crash loses at most the batch in flight."""
        now = _now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO items (channel, destination, item_id, hash, sent_at, status, message) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, destination, item_id) DO UPDATE SET "
                "hash = excluded.hash, sent_at = excluded.sent_at, status = excluded.status, "
                "message = excluded.message",
                [(channel, destination, item_id, digest, now, status, message) for item_id, digest in sent],
            )

    def forget_items(self, channel: str, destination: str, item_ids: list[str]) -> None:
        """The destination deleted these items."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM items WHERE channel = ? AND destination = ? AND item_id = ?",
                [(channel, destination, item_id) for item_id in item_ids],
            )

    def runs(self, channel: str | None = None, limit: int = 50) -> list[Run]:
        sql = "SELECT id, command, channel, destination, started_at, ended_at, item_count, outcome, message FROM runs"
        args: tuple[object, ...] = ()
        if channel:
            sql += " WHERE channel = ?"
            args = (channel,)
        sql += " ORDER BY id DESC LIMIT ?"
        return [Run(*row) for row in self._db.execute(sql, (*args, limit))]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
