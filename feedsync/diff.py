"""``feedsync diff``: what changed in a channel's feed, per item and field, between two feed files (the one the
last push published, kept beside the state, or any file) and the feed the catalog makes now.

Feeds are compared as their files say them: RSS items by ``id`` (repeated elements are one list), delimited
rows by the ``id`` column, Amazon listings messages by ``sku`` (attributes as JSON text per attribute). Reading
is streamed, both feeds together (see ``compare``).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedsync.atomic import VERSION_STAMP, keep_as
from feedsync.decoding import undecodable
from feedsync.errors import SourceError
from feedsync.formats.xml_rss import read_items

Fields = dict[str, str]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass
class ChannelDiff:
    channel: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: int = 0

    @property
    def field_counts(self) -> Counter[str]:
        """How many changed items changed each field, most first."""
        return Counter(change.field for changes in self.changed.values() for change in changes)

    def as_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "added": self.added,
            "removed": self.removed,
            "changed": {
                item: [{"field": c.field, "old": c.old, "new": c.new} for c in changes]
                for item, changes in self.changed.items()
            },
            "unchanged": self.unchanged,
            "field_counts": dict(self.field_counts.most_common()),
        }


_KEPT = re.compile(VERSION_STAMP + "$")


def read_feed(path: Path) -> Iterator[tuple[str, Fields]]:
    """(item id, its fields as text) of each item of a feed file, by the file's extension (of a version a directory
    destination keeps, ``google.xml.20261122T063000123456Z``, the extension before its time stamp); split Amazon
    documents (``amazon.2.json``, ...) beside ``path`` are read too."""
    if not path.is_file():
        raise SourceError(f"no feed file {path}")
    kept = _KEPT.search(path.name)
    suffix = Path(path.name[: kept.start()]).suffix.lower() if kept else path.suffix.lower()
    if suffix == ".xml":
        yield from _rss(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        yield from _delimited(path, "\t" if suffix != ".csv" else ",")
    elif suffix == ".json":
        parts = [] if kept else sorted(path.parent.glob(f"{path.stem}.[0-9]*{path.suffix}"))
        for document in [path, *parts]:
            yield from _listings(document)
    else:
        raise SourceError(f"{path}: cannot compare a {suffix or 'extensionless'} file (xml, csv, tsv or json)")


def _rss(path: Path) -> Iterator[tuple[str, Fields]]:
    for values in read_items(path):
        if values.get("id"):
            yield _key(values), values


def _delimited(path: Path, delimiter: str) -> Iterator[tuple[str, Fields]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=delimiter):
                values = {k: v for k, v in row.items() if k and v}
                if values.get("id"):
                    yield _key(values), values
    except UnicodeDecodeError:
        at = undecodable(path, "utf-8-sig")
        where = f"{path}:{at.line}: not UTF-8 text ({at.what})" if at else f"{path}: not UTF-8 text"
        raise SourceError(f"{where}; compare with a feed feedsync wrote (its feeds are UTF-8)") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


def _listings(path: Path) -> Iterator[tuple[str, Fields]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: not a JSON listings feed: {exc}") from None
    messages = (document.get("messages") or []) if isinstance(document, dict) else None
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise SourceError(f"{path}: not a JSON listings feed (an object whose messages are a list of objects)")
    for message in messages:
        sku = str(message.get("sku") or "")
        fields = {k: str(v) for k, v in message.items() if k not in ("messageId", "sku", "attributes")}
        _flatten(message.get("attributes") or {}, "", fields)
        if sku:
            yield sku, fields


def _key(values: Fields) -> str:
    """An item's id; per store in a local inventory feed (one row per product and store)."""
    store = values.get("store_code")
    return f"{values['id']} @ {store}" if store else values["id"]


def _flatten(value: object, path: str, into: Fields) -> None:
    """Nested listing attributes as one field per leaf: ``purchasable_offer[0].our_price[0]....value``."""
    if isinstance(value, dict):
        for name in sorted(value):
            _flatten(value[name], f"{path}.{name}" if path else name, into)
    elif isinstance(value, list):
        for index, element in enumerate(value):
            _flatten(element, f"{path}[{index}]", into)
    else:
        into[path] = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


LOOKAHEAD = 1000
"""How far ``compare`` reads ahead in the older feed for an item that is not next in it."""


def compare(channel: str, old: Path, new: Path) -> ChannelDiff:
    """Items added, removed and changed (field by field) from feed file ``old`` to feed file ``new``.

    Both feeds are read together, item by item: feeds of one catalog keep its order, so an item of the new
    feed is usually the next one of the old, and memory holds only the items out of step (at most the whole
    feed, when its order changed throughout) and the changes found."""
    result = ChannelDiff(channel)
    olds = read_feed(old)
    early_old: dict[str, Fields] = {}  # read ahead in the old feed, not matched yet
    early_new: dict[str, Fields] = {}  # in the new feed, not found in the old one yet

    def settle(item: str, before: Fields, after: Fields) -> None:
        changes = [
            FieldChange(name, before.get(name), after.get(name))
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        ]
        if changes:
            result.changed[item] = changes
        else:
            result.unchanged += 1

    for item, fields in read_feed(new):
        if item in early_old:
            settle(item, early_old.pop(item), fields)
            continue
        for _ in range(LOOKAHEAD):
            ahead = next(olds, None)
            if ahead is None:
                break
            if ahead[0] == item:
                settle(item, ahead[1], fields)
                break
            if ahead[0] in early_new:
                settle(ahead[0], ahead[1], early_new.pop(ahead[0]))
            else:
                early_old[ahead[0]] = ahead[1]
        else:
            early_new[item] = fields
            continue
        if ahead is None:
            early_new[item] = fields
    gone = []
    for item, fields in olds:
        if item in early_new:
            settle(item, fields, early_new.pop(item))
        else:
            gone.append(item)
    result.removed = [*early_old, *gone]
    result.added = list(early_new)
    return result


def snapshot_path(state_dir: Path, channel: str, output: Path) -> Path:
    """Where the feed a push published is kept for ``diff --against last-push``."""
    return state_dir / "last-push" / channel / output.name


def keep_snapshot(state_dir: Path, channel: str, output: Path, parts: list[Path]) -> None:
    """Keep a published feed (and its split documents) for the next ``diff``."""
    folder = state_dir / "last-push" / channel
    fresh = folder.with_name(f".{channel}.new")
    if fresh.exists():
        shutil.rmtree(fresh)
    fresh.mkdir(parents=True)
    for path in [output, *parts]:
        keep_as(path, fresh / path.name)
    if folder.exists():
        shutil.rmtree(folder)
    fresh.rename(folder)
