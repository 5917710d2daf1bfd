"""``push --reconcile``: what an API destination holds, read from it, against a state restored from an older copy
or lost. Exact requests against respx; the items the state lost are deleted (Google) or named (Meta), those the
destination lost are sent again."""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import shutil
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync import pipeline
from feedsync.cli.app import app
from feedsync.config import load_config
from feedsync.destinations.google_merchant import product_name
from feedsync.errors import RemoteError
from feedsync.state import State
from tests.conftest import HEADER, row
from tests.destinations.gmc import API, gmc_config, mock_api
from tests.destinations.test_amazon_feeds import HOST
from tests.destinations.test_meta_catalog import GRAPH, meta_config, sent_requests

LIST = f"{API}/products/v1/accounts/123/products"
SOURCE = "accounts/123/dataSources/456"


def catalog(*ids: str) -> str:
    return HEADER + "".join(row(item, size=str(n)) for n, item in enumerate(ids))


def product(offer: str, source: str = SOURCE, language: str = "en", label: str = "US") -> dict[str, str]:
    """A processed product as products.list answers it (the fields feedsync reads, and a few more)."""
    return {
        "name": f"accounts/123/products/{language}~{label}~{offer}",
        "offerId": offer,
        "contentLanguage": language,
        "feedLabel": label,
        "dataSource": source,
        "versionNumber": "1",
    }


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def meta_api() -> respx.Route:
    """Meta's items_batch (its route, returned) and check_batch_request_status, every batch finished."""
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]})
    )
    return batch


def push(config: object, **options: object) -> object:
    with State(config.state_path) as state:  # type: ignore[attr-defined]
        return pipeline.run(config, "push", state=state, **options)  # type: ignore[arg-type]


def deleted_offers(delete: respx.Route) -> list[str]:
    """The offer ids of the delete requests, each checked to name the channel's data source."""
    names = []
    for call in delete.calls:
        assert dict(call.request.url.params) == {"dataSource": SOURCE}
        names.append(call.request.url.path.rsplit("/", 1)[1])
    return sorted(names)


def inserted(insert: respx.Route) -> list[str]:
    return sorted(json.loads(c.request.content)["offerId"] for c in insert.calls)


def restored(config: object, copy: Path) -> None:
    """The state replaced by an older copy of it (a backup restored)."""
    shutil.copyfile(copy, config.state_path)  # type: ignore[attr-defined]


@respx.mock
def test_a_state_restored_from_an_older_copy_leaves_items_live_until_a_reconcile_deletes_them(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog("A", "B"))
    push(config)
    backup = tmp_path / "backup.sqlite"
    shutil.copyfile(config.state_path, backup)  # the state when only A and B were sent
    push(gmc_config(tmp_path, catalog("A", "B", "C", "D")))
    restored(config, backup)
    insert.reset()
    config = gmc_config(tmp_path, catalog("A", "B"))

    report = push(config)  # C and D left the catalog, but the restored state never knew them
    assert delete.call_count == 0 and insert.call_count == 0
    assert report.diagnostics == []

    listing = respx.get(LIST).mock(
        side_effect=[
            httpx.Response(200, json={"products": [product("A"), product("C")], "nextPageToken": "page-2"}),
            httpx.Response(
                200,
                json={
                    "products": [
                        product("B"),
                        product("D"),
                        product("X", source="accounts/123/dataSources/999"),  # another data source's
                        product("Y", label="DE"),  # another feed label's
                        product("Z", language="de"),  # another content language's
                    ]
                },
            ),
        ]
    )
    report = push(config, reconcile=True)
    fields = "products(offerId,contentLanguage,feedLabel,dataSource),nextPageToken"
    assert [dict(c.request.url.params) for c in listing.calls] == [
        {"pageSize": "1000", "fields": fields},
        {"pageSize": "1000", "fields": fields, "pageToken": "page-2"},
    ]
    assert listing.calls[0].request.headers["authorization"].startswith("Bearer ")
    assert deleted_offers(delete) == sorted(product_name("en", "US", offer) for offer in ("C", "D"))
    assert insert.call_count == 0  # A and B are held as the state says
    [found] = report.diagnostics
    assert found.code == "DST013" and found.severity.value == "warning"
    assert "holds 2 item(s) that neither the catalog nor the state knows (C, D): deleted" in found.message
    assert "2 to delete (2 of them held without the state knowing them)" in report.channels["google"].published


