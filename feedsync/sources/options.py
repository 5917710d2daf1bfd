"""Variant option names (in the languages stores use) -> the model's variant fields."""

from __future__ import annotations

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


def option_field(name: str) -> str | None:
    """``Farbe`` -> ``color``; None when the option is not one of the model's variant fields."""
    return _LOOKUP.get(header_key(name))
