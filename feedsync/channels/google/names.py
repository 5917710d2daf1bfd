"""The attribute names Google Merchant Center reads, and the profile fields that misspell one
(``channels.names``).

Google keeps an attribute it does not know as a custom attribute of the item: a field named ``shiping_weight`` or
``colour`` reaches the feed and changes nothing Google shows. A name close to none of Google's is taken for a
custom attribute meant as one (for feed rules) and written as it is.

Source: the Merchant API's product attributes (``google/shopping/merchant/products/v1/products_common.proto``,
message ``ProductAttributes``), each under its feed name (the singular of a repeated field: ``gtins`` is
``gtin``), beside the feed's own names the API keeps elsewhere (``id``) and those of the product data
specification (support.google.com/merchants/answer/7052112) the API names otherwise.
"""

from __future__ import annotations

from feedsync.channels.names import field_checker

ATTRIBUTES: frozenset[str] = frozenset(
    {
        # basic data, price and availability, categories, identifiers
        "id", "title", "description", "link", "mobile_link", "canonical_link", "image_link",
        "additional_image_link", "lifestyle_image_link", "virtual_model_link", "video_link", "document_link",
        "availability", "availability_date", "expiration_date", "disclosure_date", "cost_of_goods_sold", "price",
        "sale_price", "sale_price_effective_date", "maximum_retail_price", "unit_pricing_measure",
        "unit_pricing_base_measure", "installment", "subscription_cost", "loyalty_points", "loyalty_program",
        "auto_pricing_min_price", "minimum_order_value", "google_product_category", "product_type", "brand",
        "gtin", "mpn", "identifier_exists", "external_seller_id", "sell_on_google_quantity",
        # description, variants, apparel
        "condition", "adult", "multipack", "is_bundle", "certification", "energy_efficiency_class",
        "min_energy_efficiency_class", "max_energy_efficiency_class", "age_group", "color", "gender", "material",
        "pattern", "size", "size_type", "size_system", "item_group_id", "item_group_title", "variant_option",
        "product_length", "product_width", "product_height", "product_weight", "product_detail",
        "product_highlight", "structured_title", "structured_description", "short_title", "related_product",
        "question_and_answer", "popularity_rank", "warranty",
        # destinations, campaigns
        "ads_redirect", "ads_grouping", "ads_labels", "custom_label_0", "custom_label_1", "custom_label_2",
        "custom_label_3", "custom_label_4", "promotion_id", "excluded_destination", "included_destination",
        "shopping_ads_excluded_country", "pause", "display_ads_id", "display_ads_similar_id", "display_ads_title",
        "display_ads_link", "display_ads_value", "cloud_export_additional_properties", "sustainability_incentive",
        # shipping, returns, local pickup
        "shipping", "carrier_shipping", "shipping_label", "shipping_weight", "shipping_length", "shipping_width",
        "shipping_height", "ships_from_country", "free_shipping_threshold", "max_handling_time",
        "min_handling_time", "handling_cutoff_time", "shipping_handling_business_days",
        "shipping_transit_business_days", "transit_time_label", "return_policy_label", "returns", "pickup_method",
        "pickup_sla", "pickup_cost", "link_template", "mobile_link_template", "tax", "tax_category",
        # vehicles
        "vin", "model", "trim", "body_style", "year", "mileage", "electric_range", "fuel_consumption",
        "fuel_consumption_discharged_battery", "energy_consumption", "co2_emissions", "date_first_registered",
        "engine", "emissions_standard", "certified_pre_owned", "vehicle_msrp", "vehicle_all_in_price",
        "vehicle_price_type", "vehicle_mandatory_inspection_included", "vehicle_expenses",
        # properties
        "display_address", "latitude", "longitude", "neighborhood", "unit_area", "number_of_units",
        "property_name", "number_of_bedrooms", "number_of_bathrooms", "property_type", "amenity_feature",
        "utilities_included", "pet_policy", "specialty_housing_type", "product_fee", "lease_term",
    }
)  # fmt: skip

check_fields = field_checker(
    ATTRIBUTES,
    lambda name, meant: (
        f"{name!r} is not an attribute of Google's (did you mean {meant}?): Google would keep it as a custom "
        "attribute and use none of it; name the field as Google names the attribute, or give a custom attribute "
        "a name unlike any of Google's"
    ),
)
"""The Google profile's fields that misspell an attribute of Google's, each with why it is refused."""
