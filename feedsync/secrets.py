"""The secret registry: every secret feedsync holds is registered once, where it is read (``SecretRef.value``) or
received (access tokens, signed assertions), and ``mask`` replaces it in any text that leaves the process: logs,
errors, reports, state, notifications. A secret is masked in the forms it travels in: as it is, and with any of its
characters written as an encoder writes it (``%xx`` escapes in either case and escaped twice, of letters and digits
too, ``+`` for a space, JSON's ``\\u00xx`` and ``\\/``, a JSON text escaped again, HTML's references), base64 (also
inside a longer base64 text, at any offset: ``base64(b"user:" + secret)``, wrapped over lines, or of it
JSON-escaped), and hex; a Basic-auth pair also as the base64 of ``user:secret``. The forms are compiled at the
first masking after they are registered, those of a secret registered later into a pattern of their own merged
with others as they come (``_segments``), so masking a message costs a regex pass or a few (nothing at all while
the registry is empty)."""

from __future__ import annotations

import base64
import bisect
import html
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "***"
MIN_LENGTH = 4
"""Shorter values are not masked (they would blank out ordinary words)."""
SPELLED_MAX = 256
"""Values up to this long are masked with each character in any of its spellings (``_spelled``); a longer one (a
private key: its pattern would take seconds to compile) in the forms whole encoders give it (``_written``)."""
CREDENTIAL_PARAMS = re.compile(r"token|key|secret|sig|auth|pass|code|hash|session", re.IGNORECASE)
"""Query parameters of a configured URL whose values are credentials whatever their length."""
QUERY_VALUE_MIN = 8
"""Any other query value of a configured URL this long is taken for a credential too."""

FAN_OUT = 4
"""The patterns of this many secrets registered one after another are merged into one (see ``_segments``)."""
COLLAPSE = 75
"""The patterns are merged into one once the texts masked since, times the patterns beyond the first, come to
this many times their length: a pattern more costs about 30 ns a character of the text it masks, compiling about
2.2 µs a character of the pattern (30 presigned URLs, ``benchmarks/secrets_masking.py``)."""

_lock = threading.Lock()
_forms: dict[tuple[str, str], int] = {}
"""Each form (its first character, a pattern of the rest) with the length of the value it is a form of."""
_pending: dict[tuple[str, str], int] = {}
"""The forms registered since the patterns were last compiled."""


@dataclass(frozen=True)
class _Segment:
    pattern: re.Pattern[str]
    forms: dict[tuple[str, str], int]
    level: int
    size: int


_segments: tuple[_Segment, ...] = ()
"""The compiled patterns. Compiling every form again each time a secret is registered cost time quadratic in the
secrets (a push registering a presigned URL for each feed): the forms registered before a masking are compiled
into a pattern of their own (all a command reads as it starts in one), and ``FAN_OUT`` patterns of one level are
merged into one of the next, so each form is compiled a few times at most and there are few patterns."""
_scanned = 0
"""The characters masked since the patterns changed, times the patterns beyond the first (see ``COLLAPSE``)."""

_ALNUM_ESCAPE = re.compile(r"%(?:25)*(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])")
"""A ``%xx`` escape of an ASCII letter or digit (``_normalized``)."""
_WRAPPED = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}+(?=(\r?\n[ \t]*)[A-Za-z0-9+/=_-])")
"""The line break (and the indentation after it) after a run of base64 that ends a line and goes on on the next
one (the break in the lookahead: the next line's run can start a match of its own, indented or after a prefix)."""
_JSON_SHORT = {'"': '"', "\\": "\\", "/": "/", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}
_HTML_NAMED = {"&": ("amp",), "<": ("lt",), ">": ("gt",), '"': ("quot",), "'": ("apos",), "/": ("sol",)}