@respx.mock
def test_an_item_the_destination_lost_is_sent_again_and_one_gone_from_both_is_deleted_all_the_same(
    tmp_path: Path,
) -> None:
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog("A", "B", "C")))
    insert.reset()
    respx.get(LIST).mock(return_value=httpx.Response(200, json={"products": [product("A")]}))
    config = gmc_config(tmp_path, catalog("A", "B"), "    max_drop_percent: 50\n    max_delete_percent: 50\n")
    report = push(config, reconcile=True)
    assert inserted(insert) == ["B"]  # unchanged, but deleted in Merchant Center: the state alone would never resend
    # C, gone from the catalog, is not listed: a listing may lag (Google lists a product minutes after its input),
    # so it is deleted as without --reconcile (Google answers 404 where it is gone)
    assert deleted_offers(delete) == [product_name("en", "US", "C")]
    assert report.diagnostics == []
    assert report.channels["google"].published.endswith(
        "1 to create, 0 to update, 0 to refresh, 1 to delete, 1 unchanged; 1 the state recorded were not held "
        "(sent again))"
    )
    with State(config.state_path) as state:
        assert set(state.sent_items("google", f"google_merchant_api:{SOURCE}/en~US")) == {"A", "B"}


@respx.mock
def test_a_state_lost_is_reconciled_within_the_guardrails(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    ids = [f"P{n}" for n in range(20)]
    config = gmc_config(tmp_path, catalog(*ids))
    push(config)
    config.state_path.unlink()  # the state database lost
    insert.reset()
    respx.get(LIST).mock(return_value=httpx.Response(200, json={"products": [product(i) for i in [*ids, "GONE"]]}))
    report = push(config, reconcile=True)
    assert [d.code for d in report.diagnostics] == ["DST013"]  # 1 of the 21 held leaves: within max_delete_percent
    assert deleted_offers(delete) == [product_name("en", "US", "GONE")]
    assert inserted(insert) == sorted(ids)  # unknown to the state: sent (upserts), as on any first push


@respx.mock
def test_two_channels_on_one_data_source_never_take_each_other_s_products_for_strays(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog("A1", "A2", "B1", "B2", "B3"))
    text = (tmp_path / "feedsync.yaml").read_text(encoding="utf-8")
    channel = text[text.index("  google:") :]
    second = channel.replace("  google:", "  google_b:", 1)
    (tmp_path / "feedsync.yaml").write_text(
        text.replace(channel, channel + "    filters: {include: [\"id.startswith('A')\"]}\n")
        + second
        + "    filters: {include: [\"id.startswith('B')\"]}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "feedsync.yaml")
    push(config)
    assert inserted(insert) == ["A1", "A2", "B1", "B2", "B3"]
    respx.get(LIST).mock(
        return_value=httpx.Response(200, json={"products": [product(i) for i in ("A1", "A2", "B1", "B2", "B3", "S")]})
    )
    report = push(config, reconcile=True)
    assert delete.call_count == 0  # neither deletes the other's, nor the stray either might have sent
    found = sorted((d.channel, d.message.split("knows ", 1)[1]) for d in report.diagnostics if d.code == "DST013")
    kept = "(S): left there, as it may hold another source's items: delete them there if they should leave it"
    assert found == [("google", kept), ("google_b", kept)]


@respx.mock
def test_a_reconcile_finding_most_items_unknown_deletes_none_without_force(tmp_path: Path) -> None:
    _, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog("A")))
    others = [product(f"Z{n}") for n in range(5)]  # a data source mostly of ids this catalog never had
    respx.get(LIST).mock(return_value=httpx.Response(200, json={"products": [product("A"), *others]}))
    config = gmc_config(tmp_path, catalog("A"))
    dry = push(config, reconcile=True, dry_run=True, force=True)
    assert dry.channels["google"].samples[:3] == [f"delete Z{n} (held, unknown to the state)" for n in range(3)]
    report = push(config, reconcile=True)
    assert [d.code for d in report.diagnostics] == ["DST013", "DST004"]
    assert "5 of the 6 items published before would leave the channel" in report.channels["google"].refused
    assert delete.call_count == 0
    push(config, reconcile=True, force=True)
    assert len(deleted_offers(delete)) == 5


