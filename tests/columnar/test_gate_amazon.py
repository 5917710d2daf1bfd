"""An Amazon channel in the columnar gate (``columnar.listings``) against the per-row engine: the same catalog built
(and validated) both ways writes the same feeds byte for byte, every document of a feed split in parts, with the same
findings in the same order (AMZ015 of the variants the gate takes, AMZ018 told once by whichever row comes first) and
the same counts, with and without product type definitions, beside Google and Meta; over families that cross batches,
come back after other families, or start with a variant the channel rejects; and the gate took many of the rows."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import feedsync.columnar.gate as gate_module
from feedsync.diagnostics import Report
from tests.channels.amazon_reference import DEFINITIONS
from tests.columnar.test_amazon import CATEGORIES, MAPPED, ean13, family_rows
from tests.columnar.test_gate import HEADER, run_gated, write_catalog
from tests.conftest import write_config

pytestmark = pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")


def _rows(seed: str) -> list[dict[str, str]]:
    """``test_amazon.family_rows`` of a category Google knows (else Google's rows are all made per row)."""
    return [row | {"google_product_category": "1604"} for row in family_rows(seed)]


def _config(directory: Path, *, definitions: bool, fields: str = MAPPED, settings: str = "") -> Path:
    (directory / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    folder = f", definitions: {DEFINITIONS}" if definitions else ""
    settings = f"seller_id: A2GATE0000001, merchant_shipping_group: tmpl, max_messages: 70{folder}{settings}"
    text = (
        "source:\n  path: products.csv\n  currency: USD\n  base_url: https://shop.example.com\n"
        "channels:\n"
        "  google_merchant: {profile: google_merchant, category_map: categories.yaml}\n"
        "  facebook: {profile: facebook, category_map: categories.yaml}\n"
        "  amazon:\n    profile: amazon\n    category_map: categories.yaml\n"
        f"    settings: {{{settings}}}\n"
        f"{fields}"
    )
    return write_config(directory, text)


GATES: list[gate_module.Gate] = []
"""The gate of the last columnar run."""


def _run(
    config: Path,
    out: Path,
    *,
    columnar: bool,
    command: str,
    validate: bool = True,
    chunk: int | None = None,
    **extra: Any,
) -> tuple[Report, dict[str, bytes], int]:
    """The run's report, the bytes of every document it wrote and the rows the gate took (-1: no gate); ``chunk``:
    the bytes of a batch (``_chunk``'s by default); ``extra``: the run's options."""
    options: dict[str, Any] = {"out_dir": out, "validate": validate} if command == "build" else {}
    options |= extra
    report, made = run_gated(config, command, columnar=columnar, chunk=chunk or _chunk(config), **options)
    documents = {
        path.name: path.read_bytes()
        for result in report.channels.values()
        for path in ([result.output] if result.output else []) + list(result.parts)
    }
    if made:
        GATES[:] = made
    return report, documents, made[0].replayed if made else -1


BATCHES = 6
"""Batches a test's catalog is cut into, at least (its families cross their bounds): a batch costs about 60 ms
whatever its rows, so a catalog of a few hundred rows in batches of 4 KB spent most of its test in them."""


def _chunk(config: Path) -> int:
    """The bytes of a batch of the catalog beside ``config``: 4 KB, or more where that makes over ``BATCHES``."""
    return max(4096, (config.parent / "products.csv").stat().st_size // BATCHES)


def same(
    directory: Path, command: str = "build", *, validate: bool = True, chunk: int | None = None, **extra: Any
) -> tuple[Report, dict[str, bytes], int]:
    """Run the catalog in ``directory`` both ways (a build checked or not: ``validate``; its batches of ``chunk``
    bytes; ``extra``: the run's options), assert the outputs equal; the columnar run's."""
    config = directory / "feedsync.yaml"
    report, documents, replayed = _run(
        config, directory / "columnar", columnar=True, command=command, validate=validate, chunk=chunk, **extra
    )
    expected, written, none = _run(
        config, directory / "per-row", columnar=False, command=command, validate=validate, chunk=chunk, **extra
    )
    assert none == -1
    assert documents.keys() == written.keys()
    for name, data in written.items():
        at = next((i for i, (a, b) in enumerate(zip(documents[name], data, strict=False)) if a != b), len(data))
        assert documents[name] == data, (name, documents[name][at - 200 : at + 80], data[at - 200 : at + 80])
    assert [repr(d) for d in report.diagnostics] == [repr(d) for d in expected.diagnostics]
    counts = {n: (r.items, r.excluded, r.rejected) for n, r in report.channels.items()}
    assert counts == {n: (r.items, r.excluded, r.rejected) for n, r in expected.channels.items()}
    assert report.items == expected.items
    assert (report.variants, report.products) == (expected.variants, expected.products)
    return report, documents, replayed


@pytest.mark.parametrize("definitions", [True, False])
@pytest.mark.parametrize("hostile", [False, True])
def test_amazon_is_built_alike(tmp_path: Path, definitions: bool, hostile: bool) -> None:
    """Families whose parents the definition refuses or that no theme names, mapped dimensions that lack a part,
    sales without dates, odd numbers (``test_amazon.family_rows``), and with ``hostile`` the reader's troubles."""
    rng = random.Random(f"{definitions}{hostile}")
    _config(tmp_path, definitions=definitions)
    rows = _rows(f"gate{definitions}")
    write_catalog(tmp_path / "products.csv", rows, rng.choice if hostile else None, header=HEADER)
    # small batches: many families cross them (and the reader's troubles fail a batch they are in, the rest of the
    # run then made per row)
    report, documents, replayed = same(tmp_path, chunk=4096)
    assert "amazon.2.json" in documents  # the feed is split: numbered on in each document
    told = [d.message for d in report.diagnostics if d.code == "AMZ018"]
    assert told and len(told) == len(set(told))  # told once (by whichever row came first)
    assert "AMZ015" in {d.code for d in report.diagnostics} if definitions else True
    assert replayed > 0


def _families(count: int) -> list[dict[str, str]]:
    """Families of four variants of one product type that differ by colour, each variant its own GTIN (the parent
    takes none), clean for every channel; some variants weigh otherwise than their family's first (the parent takes
    the first's weight: no AMZ015) and a third are described otherwise (AMZ015 of their description and bullet
    points)."""
    rows = _rows("families")[:count]
    for index, row in enumerate(rows):
        row |= {"product_type": "Men > Tops", "title": "Tee", "gtin": ean13(f"420000{index:06d}"), "material": ""}
        row |= {"price": "19.99", "quantity": "5", "weight": "906 g", "link": "https://shop.example.com/p"}
        row |= {"color": ["Blue", "Red", "Green", "Black"][index % 4], "size": ["S", "M", "L"][index // 4 % 3]}
        row |= {"sale_price": "", "sale_price_effective_date": "", "brand": "Northwind"}
        row["description"] = (
            "<ul><li>Soft</li><li>Warm &amp; light</li></ul>"
            if index % 3 != 1
            else "<ul><li>Soft</li><li>Light</li></ul>"
        )
        row["weight"] = "906 g" if index % 5 != 2 else "1208 g"
    return rows


@pytest.mark.parametrize("definitions", [True, False])
def test_a_clean_catalog_is_mostly_made_a_column_at_a_time(tmp_path: Path, definitions: bool) -> None:
    _config(tmp_path, definitions=definitions)
    write_catalog(tmp_path / "products.csv", _families(400), header=HEADER)
    report, _, replayed = same(tmp_path)
    codes = [d.code for d in report.diagnostics]
    assert set(codes) <= {"AMZ015", "AMZ018"}, set(codes)
    assert codes.count("AMZ015") > 20 if definitions else "AMZ015" not in codes
    assert replayed >= 300, replayed


def _lacking(count: int) -> list[dict[str, str]]:
    """``_families`` of which three families in four have descriptions without a list (so no bullet point, which
    Amazon's PRODUCT definition requires of a variant and of its parent: AMZ019 of each variant's parent, AMZ009 of
    its own message; a family's later variants are compared with its first, AMZ015), and a variant in thirteen of
    no family (AMZ009 alone)."""
    rows = _families(count)
    for index, row in enumerate(rows):
        if index // 4 % 4:
            row["description"] = "Soft and warm" if index % 3 else "Soft, light &amp; warm"
        if index % 13 == 5:
            row["group_id"] = ""
        elif index % 29 == 6 and row["group_id"]:  # a variant whose SKU is its parent's (made per row: one listing
            row["id"] = row["group_id"]  # with its parent to Amazon, MDL021)
    return rows


@pytest.mark.parametrize("command", ["build", "validate"])
def test_items_rejected_for_required_facts_alone_are_made_a_column_at_a_time(tmp_path: Path, command: str) -> None:
    """An Amazon item its checks reject for the facts the definition requires that it and its family lack is taken
    by the gate, its findings told as the encoder and its checks tell them, its family's facts kept as they keep
    them (its later variants compared with its first, its parent never written)."""
    _config(tmp_path, definitions=True)
    rows = _lacking(400)
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, documents, replayed = same(tmp_path, command)
    codes = Counter(d.code for d in report.diagnostics)
    assert codes["AMZ019"] > 150 and codes["AMZ009"] > 180 and codes["AMZ015"] > 20, codes
    assert set(codes) <= {"AMZ009", "AMZ015", "AMZ018", "AMZ019", "MDL021"}, codes
    # a variant whose SKU is its family's parent SKU: one listing with the parent (MDL021), left out (where nothing
    # else leaves it out first)
    told = {d.product_id for d in report.diagnostics if d.code == "MDL021"}
    assert told and told <= {row["id"] for row in rows if row["id"] == row["group_id"]}
    assert report.channels["amazon"].rejected > 250
    assert replayed >= 300, replayed  # (before the rejected rows were taken: about 90)
    if command == "build":
        written = documents["amazon.json"].decode()
        with_bullets, without = (f'"sku":"{rows[at]["group_id"]}"' for at in (0, 4))
        assert with_bullets in written and without not in written  # (the parents of two families)


@pytest.mark.parametrize("ignored", ["AMZ019", "AMZ009", "AMZ015"])
def test_a_rejected_item_whose_finding_the_run_drops_is_made_per_row(tmp_path: Path, ignored: str) -> None:
    """A run that drops one of a rejected row's findings makes the row per row (which decides whether the item is
    still rejected), with the same outputs."""
    from feedsync.diagnostics.gate import Selection

    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _lacking(200), header=HEADER)
    report, _, replayed = same(tmp_path, selection=Selection.parse(ignore=[ignored]))
    assert ignored not in {d.code for d in report.diagnostics}
    assert 40 < replayed < 160, replayed


def _misfits(count: int) -> list[dict[str, str]]:
    """``_lacking`` of which families no allowed variation theme fits (AMZ016, an error: the theme written is the
    axes, else SIZE): in three of every eight families the variants are alike (no colour, no size: the theme of the
    axes a variant has, none), in one of them they are HOME's (which allows SIZE) and differ by material and pattern
    (a theme HOME does not allow: its message fails the definition, made per row), and a variant in seventeen is of
    no family and has no axes either."""
    rows = _lacking(count)
    for index, row in enumerate(rows):
        family = index // 4 % 8
        if family in (1, 4, 6) or index % 17 == 9:
            row |= {"color": "", "size": ""}
        if family == 6:
            row["product_type"] = "Toys"
        elif family == 7:
            row |= {"product_type": "Toys", "color": "", "size": ""}
            row |= {"material": ["Oak", "Pine"][index % 2], "pattern": ["Plain", "Striped"][index // 2 % 2]}
    return rows


@pytest.mark.parametrize("command", ["build", "validate"])
def test_items_no_variation_theme_fits_are_made_a_column_at_a_time(tmp_path: Path, command: str) -> None:
    """An Amazon item of a family no allowed variation theme fits (AMZ016) is rejected: the gate takes it where its
    messages pass the definition but for the facts it and its family lack, AMZ016 told before its family's findings,
    its family's parent made of the theme the encoder writes anyway."""
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _misfits(240), header=HEADER)
    report, _, replayed = same(tmp_path, command, chunk=4096)  # (families cross many batches)
    codes = Counter(d.code for d in report.diagnostics)
    assert codes["AMZ016"] > 90, codes
    misfits = [d.message for d in report.diagnostics if d.code == "AMZ016" and d.message.startswith("no variation")]
    told = {text.split("(")[1].split(")")[0] for text in misfits}
    assert told == {"none", "material, pattern"}, told  # (of a variant without axes, of a family)
    # (HOME's families are made per row, AMZ017, as is a variant lacking the axes of its family's theme; 103 were
    # taken before the gate told AMZ016)
    assert replayed >= 135, replayed


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_family_whose_first_variant_no_theme_fits_writes_its_parent_with_the_next(
    tmp_path: Path, command: str
) -> None:
    """A family whose first variant no theme fits (AMZ016: rejected, taken by the gate) and whose later variants
    name their theme in a field, of a product type that does not require a colour (so they are accepted): the
    encoder writes the family's parent with the first variant it accepts, and so must the gate (it wrote none: a
    later variant was taken where its family's first row was taken, which had been rejected; found by a review)."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    definition = json.loads((DEFINITIONS / "PRODUCT-us-2023.json").read_text(encoding="utf-8"))
    schema = definition.get("schema", definition)
    schema["required"] = [name for name in schema["required"] if name != "color"]
    (folder / "PRODUCT-us-2023.json").write_text(json.dumps(definition), encoding="utf-8")
    theme = "      variation_theme: \"{{ '' if title == 'Tee' else 'SIZE_NAME' }}\"\n"
    fields = "".join(line for line in MAPPED.splitlines(keepends=True) if "design_name" not in line)  # (HOME's)
    _config(tmp_path, definitions=False, fields=fields + theme, settings=f", definitions: {folder}")
    rows = _families(40)
    for index, row in enumerate(rows):
        row |= {"color": "", "size": "", "title": "Tee" if index % 4 == 0 else f"Tee {index}"}
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, documents, replayed = same(tmp_path, command)
    assert sum(d.code == "AMZ016" for d in report.diagnostics) == 10, Counter(d.code for d in report.diagnostics)
    if command == "build":
        written = b"".join(data for name, data in documents.items() if name.startswith("amazon")).decode()
        assert written.count('"LISTING_PRODUCT_ONLY"') == 10  # each family's parent, with its second variant
    assert replayed >= 20, replayed  # (the first variants, and in a build the third and fourth)


def test_a_misfit_item_whose_finding_the_run_drops_is_made_per_row(tmp_path: Path) -> None:
    from feedsync.diagnostics.gate import Selection

    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _misfits(200), header=HEADER)
    report, _, replayed = same(tmp_path, selection=Selection.parse(ignore=["AMZ016"]))
    assert "AMZ016" not in {d.code for d in report.diagnostics} and report.channels["amazon"].rejected > 150
    assert replayed < 160, replayed


def test_control_characters_in_a_family_s_texts_are_escaped_alike(tmp_path: Path) -> None:
    """Tabs and CRs (the control characters a row the gate takes can hold) in the texts of the variants and of the
    parents their families make (a brand is written as it is): the JSON escapes them as the per-row encoder does."""
    _config(tmp_path, definitions=True)
    rows = _families(400)
    for index, row in enumerate(rows):
        if index // 4 % 3 == 1:
            row |= {"brand": "North\twind", "material": "Cotton\tblend\r\nsoft"}
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    _, documents, replayed = same(tmp_path)
    amazon = b"".join(data for name, data in documents.items() if name.startswith("amazon"))
    assert b'"North\\twind"' in amazon and b'"LISTING_PRODUCT_ONLY"' in amazon  # a parent's brand too
    assert replayed >= 300, replayed


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_family_s_parent_remade_of_texts_with_the_parts_separator_is_made_alike(tmp_path: Path, command: str) -> None:
    """The parent remade of each later variant of a family that lacks facts is read of its parts joined by a control
    character (``amazon._PIECES``); a variant whose own texts hold that character (left as it is in the JSON) is
    made per row, its family's others still taken."""
    from feedsync.columnar.amazon import _PIECES

    _config(tmp_path, definitions=True)
    rows = _lacking(160)
    for index, row in enumerate(rows):
        if index % 4 == 2:
            row["description"] = f"Soft{_PIECES}and warm"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, command)
    assert "AMZ019" in {d.code for d in report.diagnostics}
    assert 60 < replayed < 125, replayed  # (133 of the same texts without the separator)


def test_the_encoder_keeps_no_more_families_than_the_per_row_run(tmp_path: Path) -> None:
    """The encoder forgets a family's facts once the next family comes (its variants all come together): memory
    stays flat where the gate takes the rows too."""
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(200), header=HEADER)
    _, _, replayed = same(tmp_path)
    (replay,) = [out.replay for out in GATES[0].outs if out.replay is not None]
    assert replayed > 150 and len(replay.encoder._families) <= 1, len(replay.encoder._families)


def test_amazon_is_validated_alike(tmp_path: Path) -> None:
    """``validate`` writes no feed: the encoder never marks a parent written, and remakes it for each variant."""
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(200), header=HEADER)
    report, _, replayed = same(tmp_path, "validate")
    assert "AMZ015" in {d.code for d in report.diagnostics} and replayed > 150


def test_families_that_come_back_are_built_alike(tmp_path: Path) -> None:
    """A family whose variants come again after other families' (scattered): its parent is written once, its later
    variants compared with its first."""
    _config(tmp_path, definitions=True)
    rows = _families(160)
    rows = rows[:40] + rows[60:100] + rows[40:60] + rows[100:]  # families G-10 to G-14 after G-24
    for row in rows[80:100]:
        row["group_id"] = "G-" + str(int(row["group_id"][2:]) - 5)  # and G-5 to G-9 scattered too
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    _, _, replayed = same(tmp_path)
    assert replayed > 60


@pytest.mark.parametrize("validate", [True, False])
def test_a_family_whose_first_variants_are_rejected_is_built_alike(tmp_path: Path, validate: bool) -> None:
    """The per-row engine never meets a variant the channel's rules reject before it (a GTIN of digits that is not
    one: AMZ007, checked in every run of an encoder's channel): it makes the family's parent of the next variant,
    and so does the gate, which takes the family's later variants. A wrong GTIN the gate does not read (with
    dashes) leaves its family per row, as does a family of rejected variants alone."""
    _config(tmp_path, definitions=True)
    rows = _families(80)  # twenty families of four
    broken = [*range(0, 72, 8), 17, 76, 77, 78, 79]  # every other family's first; family 4's first two; the last
    for index in broken:
        rows[index]["gtin"] = "12345"  # not a GTIN: rejected
    rows[60]["gtin"] = "4-200000-000002"  # family 15: a wrong GTIN of dashes (not read a column at a time)
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, validate=validate)
    assert report.channels["amazon"].rejected == len(broken) + 1
    # 80 rows, 15 rejected: the first family's rows tell what is told once, a family in two batches is per row (a
    # gate that left every family of a rejected first variant per row took 37). Where every channel checks its items
    # (validate) the gate takes the rejected rows of digits too (a build's Google and Meta would write them)
    assert replayed >= (70 if validate else 55), replayed


def test_an_amazon_item_refused_for_its_gtin_is_taken_where_the_run_drops_the_finding(tmp_path: Path) -> None:
    """A run that drops AMZ007 still leaves the item out (the encoder cannot list it): the gate takes the row and
    tells only Google's and Meta's findings, as the per-row engine does."""
    from feedsync.diagnostics.gate import Selection

    _config(tmp_path, definitions=True)
    rows = _families(80)
    wrong = range(1, 80, 6)
    for index in wrong:
        rows[index]["gtin"] = "4200000000003"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, selection=Selection.parse(ignore=["AMZ007"]))
    codes = [d.code for d in report.diagnostics]
    assert "AMZ007" not in codes and codes.count("GMC008") == codes.count("META007") == len(wrong)
    assert report.channels["amazon"].rejected == len(wrong)
    assert replayed >= 70, replayed


