"""Each Amazon feed message checked against its product type definition (AMZ009, AMZ008) and the offer's
currency against the marketplace's (AMZ010)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from feedsync.channels.amazon.allowed import Allowed
from feedsync.channels.amazon.definitions import Definition, DefinitionIndex, definition_index
from feedsync.channels.amazon.extra import declared, enum_problem_in, mapped_keys, mapped_texts, unknown_fields
from feedsync.channels.amazon.marketplaces import code_of
from feedsync.channels.amazon.schema_check import Failure, show
from feedsync.channels.amazon.spec import AmazonSettings
from feedsync.channels.base import ChannelItem
from feedsync.diagnostics import Diagnostic, locate
from feedsync.diagnostics.codes import make

# Message attribute -> the flat channel field it is written from (for the source column of a finding).
SOURCE_FIELDS = {
    "item_name": "item_name",
    "brand": "brand",
    "externally_assigned_product_identifier": "gtin",
    "bullet_point": "bullet_point",
    "product_description": "product_description",
    "color": "color",
    "size": "size",
    "material": "material",
    "pattern": "pattern",
    "main_product_image_locator": "main_image",
    "item_package_weight": "weight_value",
    "condition_type": "condition",
    "purchasable_offer": "price",
    "fulfillment_availability": "quantity",
    "merchant_suggested_asin": "asin",
}


class MessageChecker:
    """The checks of one run of an Amazon channel (the definitions folder is read when first needed)."""

    def __init__(self, settings: AmazonSettings) -> None:
        self.settings = settings
        self._index: DefinitionIndex | None = None
        self._told: set[str] = set()
        self._market = settings.market  # the marketplace's currency (AMZ010): looked up once
        self._left_out: set[tuple[str, str]] = set()  # (product type, field) told of (AMZ018)
        self._allowed: dict[str, Allowed | None] = {}
        self._declared: dict[tuple[str, str], tuple[bool, dict[str, Any] | None]] = {}  # (type, field) -> declared
        # (product type, mapped fields) -> (the fields it lacks, (field, attribute, part schema) of those with an enum)
        self._fields: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[tuple[str, str, dict[str, Any]]]]] = {}
        # the last mapped fields found clean (product type, requirements, their names and texts): the next item that
        # maps the same texts is clean too (what it lacks was told already; its values are the same)
        self._clean: tuple[Any, ...] | None = None

    @property
    def index(self) -> DefinitionIndex | None:
        if self._index is None and self.settings.definitions:
            self._index = definition_index(self.settings.definitions)
        return self._index

    def definition(self, product_type: str) -> Definition | None:
        """The definition of a product type on the channel's marketplace, when the folder has it."""
        index = self.index
        return index.find(product_type, self.settings.marketplace_id) if index is not None else None

    def allowed(self, product_type: str) -> Allowed | None:
        """What the definition of a product type allows a message to carry (None: no definition)."""
        if product_type not in self._allowed:
            definition = self.definition(product_type)
            self._allowed[product_type] = Allowed(definition.schema) if definition is not None else None
        return self._allowed[product_type]

    def properties(self, product_type: str) -> Mapping[str, Any] | None:
        """The attribute schemas of a product type on the channel's marketplace, when its definition is known."""
        definition = self.definition(product_type)
        return definition.schema["properties"] if definition is not None else None

    def check(
        self,
        item: ChannelItem,
        messages: list[dict[str, Any]],
        channel: str,
        excused: Mapping[str, AbstractSet[str]] | None = None,
    ) -> list[Diagnostic]:
        """Findings for an item's messages; ``excused``: sku -> missing attributes the encoder told of itself."""
        found: list[Diagnostic] = []
        market = self._market
        currency = item.values.get("currency")
        if market is not None and "price" in item.values and isinstance(currency, str) and currency != market.currency:
            found.append(
                make(
                    "AMZ010",
                    f"the offer is in {currency} but amazon {market.code} ({market.domain}) sells in {market.currency}",
                    channel=channel,
                    product_id=item.id,
                    field="currency",
                    value=currency,
                    location=locate(item.product.source, item.origins.get("price")),
                )
            )
        mapped, refused = self._mapped(item, messages[-1] if messages else {}, channel)
        found += mapped
        if self.index is not None:
            for message in messages:
                missing = (excused or {}).get(str(message.get("sku")), frozenset())
                found += self._against_definition(item, message, channel, refused, missing)
        return found

    def _mapped(self, item: ChannelItem, message: Mapping[str, Any], channel: str) -> tuple[list[Diagnostic], set[str]]:
        """The fields mapped as attributes: unchecked without definitions, left out where the product type lacks
        them (AMZ018, told once), values outside the definition's enum (AMZ017; their AMZ009 is not repeated)."""
        keys = mapped_keys(item.values)
        if not keys:
            return [], set()
        if self.index is None:
            if "" in self._told:
                return [], set()
            self._told.add("")
            text = f"mapped attribute(s) {', '.join(keys)} are written unchecked: the channel has no definitions folder"
            text += " (settings.definitions; fetch them with `feedsync amazon definitions pull TYPE`)"
            return [self._mapped_finding("AMZ018", item, channel, keys[0], text)], set()
        product_type = str(message.get("productType"))
        properties = self.properties(product_type)
        if properties is None:
            return [], set()
        texts = mapped_texts(item.values, keys)
        same = None if texts is None else (product_type, message.get("requirements"), tuple(keys), texts)
        if same is not None and same == self._clean:
            return [], set()
        found: list[Diagnostic] = []
        undeclared, enums = self._fields_of(product_type, properties, keys)
        lacking = [k for k in undeclared if (product_type, k) not in self._left_out]
        if lacking:
            self._left_out.update((product_type, k) for k in lacking)
            text = (
                f"product type {product_type} has no attribute {', '.join(lacking)}: left out of its messages "
                "(written for the product types that have it)"
            )
            found.append(self._mapped_finding("AMZ018", item, channel, lacking[0], text))
        refused: set[str] = set()
        written = message.get("attributes") or {}
        for key, attribute, schema in enums:  # most parts have no enum to be outside of
            if attribute not in written:
                continue  # offer-only messages carry offer attributes
            allowed = enum_problem_in(schema, item.values[key])
            if allowed is not None:
                refused.add(key.split("__")[0])
                shown = ", ".join(map(str, allowed[:30])) + (
                    f", … ({len(allowed)} in all)" if len(allowed) > 30 else ""
                )
                text = (
                    f"sku {message.get('sku')}: {key} is {item.values[key]!r}, which the {product_type} definition "
                    f"does not allow; allowed: {shown}"
                )
                found.append(self._mapped_finding("AMZ017", item, channel, key, text, str(item.values[key])))
        self._clean = None if found or refused else same
        return found, refused

    def _fields_of(
        self, product_type: str, properties: Mapping[str, Any], keys: Sequence[str]
    ) -> tuple[list[str], list[tuple[str, str, dict[str, Any]]]]:
        """The mapped fields the product type lacks, and those whose part has an enum (with the attribute they set
        and the part's schema): read once per product type and list of mapped fields (the same for most items)."""
        key = (product_type, tuple(keys))
        found = self._fields.get(key)
        if found is None:
            undeclared = [k for k in keys if not self._declared_in(product_type, properties, k)[0]]
            enums = []
            for k in keys:
                schema = self._declared_in(product_type, properties, k)[1]
                if schema and isinstance(schema.get("enum"), list):
                    enums.append((k, k.split("__")[0], schema))
            if len(self._fields) >= 4096:  # product types are the catalog's text: the answers kept stay few
                self._fields.clear()
            found = self._fields[key] = (undeclared, enums)
        return found

    def _declared_in(
        self, product_type: str, properties: Mapping[str, Any], key: str
    ) -> tuple[bool, dict[str, Any] | None]:
        """``declared`` of a field in a product type's definition, read once per product type and field."""
        if (product_type, key) not in self._declared:
            if len(self._declared) >= 4096:  # product types are the catalog's text: the answers kept stay few
                self._declared.clear()
            self._declared[(product_type, key)] = declared(properties, key)
        return self._declared[(product_type, key)]

    def _mapped_finding(
        self, code: str, item: ChannelItem, channel: str, key: str, text: str, value: str | None = None
    ) -> Diagnostic:
        return make(
            code,
            text,
            channel=channel,
            product_id=item.id,
            field=key,
            value=value,
            location=locate(item.product.source, item.origins.get(key)),
        )

    def _against_definition(
        self,
        item: ChannelItem,
        message: Mapping[str, Any],
        channel: str,
        refused: AbstractSet[str] = frozenset(),
        missing: AbstractSet[str] = frozenset(),
    ) -> list[Diagnostic]:
        index = self.index
        assert index is not None
        product_type = str(message.get("productType"))
        marketplace = self.settings.marketplace_id
        definition = index.find(product_type, marketplace)
        if definition is None:
            if product_type in self._told:
                return []
            self._told.add(product_type)
            elsewhere = index.marketplaces_of(product_type)
            have = f" (the folder has it for {', '.join(map(code_of, elsewhere))})" if elsewhere else ""
            close = difflib.get_close_matches(product_type, list(index.of_marketplace(marketplace)), n=1, cutoff=0.75)
            have += f"; did you mean {close[0]}?" if close and not elsewhere else ""
            return [
                make(
                    "AMZ008",
                    f"no definition of product type {product_type} for amazon {code_of(marketplace)} in "
                    f"{index.folder}{have}: its messages are not checked; run `feedsync amazon definitions pull "
                    f"{product_type} --marketplace {code_of(marketplace)}`",
                    channel=channel,
                    product_id=item.id,
                    field="product_type",
                    value=product_type,
                    location=locate(item.product.source, item.origins.get("product_type")),
                )
            ]
        requirements = str(message.get("requirements", "LISTING"))
        checker = definition.checker(requirements)
        attributes = message.get("attributes", {})
        if checker.valid(attributes):
            return []
        sku = message.get("sku")
        where = definition_named(definition, product_type, marketplace, requirements)
        failures = [
            f
            for f in checker.failures(attributes)
            if not (f.path and f.path[0] in refused) and not (not f.path and f.missing in missing)
        ]
        return [self._finding(item, channel, sku, where, f) for f in failures]

    def _finding(self, item: ChannelItem, channel: str, sku: Any, where: str, failure: Failure) -> Diagnostic:
        code, field, value, text, origin = failure_note(sku, where, failure)
        return make(
            code,
            text,
            channel=channel,
            product_id=item.id,
            field=field,
            value=value,
            location=locate(item.product.source, item.origins.get(origin)),
        )


