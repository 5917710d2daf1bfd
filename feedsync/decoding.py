"""Where a text file stops being its encoding, told as a user finds it in an editor: the line, the byte's offset
and value. For the messages of files feedsync cannot read as text (a catalog, a template, a category map, a SKU
map, a feed to compare with); it reads the file again from the start, so it is for an error's message only."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Undecodable:
    line: int
    """1-based; lines as the text decoded up to the byte counts them."""
    offset: int
    """Of the byte in the file, from 0."""
    byte: int

    @property
    def what(self) -> str:
        """``byte 33, 0x96``: which byte, and its value."""
        return f"byte {self.offset}, 0x{self.byte:02x}"

    def __str__(self) -> str:
        return f"line {self.line} ({self.what})"


def undecodable(path: Path, encoding: str = "utf-8") -> Undecodable | None:
    """The first byte of ``path`` that is not ``encoding`` text, or None where it all decodes (or cannot be read)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    done, lines = 0, 1  # done: the file's bytes before this chunk
    try:
        with path.open("rb") as handle:
            while True:
                chunk = handle.read(_CHUNK)
                state = decoder.getstate()  # (the bytes of a character cut at the last chunk's end, held)
                try:
                    lines += decoder.decode(chunk, final=not chunk).count("\n")  # (in the text: UTF-16's 上 holds 0x0a)
                except UnicodeDecodeError as bad:
                    data = state[0] + chunk
                    at = max(0, min(bad.start, len(data) - 1))
                    probe = codecs.getincrementaldecoder(encoding)("strict")
                    probe.setstate((b"", state[1]))
                    return Undecodable(lines + probe.decode(data[:at]).count("\n"), done - len(state[0]) + at, data[at])
                if not chunk:
                    return None
                done += len(chunk)
    except (OSError, LookupError, IndexError, UnicodeDecodeError):
        return None