def _hex(number: int, digits: int) -> str:
    """``number`` as ``digits`` hex digits in a pattern that takes either case of each letter."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{number:0{digits}x}")


def _spellings(char: str) -> list[tuple[str, str]]:
    """The ways encoders write ``char``, each as its first character and a pattern of the rest: as it is; ``%xx``
    escapes of its UTF-8 bytes in either case (escaped twice too: ``%252F``), ``+`` for a space; JSON's ``\\u00xx``
    and short escapes, after any number of backslashes (a JSON text escaped again); HTML's decimal, hex and named
    references."""
    if char.isascii() and char.isalnum():  # (escaped only by an encoder that escapes every byte: decoded in the
        return [(char, "")]  # text instead, ``_normalized``; their spellings made a token's pattern slow to compile)
    code = ord(char)
    escapes = "%(?:25)*".join(_hex(byte, 2) for byte in char.encode("utf-8", "surrogatepass"))
    ways = [("%", "(?:25)*" + escapes)]
    if char == " ":
        ways.append((r"\+", ""))
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        ways.append((r"\\", rf"\\*u{_hex(high, 4)}\\+u{_hex(low, 4)}"))
    else:
        ways.append((r"\\", rf"\\*u{_hex(code, 4)}"))
    if char in _JSON_SHORT:
        ways.append((r"\\", r"\\*" + re.escape(_JSON_SHORT[char])))
    if char == '"':  # JSON's escape of a quote, then HTML's of the text: ``\&quot;``
        ways.append((r"\\", r"\\*(?:&quot;|&#0*34;|&#[xX]0*22;)"))
    ways.append(("&", f"#0*{code};"))
    ways.append(("&", f"#[xX]0*{_hex(code, 1)};"))
    ways += [("&", f"{name};") for name in _HTML_NAMED.get(char, ())]
    return [*ways, (re.escape(char), "")]  # (as it is last: ``&amp;`` is masked whole, not as ``&`` and the rest)


def _either(char: str) -> str:
    """A pattern of ``char`` in any of its ``_spellings``."""
    ways = _spellings(char)
    if len(ways) == 1:
        return ways[0][0] + ways[0][1]
    return "(?:" + "|".join(lead + rest for lead, rest in ways) + ")"


def _spelled(value: str) -> set[tuple[str, str]]:
    """``value`` with each of its characters in any of its ``_spellings``: one form for each spelling of its first
    character."""
    tail = "".join(map(_either, value[1:]))
    return {(lead, rest + tail) for lead, rest in _spellings(value[0])}


def _literal(text: str) -> tuple[str, str]:
    return re.escape(text[0]), re.escape(text[1:])


def _class(chars: set[str]) -> str:
    return re.escape(next(iter(chars))) if len(chars) == 1 else f"[{''.join(sorted(map(re.escape, chars)))}]"


def _base64(raw: bytes) -> set[tuple[str, str]]:
    """The base64 of ``raw`` (standard and URL-safe, padded or not) wherever it stands in a longer base64 text: its
    bytes start at an offset of 0, 1 or 2 from a group of three (``base64(b"user:" + secret)``, a token or a JWT
    holding it), and so are written, for each offset, by the characters that carry only their bits, then one that
    carries its last bits and some of the byte after (one of the few a base64 character of those bits can be). The
    character before them, which carries 2 or 4 bits of its first byte and the rest of the byte before, is left:
    each form then starts with a plain character (see ``_compile``)."""
    found = set()
    for offset in range(3):
        start, end = 8 * offset, 8 * (offset + len(raw))
        first, last = -(-start // 6), (end - 1) // 6
        pad = (3 - (offset + len(raw)) % 3) % 3
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(bytes(offset) + raw + bytes(2)).decode("ascii")
            tails = {text[last]}
            if end % 6:  # (the byte after in every value, a zero for the end of the text)
                tails = {encode(bytes(offset) + raw + bytes([byte])).decode("ascii")[last] for byte in range(256)}
            rest = re.escape(text[first + 1 : last]) + _class(tails) + (f"(?:={{{pad}}})?" if pad else "")
            found.add((re.escape(text[first]), rest))
    return found


def _written(value: str) -> set[tuple[str, str]]:
    """The forms of a value longer than ``SPELLED_MAX`` (a private key): as it is, URL-encoded (``quote`` and
    ``quote_plus``, escapes in either case), JSON- and HTML-escaped."""
    urlish = {value, quote(value), quote(value, safe=""), quote_plus(value), quote_plus(value, safe="")}
    urlish |= {re.sub("%[0-9A-F]{2}", lambda escape: escape[0].lower(), form) for form in urlish}
    found = set(urlish)
    for form in urlish:
        escaped, unicode = json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]
        found |= {escaped, escaped.replace("/", "\\/"), unicode, html.escape(form), html.escape(unicode)}
    return {_literal(form) for form in found}


def _escaped(value: str) -> str | None:
    """``value`` as a JSON document that is then base64-encoded holds it (a service account's key file given
    base64-encoded: its private key's line breaks as ``\\n``), if that differs from it. (Not with ``\\/`` for a
    slash as PHP writes it, nor URL-encoded: with 30 presigned URLs registered, whose tokens hold slashes, those
    forms cost a third more masking time, still a tenth more when they share one form with the secret's base64 up
    to where they differ.)"""
    escaped = json.dumps(value)[1:-1]
    return escaped if escaped != value else None


def _encodings(value: str) -> set[tuple[str, str]]:
    """The forms ``value`` takes in URLs, JSON, HTML, base64 (of it, and of it JSON-escaped: ``_escaped``) and hex
    (its UTF-8 bytes, in either case)."""
    found = _spelled(value) if len(value) <= SPELLED_MAX else _written(value)
    raw = value.encode("utf-8", "surrogatepass")
    found |= _base64(raw)
    if escaped := _escaped(value):
        found |= _base64(escaped.encode("utf-8", "surrogatepass"))
    found.update((_literal(raw.hex()), _literal(raw.hex().upper())))
    return found


def _compile(forms: dict[tuple[str, str], int]) -> re.Pattern[str]:
    """One pattern of every form, grouped by their first character (tried at a cost of next to nothing where the
    text's is another); within a group the forms of a longer value first (a secret holding another is masked
    whole), then the longer form."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for form in sorted(forms, key=lambda form: (forms[form], len(form[1])), reverse=True):
        groups.setdefault(form[0], []).append(form)
    alternatives = []
    for lead, members in groups.items():
        rests = "|".join(rest for _, rest in members)
        alternatives.append(lead + (f"(?:{rests})" if len(members) > 1 else rests))
    return re.compile("|".join(alternatives))


