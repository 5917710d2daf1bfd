"""The SQLite state store: run history now; content hashes, orders and cursors as later features need them.

The schema version is SQLite's ``user_version``; migrations run in order inside one transaction each.
"""

from __future__ import annotations

import functools
import inspect
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from feedsync import secrets
from feedsync.errors import StateError
from feedsync.sync import NEVER_HELD

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
    """
    CREATE TABLE orders (
        marketplace TEXT NOT NULL,
        order_id    TEXT NOT NULL,
        status      TEXT NOT NULL,
        state       TEXT NOT NULL,
        sink_ref    TEXT,
        message     TEXT,
        payload     TEXT,
        first_seen  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (marketplace, order_id)
    ) WITHOUT ROWID;
    CREATE TABLE shipments (
        marketplace  TEXT NOT NULL,
        order_id     TEXT NOT NULL,
        tracking     TEXT NOT NULL,
        package_ref  TEXT NOT NULL,
        state        TEXT NOT NULL,
        message      TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (marketplace, order_id, tracking)
    ) WITHOUT ROWID;
    ALTER TABLE items ADD COLUMN channel_key TEXT;
    CREATE INDEX items_channel_key ON items (channel, channel_key);
    CREATE TABLE cursors (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # shipments: a package is 'pending' in the upload file ``batch`` or 'sending' to the API until it is known
    # confirmed; ``detail`` (the package as JSON) lets a rerun after a crash send it again unchanged
    """
    ALTER TABLE shipments ADD COLUMN batch TEXT;
    ALTER TABLE shipments ADD COLUMN detail TEXT;
    """,
    # families (Amazon): the parent key of each item (its parent SKU; '' none; NULL an item recorded before this
    # was kept) and the parent listings the destination holds (deleted once no variant of them is left)
    """
    ALTER TABLE items ADD COLUMN parent_key TEXT;
    CREATE TABLE parents (
        channel     TEXT NOT NULL,
        destination TEXT NOT NULL,
        sku         TEXT NOT NULL,
        sent_at     TEXT NOT NULL,
        PRIMARY KEY (channel, destination, sku)
    ) WITHOUT ROWID;
    """,
    # a batch the destination took whose outcome the run has not recorded yet (an Amazon feed being processed):
    # ``messages`` says what it holds, so that the next run collects its outcome before sending anything again
    """
    CREATE TABLE open_batches (
        channel     TEXT NOT NULL,
        destination TEXT NOT NULL,
        batch_id    TEXT NOT NULL,
        messages    TEXT NOT NULL,
        sent_at     TEXT NOT NULL,
        PRIMARY KEY (channel, destination, batch_id)
    ) WITHOUT ROWID;
    """,
    # units of an imported order's line cancelled on the marketplace since its import (ORD003), written with the
    # stored order that moves them out of its quantity and deleted once the finding was printed: a run that ends
    # in between tells it again, whether or not the marketplace lists the order again
    """
    CREATE TABLE untold (
        marketplace TEXT NOT NULL,
        order_id    TEXT NOT NULL,
        line_id     TEXT NOT NULL,
        sku         TEXT NOT NULL,
        units       INTEGER NOT NULL,
        PRIMARY KEY (marketplace, order_id, line_id)
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
_HELD = f"(status = 'ok' OR (status = 'rejected' AND hash != '{NEVER_HELD}'))"
"""An item row the destination holds a version of: accepted, or refused an update of a version it accepted."""
FORCED = "published with --force past a guardrail"
"""The message of a forced push's run: the item-count guardrail's history starts again from it."""
INTERRUPTED = "interrupted"
"""The outcome of a run whose process ended without recording one (killed, power cut)."""
INTERRUPTED_MESSAGE = "the run ended without recording its outcome (killed?); the next push cleans up after it"
STAGED = "#staged"
_T = TypeVar("_T")


def _mask(text: str | None) -> str | None:
    """Messages and answers are stored with every secret masked (``feedsync.secrets``)."""
    return None if text is None else secrets.mask(text)


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


@dataclass(frozen=True, slots=True)
class OrderRecord:
    status: str
    state: str
    sink_ref: str | None
    message: str | None


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> StateError:
    """What SQLite's error says of the state file, and what to do about it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        what = (
            f"let the user running feedsync write it and its folder {path.parent} (SQLite writes its journal files "
            "beside it)"
        )
    elif name.startswith("SQLITE_FULL"):
        what = "free space on its disk and rerun"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        what = "another process holds it (another feedsync, a program reading it): rerun once it is done"
    elif name.startswith("SQLITE_IOERR") and _nearly_full(path):  # (SQLite tells a full disk so as often as not)
        what = "its disk is full or nearly (a write failed): free space on it and rerun"
    elif name.startswith("SQLITE_IOERR"):
        what = "the disk failed to read or write it: check the disk and rerun (restore it from a backup if it recurs)"
    else:  # damaged (SQLITE_CORRUPT), not a database (SQLITE_NOTADB)
        what = (
            "it is damaged: restore it from a backup (moving it away starts a new one, which knows nothing of what "
            "was sent, the orders imported or the runs before)"
        )
    return StateError(f"state database {path} is unusable ({exc}): {what}")


NEARLY_FULL = 64 << 20
"""Bytes free on the state's disk below which an I/O error of SQLite's is told as a full disk (its journal and a
transaction's pages need room; a write that failed on a full disk may leave a little)."""


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL
    except OSError:
        return False


_FILE_ERRORS = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH",
                "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED")  # fmt: skip
"""The errors SQLite gives of a file it cannot use; any other (SQLITE_ERROR: no such column, a syntax error) is a
bug of feedsync's SQL, never "restore it from a backup"."""


def _of_the_file(exc: sqlite3.DatabaseError) -> bool:
    return str(getattr(exc, "sqlite_errorname", "") or "").startswith(_FILE_ERRORS)


def _raises_state_errors(cls: type[_T]) -> type[_T]:
    """Every method of ``cls`` raising ``StateError`` (``_unusable``) for the errors SQLite gives for a file it
    cannot use (a damaged page met by a query, a file it may not write, a full disk): the state fails as it is used,
    not only as it is opened. Other ``sqlite3`` errors (a constraint, a misuse of the API) are feedsync's bugs and are
    left as they are."""

    def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                if type(exc) not in (sqlite3.OperationalError, sqlite3.DatabaseError) or not _of_the_file(exc):
                    raise
                raise _unusable(self.path, exc) from None

        return call

    for name, member in list(vars(cls).items()):
        if name.startswith("__") or name == "transaction":  # (the transaction's users are guarded)
            continue
        if isinstance(member, property) and member.fget is not None:
            setattr(cls, name, property(guarded(member.fget)))
        elif inspect.isfunction(member):
            setattr(cls, name, guarded(member))
    return cls


@_raises_state_errors
class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # e.g. state_path under a file
            raise StateError(f"cannot create the folder of the state database {path}: {exc.strerror or exc}") from None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise _unusable(path, exc) from None

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

    def finish_run(
        self, run_id: int, *, outcome: str, item_count: int | None, message: str | None = None, forced: bool = False
    ) -> None:
        """Record how a run ended; ``forced``: it published with ``--force`` past a guardrail (its message says so,
        and the item-count guardrail's history starts again from it)."""
        if forced:
            message = FORCED
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, outcome = ?, item_count = ?, message = ? WHERE id = ?",
                (_now(), outcome, item_count, _mask(message), run_id),
            )

    def mark_interrupted(self) -> int:
        """Record the runs still marked running as interrupted; call it holding the run lock (then none of them
        can be alive). Returns how many there were."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE runs SET outcome = ?, message = ? WHERE outcome = 'running'", (INTERRUPTED, INTERRUPTED_MESSAGE)
            )
            return cursor.rowcount

    def published_counts(self, channel: str, limit: int) -> list[int]:
        """Item counts of the channel's last ``limit`` successful pushes, newest first, back to and including the
        last one published with --force (the guardrail's history starts again there)."""
        rows = self._db.execute(
            "SELECT item_count, message FROM runs WHERE channel = ? AND command = 'push' AND outcome IN "
            "('published', 'published_with_findings') AND item_count IS NOT NULL ORDER BY id DESC LIMIT ?",
            (channel, limit),
        )
        counts: list[int] = []
        for count, message in rows:
            counts.append(int(count))
            if message == FORCED:
                break
        return counts

    def sent_items(self, channel: str, destination: str) -> dict[str, tuple[str, str]]:
        """item id -> (content hash, sent_at) of what the destination holds, as far as feedsync knows: the items it
        accepted, and those whose later update it refused (it holds a version before). Those have no hash here, so
        that whatever the catalog holds of them now is sent again (the version it holds included: that makes the
        row accepted again), and they are deleted once the catalog lacks them."""
        rows = self._db.execute(
            "SELECT item_id, CASE WHEN status = 'ok' THEN hash ELSE '' END, sent_at FROM items "
            f"WHERE channel = ? AND destination = ? AND {_HELD}",
            (channel, destination),
        )
        return {item_id: (digest, sent_at) for item_id, digest, sent_at in rows}

    def channel_keys(self, channel: str, destination: str) -> dict[str, str]:
        """item id -> the channel's own key of each item the destination holds, where it was recorded."""
        rows = self._db.execute(
            "SELECT item_id, channel_key FROM items "
            f"WHERE channel = ? AND destination = ? AND {_HELD} AND channel_key IS NOT NULL",
            (channel, destination),
        )
        return dict(rows.fetchall())

    def item_destinations(self, channel: str) -> list[str]:
        """The destinations the state holds items of for ``channel`` (a file being published's staging aside)."""
        rows = self._db.execute(
            "SELECT DISTINCT destination FROM items WHERE channel = ? AND destination NOT LIKE ? ORDER BY destination",
            (channel, "%" + STAGED),
        )
        return [destination for (destination,) in rows]

    def move_items(self, channel: str, old: str, new: str) -> None:
        """Record the channel's items held under destination ``old`` as held under ``new`` (what ``new`` holds of an
        item already wins)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE OR IGNORE items SET destination = ? WHERE channel = ? AND destination = ?", (new, channel, old)
            )
            db.execute("DELETE FROM items WHERE channel = ? AND destination = ?", (channel, old))

    def record_items(
        self,
        channel: str,
        destination: str,
        sent: list[tuple[str, str]],
        *,
        status: str = "ok",
        message: str | None = None,
        keys: dict[str, str] | None = None,
        parents: dict[str, str] | None = None,
        parent_listings: Sequence[str] = (),
    ) -> None:
        """Record (item id, hash) pairs the destination accepted (or rejected, with ``status``), in one
        transaction: called after each remote batch, so a crash loses at most the batch in flight.
        ``keys`` gives the channel's own key of an item (its marketplace SKU), for mapping orders back; ``parents``
        the parent key of an item ('' none), and ``parent_listings`` the parent listings the destination took with
        the batch (Amazon)."""
        now = _now()
        keys, parents = keys or {}, parents or {}
        message = _mask(message)
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO parents (channel, destination, sku, sent_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel, destination, sku) DO UPDATE SET sent_at = excluded.sent_at",
                [(channel, destination, sku, now) for sku in parent_listings],
            )
            db.executemany(
                "INSERT INTO items (channel, destination, item_id, hash, sent_at, status, message, channel_key, "
                "parent_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, destination, item_id) DO UPDATE "
                # a refused update leaves the destination the version it held: its hash (and when it was sent) stay
                "SET hash = CASE WHEN excluded.status = 'rejected' THEN items.hash ELSE excluded.hash END, "
                "sent_at = CASE WHEN excluded.status = 'rejected' THEN items.sent_at ELSE excluded.sent_at END, "
                "parent_key = CASE WHEN excluded.status = 'rejected' THEN items.parent_key "
                "ELSE excluded.parent_key END, "
                "status = excluded.status, message = excluded.message, "
                "channel_key = COALESCE(excluded.channel_key, items.channel_key)",
                [
                    (channel, destination, item, digest, now, status, message, keys.get(item), parents.get(item))
                    for item, digest in sent
                ],
            )

    def parent_listings(self, channel: str, destination: str) -> set[str]:
        """The parent listings (SKUs) the destination holds, as far as feedsync knows."""
        rows = self._db.execute("SELECT sku FROM parents WHERE channel = ? AND destination = ?", (channel, destination))
        return {sku for (sku,) in rows}

    def item_parents(self, channel: str, destination: str) -> dict[str, str | None]:
        """item id -> parent key of each item the destination holds ('' none; None: recorded before feedsync kept
        it, so unknown)."""
        rows = self._db.execute(
            f"SELECT item_id, parent_key FROM items WHERE channel = ? AND destination = ? AND {_HELD}",
            (channel, destination),
        )
        return dict(rows.fetchall())

    def stage_items(self, channel: str, destination: str, rows: list[tuple[str, str]]) -> None:
        """Stage (item id, channel key) rows of a file being published; ``commit_staged`` makes them the
        destination's items once the file is in place, ``drop_staged`` forgets an abandoned attempt. A file is
        always sent whole, so no content hash is kept for it (the hash column stays empty)."""
        now = _now()
        staged = destination + STAGED
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO items (channel, destination, item_id, hash, sent_at, status, channel_key) "
                "VALUES (?, ?, ?, ?, ?, 'ok', ?) ON CONFLICT (channel, destination, item_id) DO UPDATE SET "
                "hash = excluded.hash, sent_at = excluded.sent_at, channel_key = excluded.channel_key",
                [(channel, staged, item_id, "", now, key) for item_id, key in rows],
            )

    def commit_staged(self, channel: str, destination: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM items WHERE channel = ? AND destination = ?", (channel, destination))
            db.execute(
                "UPDATE items SET destination = ? WHERE channel = ? AND destination = ?",
                (destination, channel, destination + STAGED),
            )

    def leaving(self, channel: str, destination: str) -> tuple[int, int]:
        """(items the destination holds, how many of them the staged file leaves out): the items a file being
        published would take off the channel."""
        before, leaving = self._db.execute(
            "SELECT COUNT(*), COUNT(*) - COUNT(staged.item_id) FROM items AS held LEFT JOIN items AS staged "
            "ON staged.channel = held.channel AND staged.destination = ? AND staged.item_id = held.item_id "
            "WHERE held.channel = ? AND held.destination = ?",
            (destination + STAGED, channel, destination),
        ).fetchone()
        return int(before), int(leaving)

    def drop_staged(self, channel: str, destination: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM items WHERE channel = ? AND destination = ?", (channel, destination + STAGED))

    def catalog_ids(self, channel: str, channel_key: str) -> list[str]:
        """The catalog ids feedsync published to ``channel`` under its own key (a marketplace SKU), the marketplace
        holding a version of each (an update it refused leaves it the one before); more than one means the key is
        ambiguous (two destinations disagree)."""
        rows = self._db.execute(
            f"SELECT DISTINCT item_id FROM items WHERE channel = ? AND channel_key = ? AND {_HELD} "
            "AND destination NOT LIKE ? ORDER BY item_id",
            (channel, channel_key, "%" + STAGED),
        )
        return [row[0] for row in rows]

    def forget_items(
        self, channel: str, destination: str, item_ids: list[str], parent_listings: Sequence[str] = ()
    ) -> None:
        """The destination deleted these items (and these parent listings)."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM items WHERE channel = ? AND destination = ? AND item_id = ?",
                [(channel, destination, item_id) for item_id in item_ids],
            )
            db.executemany(
                "DELETE FROM parents WHERE channel = ? AND destination = ? AND sku = ?",
                [(channel, destination, sku) for sku in parent_listings],
            )

    def open_batch(self, channel: str, destination: str, batch_id: str, messages: str) -> None:
        """The destination took batch ``batch_id`` (``messages``: what it holds, as the destination wrote it) and
        its outcome is not known yet."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO open_batches (channel, destination, batch_id, messages, sent_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, destination, batch_id) DO UPDATE SET messages = excluded.messages",
                (channel, destination, batch_id, messages, _now()),
            )

    def open_batches(self, channel: str, destination: str) -> list[tuple[str, str, str]]:
        """(batch id, messages, when it was recorded open) of the batches whose outcome a run did not record, oldest
        first."""
        rows = self._db.execute(
            "SELECT batch_id, messages, sent_at FROM open_batches WHERE channel = ? AND destination = ? "
            "ORDER BY sent_at",
            (channel, destination),
        )
        return [(batch_id, messages, sent_at) for batch_id, messages, sent_at in rows]

    def close_batch(self, channel: str, destination: str, batch_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM open_batches WHERE channel = ? AND destination = ? AND batch_id = ?",
                (channel, destination, batch_id),
            )

    # -- orders -------------------------------------------------------------------------------------------

    def order(self, marketplace: str, order_id: str) -> OrderRecord | None:
        """What feedsync did with a marketplace order it has seen (imported, held, recorded or skipped)."""
        row = self._db.execute(
            "SELECT status, state, sink_ref, message FROM orders WHERE marketplace = ? AND order_id = ?",
            (marketplace, order_id),
        ).fetchone()
        return None if row is None else OrderRecord(*row)

    def record_order(
        self,
        marketplace: str,
        order_id: str,
        *,
        status: str,
        state: str,
        sink_ref: str | None = None,
        message: str | None = None,
        payload: str | None = None,
    ) -> None:
        """Record an order in its own transaction; ``payload`` keeps a held order so a later run can retry it
        even when the marketplace will not list it again (an incremental read has moved past it)."""
        now = _now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO orders (marketplace, order_id, status, state, sink_ref, message, payload, first_seen, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (marketplace, order_id) DO UPDATE SET "
                "status = excluded.status, state = excluded.state, "
                "sink_ref = COALESCE(excluded.sink_ref, orders.sink_ref), message = excluded.message, "
                "payload = COALESCE(excluded.payload, orders.payload), updated_at = excluded.updated_at",
                (marketplace, order_id, status, state, _mask(sink_ref), _mask(message), _mask(payload), now, now),
            )

    def forget_order(self, marketplace: str, order_id: str, state: str) -> None:
        """Remove an order's record while it is in ``state`` (a mark its run found unneeded)."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM orders WHERE marketplace = ? AND order_id = ? AND state = ?",
                (marketplace, order_id, state),
            )

    def record_cancelled(
        self, marketplace: str, order_id: str, payload: str, lines: Sequence[tuple[str, str, int]]
    ) -> None:
        """In one transaction: the stored order ``payload`` (its lines' units cancelled since the import moved out
        of their quantity) and, per (line id, SKU, units) of ``lines``, the units to tell (``untold``)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE orders SET payload = ?, updated_at = ? WHERE marketplace = ? AND order_id = ?",
                (_mask(payload), _now(), marketplace, order_id),
            )
            db.executemany(
                "INSERT INTO untold (marketplace, order_id, line_id, sku, units) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (marketplace, order_id, line_id) DO UPDATE SET sku = excluded.sku, "
                "units = untold.units + excluded.units",
                [(marketplace, order_id, line_id, sku, units) for line_id, sku, units in lines],
            )

    def untold(self, marketplace: str) -> list[tuple[str, str, str, int]]:
        """(order id, line id, SKU, units) of the cancellations recorded and not yet known to be told."""
        rows = self._db.execute(
            "SELECT order_id, line_id, sku, units FROM untold WHERE marketplace = ? ORDER BY order_id, line_id",
            (marketplace,),
        )
        return [(order_id, line_id, sku, int(units)) for order_id, line_id, sku, units in rows]

    def forget_untold(self, marketplace: str, keys: Iterable[tuple[str, str]]) -> None:
        """The cancellations of these (order id, line id) were told."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM untold WHERE marketplace = ? AND order_id = ? AND line_id = ?",
                [(marketplace, order_id, line_id) for order_id, line_id in keys],
            )

    def order_payload(self, marketplace: str, order_id: str) -> str | None:
        """The order as feedsync last saw it (JSON), for held retries and shipment confirmations."""
        row = self._db.execute(
            "SELECT payload FROM orders WHERE marketplace = ? AND order_id = ?", (marketplace, order_id)
        ).fetchone()
        return None if row is None else row[0]

    def mark_handled(self, marketplace: str, order_ids: Sequence[str], note: str) -> list[str]:
        """In one transaction, the held orders ``order_ids`` (or ones sent without an answer, ``creating``) become
        ``handled`` (the store got them otherwise: never imported, no longer retried or sent again), each with
        ``note``; the ids of those that were neither, where nothing changed (none of them is marked then)."""
        with self.transaction() as db:
            held = {
                order_id
                for (order_id,) in db.execute(
                    "SELECT order_id FROM orders WHERE marketplace = ? AND state IN ('held', 'creating') "
                    f"AND order_id IN ({', '.join('?' * len(order_ids))})",
                    (marketplace, *order_ids),
                )
            }
            if len(held) != len(set(order_ids)):
                return [order_id for order_id in order_ids if order_id not in held]
            db.executemany(
                "UPDATE orders SET state = 'handled', message = ?, updated_at = ? WHERE marketplace = ? "
                "AND order_id = ? AND state IN ('held', 'creating')",
                [(_mask(note), _now(), marketplace, order_id) for order_id in held],
            )
        return []

    def held_orders(self, marketplace: str, state: str = "held") -> list[tuple[str, str | None, str | None]]:
        """(order id, reason, payload) of the orders held back (or in another ``state``: ``creating``, sent to a
        store that never answered), oldest first."""
        rows = self._db.execute(
            "SELECT order_id, message, payload FROM orders WHERE marketplace = ? AND state = ? "
            "ORDER BY first_seen, order_id",
            (marketplace, state),
        )
        return [(order_id, message, payload) for order_id, message, payload in rows]

    def open_orders(self, marketplace: str) -> list[tuple[str, str, str]]:
        """(order id, store reference, payload) of the imported orders not yet shipped in full or cancelled."""
        rows = self._db.execute(
            "SELECT order_id, sink_ref, payload FROM orders WHERE marketplace = ? AND state = 'imported' "
            "AND status IN ('unshipped', 'partially_shipped') AND sink_ref IS NOT NULL AND payload IS NOT NULL "
            "ORDER BY first_seen, order_id",
            (marketplace,),
        )
        return [(order_id, ref, payload) for order_id, ref, payload in rows]

    def shipment(self, marketplace: str, order_id: str, tracking: str) -> tuple[str, str] | None:
        """(package reference, state) of a package by its tracking number; state is confirmed or failed, or pending
        (in an upload file) or sending (to the API) when a run died before it knew the outcome."""
        row = self._db.execute(
            "SELECT package_ref, state FROM shipments WHERE marketplace = ? AND order_id = ? AND tracking = ?",
            (marketplace, order_id, tracking),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def package_details(self, marketplace: str, order_id: str, states: tuple[str, ...]) -> list[tuple[str, str]]:
        """(tracking number, detail JSON) of the order's packages in one of ``states``."""
        rows = self._db.execute(
            f"SELECT tracking, detail FROM shipments WHERE marketplace = ? AND order_id = ? AND detail IS NOT NULL "
            f"AND state IN ({', '.join('?' * len(states))})",
            (marketplace, order_id, *states),
        )
        return [(tracking, detail) for tracking, detail in rows]

    def package_count(self, marketplace: str, order_id: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM shipments WHERE marketplace = ? AND order_id = ?", (marketplace, order_id)
        ).fetchone()
        return int(row[0])

    def record_shipments(
        self,
        marketplace: str,
        packages: list[tuple[str, str, str, str | None]],
        *,
        state: str,
        batch: str | None = None,
        message: str | None = None,
    ) -> None:
        """Record (order id, tracking, package reference, detail JSON) packages in one state, in one transaction.
        A package keeps its first reference; ``batch`` names the upload file a pending package is written into."""
        now = _now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO shipments (marketplace, order_id, tracking, package_ref, state, message, updated_at, "
                "batch, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (marketplace, order_id, tracking) "
                "DO UPDATE SET state = excluded.state, message = excluded.message, updated_at = excluded.updated_at, "
                "batch = excluded.batch, detail = COALESCE(excluded.detail, shipments.detail)",
                [
                    (marketplace, order_id, tracking, ref, state, _mask(message), now, batch, detail)
                    for order_id, tracking, ref, detail in packages
                ],
            )

    def unsettled_shipments(self, marketplace: str, states: tuple[str, ...]) -> list[tuple[str, str | None, str]]:
        """(state, batch, detail JSON) of the packages in one of ``states`` (a run died before it knew their
        outcome), in the order they were recorded."""
        rows = self._db.execute(
            f"SELECT state, batch, detail FROM shipments WHERE marketplace = ? AND detail IS NOT NULL AND state "
            f"IN ({', '.join('?' * len(states))}) ORDER BY updated_at, order_id, CAST(package_ref AS INTEGER)",
            (marketplace, *states),
        )
        return [(state, batch, detail) for state, batch, detail in rows]

    def cursor(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                "value = excluded.value",
                (name, value),
            )

    def runs(self, channel: str | None = None, limit: int = 50) -> list[Run]:
        sql = "SELECT id, command, channel, destination, started_at, ended_at, item_count, outcome, message FROM runs"
        args: tuple[object, ...] = ()
        if channel:
            sql += " WHERE channel = ?"
            args = (channel,)
        sql += " ORDER BY id DESC LIMIT ?"
        return [Run(*row) for row in self._db.execute(sql, (*args, limit))]

    def last_push(self, channel: str) -> Run | None:
        """The channel's latest push (dry runs record none)."""
        row = self._db.execute(
            "SELECT id, command, channel, destination, started_at, ended_at, item_count, outcome, message FROM runs "
            "WHERE channel = ? AND command = 'push' ORDER BY id DESC LIMIT 1",
            (channel,),
        ).fetchone()
        return None if row is None else Run(*row)

    def rejected_items(self, channel: str) -> int:
        """Items the channel's API refused on the last sync: they are sent again on the next push."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM items WHERE channel = ? AND status = 'rejected'", (channel,)
        ).fetchone()
        return int(row[0])

    def failed_shipments(self, marketplace: str) -> list[tuple[str, str, str | None]]:
        """(order id, tracking number, message) of the packages whose confirmation failed (retried next run)."""
        rows = self._db.execute(
            "SELECT order_id, tracking, message FROM shipments WHERE marketplace = ? AND state = 'failed' "
            "ORDER BY updated_at, order_id",
            (marketplace,),
        )
        return [(order_id, tracking, message) for order_id, tracking, message in rows]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