@respx.mock
@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ([httpx.Response(403, json={"error": {"code": 403, "message": "denied"}})], "HTTP 403"),
        (
            [httpx.Response(200, json={"products": [], "nextPageToken": "t"})] * 2,
            "the server gave a page token again",
        ),
        ([httpx.Response(200, json={"products": [{"offerId": 7}]})], "offerId is int, not text"),
    ],
)
def test_a_destination_whose_holdings_cannot_be_read_is_not_synced(
    tmp_path: Path, answers: list[httpx.Response], problem: str
) -> None:
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog("A", "B")))
    insert.reset()
    listing = respx.get(LIST)
    if len(answers) == 1:
        listing.mock(return_value=answers[0])  # (answered alike however often asked)
    else:
        listing.mock(side_effect=answers)
    report = push(gmc_config(tmp_path, catalog("A", "C")), reconcile=True)
    assert insert.call_count == 0 and delete.call_count == 0
    assert [d.code for d in report.diagnostics] == ["DST006"]
    assert problem in report.channels["google"].failed
    assert "could not read what it holds" in report.channels["google"].failed


@respx.mock
def test_meta_items_unknown_to_the_state_are_named_not_deleted_and_lost_ones_created(tmp_path: Path) -> None:
    batch = meta_api()
    config = meta_config(tmp_path, catalog("A", "B"))
    push(config)
    batch.reset()
    first = {"data": [{"retailer_id": "A", "id": "1"}, {"retailer_id": "OTHER", "id": "2"}]}
    first["paging"] = {"cursors": {"before": "b0", "after": "c1"}, "next": f"{GRAPH}/products?after=c1"}
    last = {"data": [{"retailer_id": "FEED-1", "id": "3"}], "paging": {"cursors": {"before": "c1", "after": "c2"}}}
    listing = respx.get(f"{GRAPH}/products").mock(
        side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=last)]
    )
    report = push(config, reconcile=True)
    assert [dict(c.request.url.params) for c in listing.calls] == [
        {"fields": "retailer_id", "limit": "500"},
        {"fields": "retailer_id", "limit": "500", "after": "c1"},
    ]
    assert [[(r["method"], r["data"]["id"]) for r in requests] for requests in sent_requests(batch)] == [
        [("CREATE", "B")]  # B was lost from the catalog; OTHER and FEED-1 may be another source's: not deleted
    ]
    [found] = report.diagnostics
    assert found.code == "DST013"
    assert "holds 2 item(s) that neither the catalog nor the state knows (FEED-1, OTHER): left there" in found.message


LISTINGS_URL = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/listings?X-Amz-Signature=0a1b"
LISTINGS_HEADER = (
    "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\timage-url\t"
    "item-is-marketplace\tproduct-id-type\tasin1\tproduct-id\tfulfillment-channel\tstatus\n"
)


def listings_report(*skus: str) -> bytes:
    """Amazon's All Listings report listing ``skus``: tab-separated, unquoted (a description holds a lone quote),
    in Windows-1252 as the EU marketplaces' documents are, gzipped."""
    rows = "".join(
        f'Schraube {sku} \u00e9\t5" bolt, zinc\t0712X{n}\t{sku}\t9.99\t3\t2026-01-0{n + 1} 10:00:00 MET\t\ty\t4'
        f"\tB0TEST{n}\t4006381333931\tDEFAULT\tActive\n"
        for n, sku in enumerate(skus)
    )
    return gzip.compress((LISTINGS_HEADER + rows).encode("cp1252"))