def _add(forms: set[tuple[str, str]], length: int) -> None:
    with _lock:
        new = {form for form in forms if _forms.get(form, -1) < length}
        if new:
            _forms.update(dict.fromkeys(new, length))
            _pending.update(dict.fromkeys(new, length))


def _current(scanning: int = 0) -> list[re.Pattern[str]]:
    """The patterns of every registered form (none while there is none), compiling the forms registered since
    the last call; ``scanning``: the length of the text they are about to mask."""
    global _scanned
    # ``_pending`` read first: ``_recompile`` replaces ``_segments`` before it empties ``_pending``, so segments read
    # after an empty ``_pending`` hold every form registered before it (read the other way round, a compile in
    # another thread between the two reads would leave this masking without the forms it just compiled)
    pending = bool(_pending)
    segments = _segments  # (replaced whole, never changed: a masking in another thread sees all or the last)
    if pending or len(segments) > 1:
        with _lock:
            if len(_segments) > 1:
                _scanned += scanning * (len(_segments) - 1)
            collapse = len(_segments) > 1 and _scanned >= COLLAPSE * sum(segment.size for segment in _segments)
            if _pending or collapse:
                _recompile(collapse)
            segments = _segments
    return [segment.pattern for segment in segments]


def _recompile(collapse: bool) -> None:
    """Compile the pending forms into a new pattern, merged with the last ones of its level as they come to
    ``FAN_OUT``; with every pattern if ``collapse``."""
    global _scanned, _segments
    merged, level, kept = dict(_pending), 0, _segments
    while kept and (collapse or (len(kept) >= FAN_OUT - 1 and all(s.level == level for s in kept[1 - FAN_OUT :]))):
        taken = kept if collapse else kept[1 - FAN_OUT :]
        kept = kept[: -len(taken)]
        for segment in taken:
            for form, length in segment.forms.items():
                merged[form] = max(length, merged.get(form, 0))
        level = max(level + 1, *(segment.level for segment in taken))
        collapse = False
    size = sum(len(lead) + len(rest) for lead, rest in merged)
    _segments = (*kept, _Segment(_compile(merged), merged, level, size))
    _pending.clear()
    _scanned = 0


def _spans(patterns: list[re.Pattern[str]], text: str) -> Iterator[tuple[int, int]]:
    """Where ``patterns`` match in ``text``, one after another: the leftmost first, the longest of those starting
    there (what one pattern of all their forms would match)."""
    if len(patterns) == 1:
        yield from (match.span() for match in patterns[0].finditer(text))
        return
    found = [pattern.search(text) for pattern in patterns]
    position = 0
    while True:
        best = None
        for index, match in enumerate(found):
            if match is not None and match.start() < position:
                match = found[index] = patterns[index].search(text, position)
            if match is not None and (best is None or (match.start(), -match.end()) < (best.start(), -best.end())):
                best = match
        if best is None:
            return
        yield best.span()
        position = best.end()


