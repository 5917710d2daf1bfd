"""Variant option names (in the languages stores use) -> the model's variant fields."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from feedsync.diagnostics import Diagnostic, Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.sources.tabular import header_key

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "color": (
        "color",
        "colour",
        "colors",
        "colours",
        "farbe",
        "farben",
        "couleur",
        "färg",
        "farge",
        "farve",
        "kleur",
        "colore",
        "cor",
        "kolor",
        "väri",
        "цвет",
        "color-pattern",
        "color pattern",
        "shade",
    ),
    "size": (
        "size",
        "sizes",
        "größe",
        "grösse",
        "groesse",
        "taille",
        "storlek",
        "størrelse",
        "maat",
        "taglia",
        "talla",
        "tamanho",
        "rozmiar",
        "koko",
        "размер",
        "shoe size",
        "clothing size",
        "ring size",
        "frame size",
        "ramstorlek",
        "rahmengröße",
        "rahmengrösse",
        "rammestørrelse",
    ),
    "material": (
        "material",
        "materials",
        "materiale",
        "matériau",
        "matière",
        "stoff",
        "fabric",
        "materiaal",
        "материал",
    ),
    "pattern": ("pattern", "muster", "motif", "motivo", "patroon", "mönster"),
}
_LOOKUP = {name: target for target, names in _SYNONYMS.items() for name in names}


def option_field(name: str, mapped: Mapping[str, str] | None = None) -> str | None:
    """``Farbe`` -> ``color``; None when the option is not one of the model's variant fields. ``mapped`` is the
    config's ``source.options`` (option name -> field), which comes first."""
    key = header_key(name)
    for option, target in (mapped or {}).items():
        if header_key(option) == key:
            return target
    return _LOOKUP.get(key) or _LOOKUP.get(_PROMPT.sub("", key))


# A storefront prompt before the option's name: ``Choose Material``, ``Select your size``.
_PROMPT = re.compile(r"^(?:choose|select|pick)(?: (?:your|a|an|the))? ")


def options_as_fields(keys: Iterable[str], met: set[str] | None, mapped: Mapping[str, str] | None) -> dict[str, str]:
    """The names among ``keys`` of an option the reader met (``met``: ``SourceStats.options_met``) that fills a
    variant field (``option_field``), with that field: such an option is no attribute (CFG011 says what to read)."""
    if not met:
        return {}
    found = {key: option_field(key, mapped) for key in keys if header_key(key) in met}
    return {key: field for key, field in found.items() if field}


def note_option(stats: Any, name: str) -> None:
    """Note that the reader met an option named ``name`` (``SourceStats.options_met``)."""
    if name:
        if stats.options_met is None:
            stats.options_met = set()
        stats.options_met.add(header_key(name))


def unmet_options(config: Any, stats: Any) -> Iterator[Diagnostic]:
    """CFG010 for each name of ``source.options`` that matches no option the reader met (a reader that notes
    them: ``SourceStats.options_met``): it maps nothing, so the values it would have put in a variant field are
    not there."""
    mapped = getattr(config, "options", None) or {}
    met = stats.options_met
    if not mapped or met is None:
        return
    for name, target in mapped.items():
        if header_key(name) in met:
            continue
        closest = difflib.get_close_matches(header_key(name), sorted(met), n=3, cutoff=0.5)
        hint = f" (closest: {', '.join(repr(c) for c in closest)})" if closest else ""
        yield make(
            "CFG010",
            f"source.options maps option {name!r} to {target}, but no product of the file has an option of that "
            f"name{hint}; it maps nothing",
            field=target,
            value=name,
            location=Location(str(config.path)),
        )


class UnmappedOptions:
    """Names, once per option name, an option that tells variants apart but maps to no variant field (MDL016)."""

    def __init__(self, emit: Emit, told: set[tuple[str, str]] | None = None) -> None:
        self.emit = emit
        self.reported: set[str] = set()
        self.told = told
        """Where the keys told are also kept, as ("MDL016", key) (``SourceStats.told``)."""

    def report(self, name: str, product_id: str | None, location: Location | None) -> None:
        key = header_key(name)
        if key in self.reported:
            return
        self.reported.add(key)
        if self.told is not None:
            self.told.add(("MDL016", key))
        self.emit(
            make(
                "MDL016",
                f"option {name!r} tells variants apart but is not colour, size, material or pattern; it is named in "
                f"the title and sent as a variant attribute. To make it a variant field, set "
                f"`source.options: {{{json.dumps(name, ensure_ascii=False)}: size}}` (or color, material, pattern)",
                product_id=product_id,
                field=name,
                location=location,
            )
        )
