"""A later share's Amazon messages continued in the feed by the stitch: the same documents as one writer writing
every message, whatever the blocks the share's document is read in."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.formats.json_listings import JsonListingsWriter

stitch = importlib.import_module("feedsync.rows.stitch")  # the module, not the function the package exports

HEADER = {"sellerId": "A1", "version": "2.0", "issueLocale": "en_US"}
TAIL = b"\n]}\n"
messages = st.lists(
    st.one_of(
        st.just({}),  # written ``{"messageId":N}``: no comma to cut at
        st.fixed_dictionaries(
            {"sku": st.text(max_size=12), "operationType": st.sampled_from(["UPDATE", "DELETE"])},
            optional={"attributes": st.dictionaries(st.text(max_size=6), st.text(max_size=20), max_size=3)},
        ),
    ),
    max_size=14,
)


def _documents(groups: list[list[dict[str, Any]]], max_messages: int) -> list[bytes]:
    """The feed's documents when one writer writes the messages of every group."""
    documents: list[io.BytesIO] = [io.BytesIO()]

    def open_part(number: int) -> io.BytesIO:
        documents.append(io.BytesIO())
        return documents[-1]

    with JsonListingsWriter(documents[0], header=HEADER, max_messages=max_messages, open_part=open_part) as writer:
        for group in groups:
            for message in group:
                writer.write(message)
    return [d.getvalue() for d in documents]


def _head() -> bytes:
    empty = io.BytesIO()
    with JsonListingsWriter(empty, header=HEADER, max_messages=1, open_part=None):
        pass
    assert empty.getvalue().endswith(TAIL)
    return empty.getvalue()[: -len(TAIL)]


def _stitched(groups: list[list[dict[str, Any]]], max_messages: int, folder: Path) -> list[bytes]:
    """The first group written as the first share writes it, each later group as its own document (one, however
    many messages: as a later share writes it), continued by the stitch into the first share's last document and
    the new ones it opens (each told whole once, in order)."""
    documents: list[Path] = [folder / "feed.1.json"]
    handles: list[BinaryIO] = [documents[0].open("wb")]

    def open_part(number: int) -> BinaryIO:
        documents.append(folder / f"feed.{number}.json")
        handles.append(documents[-1].open("wb"))
        return handles[-1]

    first = JsonListingsWriter(handles[0], header=HEADER, max_messages=max_messages, open_part=open_part)
    first.__enter__()
    for message in groups[0]:
        first.write(message)
    count = first._count  # as the stitch counts the lines of the first share's last document
    shares = []
    for index, group in enumerate(groups[1:]):
        shares.append(folder / f"{index}.json")
        with (
            shares[-1].open("wb") as handle,
            JsonListingsWriter(handle, header=HEADER, max_messages=10**9, open_part=None) as writer,
        ):
            for message in group:
                writer.write(message)
    wholes: list[int] = []
    before = len(handles)
    stitch._continue(
        shares, _head(), max_messages, count, handles[-1], lambda: open_part(len(handles) + 1), wholes.append
    )
    assert wholes == list(range(len(handles) - before + 1))  # the first share's last document, then each new one
    for handle in handles:
        handle.close()
    return [path.read_bytes() for path in documents]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(
    groups=st.lists(messages, min_size=1, max_size=4),
    max_messages=st.integers(min_value=1, max_value=5),
    block=st.integers(1, 300),
)
def test_the_stitch_numbers_a_later_shares_messages_as_one_writer_would(
    groups: list[list[dict[str, Any]]], max_messages: int, block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stitch, "_BLOCK", block)  # lines cut across blocks anywhere
    assert _stitched(groups, max_messages, tmp_path) == _documents(groups, max_messages)


def test_a_share_document_cut_short_or_not_numbered_is_refused(tmp_path: Path) -> None:
    share = tmp_path / "share.json"
    with share.open("wb") as handle, JsonListingsWriter(handle, header=HEADER, max_messages=10, open_part=None) as w:
        w.write({"sku": "A", "operationType": "UPDATE"})
    whole = share.read_bytes()
    share.write_bytes(whole[:-2])  # its end lost
    with (tmp_path / "feed.json").open("wb") as sink, pytest.raises(AssertionError, match="does not end"):
        stitch._continue([share], _head(), 10, 0, sink, lambda: sink, lambda index: None)
    share.write_bytes(whole.replace(b'"messageId":1', b'"messageId":"x"'))
    with (tmp_path / "feed.json").open("wb") as sink, pytest.raises(AssertionError, match="not a numbered message"):
        stitch._continue([share], _head(), 10, 0, sink, lambda: sink, lambda index: None)
