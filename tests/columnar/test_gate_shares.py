"""The columnar gate inside each share of a row split (``rows.share._gate``): a catalog built or validated with its rows
split over processes, each share's rows a column at a time, writes the feeds, findings and counts one process writes
per row; an Amazon channel with definitions surveys each share at once, as the share would have told it family by
family; a family in two shares makes the run be made as though not split (``rows.Unsplit``), one that comes back
within a share farther than its batch makes that share survey its own rows whole; a share that an earlier share's
state changes is made again from it, with its gate. Each run is made in a process of its own (``split_run``): the
shares are forked before Polars is imported, as in a real run."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.channels.amazon_reference import DEFINITIONS
from tests.columnar.test_gate import HEADER, baseline_families, write_catalog
from tests.columnar.test_gate_amazon import _config, _families
from tests.conftest import DEMO, REPO, write_config

GOOGLE_AND_META = (
    "source:\n  path: products.csv\n  currency: USD\n  base_url: https://shop.example.com\nchannels:\n"
    f"  google_merchant: {{profile: google_merchant, category_map: {DEMO / 'categories.yaml'}}}\n"
    f"  facebook: {{profile: facebook, category_map: {DEMO / 'categories.yaml'}}}\n"
)
pytestmark = pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")


def split_run(
    directory: Path,
    *,
    jobs: int = 3,
    command: str = "build",
    chunk: int = 4096,
    judge: int | None = None,
    slow: float = 0,
) -> list[dict[str, Any]]:
    """The events of the split run of ``directory``'s catalog, having asserted it made what one process makes
    (``slow``: seconds the reader waits before each batch but the first)."""
    args = [sys.executable, "-m", "tests.columnar.split_run", str(directory), str(jobs), command, str(chunk)]
    args += [str(judge)] if judge is not None else []
    environment = {**os.environ, "SPLIT_RUN_SLOW": str(slow)}
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=600, check=False, env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    same = events[-1]
    assert same["event"] == "same" and all(same[k] for k in ("documents", "findings", "counts", "items", "variants"))
    return events


def _gated(events: list[dict[str, Any]]) -> list[int]:
    """The rows each share's gate took (the shares made again too)."""
    return [e["replayed"] for e in events if e["event"] == "columnar" and e.get("columnar") and "replayed" in e]


def _surveyed_per_row(events: list[dict[str, Any]]) -> list[int]:
    """The rows from which a share's gate told its survey the rest of the share per row."""
    return [e["row"] for e in events if e["event"] == "columnar" and e.get("survey") == "per row"]


def _rows(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in reversed(events) if e["event"] == "rows" and "split" in e)


def test_each_share_takes_its_rows_a_column_at_a_time(tmp_path: Path) -> None:
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(240), header=HEADER)
    events = split_run(tmp_path)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3
    gated = _gated(events)
    assert len(gated) == 3 and all(taken > 40 for taken in gated), gated
    assert not _surveyed_per_row(events)  # each batch's families told to the survey from its columns


def test_a_header_with_spaces_around_its_names_is_read_a_column_at_a_time_in_each_share(tmp_path: Path) -> None:
    """A hand-made header (``id, group_id, title, ...``): the reader strips its names and Polars names the columns
    as the file has them, so each share's batches end where a family does by the group id's place in the header
    (by its name, each share's gate went off: ColumnNotFoundError, the rows made per row)."""
    _config(tmp_path, definitions=True)
    path = tmp_path / "products.csv"
    write_catalog(path, _families(240), header=HEADER)
    head, rest = path.read_bytes().split(b"\n", 1)
    path.write_bytes(b", ".join(head.split(b",")) + b"\n" + rest)
    events = split_run(tmp_path)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3
    refused = [e for e in events if e["event"] == "columnar" and e.get("why")]
    assert not refused, refused
    gated = _gated(events)
    assert len(gated) == 3 and all(taken > 40 for taken in gated), gated
    assert not _surveyed_per_row(events)