def _masked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    parts, position = [], 0
    for start, end in spans:
        parts += (text[position:start], MASK)
        position = end
    if not parts:
        return text
    parts.append(text[position:])
    return "".join(parts)


def _normalized(text: str) -> tuple[str, Callable[[int, bool], int]] | None:
    """``text`` as the pattern sees it better: the ``%xx`` escapes of letters and digits (``%41``, escaped twice
    too: ``%2541``) decoded (an encoder that escapes every byte), and base64 wrapped over lines (MIME's 76
    characters a line, PEM's 64) joined; with where each of its positions is in ``text`` (an end, or a start: a
    start right after a joined line break is after it too); None when there is neither."""
    edits = []
    if "%" in text:
        edits += [
            (escape.start(), escape.end(), chr(int(escape[0][-2:], 16))) for escape in _ALNUM_ESCAPE.finditer(text)
        ]
    if "\n" in text:
        edits += [(wrap.start(1), wrap.end(1), "") for wrap in _WRAPPED.finditer(text)]
    if not edits:
        return None
    edits.sort()
    parts, position, starts, ends, shifts = [], 0, [], [], [0]
    for start, end, replacement in edits:
        parts += (text[position:start], replacement)
        at = start - shifts[-1]
        starts.append(at - 0.5 if not replacement else at)  # (the line break before a start is left out)
        ends.append(at + 0.5 if not replacement else at)  # (and the one after an end too)
        shifts.append(shifts[-1] + end - start - len(replacement))
        position = end
    parts.append(text[position:])

    def where(index: int, end: bool) -> int:
        return index + shifts[bisect.bisect_left(ends if end else starts, index)]

    return "".join(parts), where


def register(*values: str | None) -> None:
    """Mask these values (and their encoded forms) from now on; empty and short values are ignored."""
    for value in values:
        if value and len(value) >= MIN_LENGTH:
            _add(_encodings(value), len(value))
            stripped = value.strip()
            if stripped != value and len(stripped) >= MIN_LENGTH:
                _add(_encodings(stripped), len(stripped))


def register_bytes(data: bytes) -> None:
    """Mask the base64 (at any offset, standard and URL-safe) and hex forms of these bytes (a signature, a key)."""
    if len(data) >= MIN_LENGTH:
        _add({*_base64(data), _literal(data.hex()), _literal(data.hex().upper())}, len(data))


def register_basic(user: str, password: str) -> None:
    """A Basic-auth pair: both halves, and the base64 of ``user:password`` the Authorization header carries."""
    register(user, password)
    _add(_base64(f"{user}:{password}".encode()), len(user) + 1 + len(password))


def register_url(url: str) -> None:
    """The credentials a configured URL carries: its password and the query values that look like tokens."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password:
        register(password)
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if CREDENTIAL_PARAMS.search(name) or len(value) >= QUERY_VALUE_MIN:
            register(value)


def mask(text: str) -> str:
    """``text`` with every registered secret, in any of its forms, replaced by ``***``."""
    if not _forms or not text:
        return text
    patterns = _current(len(text))
    normalized = _normalized(text)
    if normalized is None:
        return patterns[0].sub(MASK, text) if len(patterns) == 1 else _masked(text, _spans(patterns, text))
    decoded, where = normalized  # the spans of both, in the text as it is, masked at once (one may overlap another)
    found = [(where(start, False), where(end, True)) for start, end in _spans(patterns, decoded)]
    return _masked(text, _union([*found, *_spans(patterns, text)]))


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` in order, those that overlap made one (two that only touch stay two: two secrets side by side)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mask_bytes(data: bytes) -> bytes:
    """``mask`` of a UTF-8 text given as its bytes (as they are while no secret is registered)."""
    if not _forms or not data:
        return data
    return mask(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def clip(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, masked before it is cut (a cut secret would not be found)."""
    return mask(text[: 1 << 20])[:limit]


def mask_data(data: Any) -> Any:
    """A JSON-like value with every string in it (keys and values) masked."""
    if not _forms:
        return data
    if isinstance(data, str):
        return mask(data)
    if isinstance(data, dict):
        return {mask_data(key): mask_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [mask_data(value) for value in data]
    return data


def clear() -> None:
    """Forget every secret (for tests that run several commands in one process)."""
    global _scanned, _segments
    with _lock:
        _forms.clear()
        _pending.clear()
        _segments = ()
        _scanned = 0
