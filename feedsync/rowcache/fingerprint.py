"""What a row cache's entries depend on besides the row itself: feedsync's code and data, the config file, the
channel's profile, templates, category map and path settings, the supplements, the destination and the run's
finding selection. Any change makes a new fingerprint, and a cache of another fingerprint is not used."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import feedsync
from feedsync.channels.compiled import CompiledChannel
from feedsync.config import Config
from feedsync.resources import data_dir

FORMAT = "feedsync-rowcache 3"  # 3: an item entry ends with the id its channel keys it on (MDL021)
_PACKAGE = Path(feedsync.__file__).resolve().parent


def fingerprint(config: Config, channel: CompiledChannel, destination: str, selection: str) -> str:
    """The fingerprint of ``channel``'s row cache for a push to ``destination`` keeping the findings ``selection``
    (the header of the source is added when the source opens: ``with_header``)."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes | str) -> None:
        data = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", f"{FORMAT} {feedsync.__version__}")
    add("code", _code_stamp())
    add("channel", channel.name)
    add("destination", destination)
    add("selection", selection)
    add("source", str(config.source.path))
    if config.path is not None:
        add("config", _read(config.path))
    for folder in (data_dir("channel_profiles"), data_dir("templates"), config.base_dir / "templates"):
        add(f"folder {folder}", _folder(folder))
    profile = Path(channel.config.profile)
    profile = profile if profile.is_absolute() else config.base_dir / profile
    if profile.suffix in (".yaml", ".yml") and profile.is_file():
        add("profile", _read(profile))
    if channel.category_map is not None:
        add("category map", _read(channel.category_map.path))
    for name in channel.spec.path_settings:
        value = channel.settings.get(name)
        if isinstance(value, (str, Path)):
            add(f"setting {name}", _folder(Path(value)) if Path(value).is_dir() else _read(Path(value)))
    for supplement in config.supplements:
        add(f"supplement {supplement.path}", _read(supplement.path))
    return digest.hexdigest()


def with_header(
    base: str, header: list[str], encoding: str | None, delimiter: str | None, *, quoted: bool = True
) -> str:
    """``base`` with the source's header, encoding and delimiter (a row's cells mean what the header says), and
    whether its values are read with CSV quoting (a line read without it makes other cells)."""
    text = repr((base, header, encoding, delimiter) if quoted else (base, header, encoding, delimiter, "unquoted"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


def _folder(folder: Path) -> bytes:
    """The names and contents of the files in ``folder`` (and below), in a stable order."""
    if not folder.is_dir():
        return b"\0none"
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(_read(path)).digest())
    return digest.digest()


@cache
def _code_stamp() -> str:
    """feedsync's modules (name, size, modification time) and its data files (content): a changed feedsync
    makes a new fingerprint even where the version number stayed."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
        if path.suffix == ".py":
            stat = path.stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
