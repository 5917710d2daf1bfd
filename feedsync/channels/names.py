"""A profile field that misspells one of its channel's attribute names.

A channel keeps a column or element it does not know (Google as a custom attribute, Meta not at all): a field named
``shiping_weight`` or ``colour`` reaches the feed and changes nothing the channel shows. A field whose name is not
the channel's but is close to one of the channel's is refused when the profile is compiled; a name close to none is
taken for one of the user's own, meant as it is, and written as it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

CLOSE = 0.85
"""How alike (``difflib``'s ratio) a name must be to one of the channel's to be taken for a misspelling of it."""


def misspelt(name: str, known: frozenset[str]) -> str | None:
    """The name of ``known`` that ``name`` (a profile's field: lower-case letters, digits and ``_``) misspells (a
    letter or two off, a plural), or None: ``name`` is known, one of them with a part of its own after an ``_``
    (``description_en``, ``shipping_weight_kg``), or like none of them."""
    if name in known or any(name.startswith(attribute + "_") for attribute in known):
        return None  # (one of the channel's with a part of its own: ``description_en``, ``material_2``)
    near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=CLOSE)
    return near[0] if near else None


def field_checker(
    known: frozenset[str], why: Callable[[str, str], str]
) -> Callable[[Mapping[str, Any], list[str]], Mapping[str, str]]:
    """A channel's ``check_fields``: the profile's fields that misspell a name of ``known``, each with ``why(field,
    the name meant)``."""

    def check_fields(settings: Mapping[str, Any], names: list[str]) -> Mapping[str, str]:
        refused: dict[str, str] = {}
        for name in names:
            meant = misspelt(name, known)
            if meant is not None:
                refused[name] = why(name, meant)
        return refused

    return check_fields