def test_an_amazon_run_the_gate_does_not_translate_is_made_per_row(tmp_path: Path) -> None:
    """Product types whose definitions the gate does not make (the shared DE folder has one; ``MAX_TYPES`` of 1):
    the run is made per row, with the same outputs."""
    import feedsync.columnar.listings as listings_module

    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _rows("types"), header=HEADER)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(listings_module, "MAX_TYPES", 1)
        _, _, replayed = same(tmp_path)
    assert replayed == -1


@pytest.mark.parametrize("field", ["mpn", "brand"])
def test_parents_of_another_field_are_built_alike(tmp_path: Path, field: str) -> None:
    """A parent SKU that is not the group id: one of each family (its MPN here; the survey keeps each family's facts
    for the run), or one of all the families (the brand's: every batch's first row is not the family's first)."""
    _config(tmp_path, definitions=True, fields=MAPPED + f'      parent_sku: "{{{{ {field} }}}}"\n')
    rows = _families(200)
    for row in rows:
        row["mpn"] = "M-" + row["group_id"]
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path)
    assert "AMZ015" in {d.code for d in report.diagnostics}
    assert replayed > 100 if field == "mpn" else True, replayed


@pytest.mark.parametrize("kind", ["lines", "multiline", "quoted"])
def test_the_survey_is_read_a_column_at_a_time_or_per_row(tmp_path: Path, kind: str) -> None:
    """The run's family survey is read from the columns, values over several lines too; a catalog with a record
    Polars writes otherwise (a cell quoted that needs no quotes) is surveyed per row (an event says why), with the
    same outputs either way."""
    import feedsync.pipeline as pipeline_module

    _config(tmp_path, definitions=True)
    rows = _families(120)
    if kind == "multiline":
        for index in range(3, 120, 4):
            rows[index]["description"] = "<ul><li>Soft\nand warm</li>\n<li>Light</li></ul>"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    if kind == "quoted":
        lines = (tmp_path / "products.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        cells = lines[51].split(",")
        cells[1] = f'"{cells[1]}"'
        lines[51] = ",".join(cells)
        (tmp_path / "products.csv").write_text("".join(lines), encoding="utf-8")
    told: list[dict[str, Any]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline_module, "event", lambda phase, **fields: told.append(fields))
        _, _, replayed = same(tmp_path)
    unread = [fields for fields in told if fields.get("survey") is False]
    assert len(unread) == (1 if kind == "quoted" else 0), unread
    assert replayed > (100 if kind == "multiline" else 80), replayed


def test_a_later_variant_lacking_a_fact_its_parent_took_is_validated_alike(tmp_path: Path) -> None:
    """``validate`` makes a family's parent again of each variant: one without the weight the parent took from the
    first variant makes a parent the definition refuses (AMZ009, the variant rejected)."""
    _config(tmp_path, definitions=True)
    rows = _families(40)
    rows[5]["weight"] = rows[13]["weight"] = ""
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, "validate")
    assert report.channels["amazon"].rejected == 2 and replayed > 20
    same(tmp_path)  # a build writes the parent once: nothing is made again


