"""Generated catalogs (products with variants that share some values and not others) built with the reuse of a
field's text on and off: the same feeds, byte for byte, and the same findings. The profiles read variant-level
names, a rule changes a product-level value for one variant, a template fails on some variants, one reads ``now``,
one calls a method of a value."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedsync.channels.templating import codegen
from feedsync.cli.app import app

runner = CliRunner()

COLUMNS = ["id", "group_id", "title", "description", "link", "image_link", "price", "quantity", "brand", "gtin"]
COLUMNS += ["condition", "color", "size", "product_type", "note"]
EXTRA_FIELDS = """\
    fields:
      custom_label_1: "{{ title | collapse | truncate_words(12) }}"
      custom_label_2: "{{ (100 / (quantity or 0)) | round }}"
      custom_label_3: "{{ now.year ~ (title | lower) }}"
      custom_label_4: "{{ attributes.get('note', '') | upper }}"
    rules:
      - when:
          - {field: id, equals: P1-2}
        then:
          - {set: title, value: Special Edition}
          - {append: description, value: " (limited)"}
"""
CONFIG = f"""\
source:
  path: products.csv
  currency: USD
  base_url: https://shop.example.com
channels:
  google:
    profile: google_merchant
{EXTRA_FIELDS}  facebook:
    profile: facebook
{EXTRA_FIELDS}  amazon:
    profile: amazon
    settings: {{seller_id: A2TEST0001}}
"""

TITLES = ["Merino Tee", "MERINO TEE SALE!!!", "Mug  Verde", "Tee Navy", "x" * 160]
DESCRIPTIONS = ["", "<p>Soft &amp; warm</p><ul><li>Wool</li><li>Navy</li></ul>", "Plain   text", "<b>bold"]
PRODUCT = st.fixed_dictionaries(
    {
        "title": st.sampled_from(TITLES),
        "description": st.sampled_from(DESCRIPTIONS),
        "price": st.sampled_from(["20.00", "20", "19.99 USD", "abc"]),
        "brand": st.sampled_from(["Acme", "", "acme"]),
        "condition": st.sampled_from(["new", "", "used"]),
        "product_type": st.sampled_from(["Apparel > Tops", "Home"]),
    }
)
VARIANT = st.fixed_dictionaries(
    {
        "color": st.sampled_from(["Navy", "navy", "", "Verde"]),
        "size": st.sampled_from(["M", "L", ""]),
        "quantity": st.sampled_from(["0", "3", "", "4"]),
        "gtin": st.sampled_from(["4006381333931", "", "123"]),
        "note": st.sampled_from(["", "gift", "Gift"]),
        "price": st.sampled_from([None, "18.00"]),  # None: the product's
    }
)
CATALOG = st.lists(st.tuples(PRODUCT, st.lists(VARIANT, min_size=1, max_size=4)), min_size=1, max_size=4)


def _csv(catalog: list[tuple[dict[str, str], list[dict[str, Any]]]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p, (product, variants) in enumerate(catalog, start=1):
        for v, variant in enumerate(variants, start=1):
            row = {**product, **{k: x for k, x in variant.items() if x is not None}}
            writer.writerow({**row, "id": f"P{p}-{v}", "group_id": f"P{p}", "link": f"/p/{p}?v={v}"})
    return out.getvalue()


def _build(folder: Path, reuse: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, dict[str, bytes]]:
    monkeypatch.setattr(codegen, "REUSE", reuse)
    out = folder / ("on" if reuse else "off")
    result = runner.invoke(
        app, ["build", "--validate", "--jobs", "1", "-c", str(folder / "feedsync.yaml"), "--out", str(out)]
    )
    feeds = {path.name: path.read_bytes() for path in sorted(out.iterdir())} if out.exists() else {}
    return result.exit_code, result.output.replace(f"{out.name}/", "OUT/"), feeds


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=CATALOG)
def test_feeds_and_findings_are_the_same_with_reuse_on_and_off(
    catalog: list[tuple[dict[str, str], list[dict[str, Any]]]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("memo")
    (folder / "products.csv").write_text(_csv(catalog), encoding="utf-8")
    (folder / "feedsync.yaml").write_text(CONFIG, encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        on = _build(folder, True, monkeypatch)
        off = _build(folder, False, monkeypatch)
    assert on[0] not in (2, 70), on[1]
    assert on[2], on[1]
    assert on == off