@pytest.mark.parametrize("command", ["build", "validate"])
def test_skus_in_two_shares_are_told_where_one_process_tells_them_and_no_share_is_made_again(
    tmp_path: Path, command: str
) -> None:
    """Each share's rows a column at a time, SKUs of the first share read again in the later ones and one of the
    second in the third (MDL012): the findings where one process tells them (``split_run`` compares), the rows
    taken all the same, and no share made again."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    for number, sku in {5: "SKU-A", 150: "SKU-A", 230: "SKU-A", 100: "SKU-B", 200: "SKU-B", 60: "SKU-C"}.items():
        rows[number]["sku"] = sku
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path, command=command)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3 and not _rows(events).get("again"), events
    gated = _gated(events)
    assert len(gated) == 3 and all(taken > 40 for taken in gated), gated
    assert events[-1]["codes"]["MDL012"] == 3, events[-1]  # SKU-A twice, SKU-B once (SKU-C is the 60th's alone)


def test_a_product_group_in_two_shares_is_counted_once_and_no_share_is_made_again(tmp_path: Path) -> None:
    """Google and Meta, each share's rows a column at a time, variants of a group of the first share read again in
    the later ones: the run counts each group once, as one process does (``split_run`` compares the counts, the
    feeds and the findings), and no share is made again."""
    write_config(tmp_path, GOOGLE_AND_META)
    rows = baseline_families(240, google_product_category="1604")
    for number in (130, 235):  # G-1's variants, in the second share and the third
        rows[number] |= {"group_id": "G-1", "size": ["XS", "XL"][number % 2], "color": "Teal"}
    write_catalog(tmp_path / "products.csv", rows)
    events = split_run(tmp_path)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3 and not _rows(events).get("again"), events
    assert len(_gated(events)) == 3 and all(taken > 40 for taken in _gated(events)), events


def test_ids_of_an_earlier_share_are_left_out_where_one_process_leaves_them_and_no_share_is_made_again(
    tmp_path: Path,
) -> None:
    """Ids of the first share's rows given again to rows of the later ones (twice to one of them, spaced in the
    second's file, in a quoted cell in the third's), and one of the second's given again in the third: each later
    row is left out as one process leaves it (MDL008, where one process tells it: ``split_run`` compares the feeds,
    the findings and the counts), the shares' other rows taken all the same, and no share is made again."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    for number, earlier in {150: 5, 151: 5, 170: 60, 230: 100, 235: 6}.items():
        rows[number]["id"] = rows[earlier]["id"]
    rows[170]["id"] = f" {rows[170]['id']} "
    rows[235]["id"] = f"{rows[235]['id']}".replace("-", ",-")  # a cell the file quotes
    rows[6]["id"] = rows[235]["id"]
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path)  # (a validate: tests/test_rows.py, its shares made per row)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3 and not _rows(events).get("again"), events
    gated = _gated(events)
    assert len(gated) == 3 and all(taken > 40 for taken in gated), gated
    assert events[-1]["codes"]["MDL008"] == 5, events[-1]