def mock_listings(router: respx.Router, report: bytes, status: str = "DONE") -> dict[str, respx.Route]:
    done = {"reportId": "ID323", "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "createdTime": "2026-12-07T10:00:00Z"}
    done |= {"processingStatus": status} | ({"reportDocumentId": "DOC-1"} if status == "DONE" else {})
    return {
        "create": router.post(f"{HOST}/reports/2021-06-30/reports").mock(
            return_value=httpx.Response(202, json={"reportId": "ID323"})
        ),
        "status": router.get(f"{HOST}/reports/2021-06-30/reports/ID323").mock(
            side_effect=[
                httpx.Response(200, json=done | {"processingStatus": "IN_QUEUE"}),
                httpx.Response(200, json=done),
            ]
        ),
        "document": router.get(f"{HOST}/reports/2021-06-30/documents/DOC-1").mock(
            return_value=httpx.Response(
                200, json={"reportDocumentId": "DOC-1", "url": LISTINGS_URL, "compressionAlgorithm": "GZIP"}
            )
        ),
        "download": router.get(LISTINGS_URL).mock(
            return_value=httpx.Response(200, content=report, headers={"Content-Type": "text/plain;charset=Cp1252"})
        ),
    }


def sent_skus(routes: dict[str, respx.Route]) -> list[list[str]]:
    return [[m["sku"] for m in json.loads(c.request.content)["messages"]] for c in routes["upload"].calls]


@respx.mock
def test_another_source_s_items_in_a_meta_catalog_do_not_water_the_delete_guardrail_down(tmp_path: Path) -> None:
    batch = meta_api()
    ours = [f"A{n}" for n in range(10)]
    push(meta_config(tmp_path, catalog(*ours)))
    batch.reset()
    listed = [{"retailer_id": key, "id": key} for key in [*ours, *(f"FEED-{n}" for n in range(100))]]
    respx.get(f"{GRAPH}/products").mock(return_value=httpx.Response(200, json={"data": listed}))
    other_ids = meta_config(tmp_path, catalog(*(f"B{n}" for n in range(10))))  # another catalog's file
    report = push(other_ids, reconcile=True)
    assert batch.call_count == 0
    assert "10 of the 10 items published before would leave the channel" in report.channels["facebook"].refused


@respx.mock
def test_a_meta_page_naming_a_next_page_without_a_cursor_fails_the_channel(tmp_path: Path) -> None:
    batch = meta_api()
    config = meta_config(tmp_path, catalog("A", "B"))
    push(config)
    batch.reset()
    page = {"data": [{"retailer_id": "A", "id": "1"}], "paging": {"next": f"{GRAPH}/products?offset=1"}}
    respx.get(f"{GRAPH}/products").mock(return_value=httpx.Response(200, json=page))
    report = push(config, reconcile=True)
    assert batch.call_count == 0  # B is not taken for lost, nor anything for gone: the listing was not read whole
    assert [d.code for d in report.diagnostics] == ["DST006"]
    assert "without a cursor" in report.channels["facebook"].failed


def test_amazon_listings_the_state_lost_are_named_and_those_amazon_lost_sent_again(tmp_path: Path) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp_path, HEADER + row("S1") + row("S2", size="L"))
    with respx.mock() as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        assert push(config).diagnostics == []
    with respx.mock() as router:
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        listings = mock_listings(router, listings_report("S1", "SELLER-CENTRAL-ONLY"))
        report = push(config, reconcile=True)
    assert json.loads(listings["create"].calls.last.request.content) == {
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "marketplaceIds": ["A1PA6795UKMFR9"],
    }
    assert listings["status"].call_count == 2
    assert sent_skus(routes) == [["S2"]]  # unchanged, but no longer listed: sent again
    [found] = report.diagnostics
    assert found.code == "DST013"
    assert "holds 1 item(s) that neither the catalog nor the state knows (SELLER-CENTRAL-ONLY): left there" in (
        found.message
    )
    assert LISTINGS_URL not in json.dumps([d.message for d in report.diagnostics])