def test_an_identifier_exemption_is_made_a_column_at_a_time(tmp_path: Path) -> None:
    """The exemption's entry is the same in every row (never compared with the parent's)."""
    _config(tmp_path, definitions=True, settings=", identifier_exemption: true")
    rows = _families(200)
    for row in rows[::7]:
        row["gtin"] = ""
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    _, _, replayed = same(tmp_path)
    assert replayed > 100


def test_a_columnar_run_is_freed_without_the_collector(tmp_path: Path) -> None:
    """Once a run is let go of, nothing holds its report in a cycle (the stream holds the gate, the gate lets go of
    the stream): the findings close their temporary file themselves, not the collector, which may finalize the file
    first (an unclosed-file warning)."""
    import gc
    import weakref

    import feedsync.diagnostics.findings as findings_module

    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(120), header=HEADER)
    gc.collect()
    gc.disable()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(findings_module, "KEEP", 5)  # the findings spill to their file
            report, _, replayed = _run(tmp_path / "feedsync.yaml", tmp_path / "out", columnar=True, command="build")
        GATES.clear()
        assert replayed > 60 and report.diagnostics._spool is not None
        spool = weakref.ref(report.diagnostics._spool)
        del report
        assert spool() is None
    finally:
        gc.enable()


def test_a_family_without_a_product_type_leaves_the_gate_on(tmp_path: Path) -> None:
    """A family whose product type the category map lacks (no definitions: the type is a column): its parent is
    made per row (AMZ001), and the gate goes on with the next rows (its batch failed and the rest of the run was made
    per row before)."""
    _config(tmp_path, definitions=False)
    rows = _families(80)
    for row in rows[20:24]:
        row["product_type"] = "Garden"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    _, _, replayed = same(tmp_path)
    assert GATES[0].on and replayed > 60


