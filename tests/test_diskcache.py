"""What a run keeps on disk for the next (``feedsync.diskcache``): read back only whole, only for what it was made
from and only from a folder and files of the user's own that no one else may write; made again where it is torn,
altered, foreign, unreadable or unwritable; bounded; never where it is switched off or has no absolute folder; no
file it did not name removed. The checks of a definition and the columnar engine's character class read from it are
those made anew."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import multiprocessing
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


def _entry(folder: Path) -> Path:
    (entry,) = folder.glob("*.kept")
    return entry


def _whole(body: bytes) -> bytes:
    """An entry's bytes: ``body`` headed by its digest."""
    return hashlib.blake2b(body, digest_size=20).digest() + body


def test_code_is_compiled_once_then_read_as_compiled(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = diskcache.code(SOURCE, "<test>")
    assert made == compile(SOURCE, "<test>", "exec", dont_inherit=True) and _run(made) == 42
    data = _entry(folder).read_bytes()
    assert data == _whole(data[20:]) and marshal.loads(data[20:]) == made  # (headed by its own digest)
    assert folder.stat().st_mode & 0o777 == 0o700  # (made here: the user's alone)
    _no_compile(monkeypatch)
    read = diskcache.code(SOURCE, "<test>")
    assert read == made and read is not made and _run(read) == 42


def test_another_source_name_or_interpreter_is_another_entry(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diskcache.code(SOURCE, "<test>")
    other = diskcache.code(SOURCE.replace("2", "3"), "<test>")
    named = diskcache.code(SOURCE, "<other>")
    assert _run(other) == 63 and named.co_filename == "<other>"
    assert len(list(folder.glob("*.kept"))) == 3
    _no_compile(monkeypatch)
    with monkeypatch.context() as patch:  # another bytecode: compiled again (here: refused)
        patch.setattr(importlib.util, "MAGIC_NUMBER", b"\x00\x00\r\n")
        with pytest.raises(AssertionError, match="compiled again"):
            diskcache.code(SOURCE, "<test>")
    with monkeypatch.context() as patch:  # ``python -O``: compiled again
        patch.setattr(diskcache.sys, "flags", type("Flags", (), {"optimize": 1})())
        with pytest.raises(AssertionError, match="compiled again"):
            diskcache.code(SOURCE, "<test>")
    assert _run(diskcache.code(SOURCE, "<test>")) == 42


def test_texts_are_kept_apart_by_their_parts() -> None:
    assert diskcache._key(b"text", b"ab", b"c") != diskcache._key(b"text", b"a", b"bc")
    assert diskcache._key(b"text", b"ab") != diskcache._key(b"code", b"ab")


@pytest.mark.parametrize("damage", ["torn", "altered code", "altered digest", "empty", "not code"])
def test_a_damaged_entry_is_made_again_and_kept_whole(folder: Path, damage: str) -> None:
    diskcache.code(SOURCE, "<test>")
    entry = _entry(folder)
    data = entry.read_bytes()
    other = marshal.dumps(compile(SOURCE.replace("2", "3"), "<test>", "exec"))  # code marshal reads: 21 * 3
    entry.write_bytes(
        {
            "torn": data[: len(data) // 2],
            "altered code": data[:20] + other,  # (the digest of the code it replaced)
            "altered digest": bytes([data[0] ^ 1]) + data[1:],
            "empty": b"",
            "not code": _whole(marshal.dumps([1, 2])),
        }[damage]
    )
    assert _run(diskcache.code(SOURCE, "<test>")) == 42
    assert entry.read_bytes() == data


def test_text_is_made_once_for_its_versions_and_its_maker_s_code(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return "[é\\x{10000}]"

    assert diskcache.text(("x", "1.0"), make) == diskcache.text(("x", "1.0"), make) == "[é\\x{10000}]"
    assert len(calls) == 1
    assert diskcache.text(("x", "1.1"), make) == "[é\\x{10000}]" and len(calls) == 2  # (another version)
    code = Path(__file__).read_bytes()
    monkeypatch.setattr(Path, "read_bytes", lambda self: code + b"\n# changed\n")
    assert diskcache.text(("x", "1.0"), make) == "[é\\x{10000}]" and len(calls) == 3  # (its module changed)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(OSError("gone")))
    assert diskcache.text(("x", "1.0"), make) == "[é\\x{10000}]" and len(calls) == 4  # (its code unread: made)


def test_switched_off_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.ENVIRONMENT, "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert diskcache.folder() is None
    assert _run(diskcache.code(SOURCE, "<test>")) == 42 and diskcache.text(("y",), lambda: "t") == "t"
    assert list(tmp_path.rglob("*")) == []


def test_the_folder_by_default_and_none_that_is_not_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(diskcache.ENVIRONMENT)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert diskcache.folder() == tmp_path / "xdg" / "feedsync"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # (ignored, as the XDG specification says)
    assert diskcache.folder() == tmp_path / ".cache" / "feedsync"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert diskcache.folder() == tmp_path / ".cache" / "feedsync"
    diskcache.code(SOURCE, "<test>")
    assert len(list((tmp_path / ".cache" / "feedsync").glob("*.kept"))) == 1
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(diskcache.os.path, "expanduser", lambda path: path)  # no home: ``~`` stays ``~``
    assert diskcache.folder() is None
    monkeypatch.setenv(diskcache.ENVIRONMENT, "kept")  # a folder named relative to wherever the run is
    assert diskcache.folder() is None

    def homeless(self: Path) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "expanduser", homeless)
    monkeypatch.setenv(diskcache.ENVIRONMENT, "~/kept")
    assert diskcache.folder() is None and _run(diskcache.code(SOURCE, "<test>")) == 42
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache"]


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_folder_that_cannot_be_written_keeps_nothing_and_fails_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv(diskcache.ENVIRONMENT, str(tmp_path / "file" / ("" if where == "a file" else "kept")))
    assert _run(diskcache.code(SOURCE, "<test>")) == 42
    assert diskcache.text(("z",), lambda: "t") == "t"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file"]


@pytest.mark.parametrize("foreign", ["writable by others", "writable by its group", "another user's"])
def test_a_folder_others_may_write_is_neither_read_nor_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch, foreign: str
) -> None:
    """What is read is run: an entry planted (its digest made right) in a folder others may write, or in another
    user's, is not read, and nothing is written there."""
    diskcache.code(SOURCE, "<test>")
    planted = marshal.dumps(compile(SOURCE.replace("2", "3"), "<test>", "exec"))
    _entry(folder).write_bytes(_whole(planted))
    assert _run(diskcache.code(SOURCE, "<test>")) == 63  # (the folder trusted: what is there is read)
    _entry(folder).write_bytes(_whole(planted))
    if foreign == "another user's":
        uid = os.geteuid()
        monkeypatch.setattr(diskcache.os, "geteuid", lambda: uid + 1)
    else:
        folder.chmod(0o777 if foreign == "writable by others" else 0o770)
    assert _run(diskcache.code(SOURCE, "<test>")) == 42
    assert _entry(folder).read_bytes() == _whole(planted)  # (not written over either)
    diskcache.code(SOURCE.replace("2", "4"), "<test>")
    assert len(list(folder.glob("*.kept"))) == 1


@pytest.mark.parametrize("kind", ["link", "pipe", "folder", "too large", "another user's"])
def test_an_entry_that_is_no_file_of_the_user_s_is_not_read(
    folder: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A link (even to a whole entry), a named pipe (a read would wait for ever), a folder, a file over ``LARGEST``
    or another user's in place of an entry: made again, the run neither waits nor fails."""
    diskcache.code(SOURCE, "<test>")
    entry = _entry(folder)
    planted = folder.parent / "planted"
    planted.write_bytes(_whole(marshal.dumps(compile(SOURCE.replace("2", "3"), "<test>", "exec"))))
    entry.unlink()
    if kind == "link":
        entry.symlink_to(planted)
    elif kind == "pipe":
        os.mkfifo(entry)
    elif kind == "folder":
        entry.mkdir()
    else:
        planted.rename(entry)
        if kind == "too large":
            monkeypatch.setattr(diskcache, "LARGEST", 64)
        else:
            uid = os.geteuid()
            real = os.fstat
            monkeypatch.setattr(
                diskcache.os, "fstat", lambda fd: os.stat_result((*real(fd)[:4], uid + 1, *real(fd)[5:]))
            )
    assert _run(diskcache.code(SOURCE, "<test>")) == 42


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


def test_no_file_it_did_not_name_is_removed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder shared with other files (``FEEDSYNC_CACHE_DIR`` set to one's home): only entries and the files of
    writes cut short (a process killed while it wrote) over an hour old go."""
    monkeypatch.setattr(diskcache, "KEPT", 2)
    folder.mkdir(mode=0o700)
    others = ["backup.kept", "0123.kept", ".editor-session.tmp", "notes.txt"]
    for name in others:
        (folder / name).write_text("someone's")
        os.utime(folder / name, (0, 0))
    old, young = folder / ".feedsync-old.tmp", folder / ".feedsync-young.tmp"
    old.write_bytes(b"cut")
    young.write_bytes(b"under way")
    os.utime(old, (0, 0))
    for number in range(5):
        diskcache.text((str(number),), lambda number=number: f"t{number}")
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".kept") or p.name in others) == sorted(
        [*others, young.name]
    )
    assert len([p for p in folder.glob("*.kept") if p.name not in others]) == 2


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
    assert answers == [42] * 24 and len(list(folder.glob("*.kept"))) == 3 and not list(folder.glob(".*.tmp"))


def _hammer(number: int) -> list[int]:  # (in a process of its own)
    diskcache.KEPT = 3  # (entries forgotten while others read them)
    return [_run(diskcache.code(SOURCE + f"# {(number + n) % 6}\n", "<test>")) for n in range(30)]


def test_processes_writing_and_forgetting_entries_at_once_read_them_whole(folder: Path) -> None:
    with multiprocessing.get_context("fork").Pool(8) as pool:
        answers = pool.map(_hammer, range(16))
    assert answers == [[42] * 30] * 16
    assert len(list(folder.glob("*.kept"))) <= 6 and not list(folder.glob(".*.tmp"))
    for entry in folder.glob("*.kept"):
        data = entry.read_bytes()
        assert data == _whole(data[20:]) and _run(marshal.loads(data[20:])) == 42


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


def test_the_suite_keeps_its_own_folder() -> None:
    """The suite's runs keep what they keep in a folder of the suite's (``conftest.pytest_configure``), never the
    user's."""
    where = diskcache.folder()
    assert where is not None and where.name.startswith("feedsync-test-cache-")
