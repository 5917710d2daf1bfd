"""The stitch counts the messages of the first share's last Amazon document by the number of its last one (read from
its end): the count one line per message gives, whatever the messages and however long their lines."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.formats.json_listings import JsonListingsWriter
from tests.rows.test_stitch_messages import HEADER, TAIL, _head, messages

stitch = importlib.import_module("feedsync.rows.stitch")

long_messages = st.lists(
    st.fixed_dictionaries(
        {"sku": st.text(max_size=4), "operationType": st.just("UPDATE")},
        optional={"attributes": st.builds(lambda n, c: {"note": c * n}, st.integers(60_000, 140_000), st.text())},
    ),
    max_size=3,
)


def _written(folder: Path, group: list[dict[str, Any]]) -> Path:
    path = folder / "share.json"
    with path.open("wb") as handle, JsonListingsWriter(handle, header=HEADER, max_messages=10**9, open_part=None) as w:
        for message in group:
            w.write(message)
    return path


@settings(max_examples=60, deadline=None)
@given(group=st.one_of(messages, long_messages))
def test_the_last_messages_number_is_the_count_of_lines(group: list[dict[str, Any]], tmp_path_factory: Any) -> None:
    path = _written(tmp_path_factory.mktemp("count"), group)
    head = _head()
    lines = path.read_bytes()[len(head) : -len(TAIL)].count(b"\n")  # one line per message: the reference
    assert stitch._count_messages(path, head, TAIL) == lines == len(group)