@pytest.mark.parametrize("case", ["validate", "build", "ignored"])
def test_an_amazon_item_its_rules_surely_reject_is_taken(tmp_path: Path, case: str) -> None:
    """Items the Amazon rules surely find an error in never reach the encoder: a family whose product type the map
    gives no Amazon type (AMZ001), a variant without a brand (AMZ003). The gate takes them, told as the rules tell
    them (in a build too: an encoder's channel checks every item) and left out also where the run drops the
    finding; the family's parent is made of its first variant the encoder meets."""
    from feedsync.diagnostics.gate import Selection

    _config(tmp_path, definitions=True)
    categories = tmp_path / "categories.yaml"
    categories.write_text(categories.read_text() + "- {product_type: Garden, google_product_category: '1604'}\n")
    rows = _families(80)
    for row in rows[20:28]:  # two families
        row["product_type"] = "Garden"
    rows[41]["brand"] = ""  # a family's second variant
    rows[44]["brand"] = ""  # and the next family's first
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    options: dict[str, Any] = {"validate": case != "build"}
    if case == "ignored":
        options["selection"] = Selection.parse(ignore=["AMZ001"])
    report, _, replayed = same(tmp_path, **options)
    codes = Counter(d.code for d in report.diagnostics if d.channel == "amazon")
    assert codes["AMZ001"] == (0 if case == "ignored" else 8), codes
    assert codes["AMZ003"] == 2, codes
    assert report.channels["amazon"].rejected == 10
    # the first family tells what is told once, families crossing batches go per row, and so does the first item
    # left out for lacking a brand (the columns that may hold one are looked for in its row): 57 where every
    # rejected row went per row
    assert replayed >= 66, replayed


