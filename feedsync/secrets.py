"""The secret registry: every secret feedsync holds is registered once, where it is read (``SecretRef.value``) or
received (access tokens, signed assertions), and ``mask`` replaces it in any text that leaves the process: logs,
errors, reports, state, notifications. A secret is masked in the forms it travels in: as it is, URL-encoded
(``quote`` and ``quote_plus``), JSON- and HTML-escaped, base64, and hex; a Basic-auth pair also as the base64 of
``user:secret``. The forms are compiled into one pattern, rebuilt only when the registry changes, so masking a
message costs one regex pass (nothing at all while the registry is empty)."""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "***"
MIN_LENGTH = 4
"""Shorter values are not masked (they would blank out ordinary words)."""
CREDENTIAL_PARAMS = re.compile(r"token|key|secret|sig|auth|pass|code|hash|session", re.IGNORECASE)
"""Query parameters of a configured URL whose values are credentials whatever their length."""
QUERY_VALUE_MIN = 8
"""Any other query value of a configured URL this long is taken for a credential too."""

_lock = threading.Lock()
_forms: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _encodings(value: str) -> set[str]:
    """The forms ``value`` takes in URLs, JSON, HTML, base64 and hex (its UTF-8 bytes, in either case)."""
    urlish = {value, quote(value), quote(value, safe=""), quote_plus(value), quote_plus(value, safe="")}
    found = set(urlish)
    for form in urlish:
        found.add(json.dumps(form)[1:-1])
        found.add(json.dumps(form, ensure_ascii=False)[1:-1])
        found.add(html.escape(form))
        found.add(html.escape(json.dumps(form, ensure_ascii=False)[1:-1]))
    raw = value.encode("utf-8")
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        found.update((text, text.rstrip("=")))
    found.update((raw.hex(), raw.hex().upper()))
    return found


def _add(forms: set[str]) -> None:
    global _pattern
    with _lock:
        new = {form for form in forms if len(form) >= MIN_LENGTH} - _forms
        if not new:
            return
        _forms.update(new)
        ordered = sorted(_forms, key=len, reverse=True)  # longest first: a secret holding another is masked whole
        _pattern = re.compile("|".join(map(re.escape, ordered)))


def register(*values: str | None) -> None:
    """Mask these values (and their encoded forms) from now on; empty and short values are ignored."""
    forms: set[str] = set()
    for value in values:
        if value and len(value) >= MIN_LENGTH:
            forms |= _encodings(value)
            stripped = value.strip()
            if stripped != value:
                forms |= _encodings(stripped)
    _add(forms)


def register_basic(user: str, password: str) -> None:
    """A Basic-auth pair: both halves, and the base64 of ``user:password`` the Authorization header carries."""
    register(user, password)
    pair = f"{user}:{password}".encode()
    _add({base64.b64encode(pair).decode("ascii"), base64.b64encode(pair).decode("ascii").rstrip("=")})


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
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def mask_bytes(data: bytes) -> bytes:
    """``mask`` of a UTF-8 text given as its bytes (as they are while no secret is registered)."""
    if _pattern is None or not data:
        return data
    return mask(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def clip(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, masked before it is cut (a cut secret would not be found)."""
    return mask(text[: 1 << 20])[:limit]


def mask_data(data: Any) -> Any:
    """A JSON-like value with every string in it (keys and values) masked."""
    if _pattern is None:
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
    global _pattern
    with _lock:
        _forms.clear()
        _pattern = None