def test_an_amazon_parent_listing_is_the_channel_s_own(tmp_path: Path) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    family = HEADER + row("S1", group_id="TEE") + row("S2", group_id="TEE", size="L")
    config = amazon_config(tmp_path, family)
    with respx.mock() as router:
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        assert push(config).diagnostics == []
    [parent] = {sku for skus in sent_skus(routes) for sku in skus} - {"S1", "S2"}
    with respx.mock(assert_all_called=False) as router:  # the family still in the catalog: its parent made again
        reports_of_what_was_sent(mock_amazon(router, b""))
        mock_listings(router, listings_report(parent, "S1", "S2"))
        assert push(config, reconcile=True).diagnostics == []
    gone = amazon_config(
        tmp_path, HEADER + row("X"), "    max_drop_percent: 100\n    max_delete_percent: 100\n"
    )  # the family left the catalog: the state's parent listing, deleted with its variants, is no stranger either
    with respx.mock(assert_all_called=False) as router:
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        mock_listings(router, listings_report(parent, "S1", "S2"))
        report = push(gone, reconcile=True)
    assert [d.code for d in report.diagnostics if d.code == "DST013"] == []
    assert routes["upload"].call_count >= 1


def test_an_amazon_listings_report_cancelled_for_want_of_data_lists_nothing(tmp_path: Path) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp_path, HEADER + row("S1"))
    with respx.mock() as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        push(config)
    with respx.mock(assert_all_called=False) as router:
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        mock_listings(router, b"", status="CANCELLED")
        report = push(config, reconcile=True)
    assert report.diagnostics == []
    assert sent_skus(routes) == [["S1"]]  # Amazon lists nothing: every listing is sent again


def test_an_amazon_co_jp_listings_report_in_shift_jis_with_japanese_headings_is_read(tmp_path: Path) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp_path, HEADER + row("S1"))
    with respx.mock() as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        push(config)
    japanese = "商品名\t出品ID\t出品者SKU\t価格\n" + "ネジ①\t0712X1\tS1\t980\n" + "ボルト\t0712X2\tJP-ONLY\t500\n"
    with respx.mock(assert_all_called=False) as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        routes = mock_listings(router, gzip.compress(japanese.encode("cp932")))
        routes["download"].return_value.headers["Content-Type"] = "text/plain;charset=Shift_JIS"
        report = push(config, reconcile=True)
    [found] = report.diagnostics
    assert found.code == "DST013" and "(JP-ONLY)" in found.message


@pytest.mark.parametrize(
    "document",
    [
        b"item-name\tsku\nBolt\tS1\n",  # no seller-sku column
        b"",  # nothing at all
        b"not gzip",
    ],
)
def test_an_amazon_listings_report_that_cannot_be_read_fails_the_channel(tmp_path: Path, document: bytes) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon

    config = amazon_config(tmp_path, HEADER + row("S1"))
    with respx.mock(assert_all_called=False) as router:
        routes = mock_amazon(router, b"")
        mock_listings(router, gzip.compress(document) if document != b"not gzip" else document)
        report = push(config, reconcile=True)
    assert routes["upload"].call_count == 0
    assert [d.code for d in report.diagnostics] == ["DST006"]
    assert "Amazon's listings report" in report.channels["amazon"].failed


def test_a_huge_field_in_an_amazon_listings_report_is_no_crash(tmp_path: Path) -> None:
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp_path, HEADER + row("S1"))
    huge = LISTINGS_HEADER.encode() + b"x" * (70 << 20) + b"\t\t\tS1\t1\t1\t\t\t\t\t\t\t\t\n"
    with respx.mock(assert_all_called=False) as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        mock_listings(router, gzip.compress(huge))
        report = push(config, reconcile=True)
    assert report.diagnostics == []  # the SKU column read, whatever the description holds


