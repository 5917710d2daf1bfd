"""YAML loading that remembers where every value stood, so validation errors point at ``file:line:col``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from feedsync.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (a silent override is a classic config bug)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise ConfigError(f"duplicate key {key!r}", path=mark.name, line=mark.line + 1, column=mark.column + 1)
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
