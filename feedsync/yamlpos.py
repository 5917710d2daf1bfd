"""YAML loading that remembers where every value stood, so validation errors point at ``file:line:col``."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from feedsync.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


MAX_DEPTH = 64
"""How deeply collections may nest in a config, profile or category map (real ones nest under 10)."""
MAX_NODES = 1_000_000
"""How many values a file may hold once its aliases are expanded (an alias bomb holds billions)."""


def _refuse(message: str, mark: yaml.Mark | None) -> ConfigError:
    if mark is None:
        return ConfigError(message)
    return ConfigError(message, path=mark.name, line=mark.line + 1, column=mark.column + 1)


MERGE = "tag:yaml.org,2002:merge"
"""The tag of YAML's merge key (``<<``)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (a silent override is a classic config bug), bounds
    nesting and alias expansion (so neither a deep file nor an alias bomb exhausts the stack, the memory or the
    time of whatever walks the data later), and turns a value its tag cannot build (``!!int zz``,
    ``2001-13-45``) into an error at that value."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values under it, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _refuse(f"alias *{event.anchor} refers to a value that contains it", event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _refuse(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes[id(child)] for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        if size > MAX_NODES:
            raise _refuse(
                f"this value expands to more than {MAX_NODES:,} values through its aliases (an alias bomb?)",
                node.start_mark,
            )
        self._sizes[id(node)] = size
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            what = f"{node.value!r:.60}" if isinstance(node, yaml.ScalarNode) else "value"
            raise _refuse(f"invalid {node.tag.rsplit(':', 1)[-1]} {what}: {exc}", node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE:  # ``<<: *base``: its keys are the base's, which the mapping's own override
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                raise _refuse("a key must be a plain value, not a list or mapping", key_node.start_mark) from None
            if duplicate:
                raise _refuse(f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into plain data plus its node tree (for positions)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return loads(text, str(path))


def loads(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The data of YAML ``text`` (a copy of its own: the caller may change it) and its node tree (only read). A text
    of up to ``KEPT_TEXT`` characters (a config, a profile) is read once a process (``_parsed``: a run reads its
    profiles again where each channel names one, the tests build the same profiles again and again, and PyYAML's
    pure-Python loader takes milliseconds a page); a longer one (a large category map, whose data and nodes hold
    tens of times its size) is read each time, and let go with its reader's data."""
    if len(text) > KEPT_TEXT:
        return _parsed.__wrapped__(text, name)
    data, node = _parsed(text, name)
    return copy.deepcopy(data), node


KEPT_TEXT = 64 << 10
"""The longest text ``loads`` keeps the reading of (``_parsed``: 32 of them at most)."""


@lru_cache(maxsize=32)
def _parsed(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    try:
        loader = _UniqueKeyLoader(text)
        loader.name = name
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise ConfigError(f"invalid YAML: {exc.problem}", path=name, line=line, column=column) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise ConfigError(
            f"invalid YAML: character U+{code:04X} is not allowed in a YAML file",
            path=name,
            line=line,
            column=column,
        ) from None
    return data, node


def resolve(
    node: yaml.Node | None, loc: Sequence[str | int]
) -> tuple[list[str | int], yaml.Node | None, yaml.Node | None]:
    """Walk ``loc`` through the YAML tree. Parts that name nothing in the file (pydantic's union tags such as
    ``directory``) are skipped. Returns (the parts found, the deepest node found, the key node of the last part
    when it is a mapping key)."""
    found: list[str | int] = []
    current = node
    key: yaml.Node | None = None
    for part in loc:
        nxt: yaml.Node | None = None
        nxt_key: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    nxt, nxt_key = value_node, key_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            nxt = current.value[part]
        if nxt is None:
            continue
        found.append(part)
        current, key = nxt, nxt_key
    return found, current, key


def _position(node: yaml.Node | None) -> tuple[int, int] | None:
    return (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else None


def locate(node: yaml.Node | None, loc: Sequence[str | int]) -> tuple[int, int] | None:
    """1-based (line, column) of the value at ``loc``; for a missing key, of the closest existing parent."""
    return _position(resolve(node, loc)[1])


def locate_node(node: yaml.Node | None, loc: Sequence[str | int]) -> yaml.Node | None:
    found, current, _ = resolve(node, loc)
    return current if len(found) == len(loc) else None


def validation_error(
    exc: ValidationError, name: str, node: yaml.Node | None, prefix: Sequence[str | int] = ()
) -> ConfigError:
    """Turn a pydantic ValidationError into one ConfigError listing every problem with its position."""
    lines: list[str] = []
    first: tuple[int, int] | None = None
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, (str, int))]
        full = [*prefix, *loc]
        found, value_node, key_node = resolve(node, full)
        if node is not None and len(found) < len(full) and err["type"] != "missing":
            full = [*found, full[-1]] if full[-1] not in found else found  # drop union tags
        dotted = ".".join(str(p) for p in full) or "(top level)"
        if err["type"] == "extra_forbidden":
            pos = _position(key_node or value_node)
            msg = f"unknown key {dotted!r}"
        else:
            pos = _position(value_node)
            msg = f"{dotted}: {err['msg']}"
        first = first or pos
        where = f"{name}:{pos[0]}:{pos[1]}" if pos else name
        lines.append(f"{where}: {msg}")
    error = ConfigError("\n".join(lines))
    error.path = name
    if first:
        error.line, error.column = first
    return error


def validate(model: type[M], data: Any, name: str, node: yaml.Node | None, **context: Any) -> M:
    try:
        return model.model_validate(data, context=context or None)
    except ValidationError as exc:
        raise validation_error(exc, name, node) from None