def test_a_wrong_gtin_beside_a_number_amazon_does_not_take_is_told_with_it(tmp_path: Path) -> None:
    """A GTIN that is wrong alone has its one finding made without the rules (AMZ007); beside a quantity a
    template made that is no number (AMZ022, which Amazon's quick pass looks at too) both are told, as the rules
    tell them (found by a review: the gate told AMZ007 alone)."""
    _config(tmp_path, definitions=True, fields=MAPPED + '      quantity: "{{ mpn }}"\n')
    rows = _families(40)
    for index, row in enumerate(rows):
        row["mpn"] = "7"
        if index in (5, 13):
            row["gtin"] = "12345678"  # wrong alone
        if index in (9, 21):
            row |= {"gtin": "12345678", "mpn": ["abc", "NaN"][index % 2]}  # wrong beside a quantity of no number
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path)
    found = [(d.code, d.product_id) for d in report.diagnostics if d.channel == "amazon" and d.code != "AMZ015"]
    ids = [row["id"] for row in rows]
    assert [f for f in found if f[0] in ("AMZ007", "AMZ022")] == [
        ("AMZ007", ids[5]), ("AMZ007", ids[9]), ("AMZ022", ids[9]),
        ("AMZ007", ids[13]), ("AMZ007", ids[21]), ("AMZ022", ids[21]),
    ]  # fmt: skip
    assert replayed >= 30, replayed