@pytest.mark.parametrize("case", ["no product", "ignores"])
def test_an_id_an_earlier_share_s_product_did_not_take_plainly_makes_the_share_again(tmp_path: Path, case: str) -> None:
    """A later share's row takes the id of a row of the first share that is no product (its price is empty:
    MDL001), or of a product that ignores findings (``feedsync_ignore``, which its duplicate's finding then obeys):
    the later share leaves the row out at first, as though the id were taken plainly, then is made again from the
    first share's state, which keeps the first row and drops the second's finding as one process does
    (``split_run`` compares the feeds, the findings and the counts)."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    if case == "no product":
        rows[10]["price"] = ""
    else:
        rows[10]["feedsync_ignore"] = "MDL008"
    rows[150]["id"] = rows[10]["id"]
    write_catalog(tmp_path / "products.csv", rows, header=[*HEADER, "feedsync_ignore"])
    events = split_run(tmp_path)
    again = _rows(events).get("again") or []
    crossing_why = "an id it took for an earlier share's is not one, or that product ignores findings"
    assert _rows(events)["split"] and again == [crossing_why], events
    assert "MDL008" not in events[-1]["codes"], events[-1]
    assert events[-1]["codes"].get("MDL001", 0) == (case == "no product"), events[-1]


@pytest.mark.parametrize(
    ("seed", "definitions", "kinds"), [(1, True, "all"), (3, True, "counted"), (4, False, "counted")]
)
def test_what_a_share_reads_ahead_may_be_wrong_what_is_made_is_not(
    tmp_path: Path, seed: int, definitions: bool, kinds: str
) -> None:
    """Ids given again across the shares (and, with Amazon's definitions, a family's variant moved to the end) in a
    catalog of blank lines, rows of spaces and values over several lines, which Polars may count otherwise than the
    reader, so that what a share reads of the file ahead of its rows is off ("counted"), or of short and long rows
    and quotes left open too ("all": the cuts themselves misread): the run writes, tells and counts what one process
    does (``split_run`` compares), whatever was guessed; with the records counted alike or not, it stays split."""
    rng = random.Random(seed)
    _config(tmp_path, definitions=definitions)
    rows = _families(240)
    for number in rng.sample(range(80, 240), 6):
        rows[number]["id"] = rows[rng.randrange(0, number)]["id"]
    if definitions:
        rows.append(dict(rows[rng.randrange(0, 80)], id="moved"))
    shown = (None, "blank", "spaces", "multiline") if kinds == "counted" else None

    def choose(options: list[Any]) -> Any:
        return rng.choice([option for option in options if shown is None or option in shown])

    write_catalog(tmp_path / "products.csv", rows, choose, header=HEADER)
    events = split_run(tmp_path)
    assert events[-1]["codes"]["MDL008"] >= 1, events[-1]
    if kinds == "counted" and not definitions:
        assert _rows(events)["split"], events


@pytest.mark.parametrize("name", ["^parent$", "*"])
def test_a_group_column_named_as_a_pattern_is_read_ahead_by_its_place(tmp_path: Path, name: str) -> None:
    """The group and id columns a later share reads before its rows are taken by their places, not their names: a
    header Polars would read as a pattern (found by a review: the run stopped with an internal error, exit 70)."""
    config = _config(tmp_path, definitions=True)
    config.write_text(config.read_text().replace("source:\n", f'source:\n  columns: {{"{name}": group_id}}\n', 1))
    rows = _families(240)
    for record in rows:
        record[name] = record["group_id"]
    rows[200]["id"] = rows[3]["id"]
    write_catalog(tmp_path / "products.csv", rows, header=[name if h == "group_id" else h for h in HEADER])
    events = split_run(tmp_path)
    assert _rows(events)["split"] and not _rows(events).get("again"), events
    assert events[-1]["codes"]["MDL008"] == 1, events[-1]


def test_a_share_s_batches_end_where_a_family_does(tmp_path: Path) -> None:
    """Families of four variants in batches of about 14 rows: each batch ends where a family does (its last family
    goes to the next batch), so every row of a share but its first family's is taken (that family's parent is
    written by the first share's state; the share is made again from it where it must)."""
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(240), header=HEADER)
    gated = _gated(split_run(tmp_path, chunk=4096))
    assert sum(gated) >= 240 - 3 * 4, gated


def test_a_split_validate_finds_what_one_process_finds(tmp_path: Path) -> None:
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(200), header=HEADER)
    events = split_run(tmp_path, jobs=2, command="validate")
    assert events[-1]["findings_count"] > 100 and len(_gated(events)) == 2


def test_without_definitions_each_share_is_gated_alike(tmp_path: Path) -> None:
    _config(tmp_path, definitions=False)
    write_catalog(tmp_path / "products.csv", _families(200), header=HEADER)
    assert len(_gated(split_run(tmp_path))) == 3


