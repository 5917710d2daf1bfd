"""Flat Amazon channel items -> ``JSON_LISTINGS_FEED`` messages in Amazon's attribute shape.

Every attribute is an array of objects with ``value`` (and ``language_tag`` for text, ``marketplace_id``).
Variants become children of a parent SKU (the group id): the parent message is written once, before the
first child of its family. Items with an ASIN (and no product data of ours to send) go offer-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from feedsync.channels.amazon.definitions import OFFER_ATTRIBUTES
from feedsync.channels.amazon.extra import Placement, extra_attributes, mapped_keys, mapped_texts
from feedsync.channels.amazon.family import (
    AXES,
    EXEMPTION,
    IDENTIFIERS,
    SHIPPED,
    FamilySurvey,
    allowed_themes,
    choose_theme,
    family_keys,
    field_keys,
    parent_facts,
    theme_attribute,
    weight_in,
)
from feedsync.channels.amazon.offers import Offers
from feedsync.channels.amazon.offers import number as amount_number
from feedsync.channels.amazon.schema_check import CompiledSchema
from feedsync.channels.amazon.spec import (
    MAX_OTHER_IMAGES,
    OFFER_ONLY_PRODUCT_TYPE,
    WEIGHT_UNITS,
    AmazonSettings,
)
from feedsync.channels.amazon.validation import SOURCE_FIELDS, MessageChecker
from feedsync.channels.base import ChannelItem, FamilyFeed, Unsurveyed
from feedsync.diagnostics import Diagnostic, locate
from feedsync.diagnostics.codes import make
from feedsync.formats.json_listings import PlainMessage, plain_scalar
from feedsync.idset import IdSet
from feedsync.model.product import Product

_KEPT = 4096
"""Answers kept per product type (and condition, axes): more product types than this, and the caches start over
(product types and conditions are the catalog's text: a hostile one could make one per row)."""


def _room(cache: dict[Any, Any]) -> dict[Any, Any]:
    if len(cache) >= _KEPT:
        cache.clear()
    return cache


_NO_FAMILY: tuple[None, dict[str, Any], list[str]] = (None, {}, [])
_IDENTIFIER_TYPES = {12: "upc", 14: "gtin"}
_TEXTS_BEFORE_GTIN = ("item_name", "brand")
_TEXTS_AFTER_BULLETS = ("product_description", *AXES)
"""The text attributes written as they are (a value in the marketplace's language), in the messages' order."""
_TEXTS = frozenset((*_TEXTS_BEFORE_GTIN, *_TEXTS_AFTER_BULLETS))
_NO_NAMES: frozenset[str] = frozenset()
_SHARED_TEXTS = frozenset({"brand", *AXES})
"""Text attributes whose short values repeat across a catalog: their entries are made once per value
(``_text_entries``); an item's name is its own, and a description is long (hashing it costs what its entry does):
made per item, a family's description and bullet points kept from its previous variant."""


class _Shared:
    """Entries shared by messages, so an attribute that repeats across items costs a lookup, not new objects: per
    text attribute, value -> entries; theme -> entries (the offer's, the list price's, the quantity's and the
    condition's are ``Offers``'); a child's parentage. A family's variants follow one another: the previous item's
    description, bullet points and parent, with their entries."""

    __slots__ = ("bullets", "child", "description", "parent", "texts", "themes")

    def __init__(self, child: list[dict[str, Any]]) -> None:
        self.child = child
        self.texts: dict[str, dict[str, list[dict[str, Any]]]] = {name: {} for name in _SHARED_TEXTS}
        self.themes: dict[str, list[dict[str, Any]]] = {}
        self.description: tuple[Any, list[dict[str, Any]]] = (None, [])
        self.bullets: tuple[Any, list[dict[str, Any]]] = (None, [])
        self.parent: tuple[Any, list[dict[str, Any]]] = (None, [])


_OTHER_IMAGES = {number: f"other_product_image_locator_{number}" for number in range(1, MAX_OTHER_IMAGES + 1)}


def identifier_type(gtin: str) -> str:
    """UPC for 12 digits, GTIN for 14, EAN otherwise (13, and EAN-8)."""
    return _IDENTIFIER_TYPES.get(len(gtin), "ean")


PARENT_TEXTS = frozenset({"item_name", "brand"})
"""A parent's own texts (:func:`parent_attributes`: its family's name, its first variant's brand or none): facts it
never takes from a variant, so no variant differs from it in them (AMZ015)."""


def parent_attributes(
    name: str, brand: str | None, theme: str, market: str, language: str, exempt: bool = False
) -> dict[str, Any]:
    """A parent's own attributes (before the definition's cut and the facts it takes from its first variant);
    ``exempt``: it declares the identifier exemption (:func:`parents_exempt`)."""
    attributes: dict[str, Any] = {"item_name": [{"value": name, "language_tag": language, "marketplace_id": market}]}
    if brand is not None:
        attributes["brand"] = [{"value": brand, "language_tag": language, "marketplace_id": market}]
    attributes["parentage_level"] = [{"value": "parent", "marketplace_id": market}]
    attributes["child_parent_sku_relationship"] = [{"child_relationship_type": "variation", "marketplace_id": market}]
    attributes["variation_theme"] = [{"name": theme}]
    if exempt:
        attributes[EXEMPTION] = [{"value": True, "marketplace_id": market}]
    return attributes


def parent_written(values: Mapping[str, Any]) -> str | None:
    """The parent SKU an item's messages write (once for its family, with its first variant kept): its
    ``parent_sku``, but of an offer on an existing ASIN, which has no parent (``AmazonEncoder._messages``)."""
    parent = values.get("parent_sku")
    return parent if isinstance(parent, str) and not isinstance(values.get("asin"), str) else None


@lru_cache(maxsize=8)  # (a checker is several megabytes: no more kept alive than ``shared_schema`` keeps)
def parents_exempt(checker: CompiledSchema, market: str, language: str) -> bool:
    """Whether a parent of a definition (its LISTING_PRODUCT_ONLY ``checker``) declares the identifier exemption: it
    never takes its variant's GTIN (:data:`IDENTIFIERS`: a variation parent has no barcode of its own), so where the
    definition requires an identifier of a parent too (Amazon's current definitions excuse a parent; the 2023
    PRODUCT definition does not) and declares the exemption, the parent says it has none."""
    properties = checker.schema.get("properties")
    if not isinstance(properties, dict) or EXEMPTION not in properties:
        return False
    return not IDENTIFIERS.isdisjoint(checker.missing(parent_attributes("-", "-", "-", market, language)))


DIFFERS = "AMZ015"
"""The code of :func:`differs_note`."""


def misfit_note(
    product_type: str, axes: list[str], options: list[str], family: bool, close: str
) -> tuple[str, str, str, str]:
    """AMZ016 of a variant no allowed variation theme fits: the attributes its family differs by (``family``), else
    those it has (``axes``), the options that differ mapped to no attribute, and the allowed themes naming one of the
    axes (``close``: "none" where none does), as its fields (code, field, value, text); its value is the theme the
    variant is written with anyway (the axes, else SIZE)."""
    fallback = "/".join(a.upper() for a in axes) or "SIZE"
    unmapped = ", ".join(options)
    if unmapped:
        hint = (
            f"; options {unmapped} are mapped to no attribute: map them to color, size, material or pattern in "
            "source.options"
        )
    elif not axes:  # its family's variants differ in none of them (a gender, an option lost on the way)
        hint = (
            f"; the variants of its family differ in none of {', '.join(AXES)}: give them the option they differ by "
            "(mapped in source.options where it has another name), or list them as products of their own"
        )
    else:
        hint = ""
    text = (
        f"no variation theme of product type {product_type} names exactly the attributes this "
        f"{'family differs by' if family else 'variant has'} ({', '.join(axes) or 'none'}); "
        f"allowed themes with them: {close}{hint}"
    )
    return ("AMZ016", "parent_sku", fallback, text)


def differs_note(name: str, sku: Any, parent: str, first: Any) -> tuple[str, str, None, str]:
    """AMZ015 of a variant's attribute ``name`` that differs from the one its parent took from the family's first
    variant, as (code, field, value, message)."""
    return (
        DIFFERS,
        name,
        None,
        f"{name} of sku {sku} differs from the {name} its parent {parent} carries (taken from variant {first}): the "
        "variants of a family should agree on it",
    )


def unmapped_note(
    parent: str, product_type: str, names: list[str], properties: Mapping[str, Any]
) -> tuple[str, str, None, str]:
    """AMZ019 of the facts ``names`` the ``product_type`` definition (its ``properties``) requires of ``parent``
    and no variant of its family carries, with the fields that set them, as (code, field, value, message)."""
    identifiers = [name for name in names if name in IDENTIFIERS]
    if identifiers:  # a parent takes none of its variants' (and the definition declares no exemption)
        return (
            "AMZ019",
            identifiers[0],
            None,
            f"the {product_type} definition requires {', '.join(names)} of parent {parent}, but a variation parent "
            "has no identifier of its own (it takes none of its variants') and the definition declares no "
            "identifier exemption a parent could claim: pull the product type's current definition (Amazon's "
            "excuse a parent from identifiers)",
        )
    keys = ", ".join(key for name in names for key in field_keys(name, properties))
    them = "it" if len(names) == 1 else "them"
    return (
        "AMZ019",
        names[0],
        None,
        f"the {product_type} definition requires {', '.join(names)} of parent {parent} and no variant of its "
        f"family carries {them}: map {them} in the Amazon channel's fields ({keys}), so the variants carry "
        f"{them} and the parent takes {them} from them",
    )


def cut_note(member: tuple[str, str]) -> tuple[str, None, str]:
    """The field, value and text of the AMZ018 finding that says a product type's definition has no attribute
    ``member`` (product type, attribute name) of feedsync's own, so it is left out (told once per run)."""
    product_type, name = member
    field = SOURCE_FIELDS.get(name) or ("other_images" if name.startswith("other_product_image") else name)
    text = (
        f"product type {product_type} has no attribute {name}: left out of its messages (the definition does not "
        f"allow it; the {field} field is written for product types that have it)"
    )
    return field, None, text


class AmazonEncoder:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = AmazonSettings.model_validate(settings)
        self.meta = {
            "header": {
                "sellerId": self.settings.seller_id,
                "version": "2.0",
                "issueLocale": self.settings.issue_locale,
            },
            "marketplace_id": self.settings.marketplace_id,  # not written: the marketplace an item sync sends to
        }
        self._parents = IdSet()  # the parent SKUs written: flat memory (a family every few variants)
        # parent SKU -> (the variant its facts were taken from, the attributes taken, the required facts no variant
        # carries: AMZ019)
        self._families: dict[str, tuple[Any, Mapping[str, Any], list[str]]] = {}
        # The family whose variants come now (its group id) and the parents whose facts it added to ``_families``:
        # they go when another family comes, if its variants all come one after another (``FamilySurvey.grouped``)
        self._run: tuple[str | None, list[str]] = (None, [])
        self._item_group: str | None = None  # the family of the item encoded now (not a bool: a row split merges
        # an encoder's bools as state told once per run)
        self._excused: dict[str, frozenset[str]] = {}  # sku -> missing attributes told as AMZ019, not AMZ009
        self._notes: list[tuple[str, str, str | None, str]] = []  # (code, field, value, message) of the last item
        self._options: Mapping[str, str] = {}  # the checked item's options that map to no variant field
        self._cut_told: set[tuple[str, str]] = set()  # (product type, attribute) left out and told (AMZ018)
        # product type -> the text attributes of feedsync's own its definition lacks, met by the cut: not made again
        # (the cut would remove them). A dict, not a set: no state a row split's shares compare
        self._lacks: dict[str, frozenset[str]] = {}
        self._offer_only_told = False  # mapped product attributes left out of offer-only messages: said once
        self._pending: tuple[ChannelItem, list[dict[str, Any]], str | None] | None = None
        self._checker = MessageChecker(self.settings)
        self._market = self.settings.marketplace_id  # read once: every attribute entry names them
        self._language = self.settings.language_tag
        # What the variants of each family differ by (read before the feed is written; with definitions only)
        self._survey: FamilySurvey | None = None
        self._family: tuple[list[str], list[str]] | None = None  # the checked item's family axes and options
        # (product type, axes) -> the allowed theme naming them; product type -> its definition's attributes (None:
        # no definition): the same answers for every item
        self._themes: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._close: dict[tuple[str, tuple[str, ...]], str] = {}  # ``allowed_themes``, by product type and axes
        self._theme_names: dict[tuple[str, str], tuple[str, ...]] = {}  # (product type, theme) -> attributes named
        self._properties: dict[str, Mapping[str, Any] | None] = {}
        self._placements: dict[str, dict[str, Placement | None]] = {}  # product type -> where each field goes
        # (product type or "" without a definition, weight text, unit) -> a package weight's entries (``weight_in``)
        # and whether its number is plain (``offers.number``)
        self._weights: dict[tuple[str, str, str], tuple[list[dict[str, Any]], bool]] = {}
        # Entries shared by the messages that carry the same value (``_Shared``), one set per product type with a
        # definition (its cut, ``_cut``, changes the entries in place: alike for every message of the type) and one
        # for all without. Messages are never changed once made (``PlainMessage``).
        self._pools: dict[str | None, _Shared] = {}
        self._offers = Offers(self.settings, _room)
        # The previous item's mapped fields (product type, their names and texts), the attributes they set and whether
        # those are plain: shared by the next item that maps the same texts (the cut makes the same change to them)
        self._last_extras: tuple[Any, dict[str, Any], bool] = (None, {}, True)
        # The values of the item's messages orjson may write otherwise than json (none: its messages are vouched for,
        # PlainMessage). A count, not a bool: a row split merges an encoder's bool attributes as state told once per
        # run
        self._doubts = 0

    @property
    def surveys(self) -> bool:
        """Whether the encoder wants the whole catalog read before the feed (:meth:`survey`): with definitions,
        a family's variation theme is chosen from what its variants differ by."""
        return bool(self.settings.definitions)

    def survey(
        self,
        catalog: Callable[[], Iterable[Product]],
        channel: Any,
        *,
        joined: frozenset[str],
        ahead: bool = False,
        share: bool = False,
    ) -> None:
        keys = family_keys(channel)
        if keys is not None and not joined.isdisjoint({"group_id", *(key.casefold() for key in keys)}):
            keys = None  # a supplement sets a variant's group or its parent's override: the read catalog's do not tell
        survey = FamilySurvey(keys, ahead=ahead)
        if not ahead:
            survey.read(catalog)
            if share and survey.rekeyed:  # another share may hold the family it names
                raise Unsurveyed("a variant of the share may have another parent than its group's")
        self._survey = survey

    def survey_batches(self) -> FamilySurvey:
        survey = self._survey
        assert survey is not None and survey.ahead
        fed = FamilySurvey(survey._keys, ahead=True)
        fed.fed = True
        self._survey = fed
        return fed

    def family_feed(self) -> FamilyFeed | None:
        survey = self._survey
        return survey if survey is not None and survey.ahead and not survey.fed else None

    def _text(self, value: str) -> list[dict[str, Any]]:
        return [{"value": value, "language_tag": self._language, "marketplace_id": self._market}]

    def _plain(self, value: Any) -> list[dict[str, Any]]:
        return [{"value": value, "marketplace_id": self._market}]

    def encode(self, item: ChannelItem) -> list[dict[str, Any]]:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is item:
            messages, parent = pending[1], pending[2]
            if parent is not None:
                self._parents.add(parent)
            return messages
        self._enter(item.product.group_id)
        return self.encode_values(item.values)

    def check(self, item: ChannelItem, channel: str) -> list[Diagnostic]:
        """The item's messages checked against their product type definitions and the marketplace's currency;
        kept for :meth:`encode` of the same item, so a parent counts as written only with an accepted child."""
        self._options = item.product.variant_options
        group = item.product.group_id
        self._enter(group)
        self._family = self._survey.axes(group) if self._survey is not None else None
        messages, parent = self._messages(item.values)
        if self._family is not None and "variation_theme" not in item.values:
            # the theme chosen from the whole family, kept with the item: a push encodes its values again
            theme = (messages[-1]["attributes"].get("variation_theme") or [{}])[0].get("name")
            if isinstance(theme, str):
                item.values["variation_theme"] = theme
        self._options, self._family = {}, None
        self._pending = (item, messages, parent)
        found = [
            make(
                code,
                text,
                channel=channel,
                product_id=item.id,
                field=field,
                value=value,
                location=locate(item.product.source, item.origins.get(field)),
            )
            for code, field, value, text in self._notes
        ]
        return found + self._checker.check(item, messages, channel, self._excused)

    def _enter(self, group: str | None) -> None:
        """A variant of ``group`` comes (None: of no group, or not told). When it is another family's, the family
        before it is over if its variants all came one after another: the facts kept for its parents go."""
        self._item_group = group = group or None
        current, parents = self._run
        if group == current or group is None:  # a variant of no group is no other family's (nor is it surveyed)
            return
        if parents and self._survey is not None and self._survey.grouped(current):
            for parent in parents:
                self._families.pop(parent, None)
        self._run = (group, [])

    def encode_values(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The feed messages for one item's flat values: its parent's first (once per run), then its own."""
        messages, parent = self._messages(values)
        if parent is not None:
            self._parents.add(parent)
        return messages

    def _messages(self, values: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        """An item's messages, and the parent SKU whose message they include (not yet marked written)."""
        messages: list[dict[str, Any]] = []
        self._notes = []
        self._excused = {}
        self._doubts = 0
        parent = values.get("parent_sku")
        asin = values.get("asin")
        if isinstance(asin, str):
            return [self._offer_only(values, asin)], None
        product_type = str(values["product_type"])
        properties = self._properties_of(product_type)
        pool = self._pool(product_type, properties)
        attributes = self.own_attributes(values, properties, product_type, pool)
        keys = mapped_keys(values)
        if keys:  # most items map no attribute of their own
            attributes.update(self._extra_attributes(values, keys, properties, product_type))
        self._cut(product_type, attributes)
        new_parent = None
        if isinstance(parent, str):
            chosen = values.get("variation_theme")
            told = len(self._notes)
            theme = chosen if isinstance(chosen, str) and chosen else self._theme(values, properties)
            if len(self._notes) == told:  # an allowed theme (none fits: told once, not again per attribute)
                self._carries(values, theme, attributes, properties)
            if parent not in self._parents:
                new_parent = parent
                messages.append(self._parent(values, parent, product_type, theme, attributes))
            self._compare_with_parent(values, parent, attributes, theme)
            self._child_attributes(attributes, parent, theme, pool)
        sku = values["sku"]
        messages.append(self._message(sku, product_type, "LISTING", attributes))
        return messages, new_parent

    def own_attributes(
        self, values: Mapping[str, Any], properties: Mapping[str, Any] | None, product_type: str, pool: _Shared
    ) -> dict[str, Any]:
        """A listing's attributes of its own values (product facts, offer, identifier exemption): before the mapped
        fields' attributes, the definition's cut and the family's (``feedsync.columnar.amazon`` makes them a
        column at a time)."""
        attributes = self._product_attributes(values, properties, product_type, pool)
        attributes.update(self._offer_attributes(values, properties, product_type))
        if self.settings.identifier_exemption and "gtin" not in values and EXEMPTION in (properties or {EXEMPTION: 0}):
            # no GTIN, and the brand is exempt (settings.identifier_exemption)
            attributes[EXEMPTION] = self._plain(True)
        return attributes

    def _message(self, sku: Any, product_type: str, requirements: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """An UPDATE message, vouched plain (``PlainMessage``) when nothing of the item was doubted and its SKU is a
        text."""
        plain = not self._doubts and type(sku) is str
        return (PlainMessage if plain else dict)(
            sku=sku, operationType="UPDATE", productType=product_type, requirements=requirements, attributes=attributes
        )

    def _pool(self, product_type: str, properties: Mapping[str, Any] | None) -> _Shared:
        """The entries shared by the messages of ``product_type`` (of every product type without a definition)."""
        key = product_type if properties is not None else None
        pool = self._pools.get(key)
        if pool is None:
            pool = _room(self._pools)[key] = _Shared(self._plain("child"))
        return pool

    def _child_attributes(self, attributes: dict[str, Any], parent: str, theme: str, pool: _Shared) -> None:
        """A variant's parentage, parent and theme: shared by the family's variants."""
        last, relationship = pool.parent
        if parent != last:
            relationship = [
                {"child_relationship_type": "variation", "parent_sku": parent, "marketplace_id": self._market}
            ]
            pool.parent = (parent, relationship)
        named = pool.themes.get(theme)
        if named is None:
            named = _room(pool.themes)[theme] = [{"name": theme}]
        attributes["parentage_level"] = pool.child
        attributes["child_parent_sku_relationship"] = relationship
        attributes["variation_theme"] = named

    def _theme(self, values: Mapping[str, Any], properties: Mapping[str, Any] | None) -> str:
        """The variation theme: the definition's allowed theme naming the attributes the variants of the family
        differ by (with a survey; else the attributes the variant has). AMZ016 when none fits, and the axes are
        written as they are."""
        if self._family is not None:
            axes, options = self._family
        else:
            axes = [name for name in ("size", "color") if name in values] if properties is None else []
            axes, options = axes or [name for name in AXES if name in values], sorted(self._options)
        theme = (
            self._choose_theme(str(values.get("product_type")), axes, properties)
            if axes or self._family is None
            else None
        )
        if theme is not None:
            return theme
        close = self._close_themes(str(values.get("product_type")), axes, properties)
        note = misfit_note(str(values.get("product_type")), axes, options, self._family is not None, close)
        self._notes.append(note)
        return note[2]

    def _properties_of(self, product_type: str) -> Mapping[str, Any] | None:
        if product_type not in self._properties:
            _room(self._properties)[product_type] = self._checker.properties(product_type)
        return self._properties[product_type]

    def _extra_attributes(
        self, values: Mapping[str, Any], keys: Sequence[str], properties: Mapping[str, Any] | None, product_type: str
    ) -> dict[str, Any]:
        """The attributes the item's mapped fields (``keys``) set; each value of any type the templates made that
        orjson may write otherwise than ``json`` (not ``plain_scalar``) is a doubt. The entries are the previous
        item's when it mapped the same fields to the same texts for the same product type (a catalog's constants, a
        family's values): messages are never changed once made, and the definition's cut changes shared entries
        alike."""
        texts = mapped_texts(values, keys)
        same = None if texts is None else (product_type, tuple(keys), texts)
        last, attributes, plain = self._last_extras
        if same is None or same != last:
            placements = self._placements.get(product_type)
            if placements is None:
                placements = _room(self._placements)[product_type] = {}
            placed: list[Any] = []
            attributes = extra_attributes(
                values, properties, self._market, self._language, placements, placed, keys=keys
            )
            plain = all(map(plain_scalar, placed))
            self._last_extras = (same, attributes, plain)
        if not plain:
            self._doubts += 1
        return attributes

    def _choose_theme(self, product_type: str, axes: list[str], properties: Mapping[str, Any] | None) -> str | None:
        """``choose_theme`` of the product type's definition, asked once per product type and axes."""
        key = (product_type, tuple(axes))
        if key not in self._themes:
            _room(self._themes)[key] = choose_theme(axes, properties)
        return self._themes[key]

    def _close_themes(self, product_type: str, axes: list[str], properties: Mapping[str, Any] | None) -> str:
        """The allowed themes that name one of the axes, as AMZ016 lists them, once per product type and axes (a
        definition allows hundreds: every variant of a family that fits none tells them)."""
        key = (product_type, tuple(axes))
        found = self._close.get(key)
        if found is None:
            found = _room(self._close)[key] = ", ".join(allowed_themes(properties, axes)) or "none"
        return found

    def _named_by(self, theme: str, product_type: str, properties: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The attributes a theme's parts name (``theme_attribute``), once per product type and theme."""
        key = (product_type, theme)
        names = self._theme_names.get(key)
        if names is None:
            names = _room(self._theme_names)[key] = tuple(theme_attribute(p, properties) for p in theme.split("/"))
        return names

    def _carries(
        self, values: Mapping[str, Any], theme: str, attributes: Mapping[str, Any], properties: Mapping[str, Any] | None
    ) -> None:
        """AMZ016 for each attribute the family's theme names that this child does not carry (with a definition)."""
        if properties is None:
            return
        lacking = [
            name
            for name in self._named_by(theme, str(values.get("product_type")), properties)
            if name not in attributes and name in properties
        ]
        if lacking:
            self._notes.append(
                (
                    "AMZ016",
                    lacking[0],
                    theme,
                    f"sku {values.get('sku')} lacks {', '.join(lacking)}, which its family's variation theme {theme} "
                    f"names: every variant of the family needs a value for it (map it in the channel's fields)",
                )
            )

    def _parent(
        self, values: Mapping[str, Any], parent: str, product_type: str, theme: str, child: dict[str, Any]
    ) -> dict[str, Any]:
        name = str(values.get("parent_name") or values["item_name"])
        brand = str(values["brand"]) if "brand" in values else None
        definition = self._checker.definition(product_type)
        checker = definition.checker("LISTING_PRODUCT_ONLY") if definition is not None else None
        exempt = checker is not None and parents_exempt(checker, self._market, self._language)
        attributes = parent_attributes(name, brand, theme, self._market, self._language, exempt)
        self._cut(product_type, attributes)
        if parent in self._families:  # rebuilt (validate writes none): the facts found for it before, no search
            attributes.update((name, child[name]) for name in self._families[parent][1] if name in child)
        elif checker is not None:
            taken, unmapped = parent_facts(attributes, child, checker)
            self._families[parent] = (values.get("sku"), {name: attributes[name] for name in taken}, unmapped)
            if parent == self._item_group:  # the run's family's own parent; else kept for the run
                self._run[1].append(parent)
        if parent in self._families and self._families[parent][2]:
            self._unmapped_facts(parent, product_type, self._families[parent][2])
        # the parent's facts are the child's (vouched for with them); its own are texts
        return self._message(parent, product_type, "LISTING_PRODUCT_ONLY", attributes)

    def _cut(self, product_type: str, attributes: dict[str, Any]) -> None:
        """Only what the product type's definition allows (AMZ018 once per product type for each attribute of
        feedsync's own it lacks); nothing is cut without a definition."""
        allowed = self._checker.allowed(product_type)
        if allowed is None:
            return
        lacking = allowed.cut(attributes)
        if lacking:
            lacks = self._lacks.get(product_type, _NO_NAMES)
            if not lacks.issuperset(lacking):
                _room(self._lacks)[product_type] = lacks | _TEXTS.intersection(lacking)
        for name in lacking:
            if (product_type, name) not in self._cut_told:
                self._cut_told.add((product_type, name))
                self._notes.append(("AMZ018", *cut_note((product_type, name))))

    def _unmapped_facts(self, parent: str, product_type: str, names: list[str]) -> None:
        """AMZ019: the facts the definition requires of the parent that no variant carries, with the fields that
        set them (instead of a raw definition failure of the parent message)."""
        self._excused[parent] = frozenset(names)
        self._notes.append(unmapped_note(parent, product_type, names, self._checker.properties(product_type) or {}))

    def _compare_with_parent(
        self, values: Mapping[str, Any], parent: str, attributes: Mapping[str, Any], theme: str
    ) -> None:
        """AMZ015 for each fact the parent carries (from its first variant) that this variant has otherwise (not
        the attributes the family's theme names: the variants differ by those; nor their weights and dimensions:
        :data:`SHIPPED`)."""
        first, taken, _ = self._families.get(parent, _NO_FAMILY)
        if not taken or first == values.get("sku"):
            return
        product_type = str(values.get("product_type"))
        axes = self._named_by(theme, product_type, self._properties_of(product_type))
        for name, value in taken.items():
            if name in attributes and attributes[name] != value and name not in axes and name not in SHIPPED:
                self._notes.append(differs_note(name, values.get("sku"), parent, first))

    def _product_attributes(
        self, values: Mapping[str, Any], properties: Mapping[str, Any] | None, product_type: str, pool: _Shared
    ) -> dict[str, Any]:
        market = self._market
        attributes: dict[str, Any] = {}
        get = values.get
        lacks = self._lacks.get(product_type, _NO_NAMES)  # (only product types with a definition have a cut)
        for name in _TEXTS_BEFORE_GTIN:
            if name in values and name not in lacks:
                attributes[name] = self._text_entries(name, str(values[name]), pool)
        gtin = get("gtin")
        if isinstance(gtin, str):
            attributes["externally_assigned_product_identifier"] = [
                {"type": identifier_type(gtin), "value": gtin, "marketplace_id": market}
            ]
        bullets = get("bullet_point")
        if bullets:
            last, entries = pool.bullets
            if bullets != last or type(bullets) is not type(last):
                entries = self._bullet_entries(bullets, pool)
            attributes["bullet_point"] = entries
        for name in _TEXTS_AFTER_BULLETS:
            if name in values and name not in lacks:
                attributes[name] = self._text_entries(name, str(values[name]), pool)
        if "main_image" in values:
            image = values["main_image"]
            attributes["main_product_image_locator"] = [{"media_location": image, "marketplace_id": market}]
            if type(image) is not str:
                self._doubts += 1
        others = get("other_images") or []
        for number, url in enumerate([others] if isinstance(others, str) else others, start=1):
            if number > MAX_OTHER_IMAGES:
                break
            attributes[_OTHER_IMAGES[number]] = [{"media_location": url, "marketplace_id": market}]
            if type(url) is not str:
                self._doubts += 1
        if "weight_value" in values and get("weight_unit") in WEIGHT_UNITS:
            entries, plain = self._weight(values["weight_value"], str(values["weight_unit"]), properties, product_type)
            attributes["item_package_weight"] = entries
            if not plain:
                self._doubts += 1
        return attributes

    def _text_entries(self, name: str, text: str, pool: _Shared) -> list[dict[str, Any]]:
        """A text attribute's entries (in the marketplace's language): shared by the items with the same value."""
        if type(text) is str:  # (``str`` of a text subclass may be one)
            if name in _SHARED_TEXTS:
                texts = pool.texts[name]
                found = texts.get(text)
                if found is None:
                    found = _room(texts)[text] = self._text(text)
                return found
            if name == "product_description":
                last, found = pool.description
                if text != last:
                    found = self._text(text)
                    pool.description = (text, found)
                return found
        return self._text(text)

    def _bullet_entries(self, bullets: Any, pool: _Shared) -> list[dict[str, Any]]:
        """The bullet points' entries, kept for the next item (its family's next variant: the same bullet points)
        when they are all texts (else made again for each item, each a doubt: ``_doubts``)."""
        market, language = self._market, self._language
        entries = []
        texts = True
        for bullet in [bullets] if isinstance(bullets, str) else bullets:
            entries.append({"value": bullet, "language_tag": language, "marketplace_id": market})
            if type(bullet) is not str:
                texts = False
        if not texts:
            self._doubts += 1
        kept = texts and type(bullets) in (str, list)
        pool.bullets = (list(bullets) if type(bullets) is list else bullets, entries) if kept else (None, [])
        return entries

    def _weight(
        self, value: Any, unit: str, properties: Mapping[str, Any] | None, product_type: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """The package weight's entries, its number and unit as ``weight_in`` converts it for the product type's
        definition (and whether the number is plain: ``offers.number``): made once per weight text and unit (and product
        type, with a definition: the units it allows)."""
        text = value if type(value) is str else str(value)
        key = (product_type if properties is not None else "", text, unit)
        found = self._weights.get(key)
        if found is None:
            amount, written = weight_in(text, WEIGHT_UNITS[unit], properties)
            amount_written, plain = amount_number(amount)
            found = ([{"unit": written, "value": amount_written, "marketplace_id": self._market}], plain)
            _room(self._weights)[key] = found
        return found

    def _offer_attributes(
        self, values: Mapping[str, Any], properties: Mapping[str, Any] | None, product_type: str
    ) -> dict[str, Any]:
        attributes, plain = self._offers.attributes(values, properties, product_type)
        if not plain:
            self._doubts += 1
        return attributes

    def _offer_only(self, values: Mapping[str, Any], asin: str) -> dict[str, Any]:
        product_type = str(values.get("product_type") or OFFER_ONLY_PRODUCT_TYPE)
        properties = self._properties_of(product_type)
        attributes = {
            "merchant_suggested_asin": self._plain(asin),
            **self._offer_attributes(values, properties, product_type),
        }
        extras = self._extra_attributes(values, mapped_keys(values), properties, product_type)
        attributes.update((name, value) for name, value in extras.items() if name in OFFER_ATTRIBUTES)
        sku = values["sku"]
        self._cut(product_type, attributes)
        dropped = sorted(name for name in extras if name not in OFFER_ATTRIBUTES)
        if dropped and not self._offer_only_told:
            self._offer_only_told = True
            self._notes.append(
                (
                    "AMZ018",
                    dropped[0],
                    None,
                    f"offer-only messages (a product with an asin) carry the offer only: the mapped attribute(s) "
                    f"{', '.join(dropped)} are not sent for them, Amazon keeps the ASIN's product facts (told once)",
                )
            )
        return self._message(sku, product_type, "LISTING_OFFER_ONLY", attributes)