def test_a_listings_report_past_what_an_answer_may_hold_is_read_from_disk_a_piece_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seller of many SKUs has a report of hundreds of megabytes, past ``MAX_ANSWER`` (256 MB) on the wire and
    decompressed: it is written to a file as it arrives and read a piece at a time. Here the bound is 64 KB and the
    report 5,000 rows (about 300 KB on the wire, 800 KB decompressed): every row is read."""
    from feedsync.destinations import http as http_module
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp_path, HEADER + row("S1"))
    with respx.mock() as router:
        reports_of_what_was_sent(mock_amazon(router, b""))
        assert push(config).diagnostics == []
    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 16)
    rng = random.Random(5)
    strays = [f"SC-{n:04d}" for n in range(5000)]
    rows = "".join(
        f"Bolt {sku}\t{rng.randbytes(48).hex()}\t0712X{n}\t{sku}\t9.99\t3\t2026-01-01 10:00:00 MET\t\ty\t4\t"
        f"B0TEST{n}\t4006381333931\tDEFAULT\tActive\r\n"
        for n, sku in enumerate(["S1", *strays])
    )
    document = gzip.compress((LISTINGS_HEADER + rows).encode("cp1252"))
    assert len(document) > 4 * (1 << 16)
    with respx.mock(assert_all_called=False) as router:
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        mock_listings(router, document)
        report = push(config, reconcile=True)
    assert sent_skus(routes) == []  # S1 is listed
    [found] = report.diagnostics
    assert found.code == "DST013" and "holds 5000 item(s) that neither the catalog nor the state knows" in found.message


def test_a_listings_report_is_read_a_piece_at_a_time_each_line_and_the_whole_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``_skus``: LF or CRLF ends a line; a line longer than ``PIECE`` is read a piece at a time, its SKU found by
    its tabs across the pieces and no piece taken for a line of its own; past ``DOCUMENT_MAX`` bytes or
    ``ROWS_MAX`` rows (a gzip bomb), an error; a report whose lines end in a lone carriage return is refused, not
    read as a header alone."""
    import io

    from feedsync.destinations import amazon_listings

    monkeypatch.setattr(amazon_listings, "PIECE", 8)
    data = (
        b"item-name\tlisting-id\tseller-sku\tprice\r\n"
        + b"n1\t" + b"x" * 30 + b"\tS1-A-LONG-SKU\t\tq\tGHOST\t" + b"y" * 20 + b"\n"  # SKU across pieces
        + b"n2\tL2\tS2\t9.99\r\n"
        + b"n3\tL3\t\t9.99\n"  # no SKU
        + b"n4\tL4\tS4"  # the last line, without its line break
    )  # fmt: skip

    def skus(document: bytes) -> list[str]:
        return list(amazon_listings._skus(io.BytesIO(document), "utf-8", "Amazon's listings report ID323"))

    with pytest.raises(RemoteError, match="ID323 has a header longer than 0 KB; not read"):
        skus(data)  # (8 bytes of a header: refused whole)
    monkeypatch.setattr(amazon_listings, "PIECE", 64)
    assert skus(data.replace(b"x" * 30, b"x" * 300)) == ["S1-A-LONG-SKU", "S2", "S4"]
    assert skus(b"item-name\tseller-sku\n") == [] and skus(b"item-name\tseller-sku") == []
    with pytest.raises(RemoteError, match="ID323 has no seller-sku column"):
        skus(b"")
    with pytest.raises(RemoteError, match="ID323 ends its lines with a carriage return alone; not read"):
        skus(b"item-name\tseller-sku\rn1\tS1\r")
    monkeypatch.setattr(amazon_listings, "DOCUMENT_MAX", len(data) - 1)
    with pytest.raises(RemoteError, match="ID323 is larger than 0 MB decompressed; not read"):
        skus(data)
    bomb = io.BytesIO(b"item-name\tseller-sku\n" + b"x" * (1 << 20) + b"\tS1\n")  # one line past DOCUMENT_MAX
    monkeypatch.setattr(amazon_listings, "DOCUMENT_MAX", 1000)
    with pytest.raises(RemoteError, match="is larger than 0 MB decompressed"):
        list(amazon_listings._skus(bomb, "utf-8", "Amazon's listings report ID323"))
    assert bomb.tell() < 2000  # (read no further than just past the bound)
    monkeypatch.setattr(amazon_listings, "DOCUMENT_MAX", 1 << 30)
    monkeypatch.setattr(amazon_listings, "ROWS_MAX", 3)
    with pytest.raises(RemoteError, match="ID323 has more than 3 rows; not read"):
        skus(data)