def test_googles_tsv_feed_of_a_catalog_is_split_by_rows(tmp_path: Path) -> None:
    """A catalog carries no feed's own attributes: Google's TSV feed writes its header first, so the run's rows are
    split (it once ran in one process, its rows waiting for a header made last) and each share takes its rows a
    column at a time, the feed the one process's byte for byte (``split_run``)."""
    config = _config(tmp_path, definitions=False)
    text = config.read_text().replace("{profile: google_merchant,", "{profile: google_merchant, format: tsv,")
    config.write_text(text, encoding="utf-8")
    write_catalog(tmp_path / "products.csv", _families(200), header=HEADER)
    events = split_run(tmp_path)
    assert _rows(events)["split"] and _rows(events)["shares"] == 3
    assert len(_gated(events)) == 3


def test_a_family_in_two_shares_makes_the_run_as_though_not_split(tmp_path: Path) -> None:
    """A family whose variants come again in a later share: the shares' own surveys do not answer for it, and its
    later variants take the parent the first share made. Each share would be made again in turn, after a survey of
    the whole catalog; the run is made as though its rows were never split instead (``rows.Unsplit``: here the
    channels split between processes, the one in this process a column at a time). The later shares find it in the
    file's group column before they make a row (``columnar.ahead``), and the first stops at its next batch."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    rows += [dict(row, id=row["id"] + "-again") for row in rows[:6]]  # family G-0 again
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path)
    told = [e for e in events if e["event"] == "rows"]
    why = "family 'G-0' is in two shares (rows 2 and 245)"
    assert told == [{"event": "rows", "split": False, "why": why, "shares": 3}]
    assert events[0] == {
        "event": "columnar",
        "columnar": False,
        "why": "another share's families are not one after another",
    }
    assert len(_gated(events)) == 1  # no share's rows, then the channel made here


def test_a_family_that_comes_back_within_the_next_piece_is_told_whole_in_one_batch(tmp_path: Path) -> None:
    """A family whose variants come again after five other families' within the first share, in the piece after
    the one it begins in: the share's pieces are read one ahead, its batch holds the family whole, and the share's
    survey is told it there (the family scattered, as a read of the whole catalog finds it): no share surveys its
    rows whole, and every share is made once, a column at a time (the same feeds and findings as one process)."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    rows = rows[:30] + rows[40:60] + rows[30:40] + rows[60:]  # family G-7's variants split by other families
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path)
    assert not [e for e in events if "survey" in e]
    assert len(_gated(events)) == 3 and sum(_gated(events)) >= 240 - 3 * 4 and not _rows(events).get("again")


def test_a_family_that_comes_back_farther_within_a_share_surveys_the_share_whole(tmp_path: Path) -> None:
    """A family whose variants come again after another family's within the first share, farther than the next
    piece: that share surveys its own rows whole and is made again, with its gate (no family is in two shares)."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    rows = rows[:30] + rows[40:70] + rows[30:40] + rows[70:]  # family G-7's variants 37 rows apart
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path)
    surveyed = [e for e in events if e["event"] == "rows" and "survey" in e]
    assert surveyed == [
        {"event": "rows", "survey": "share", "share": 0, "why": "family 'G-7' comes again after another family"}
    ]
    assert len(_gated(events)) == 3 and _rows(events)["split"]  # (the first share's gate: its second one)


def test_a_share_an_earlier_one_changes_is_made_again_with_its_gate(tmp_path: Path) -> None:
    """The later share took an id for the first share's product, which is none (its row's price is empty): the later
    share is made again from the state before it, with its gate."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    rows[0]["price"] = ""
    rows[-1]["id"] = rows[0]["id"]
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    events = split_run(tmp_path, jobs=2)
    assert _rows(events).get("again")
    assert len(_gated(events)) == 3  # both shares, then the second again