def definition_named(definition: Definition, product_type: str, marketplace: str, requirements: str) -> str:
    """How an AMZ009 finding names the definition a message was checked against."""
    derived = "" if definition.served_for(requirements) else " as feedsync derives it from LISTING"
    return f"{product_type} ({code_of(marketplace)}, {requirements}{derived})"


def failure_note(sku: Any, where: str, failure: Failure) -> tuple[str, str, str | None, str, str]:
    """The AMZ009 finding of a message's ``failure`` against the definition named ``where``, as (code, field,
    value, message, the channel field whose origin it points at)."""
    field, value, text, origin = failure_parts(where, failure)
    return "AMZ009", field, value, f"sku {sku}: {text}", origin


def failure_parts(where: str, failure: Failure) -> tuple[str, str | None, str, str]:
    """``failure_note`` but for the message's SKU: (field, value, the message after ``sku SKU: ``, origin)."""
    if failure.missing is not None:
        text = f"{failure.where} is required by the {where} definition and was not written"
        value = None
    else:
        text = f"{failure.where} must be {failure.rule} ({where}); written: {show(failure.value)}"
        value = show(failure.value, 200)
    attribute = next((str(p) for p in (*failure.path, failure.missing) if p is not None), "")
    return failure.where, value, text, SOURCE_FIELDS.get(attribute, attribute)


def check_fields(settings: Mapping[str, Any], keys: list[str]) -> Mapping[str, str]:
    """The channel's fields that name an attribute of none of the product types the definitions folder has for
    the channel's marketplace (nothing is refused without a folder, or with none for the marketplace)."""
    parsed = AmazonSettings.model_validate(settings)
    if not parsed.definitions:
        return {}
    index = definition_index(parsed.definitions)
    type_properties = index.of_marketplace(parsed.marketplace_id)
    for product_type in type_properties:  # a definition that cannot be checked is the first thing to fix
        definition = index.find(product_type, parsed.marketplace_id)
        assert definition is not None
        definition.checker("LISTING")
    return unknown_fields(keys, type_properties) if type_properties else {}
