"""Variant titles name the colour, size and unmapped options once (never what the title names already), and Meta's
additional_variant_attribute carries the unmapped options."""

from __future__ import annotations

from feedsync.channels.templating import name_variant, variant_pairs


def test_values_the_title_names_are_not_repeated() -> None:
    assert name_variant("Taza Color Verde - Talla 11oz", "verde", "11OZ") == "Taza Color Verde - Talla 11oz"
    assert name_variant("Tee", "Navy", "M") == "Tee - Navy - M"
    assert name_variant("Tee in navy", "Navy", None, "") == "Tee in navy"


def test_only_whole_words_count() -> None:
    assert name_variant("Navyish Tee", "Navy") == "Navyish Tee - Navy"
    assert name_variant("Tee S", "M") == "Tee S - M"
    assert name_variant("Book C++", "C++") == "Book C++"


def test_unmapped_options_are_named_after_colour_and_size() -> None:
    assert name_variant("Cake", "White", None, {"Tiers": "3 tiers"}) == "Cake - White - 3 tiers"
    assert name_variant("  Cake  ", {"Tiers": "3 tiers"}, separator=" ") == "Cake 3 tiers"


def test_variant_pairs_add_unmapped_options_once() -> None:
    attributes = {"Logo": "Yes", "Tiers": "3"}
    assert variant_pairs(attributes, ["Logo"], {"Tiers": "3", "Logo": "Yes"}) == "Logo:Yes,Tiers:3"
    assert variant_pairs({}, [], {"Fit: cut": "a,b"}) == "Fit cut:a b"
