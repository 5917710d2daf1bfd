"""What a run keeps on disk for the next (``feedsync.diskcache``): read back only whole and only for what it was made
from, made again where it is torn, altered, unreadable or unwritable, bounded, and never where it is switched off;
the checks of a definition and the columnar engine's character class read from it are those made anew."""

from __future__ import annotations

import json
import marshal
import os
import threading
from pathlib import Path

import pytest

from feedsync import diskcache
from feedsync.channels.amazon import schema_check
from tests.channels.amazon_reference import DEFINITIONS

SOURCE = "def answer(v):\n    return v * 2\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "kept"
    monkeypatch.setenv(diskcache.ENVIRONMENT, str(where))
    return where


def _no_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **named: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(diskcache, "compile", refused, raising=False)


def _run(code: object) -> int:
    scope: dict[str, object] = {}
    exec(code, scope)  # type: ignore[call-overload]
    return scope["answer"](21)  # type: ignore[operator]


def test_code_is_compiled_once_then_read_as_compiled(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = diskcache.code(SOURCE, "<test>")
    assert made == compile(SOURCE, "<test>", "exec") and _run(made) == 42
    assert len(list(folder.glob("*.kept"))) == 1
    assert folder.stat().st_mode & 0o777 == 0o700  # (made here: the user's alone)
    _no_compile(monkeypatch)
    read = diskcache.code(SOURCE, "<test>")
    assert read == made and read is not made and _run(read) == 42


def test_another_source_or_name_is_another_entry(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diskcache.code(SOURCE, "<test>")
    other = diskcache.code(SOURCE.replace("2", "3"), "<test>")
    named = diskcache.code(SOURCE, "<other>")
    assert _run(other) == 63 and named.co_filename == "<other>"
    assert len(list(folder.glob("*.kept"))) == 3
    assert diskcache.text(("ab", "c"), lambda: "one") == "one"
    assert diskcache.text(("a", "bc"), lambda: "two") == "two"  # (the parts' bounds are in the key)


@pytest.mark.parametrize("damage", ["torn", "altered", "empty", "not code"])
def test_a_damaged_entry_is_made_again_and_kept_whole(folder: Path, damage: str) -> None:
    diskcache.code(SOURCE, "<test>")
    (entry,) = folder.glob("*.kept")
    data = entry.read_bytes()
    if damage == "torn":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "altered":
        entry.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # whole, but not a code object (its digest holds)
        body = marshal.dumps([1, 2])
        entry.write_bytes(diskcache.hashlib.blake2b(body, digest_size=20).digest() + body)
    assert _run(diskcache.code(SOURCE, "<test>")) == 42
    assert entry.read_bytes() == data


def test_text_is_made_once(folder: Path) -> None:
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return "[é\\x{10000}]"

    assert diskcache.text(("x", "1.0"), make) == diskcache.text(("x", "1.0"), make) == "[é\\x{10000}]"
    assert len(calls) == 1
    assert diskcache.text(("x", "1.1"), make) == "[é\\x{10000}]" and len(calls) == 2  # (another version)


def test_switched_off_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.ENVIRONMENT, "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert diskcache.folder() is None
    assert _run(diskcache.code(SOURCE, "<test>")) == 42 and diskcache.text(("y",), lambda: "t") == "t"
    assert list(tmp_path.rglob("*")) == []


def test_the_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(diskcache.ENVIRONMENT)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert diskcache.folder() == tmp_path / "xdg" / "feedsync"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert diskcache.folder() == tmp_path / ".cache" / "feedsync"
    diskcache.code(SOURCE, "<test>")
    assert len(list((tmp_path / ".cache" / "feedsync").glob("*.kept"))) == 1


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_folder_that_cannot_be_written_keeps_nothing_and_fails_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv(diskcache.ENVIRONMENT, str(tmp_path / "file" / ("" if where == "a file" else "kept")))
    assert _run(diskcache.code(SOURCE, "<test>")) == 42
    assert diskcache.text(("z",), lambda: "t") == "t"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file"]


def test_at_most_kept_entries_the_least_recently_used_go(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diskcache, "KEPT", 4)
    for number in range(4):
        diskcache.text((str(number),), lambda number=number: f"t{number}")
        entry = max(folder.glob("*.kept"), key=lambda p: p.stat().st_mtime_ns)
        os.utime(entry, ns=(number * 10**9, number * 10**9))  # (in order, whatever the clock's grain)
    assert diskcache.text(("0",), lambda: "made again") == "t0"  # used: the last to go
    diskcache.text(("4",), lambda: "t4")
    assert len(list(folder.glob("*.kept"))) == 4
    assert diskcache.text(("1",), lambda: "made again") == "made again"  # the least recently used went
    assert diskcache.text(("0",), lambda: "made again") == "t0"


def test_threads_writing_one_entry_at_once_read_it_whole(folder: Path) -> None:
    sources = [SOURCE + f"# {n % 3}\n" for n in range(24)]
    answers: list[int] = []

    def each(source: str) -> None:
        answers.append(_run(diskcache.code(source, "<test>")))

    threads = [threading.Thread(target=each, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42] * 24 and len(list(folder.glob("*.kept"))) == 3 and not list(folder.glob("*.tmp"))


@pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")
def test_a_definition_s_checks_read_back_answer_as_compiled(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME (US): its check compiled with nothing kept, then read back (nothing compiled): the same source, and the
    same verdict and failures on messages it passes and refuses."""
    schema = json.loads((DEFINITIONS / "HOME-us.json").read_text(encoding="utf-8"))
    schema = {key: value for key, value in schema.items() if not key.startswith("x-")}
    good = {"item_name": [{"value": "Lamp", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}]}
    bad = {"item_name": [{"value": 3}], "batteries_required": [{"value": "yes"}]}
    cold = schema_check.compile_schema(schema)
    answers = [(cold.valid(m), [str(f) for f in cold.failures(m)], cold.missing(m)) for m in (good, bad, {})]
    assert answers[0][2] and answers[1][1]  # (what HOME requires besides a name; what breaks the bad one)
    assert list(folder.glob("*.kept"))
    _no_compile(monkeypatch)
    warm = schema_check.compile_schema(schema)
    assert warm.source == cold.source and warm.valid is not cold.valid
    assert [(warm.valid(m), [str(f) for f in warm.failures(m)], warm.missing(m)) for m in (good, bad, {})] == answers


def test_the_file_of_a_write_cut_short_goes_once_it_is_old(folder: Path) -> None:
    """A process killed while it wrote an entry leaves its temporary file: the next write removes it once it is an
    hour old (a write under way in another process is younger)."""
    folder.mkdir(parents=True)
    old, young = folder / ".old.tmp", folder / ".young.tmp"
    old.write_bytes(b"cut")
    young.write_bytes(b"under way")
    os.utime(old, (0, 0))
    diskcache.code(SOURCE, "<test>")
    assert not old.exists() and young.exists() and len(list(folder.glob("*.kept"))) == 1