def test_a_share_the_columns_do_not_survey_is_surveyed_per_row(tmp_path: Path) -> None:
    """A record Polars would write otherwise (a cell quoted that needs no quotes): the share's survey reads its rows
    per row (the gate leaves that row to the reader)."""
    _config(tmp_path, definitions=True)
    write_catalog(tmp_path / "products.csv", _families(240), header=HEADER)
    lines = (tmp_path / "products.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[-3].split(",")
    cells[1] = f'"{cells[1]}"' if not cells[1].startswith('"') else cells[1]
    lines[-3] = ",".join(cells)
    (tmp_path / "products.csv").write_text("".join(lines), encoding="utf-8")
    events = split_run(tmp_path)
    assert len(_gated(events)) == 3
    assert len(_surveyed_per_row(events)) == 1  # from the piece of that record on


@pytest.mark.parametrize("kind", ["rekey", "comeback"])
def test_a_share_whose_survey_fails_ahead_of_its_reader_is_made_again_or_not_split(tmp_path: Path, kind: str) -> None:
    """A share whose gate goes off at its first rows while the batches are made ahead of the reader, the second
    piece surveyed per row (a record Polars writes otherwise) up to a row that cannot be surveyed a family ahead (a
    variant naming another parent, a family that comes back): the reader raises that (the run is then made as though
    not split; for a family that comes back, the share surveys its own rows and is made again) instead of making the
    rest per row of a survey told half of them."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    for index, row in enumerate(rows):
        row["feedsync_ignore"] = "AMZ015" if index < 60 or index % 7 == 0 else ""
    header = [*HEADER, "feedsync_ignore"]
    if kind == "rekey":
        header.append("amazon_parent_sku")
        for index, row in enumerate(rows):
            row["amazon_parent_sku"] = "OTHER-PARENT" if index == 100 else ""
    else:
        rows[100:100] = [dict(row, id=row["id"] + "-again") for row in rows[20:23]]
    write_catalog(tmp_path / "products.csv", rows, header=header)
    lines = (tmp_path / "products.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[41].split(",")
    cells[1] = f'"{cells[1]}"'  # a cell quoted that needs no quotes
    lines[41] = ",".join(cells)
    (tmp_path / "products.csv").write_text("".join(lines), encoding="utf-8")
    events = split_run(tmp_path, jobs=2, judge=20, slow=0.3)
    surveyed = [e.get("survey") for e in events if e["event"] == "rows" and "survey" in e]
    assert surveyed == ([] if kind == "rekey" else ["share"])  # (a family again: the share's own rows)
    assert _rows(events)["split"] is (kind != "rekey")  # (another parent: made as though not split)


def test_a_share_whose_gate_goes_off_surveys_the_rest_per_row(tmp_path: Path) -> None:
    """A share whose first rows are mostly made per row (findings ignored in them): its gate goes off after its
    first batches, and the rows it did not tell its survey are surveyed per row before any is made per row."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    for index, row in enumerate(rows):
        row["feedsync_ignore"] = "AMZ015" if index < 60 or index % 7 == 0 else ""
    write_catalog(tmp_path / "products.csv", rows, header=[*HEADER, "feedsync_ignore"])
    events = split_run(tmp_path, jobs=2, judge=8)
    off = [e for e in events if e["event"] == "columnar" and e.get("columnar") is False and "first" in e.get("why", "")]
    assert off and _surveyed_per_row(events), events


def test_a_variant_that_names_another_parent_makes_the_run_as_though_not_split(tmp_path: Path) -> None:
    """A row of the share the columns read with an override of its parent filled: the share's survey raises as the
    stream would (it named the row by an id the columnar survey's variants now carry: it failed the run before)."""
    _config(tmp_path, definitions=True)
    rows = _families(240)
    for index, row in enumerate(rows):
        row["amazon_parent_sku"] = "OTHER-PARENT" if index == 200 else ""
    write_catalog(tmp_path / "products.csv", rows, header=[*HEADER, "amazon_parent_sku"])
    events = split_run(tmp_path, jobs=2)
    # made as though not split, for the reason the share that met it found (the first, stopped, names no other)
    assert _rows(events)["split"] is False and _rows(events)["shares"] == 2
    assert "another parent" in _rows(events)["why"], _rows(events)