SEPARATORS = ("\x00", "\x1c", "\x1d", "\x1e", "\x1f")
"""The control characters the columnar engine joins a row's parts with (its texts, the findings' fields, a family's
facts, a parent's parts, the cells of a row without a line of its own)."""


@pytest.mark.parametrize("command", ["build", "validate"])
def test_texts_holding_the_engines_separators_are_made_alike(tmp_path: Path, command: str) -> None:
    """Each of the separators in each text a channel reads or a family is keyed by (a row of four's, round the
    fields): the rows that hold one are made alike (per row, or taken where their parts still split apart), the
    others still taken. Families lacking facts (``_lacking``: AMZ009, AMZ015, AMZ019) beside clean ones."""
    _config(tmp_path, definitions=True)
    fields = ["title", "description", "brand", "color", "size", "material", "product_type", "group_id", "id", "mpn"]
    rows = _lacking(240)
    for index, row in enumerate(rows):
        if index % 4 == 1:
            mark = SEPARATORS[index // 4 % len(SEPARATORS)]
            name = fields[index // 4 % len(fields)]
            row[name] = f"{row[name] or 'x'}{mark}y"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, command, chunk=4096)  # (families cross many batches)
    codes = {d.code for d in report.diagnostics}
    assert {"AMZ009", "AMZ019"} <= codes, codes
    assert replayed > 100, replayed


def test_a_parent_remade_of_parts_alike_an_earlier_variant_s_has_its_verdict() -> None:
    """``Attributes._remade`` judges each text once a batch: a text alike an earlier one of the batch (a family's
    variants whose own parts are alike) has the verdict the text alone has, whichever came between."""
    from types import SimpleNamespace

    from feedsync.channels.amazon.definitions import definition_index
    from feedsync.channels.amazon.transform import parent_attributes, parents_exempt
    from feedsync.columnar.amazon import _PIECES, Attributes

    market = ("ATVPDKIKX0DER", "en_US")

    definition = definition_index(DEFINITIONS).find("PRODUCT", "ATVPDKIKX0DER")
    assert definition is not None
    settings = SimpleNamespace(marketplace_id="ATVPDKIKX0DER", language_tag="en_US")
    attributes = Attributes(settings, {}, set(), None, None, None)  # type: ignore[arg-type]
    names = ["item_package_weight", "country_of_origin"]
    weight = '[{"unit":"grams","value":906,"marketplace_id":"ATVPDKIKX0DER"}]'
    origin = '[{"value":"CN","marketplace_id":"ATVPDKIKX0DER"}]'

    def text(name: str, facts: tuple[str, str], taken: str, unmapped: str) -> str:
        return "\x00".join((_PIECES.join([json.dumps(name), '"Acme"', '"SIZE_NAME"', *facts]), taken, unmapped))

    whole = text("Tee", (weight, origin), "item_package_weight,country_of_origin", "")
    lacking = text("Tee", ("", ""), "", "")
    checker = definition.checker("LISTING_PRODUCT_ONLY")
    base = parent_attributes("Tee", "Acme", "SIZE_NAME", "ATVPDKIKX0DER", "en_US", parents_exempt(checker, *market))
    excused = text("Tee", ("", ""), "", ",".join(checker.missing(base)))  # it lacks only what no variant carries
    other = text("Mug" * 100, (weight, origin), "item_package_weight,country_of_origin", "")
    texts = [whole, lacking, None, whole, excused, lacking, other, whole, excused, f"Tee{_PIECES}x\x00\x00"]
    alone = [attributes._remade(definition, names)([t])[0] for t in texts]
    assert attributes._remade(definition, names)(texts) == alone
    assert True in alone and False in alone


def test_a_catalog_of_pipes_whose_header_holds_a_comma_is_made_as_the_reader_reads_it(tmp_path: Path) -> None:
    """The reader reads a header of pipes with a comma in a column's name as pipes; the columns read it as commas,
    and with as many commas in each record as in the header, the survey of Amazon's families read every variant's
    cells shifted (every family refused: AMZ016, AMZ009). Such a file is not the columns' to read."""
    _config(tmp_path, definitions=True)
    header = [*HEADER, "note, x"]
    rows = [
        row | {"description": "<ul><li>One, soft</li><li>Two</li></ul>", "additional_image_links": "/a.jpg"}
        for row in _families(40)
    ]
    lines = ["|".join(header)] + ["|".join([*(row.get(name, "") for name in HEADER), ""]) for row in rows]
    assert all(line.count(",") == 1 for line in lines)  # (read with commas, as wide as the header)
    (tmp_path / "products.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, _, replayed = same(tmp_path)
    assert replayed == -1  # no gate
    assert report.channels["amazon"].items == 40 and report.channels["amazon"].rejected == 0


@pytest.mark.parametrize("definitions", [True, False])
def test_a_price_of_more_decimals_than_its_currency_is_refused_alike(tmp_path: Path, definitions: bool) -> None:
    """Amazon's definitions ask an offer's prices in the currency's units (JPY whole, USD in cents: a
    ``multipleOf`` nested where a validator does not apply it): 1580.5 JPY passed validate. Such an item is
    AMZ022 in both engines (its row made per row), 19.990 USD is 19.99."""
    _config(tmp_path, definitions=definitions)
    rows = _families(40)
    rows[5]["price"] = "19.999"
    rows[13] |= {"sale_price": "9.995", "sale_price_effective_date": ""}
    rows[21]["price"] = "19.990"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path)
    refused = {(d.product_id, d.field) for d in report.diagnostics if d.code == "AMZ022"}
    assert refused == {(rows[5]["id"], "price"), (rows[13]["id"], "sale_price")}
    assert rows[21]["id"] not in {d.product_id for d in report.diagnostics if d.severity.value == "error"}
    assert replayed > 20


@pytest.mark.parametrize("definitions", [True, False])
def test_a_sale_price_not_below_the_price_is_refused_alike(tmp_path: Path, definitions: bool) -> None:
    """A sale price above the price went to Amazon as the price it sells at (our_price 15.00, list_price 10.00; a
    dated one as discounted_price): the sale raised the price. Such an item is AMZ022 in both engines (its row made
    per row); a sale below the price is sent."""
    _config(tmp_path, definitions=definitions)
    rows = _families(40)
    rows[5] |= {"price": "10.00", "sale_price": "15.00", "sale_price_effective_date": ""}
    rows[13] |= {"price": "10.00", "sale_price": "10.00", "sale_price_effective_date": ""}
    rows[17] |= {"price": "10.00", "sale_price": "12.50", "sale_price_effective_date": "2026-12-01/2027-01-31"}
    rows[21] |= {"price": "10.00", "sale_price": "9.99", "sale_price_effective_date": ""}
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path)
    refused = {d.product_id: d for d in report.diagnostics if d.code == "AMZ022"}
    assert set(refused) == {rows[5]["id"], rows[13]["id"], rows[17]["id"]}
    assert all(d.field == "sale_price" for d in refused.values())
    assert "must be below the price (10.00)" in refused[rows[5]["id"]].message
    assert rows[21]["id"] not in {d.product_id for d in report.diagnostics if d.severity.value == "error"}
    assert replayed > 20


