"""The slug WordPress gives a post from its title (``sanitize_title`` in its save context): where a WooCommerce
export has no ``ID`` column, a product's page is ``/product/<slug>/``, and only the slug WordPress itself would make
finds it (WordPress keeps it percent-encoded where the title has letters it does not transliterate).

The steps, as WordPress takes them: tags stripped; accents removed (``remove_accents``: Latin letters to their
ASCII base, ``ß`` to ``ss``, ``æ`` to ``ae``, ``đ`` to ``d``, ``£`` to nothing, ...); letters lowered and every
other non-ASCII character percent-encoded as UTF-8 (lower-case hex, at most 200 characters); in the save context
no-break and other spaces, dashes and ``/`` become ``-``, the multiplication sign ``x``, and typographic quotes,
inverted marks, soft hyphens and a few symbols are dropped; entities and every character but ``%``, ``a-z``,
``0-9``, space, ``_`` and ``-`` removed; runs of spaces and dashes one ``-``, none at either end. A title
WordPress makes no slug of (ASCII punctuation alone) has none here either: WordPress names such a page by its
post id, which the export does not hold.
"""

from __future__ import annotations

import re
import unicodedata

LIMIT = 200
"""The longest slug WordPress makes (``utf8_uri_encode``'s length, in characters of the encoded text)."""

_BASES = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ł": "l",
        "Ł": "L", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE", "ĳ": "ij", "Ĳ": "IJ", "ŀ": "l", "Ŀ": "L", "ŋ": "n",
        "Ŋ": "N", "ſ": "s", "ı": "i", "ĸ": "k", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "€": "E", "£": "",
    }
)  # fmt: skip
"""Letters ``remove_accents`` gives an ASCII base that Unicode's decomposition does not."""
_DASHES = (
    "%c2%a0", "%e2%80%93", "%e2%80%94", "%e2%80%80", "%e2%80%81", "%e2%80%82", "%e2%80%83", "%e2%80%84",
    "%e2%80%85", "%e2%80%86", "%e2%80%87", "%e2%80%88", "%e2%80%89", "%e2%80%8a", "%e2%80%a8", "%e2%80%a9",
    "%e2%80%af",
)  # fmt: skip
"""No-break space, en and em dash, and the spaces of other widths: ``-``."""
_DASH_ENTITIES = ("&nbsp;", "&#160;", "&ndash;", "&#8211;", "&mdash;", "&#8212;")
_DROPPED = (
    "%c2%ad", "%c2%a1", "%c2%bf", "%c2%ab", "%c2%bb", "%e2%80%b9", "%e2%80%ba", "%e2%80%98", "%e2%80%99", "%e2%80%9c",
    "%e2%80%9d", "%e2%80%9a", "%e2%80%9b", "%e2%80%9e", "%e2%80%9f", "%e2%80%a2", "%c2%a9", "%c2%ae", "%c2%b0",
    "%e2%80%a6", "%e2%84%a2", "%c2%b4", "%cb%8a", "%cc%81", "%cd%81", "%cc%80", "%cc%84", "%cc%8c", "%e2%80%8b",
    "%e2%80%8c", "%e2%80%8d", "%e2%80%8e", "%e2%80%8f", "%e2%80%aa", "%e2%80%ab", "%e2%80%ac", "%e2%80%ad",
    "%e2%80%ae", "%ef%bb%bf",
)  # fmt: skip
"""Soft hyphen, inverted marks, guillemets, typographic quotes, bullet, ©, ®, °, …, ™, acute accents, zero-width
and direction marks."""
_TAGS = re.compile(r"<[^>]*>")
_LONE_PERCENT = re.compile(r"%(?![0-9a-fA-F]{2})")
_ENTITIES = re.compile(r"&.+?;")
_UNSAFE = re.compile(r"[^%a-z0-9 _-]")
_RUNS = re.compile(r"[\s-]+")


def remove_accents(text: str) -> str:
    """Latin letters as their ASCII base (``Aleksandrović`` -> ``Aleksandrovic``); other scripts as they are."""
    decomposed = unicodedata.normalize("NFD", text.translate(_BASES))  # (™ stays ™: NFKD would make it TM)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue  # an accent of an ASCII letter: dropped
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _encoded(text: str) -> str:
    """Every non-ASCII character as its UTF-8 octets (``%d0%ba``), stopping before ``LIMIT`` characters."""
    out: list[str] = []
    length = 0
    for char in text:
        piece = char if char.isascii() else "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
        if length + len(piece) > LIMIT:
            break
        out.append(piece)
        length += len(piece)
    return "".join(out)


def wordpress_slug(title: str) -> str:
    """The slug WordPress makes of ``title`` (empty where it makes none)."""
    text = _LONE_PERCENT.sub("", _TAGS.sub("", title))
    text = _encoded(remove_accents(text).lower()).lower()
    for octets in _DASHES:
        text = text.replace(octets, "-")
    for entity in _DASH_ENTITIES:
        text = text.replace(entity, "-")
    text = text.replace("/", "-")
    for octets in _DROPPED:
        text = text.replace(octets, "")
    text = text.replace("%c3%97", "x")
    text = _ENTITIES.sub("", text).replace(".", "-")
    return _RUNS.sub("-", _UNSAFE.sub("", text)).strip("-")