@respx.mock
def test_the_cli_takes_reconcile(tmp_path: Path) -> None:
    _, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog("A"))
    push(config)
    respx.get(LIST).mock(return_value=httpx.Response(200, json={"products": [product("A"), product("GONE")]}))
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["push", "-c", str(tmp_path / "feedsync.yaml"), "--reconcile"]
    )
    assert result.exit_code == 0, result.output
    assert deleted_offers(delete) == [product_name("en", "US", "GONE")]
    assert "DST013" in result.output


@respx.mock
def test_an_offer_id_google_keeps_with_its_whitespace_collapsed_is_the_item_s_own(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog("TEE  NAVY", "B"))  # two spaces: Google keeps one
    push(config)
    insert.reset()
    listed = {"products": [product("TEE NAVY"), product("B")]}
    respx.get(LIST).mock(return_value=httpx.Response(200, json=listed))
    report = push(config, reconcile=True)
    assert report.diagnostics == []  # neither deleted as unknown, nor sent again as lost
    assert insert.call_count == 0 and delete.call_count == 0


@respx.mock
def test_an_offer_id_with_a_run_of_whitespace_is_deleted_by_the_name_google_keeps(tmp_path: Path) -> None:
    _, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(" TEE  NAVY", "B")))
    push(gmc_config(tmp_path, catalog("B"), "    max_drop_percent: 60\n    max_delete_percent: 60\n"))
    # Google stores the offer id stripped and with one space: a DELETE of the name as sent would find nothing (404,
    # taken for "already gone") and leave the product live
    kept = base64.urlsafe_b64encode(b"en~US~TEE NAVY").decode().rstrip("=")
    assert deleted_offers(delete) == [kept]


@pytest.mark.parametrize(
    ("field", "hostile", "told"),
    [
        (
            "reportId",
            "../../feeds/2021-06-30/feeds",
            r"^could not read what it holds: createReport: the answer's reportId is not an id",
        ),
        (
            "reportDocumentId",
            "DOC-1\r\nX-Injected: 1",
            r"^could not read what it holds: getReport: the answer's reportDocumentId is not an id",
        ),
    ],
)
def test_a_listings_report_id_that_is_no_id_is_not_put_in_a_path(
    tmp_path: Path, field: str, hostile: str, told: str
) -> None:
    """A hostile or broken server answering a report or document id that is a path or holds a line break: the
    channel fails naming it, and nothing is requested with it."""
    from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon

    config = amazon_config(tmp_path, HEADER + row("S1"))
    with respx.mock(assert_all_called=False) as router:
        routes = mock_amazon(router, b"")
        listings = mock_listings(router, listings_report("S1"))
        if field == "reportId":
            listings["create"].return_value = httpx.Response(202, json={"reportId": hostile})
        else:
            done = {"reportId": "ID323", "processingStatus": "DONE", "reportDocumentId": hostile}
            listings["status"].side_effect = [httpx.Response(200, json=done)]
        report = push(config, reconcile=True)
        requested = [call.request.url.path for call in router.calls]
    assert [d.code for d in report.diagnostics] == ["DST006"]
    assert re.search(told, report.channels["amazon"].failed), report.channels["amazon"].failed
    assert routes["upload"].call_count == 0 and listings["document"].call_count == 0
    assert not any(".." in path or "X-Injected" in path for path in requested)