def test_a_yen_price_with_decimals_is_no_offer_number() -> None:
    from feedsync.channels.amazon.rules import number_problem

    assert number_problem({"price": "1980", "sale_price": "1580.5", "currency": "JPY"}) == (
        "sale_price",
        "a whole amount: JPY has no decimals",
    )
    assert number_problem({"price": "1980.00", "currency": "JPY"}) is None
    assert number_problem({"price": "1.234", "currency": "KWD"}) is None  # (three decimals in dinars)


@pytest.mark.parametrize(
    ("text", "currency", "whole"),
    [("19.990", "USD", True), ("1580.50", "JPY", False), ("1.5e1", "JPY", True), ("12.5e-1", "USD", True),
     ("1E-3", "USD", False), ("0.00", "USD", True), ("1e400", "USD", True), ("1e-400", "USD", False),
     ("0.00", "JPY", True), ("0E-10", "USD", True), ("-19.990", "USD", True), ("-1580.5", "JPY", False)],
)  # fmt: skip
def test_an_amount_is_counted_in_its_currency_s_units_whatever_its_exponent(
    text: str, currency: str, whole: bool
) -> None:
    """``1e400`` (a template's) raised decimal.InvalidOperation out of the channel's rules: quantizing it is past
    any context's precision."""
    from feedsync.channels.amazon.rules import in_minor_units

    assert in_minor_units(text, currency) is whole


def test_names_descriptions_and_images_past_amazon_s_limits_are_cut_and_named_alike(tmp_path: Path) -> None:
    """Amazon takes an item name of 200 characters, a product_description of 10,000 bytes in UTF-8 (the PRODUCT and
    HOME definitions' maxLength and maxUtf8ByteLength) and eight other images (other_product_image_locator_1 to _8):
    the profile no longer cuts them untold (it cut the description at 2,000 characters); the channel cuts a longer
    text at a word (AMZ024) and leaves the images past the eighth out (AMZ025), told per item. An item with a text to
    cut is made per row, the rest (images cut too) a column at a time: both tell it alike."""
    _config(tmp_path, definitions=True)
    rows = _families(40)
    long, wide, many = set(), set(), set()
    for index, row in enumerate(rows):
        if index % 10 == 3:
            row["title"] = f"Tee {index} " + "organic cotton " * 16  # 250 characters and more
            long.add(row["id"])
        elif index % 10 == 5:  # 8,017 characters, 12,017 bytes in UTF-8
            row["description"] = "<ul><li>Soft</li><li>Warm &amp; light</li></ul><p>" + "été " * 2000 + "</p>"
            wide.add(row["id"])
        elif index % 10 == 7:
            row["additional_image_links"] = ",".join(f"https://shop.example.com/i/{index}-{n}.jpg" for n in range(11))
            many.add(row["id"])
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, documents, replayed = same(tmp_path)
    assert replayed > 0
    found = [d for d in report.diagnostics if d.code in ("AMZ024", "AMZ025")]
    assert {d.product_id for d in found if d.field == "item_name"} == long
    assert {d.product_id for d in found if d.field == "parent_name"} <= long
    described = [d for d in found if d.field == "product_description"]  # one text: told once, with its count
    assert [(d.product_id, d.message.endswith(f"({len(wide)} item(s); the first: SKU-5)")) for d in described] == [
        ("SKU-5", True)
    ]
    assert {d.product_id for d in found if d.field == "other_images"} == many
    assert all(d.severity.value == "warning" for d in found)
    cut = described[0]
    assert "product_description is 12017 bytes in UTF-8, more than the 10000 Amazon takes" in cut.message
    listings = [
        m for name, data in documents.items() if name.startswith("amazon") for m in json.loads(data)["messages"]
    ]
    by_sku = {m["sku"]: m.get("attributes", {}) for m in listings}
    for sku in long:
        assert len(by_sku[sku]["item_name"][0]["value"]) <= 200
    for sku in wide:
        text = by_sku[sku]["product_description"][0]["value"]
        assert 9_990 <= len(text.encode()) <= 10_000
    for sku in many:
        index = sku.removeprefix("SKU-")
        eighth = by_sku[sku]["other_product_image_locator_8"][0]["media_location"]
        assert eighth == f"https://shop.example.com/i/{index}-7.jpg"


IMAGE_COUNTS = (0, 8, 9, 12, 30)
"""Other images per row: none, the eight slots, and one, four and twenty-two past them."""


def _imaged(count: int) -> list[dict[str, str]]:
    """``_families`` whose rows hold ``IMAGE_COUNTS`` other images in turn (the variants of a family each their own
    count), a third of them of no family."""
    rows = _families(count)
    for index, row in enumerate(rows):
        images = IMAGE_COUNTS[index % len(IMAGE_COUNTS)]
        row["additional_image_links"] = ",".join(f"https://shop.example.com/i/{index}-{n}.jpg" for n in range(images))
        if index % 3 == 2:
            row["group_id"] = ""
    return rows


@pytest.mark.parametrize("definitions", [True, False])
def test_images_past_the_eight_slots_are_left_out_a_column_at_a_time(tmp_path: Path, definitions: bool) -> None:
    """Rows of 9, 12 and 30 other images beside rows of none and of 8, in families and alone: the channel leaves
    the images past the eighth out and tells it (AMZ025, once per first image left out), and the columnar engine
    does it a column at a time (it made such a row per row, and a catalog whose rows hold nine images or more
    all per row): the same feed and findings, most rows taken."""
    _config(tmp_path, definitions=definitions)
    rows = _imaged(200)
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, documents, replayed = same(tmp_path)
    assert replayed >= 150, replayed
    found = [d for d in report.diagnostics if d.code == "AMZ025"]
    many = {row["id"]: index for index, row in enumerate(rows) if IMAGE_COUNTS[index % len(IMAGE_COUNTS)] > 8}
    assert {d.product_id for d in found} == set(many)
    for finding in found:
        index = many[finding.product_id]
        held = IMAGE_COUNTS[index % len(IMAGE_COUNTS)]
        assert finding.field == "other_images"
        assert finding.message == (
            f"other_images holds {held} images, more than the 8 Amazon takes: {held - 8} left out of the feed, the "
            f"first of them 'https://shop.example.com/i/{index}-8.jpg' (1 item(s); the first: {finding.product_id})"
        )
    listings = [
        m for name, data in documents.items() if name.startswith("amazon") for m in json.loads(data)["messages"]
    ]
    by_sku = {m["sku"]: m.get("attributes", {}) for m in listings}
    for sku, index in many.items():
        if sku in by_sku:
            eighth = by_sku[sku]["other_product_image_locator_8"][0]["media_location"]
            assert eighth == f"https://shop.example.com/i/{index}-7.jpg"
            assert "other_product_image_locator_9" not in by_sku[sku]


def test_images_past_the_eight_slots_are_left_out_alike_with_the_rows_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows of ``_imaged`` split in two shares (``--jobs 2``) write what one process writes, findings alike."""
    from feedsync.config import load_config
    from tests.rows_compare import build_both

    config = _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _imaged(120), header=HEADER)
    serial, _, _ = build_both(load_config(config), tmp_path, monkeypatch, jobs=2)
    assert sum(d.code == "AMZ025" for d in serial.diagnostics) == 120 // 5 * 3


def test_long_descriptions_that_begin_alike_are_told_apart_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Descriptions past 10,000 bytes that share their first 200 characters and more, some the same text: AMZ024
    once per text (a note keeps the text's first 200 characters and a digest of the whole), in both engines and
    with the rows split in two."""
    from feedsync.config import load_config
    from tests.rows_compare import build_both

    config = _config(tmp_path, definitions=True)
    rows = _families(60)
    for index, row in enumerate(rows):
        if index % 4 == 1:
            row["description"] = "<p>" + "Soft organic cotton. " * 600 + f"Tail {index % 3}.</p>"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, _ = same(tmp_path)
    found = [d for d in report.diagnostics if d.code == "AMZ024" and d.field == "product_description"]
    assert [d.message.rsplit(" (", 1)[1] for d in found] == [
        "5 item(s); the first: SKU-1)",
        "5 item(s); the first: SKU-5)",
        "5 item(s); the first: SKU-9)",
    ]
    assert {d.value for d in found} == {("Soft organic cotton. " * 10)[:200]}
    serial, _, _ = build_both(load_config(config), tmp_path / "split", monkeypatch, jobs=2)
    assert [repr(d) for d in serial.diagnostics if d.code == "AMZ024"] == [repr(d) for d in found]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_parent_skus_other_items_have_as_their_skus_are_told_alike(tmp_path: Path, command: str) -> None:
    """Amazon keys its listings on the SKU, its parents' too (written once per family): a lone product whose SKU is a
    later family's parent SKU leaves that family's variants out (MDL021 of their parent_sku), and one whose SKU an
    earlier family's parent has is left out itself (MDL021 of its sku), alike a column at a time and per row; the
    other rows taken."""
    _config(tmp_path, definitions=True)  # (without definitions, validate makes every row per row)
    rows = _families(120)
    lone, tenth, twentieth = dict(rows[0]), rows[40]["group_id"], rows[80]["group_id"]
    before = lone | {"id": tenth, "group_id": "", "color": "White"}  # before the tenth family
    after = lone | {"id": twentieth, "group_id": "", "color": "White"}  # after the twentieth
    rows.insert(100, after)
    rows.insert(20, before)
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    report, _, replayed = same(tmp_path, command)
    told = [(d.product_id, d.field, d.value) for d in report.diagnostics if d.code == "MDL021"]
    assert told == [*((f"SKU-{n}", "parent_sku", tenth) for n in range(40, 44)), (twentieth, "sku", twentieth)]
    amazon = report.channels["amazon"]
    assert amazon.rejected >= 5 and amazon.items + amazon.excluded + amazon.rejected == report.variants == 122
    assert replayed >= 80, replayed
