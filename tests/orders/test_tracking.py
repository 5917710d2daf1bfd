"""push-tracking: shipments -> confirmShipment requests (respx, checked against Amazon's published ordersV0
model) or the shipping confirmation flat file; each package confirmed once."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync.config import AmazonOrdersApi, DirectoryOrderSink, SecretRef
from feedsync.diagnostics import Diagnostic
from feedsync.errors import RemoteError
from feedsync.orders.carriers import Carriers
from feedsync.orders.confirmation_file import FLAT_FILE_COLUMNS, FlatFileConfirmations
from feedsync.orders.shipments import read_shipments
from feedsync.orders.tracking import AmazonConfirmations, plan_packages, push_tracking, settle
from feedsync.state import MIGRATIONS, State
from tests.orders.test_import import line, published, report, run
from tests.sources.realdata import REALDATA, needs_realdata

HOST = "https://sellingpartnerapi-na.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"
SHIPMENTS = "order_id,carrier,tracking_number,ship_date,shipping_method,items\n"


@pytest.fixture
def state(tmp_path: Path) -> Any:
    """A state that imported order 111-1 (two lines: 9001 SKU-A x2, 9002 SKU-B x1)."""
    with State(tmp_path / "state.sqlite") as db:
        published(db, "SKU-A", "SKU-B")
        run(tmp_path, db, report(tmp_path, line("111-1", "9001", "SKU-A", qty="2"), line("111-1", "9002", "SKU-B")))
        yield db


def shipments(tmp: Path, text: str) -> Path:
    path = tmp / "shipments.csv"
    path.write_text(SHIPMENTS + text, encoding="utf-8")
    return path


def api() -> AmazonConfirmations:
    config = AmazonOrdersApi(
        marketplace_id="ATVPDKIKX0DER",
        client_id="amzn1.application-oa2-client.x",
        client_secret=SecretRef(env="FS_TEST_CLIENT"),
        refresh_token=SecretRef(env="FS_TEST_REFRESH"),
    )
    return AmazonConfirmations(config)


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_CLIENT", "client-secret")
    monkeypatch.setenv("FS_TEST_REFRESH", "Atzr|refresh")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def planned(path: Path, state: State, emit: Any, interrupted: Any = None) -> tuple[Any, Any]:
    """The packages (and those confirmed already) the shipments file at ``path`` plans, as run_tracking plans them."""
    return plan_packages(
        read_shipments(path, emit),
        state=state,
        marketplace="amazon",
        carriers=Carriers(),
        emit=emit,
        interrupted=interrupted,
    )


def confirm(tmp: Path, state: State, text: str, found: list[Diagnostic] | None = None) -> Any:
    emit = (found if found is not None else []).append
    packages, already = planned(shipments(tmp, text), state, emit)
    result = push_tracking(packages, confirmer=api(), state=state, marketplace="amazon", emit=emit)
    result.already = already
    return result


def lwa(router: respx.Router) -> None:
    router.post(LWA).mock(return_value=httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600}))


@respx.mock(assert_all_mocked=True)
def test_partial_shipments_are_separate_packages_confirmed_once(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    lwa(respx_mock)
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        return_value=httpx.Response(204)
    )
    text = (
        "111-1,United Parcel Service,1Z999AA10123456784,2026-11-21T16:30:00Z,UPS Ground,SKU-A:2\n"
        "111-1,Speedy Couriers,SC-1,2026-11-22T09:00:00+01:00,,9002:1\n"
    )
    first = confirm(tmp_path, state, text)
    assert [p.package_ref for p in first.confirmed] == ["1", "2"]
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies == [
        {
            "marketplaceId": "ATVPDKIKX0DER",
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1Z999AA10123456784",
                "shipDate": "2026-11-21T16:30:00Z",
                "shippingMethod": "UPS Ground",
                "orderItems": [{"orderItemId": "9001", "quantity": 2}],
            },
        },
        {
            "marketplaceId": "ATVPDKIKX0DER",
            "packageDetail": {
                "packageReferenceId": "2",
                "carrierCode": "Other",
                "carrierName": "Speedy Couriers",
                "trackingNumber": "SC-1",
                "shipDate": "2026-11-22T09:00:00+01:00",
                "orderItems": [{"orderItemId": "9002", "quantity": 1}],
            },
        },
    ]
    assert route.calls[0].request.headers["x-amz-access-token"] == "Atza|t"
    again = confirm(tmp_path, state, text)
    assert (again.confirmed, again.already, route.call_count) == ([], 2, 2)


@needs_realdata
@respx.mock(assert_all_mocked=True)
def test_every_confirmation_matches_the_published_ordersV0_operation(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    import jsonschema

    spec = json.loads((REALDATA / "amazon" / "ordersV0.json").read_text(encoding="utf-8"))
    operation = spec["paths"]["/orders/v0/orders/{orderId}/shipmentConfirmation"]["post"]
    assert operation["operationId"] == "confirmShipment" and "204" in operation["responses"]
    body_schema = {"$ref": "#/definitions/ConfirmShipmentRequest", "definitions": spec["definitions"]}
    lwa(respx_mock)
    route = respx_mock.post(url__regex=rf"{HOST}/orders/v0/orders/[^/]+/shipmentConfirmation").mock(
        return_value=httpx.Response(204)
    )
    confirm(
        tmp_path, state, "111-1,La Poste,6A123,2026-11-22T08:00:00Z,Colissimo,9001:1\n111-1,DHL,JD0141,2026-11-21,,\n"
    )
    assert route.call_count == 2
    for call in route.calls:
        # the path fills the template's one required path parameter (orderId); the body is the body parameter
        [path_param] = [p for p in operation["parameters"] if p["in"] == "path"]
        assert path_param["name"] == "orderId" and path_param["required"]
        template = re.escape("/orders/v0/orders/{orderId}/shipmentConfirmation").replace(
            r"\{orderId\}", "(?P<orderId>[^/]+)"
        )
        match = re.fullmatch(template, call.request.url.path)
        assert match is not None and match["orderId"] == "111-1"
        assert call.request.headers["content-type"] == "application/json"
        jsonschema.Draft4Validator(body_schema).validate(json.loads(call.request.content))
        assert isinstance(json.loads(call.request.content)["packageDetail"]["packageReferenceId"], str)
    whole = json.loads(route.calls[1].request.content)["packageDetail"]  # what the first package left
    assert whole["orderItems"] == [{"orderItemId": "9001", "quantity": 1}, {"orderItemId": "9002", "quantity": 1}]
    assert whole["shipDate"] == "2026-11-21T00:00:00Z"


@respx.mock(assert_all_mocked=True)
def test_a_refused_package_is_reported_and_retried_with_the_same_reference(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    lwa(respx_mock)
    error = {"errors": [{"code": "InvalidInput", "message": "Invalid tracking number", "details": ""}]}
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        side_effect=[httpx.Response(400, json=error), httpx.Response(204)]
    )
    found: list[Diagnostic] = []
    text = "111-1,UPS,BAD,2026-11-21T16:30:00Z,,\n"
    first = confirm(tmp_path, state, text, found)
    assert first.confirmed == [] and [(d.code, d.value) for d in found] == [("ORD006", "BAD")]
    assert "Invalid tracking number" in found[0].message
    assert state.shipment("amazon", "111-1", "BAD") == ("1", "failed")
    second = confirm(tmp_path, state, text)
    assert [p.package_ref for p in second.confirmed] == ["1"]
    assert [json.loads(c.request.content)["packageDetail"]["packageReferenceId"] for c in route.calls] == ["1", "1"]
    assert state.shipment("amazon", "111-1", "BAD") == ("1", "confirmed")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(302, headers={"location": "https://login.example/sso"}),
        httpx.Response(200, json={"errors": [{"code": "InvalidInput", "message": "Invalid tracking number"}]}),
        httpx.Response(200, text="<html>Service Unavailable</html>"),
    ],
    ids=["redirect", "errors-in-a-200", "html-in-a-200"],
)
@respx.mock(assert_all_mocked=True)
def test_an_answer_that_is_no_confirmation_leaves_the_package_to_send_again(
    respx_mock: respx.Router, tmp_path: Path, state: State, answer: httpx.Response
) -> None:
    """confirmShipment answers 204: a redirect, or a 2xx holding errors or a page, confirmed nothing. The package
    is failed (ORD006), not recorded as confirmed, and sent on the next run."""
    lwa(respx_mock)
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        side_effect=[answer, httpx.Response(204)]
    )
    found: list[Diagnostic] = []
    text = "111-1,UPS,1Z999AA10123456784,2026-11-21T16:30:00Z,,\n"
    first = confirm(tmp_path, state, text, found)
    assert first.confirmed == [] and [d.code for d in found] == ["ORD006"]
    assert state.shipment("amazon", "111-1", "1Z999AA10123456784") == ("1", "failed")
    second = confirm(tmp_path, state, text)
    assert [p.package_ref for p in second.confirmed] == ["1"] and route.call_count == 2


def test_the_flat_file_is_amazons_upload_format_and_written_once_per_package(tmp_path: Path, state: State) -> None:
    path = shipments(tmp_path, "111-1,Royal Mail,RM1,2026-11-21T10:00:00Z,Tracked 48,\n")
    for _ in range(2):
        packages, _ = planned(path, state, pytest.fail)
        push_tracking(
            packages,
            confirmer=FlatFileConfirmations(tmp_path / "out"),
            state=state,
            marketplace="amazon",
            emit=pytest.fail,
        )
    [written] = list((tmp_path / "out").iterdir())
    rows = [r.split("\t") for r in written.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == list(FLAT_FILE_COLUMNS)
    assert rows[1:] == [
        ["111-1", "9001", "2", "2026-11-21T10:00:00Z", "Royal Mail", "", "RM1", "Tracked 48"],
        ["111-1", "9002", "1", "2026-11-21T10:00:00Z", "Royal Mail", "", "RM1", "Tracked 48"],
    ]


def test_bad_and_unmatched_shipments_are_pointed_at_and_the_rest_confirmed(tmp_path: Path, state: State) -> None:
    found: list[Diagnostic] = []
    path = shipments(
        tmp_path,
        "111-1,UPS,T1,21/11/2026,,\n"  # row 2: not ISO 8601
        "111-1,UPS,T2,2026-11-21,,SKU-A:3\n"  # row 3: 3 shipped, 2 ordered
        "999-9,UPS,T3,2026-11-21,,SKU-Z:1\n"  # row 4: not imported, no item ids
        "111-1,UPS,T4,2026-11-21,,SKU-B:1\n",
    )
    packages, _ = planned(path, state, found.append)
    assert [(p.tracking_number, p.items) for p in packages] == [("T4", (("9002", 1),))]
    assert [(d.code, d.location.row if d.location else None) for d in found] == [
        ("ORD004", 2),
        ("ORD005", 3),
        ("ORD005", 4),
    ]
    assert found[0].location is not None and found[0].location.column == 4


def test_a_shipment_of_an_order_feedsync_holds_is_not_confirmed(tmp_path: Path, state: State) -> None:
    """An order held back (its SKU maps to nothing: never handed to the store) was confirmed shipped when the
    shipments file named it, the whole order for a package naming no items; imported later, it reached the store
    as unshipped, to be shipped again. Its shipment is refused (ORD005), and confirmed once the order is imported."""
    found: list[Diagnostic] = []
    run(tmp_path, state, report(tmp_path, line("111-2", "9003", "SKU-Z")), found)
    assert [d.code for d in found] == ["ORD002"]
    found.clear()
    path = shipments(
        tmp_path, "111-2,UPS,T9,2026-11-21,,\n111-2,UPS,T10,2026-11-21,,9003:1\n111-1,UPS,T1,2026-11-21,,\n"
    )
    packages, _ = planned(path, state, found.append)
    assert [(p.order_id, p.tracking_number) for p in packages] == [("111-1", "T1")]
    assert [(d.code, d.location.row if d.location else None) for d in found] == [("ORD005", 2), ("ORD005", 3)]
    assert "feedsync holds this order, it is not in the store" in found[0].message
    published(state, "SKU-Z")  # the cause mended: the order is imported, then its shipment confirmed
    run(tmp_path, state, report(tmp_path, line("111-2", "9003", "SKU-Z")))
    found.clear()
    packages, _ = planned(path, state, found.append)
    assert [(p.order_id, p.tracking_number, p.items) for p in packages][:1] == [("111-2", "T9", (("9003", 1),))]
    assert not [d for d in found if "holds this order" in d.message]


def test_carrier_names_map_to_amazon_codes() -> None:
    carriers = Carriers({"Evri Next Day": "Hermes Logistik Gruppe"})
    assert carriers.code("fedex") == ("FedEx", None)
    assert carriers.code("Canada Post") == ("Canada Post", None)
    assert carriers.code("canada-post") == ("Canada Post", None)
    assert carriers.code("Evri next day") == ("Hermes Logistik Gruppe", None)
    assert carriers.code("Bob's Vans") == ("Other", "Bob's Vans")


class Killed(BaseException):
    """The process dies (kill -9) while a request is on the wire."""


def settle_and_confirm(tmp: Path, state: State, text: str, confirmer: Any) -> Any:
    """A whole run as run_tracking does it: settle what a killed run left, plan, confirm."""
    interrupted = settle(state, "amazon", tmp / "out")
    packages, _ = planned(shipments(tmp, text), state, pytest.fail, interrupted)
    return push_tracking(packages, confirmer=confirmer, state=state, marketplace="amazon", emit=pytest.fail)


@respx.mock(assert_all_mocked=True)
def test_a_package_left_sending_by_a_killed_run_is_sent_again_with_the_same_reference(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    lwa(respx_mock)
    sent: list[dict[str, Any]] = []

    def amazon(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["packageDetail"])
        if len(sent) == 2:
            raise Killed
        return httpx.Response(204)

    respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(side_effect=amazon)
    text = "111-1,UPS,1ZA,2026-11-21T10:00:00Z,,SKU-A:2\n111-1,UPS,1ZB,2026-11-21T10:00:00Z,,SKU-B:1\n"
    with pytest.raises(Killed):
        settle_and_confirm(tmp_path, state, text, api())
    assert state.shipment("amazon", "111-1", "1ZA") == ("1", "confirmed")
    assert state.shipment("amazon", "111-1", "1ZB") == ("2", "sending")
    # the next run's shipments no longer list it: the state kept the package and sends it again, unchanged
    again = settle_and_confirm(tmp_path, state, "", api())
    assert [p.package_ref for p in again.confirmed] == ["2"]
    assert sent[1] == sent[2] and sent[2]["packageReferenceId"] == "2" and sent[2]["trackingNumber"] == "1ZB"
    assert state.shipment("amazon", "111-1", "1ZB") == ("2", "confirmed")
    assert settle_and_confirm(tmp_path, state, text, api()).planned == [] and len(sent) == 3


def test_an_upload_file_whose_name_is_taken_is_never_overwritten(tmp_path: Path, state: State) -> None:
    moment = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    first = settle_and_confirm(
        tmp_path, state, "111-1,UPS,1ZA,2026-11-21,,SKU-A:2\n", FlatFileConfirmations(tmp_path / "out", now=moment)
    )
    [taken] = list((tmp_path / "out").iterdir())
    before = taken.read_bytes()
    same_name = FlatFileConfirmations(tmp_path / "out", now=moment, token=taken.stem.rsplit("-", 1)[1])
    assert same_name.path == taken and [p.tracking_number for p in first.confirmed] == ["1ZA"]
    with pytest.raises(RemoteError, match="a file of that name exists"):
        settle_and_confirm(tmp_path, state, "111-1,UPS,1ZB,2026-11-21,,SKU-B:1\n", same_name)
    assert taken.read_bytes() == before and state.shipment("amazon", "111-1", "1ZB") == ("2", "pending")
    # the next run sees 1ZB is not in that file and writes it into its own
    third = settle_and_confirm(tmp_path, state, "", FlatFileConfirmations(tmp_path / "out", now=moment))
    assert [p.tracking_number for p in third.confirmed] == ["1ZB"] and len(list((tmp_path / "out").iterdir())) == 2


def test_a_shipments_file_not_utf8_is_read_as_cp1252_and_the_warning_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "shipments.csv"
    path.write_bytes((SHIPMENTS + "111-1,UPS,1ZA,2026-11-21,Standard Überseeversand,SKU-A:2\n").encode("cp1252"))
    found: list[Diagnostic] = []
    [shipment] = read_shipments(path, found.append)
    assert shipment.shipping_method == "Standard Überseeversand"
    assert [(d.code, d.message) for d in found] == [
        ("SRC003", "not valid UTF-8 (byte 99); read as cp1252. If that is wrong, save it as UTF-8")
    ]


def test_an_upload_file_under_a_file_says_the_folder_is_a_file(tmp_path: Path, state: State) -> None:
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    upload = FlatFileConfirmations(tmp_path / "out" / "sub")
    with pytest.raises(RemoteError) as info:
        settle_and_confirm(tmp_path, state, "111-1,UPS,1ZA,2026-11-21,,SKU-A:2\n", upload)
    assert str(info.value) == (
        f"cannot write {upload.path}: {tmp_path / 'out'} is a file, not a folder; its 1 package(s) are written on the "
        "next run"
    )


def test_rows_of_one_tracking_number_with_other_items_are_one_package_with_the_items_of_both(
    tmp_path: Path, state: State
) -> None:
    found: list[Diagnostic] = []
    path = shipments(
        tmp_path,
        "111-1,UPS,T1,2026-11-21,,SKU-A:1\n"
        "111-1,UPS,T2,2026-11-21,,SKU-B:1\n"
        "111-1,UPS,T1,2026-11-21,,9001:1;SKU-B:1\n"  # row 4: SKU-A is line 9001, named by its id
        "111-1,UPS,T2,2026-11-21,,\n"  # row 5: no items, the whole order
        "111-1,UPS,T3,2026-11-21,,SKU-A:2\n"
        "111-1,UPS,T3,2026-11-21,,SKU-A:1\n",  # row 7: 3 of SKU-A in T3, 2 ordered
    )
    packages, _ = planned(path, state, found.append)
    assert [(p.tracking_number, p.package_ref, p.items) for p in packages] == [("T1", "1", (("9001", 2), ("9002", 1)))]
    assert [(d.code, d.severity.value, d.location.row if d.location else None) for d in found] == [
        ("ORD009", "warning", 4),
        ("ORD009", "warning", 5),
        ("ORD009", "warning", 7),
        ("ORD005", "error", 3),  # the whole order again, after T1 shipped it all
        ("ORD005", "error", 6),  # the merged package, at its first row
    ]
    assert "row 4 repeats row 2, with other items" in found[0].message
    assert "other packages shipped all of it already" in found[3].message
    assert "3 shipped (and 2 in the order's other packages) but 2 ordered" in found[4].message


def test_no_package_ships_more_than_the_order_has_left_across_packages_and_runs(tmp_path: Path, state: State) -> None:
    """Order 111-1 has 2 of item 9001: packages of 2, then 2 more, then the whole order are not all confirmable;
    the second and third are ORD005, in this run and in the next (whose state knows the first)."""
    found: list[Diagnostic] = []

    def plan(text: str) -> list[Any]:
        packages, _ = planned(shipments(tmp_path, text), state, found.append)
        return packages

    rows = "111-1,UPS,P1,2026-11-21,,9001:2\n111-1,UPS,P2,2026-11-21,,9001:2\n111-1,UPS,P3,2026-11-21,,\n"
    first = plan(rows)
    assert [(p.tracking_number, p.items) for p in first] == [("P1", (("9001", 2),)), ("P3", (("9002", 1),))]
    assert [(d.code, d.location.row if d.location else None) for d in found] == [("ORD005", 3)]
    assert "2 shipped (and 2 in the order's other packages) but 2 ordered" in found[0].message
    state.record_shipments("amazon", [(p.order_id, p.tracking_number, p.package_ref, p.to_json()) for p in first],
                           state="confirmed")  # fmt: skip
    found.clear()
    assert plan("111-1,UPS,P4,2026-11-22,,SKU-A:1\n111-1,UPS,P5,2026-11-22,,\n") == []
    assert [d.code for d in found] == ["ORD005", "ORD005"]


def test_a_state_from_before_pending_packages_migrates_with_its_shipments(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path, isolation_level=None) as db:
        for script in MIGRATIONS[:3]:
            db.executescript(script)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO shipments VALUES ('amazon', '111-1', '1ZA', '1', 'confirmed', NULL, 'now')")
    db.close()
    with State(path) as state:
        assert state.schema_version == len(MIGRATIONS)
        assert state.shipment("amazon", "111-1", "1ZA") == ("1", "confirmed")
        assert state.unsettled_shipments("amazon", ("pending", "sending")) == []


@respx.mock(assert_all_mocked=True)
def test_a_resent_package_the_marketplace_refuses_says_the_killed_run_may_have_confirmed_it(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    lwa(respx_mock)
    error = {"errors": [{"code": "InvalidInput", "message": "The order is already shipped", "details": ""}]}
    answers: list[Any] = [Killed(), httpx.Response(400, json=error)]

    def amazon(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(side_effect=amazon)
    text = "111-1,UPS,1ZA,2026-11-21T10:00:00Z,,\n"
    with pytest.raises(Killed):
        settle_and_confirm(tmp_path, state, text, api())
    found: list[Diagnostic] = []
    packages, _ = planned(shipments(tmp_path, text), state, pytest.fail, settle(state, "amazon", None))
    result = push_tracking(packages, confirmer=api(), state=state, marketplace="amazon", emit=found.append)
    assert result.confirmed == [] and [d.code for d in found] == ["ORD006"]
    assert (
        "already shipped" in found[0].message and "an interrupted run, which may have confirmed it" in found[0].message
    )
    assert state.shipment("amazon", "111-1", "1ZA") == ("1", "failed")


@respx.mock(assert_all_mocked=True)
def test_a_refused_login_stops_the_run_at_the_first_package_and_sends_every_package_next_run(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    token = respx_mock.post(LWA).mock(return_value=httpx.Response(400, json={"error": "invalid_grant"}))
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        return_value=httpx.Response(204)
    )
    rows = "111-1,UPS,1ZA,2026-11-21,,9001:2\n111-1,UPS,1ZB,2026-11-21,,9002:1\n"
    with pytest.raises(RemoteError, match=r"Login with Amazon refused the refresh token.*sent on the next run"):
        confirm(tmp_path, state, rows)
    assert (token.call_count, route.call_count) == (1, 0)  # asked once, not once per package
    assert state.shipment("amazon", "111-1", "1ZA") == ("1", "failed")
    assert state.shipment("amazon", "111-1", "1ZB") is None
    token.mock(return_value=httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600}))
    again = confirm(tmp_path, state, rows)
    assert [p.tracking_number for p in again.confirmed] == ["1ZA", "1ZB"] and route.call_count == 2
    assert [json.loads(c.request.content)["packageDetail"]["packageReferenceId"] for c in route.calls] == ["1", "2"]


def test_missing_credentials_stop_the_run_before_any_package_is_recorded_as_sending(
    tmp_path: Path, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh token's variable is unset: a clear error (exit 2) before the first package is recorded as
    sending, so the next run does not take it for one an interrupted run may have confirmed."""
    from feedsync.errors import ConfigError

    monkeypatch.delenv("FS_TEST_REFRESH")
    with pytest.raises(ConfigError) as raised:
        confirm(tmp_path, state, "111-1,UPS,1ZA,2026-11-21,,9001:2\n")
    assert raised.value.exit_code == 2 and "FS_TEST_REFRESH" in str(raised.value)
    assert state.shipment("amazon", "111-1", "1ZA") is None


def test_a_package_amazon_holds_already_is_not_sent_again_and_its_reference_is_not_reused(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    """A package confirmed in Seller Central (reference "1") is on the order Amazon answers (its PACKAGES). Sending
    feedsync's first package as "1" would edit that one ("submit another confirmShipment with the same
    packageReferenceID: the other shipment details are edited"): feedsync numbers after it, counts what it ships,
    and does not confirm a package whose tracking number Amazon holds already."""
    from feedsync.model.order import HeldPackage, Order

    order = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
    held = HeldPackage(reference="1", tracking_number="9400SELLERCENTRAL", items=(("9001", 2),))
    record = state.order("amazon", "111-1")
    assert record is not None
    state.record_order(
        "amazon",
        "111-1",
        status=record.status,
        state=record.state,
        sink_ref=record.sink_ref,
        payload=order.model_copy(update={"packages": (held,)}).model_dump_json(),
    )
    lwa(respx_mock)
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        return_value=httpx.Response(204)
    )
    text = (
        "111-1,USPS,9400SELLERCENTRAL,2026-11-21T16:30:00Z,,\n"  # the Seller Central package, listed again
        "111-1,United Parcel Service,1ZREST,2026-11-22T09:00:00Z,,\n"  # the whole order: what is left of it
    )
    result = confirm(tmp_path, state, text)
    assert result.already == 1
    [body] = [json.loads(call.request.content)["packageDetail"] for call in route.calls]
    assert (body["packageReferenceId"], body["trackingNumber"]) == ("2", "1ZREST")
    assert body["orderItems"] == [{"orderItemId": "9002", "quantity": 1}]


def test_a_package_confirmed_in_seller_central_while_the_status_stays_is_kept_with_the_order(
    tmp_path: Path, state: State
) -> None:
    """An import that finds the order's status unchanged (partly shipped, then partly shipped again) counted it
    unchanged and kept the packages it had read before: a second package confirmed in Seller Central meanwhile
    was not known, and push-tracking planned its own package with that package's reference."""
    from feedsync.model.order import HeldPackage, Order, OrderStatus
    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink

    order = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
    first = HeldPackage(reference="1", tracking_number="SC-1", items=(("9001", 1),))
    second = HeldPackage(reference="2", tracking_number="SC-2", items=(("9001", 1),))
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
    for packages in ((first,), (first, second)):
        read = order.model_copy(update={"status": OrderStatus.PARTIALLY_SHIPPED, "packages": packages})
        import_orders([read], state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=pytest.fail)
    stored = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
    assert [p.reference for p in stored.packages] == ["1", "2"]
    packages, _ = planned(shipments(tmp_path, "111-1,UPS,1ZMINE,2026-11-22T09:00:00Z,,\n"), state, pytest.fail)
    assert [(p.package_ref, p.items) for p in packages] == [("3", (("9002", 1),))]  # (9001 shipped by Amazon's two)


def test_a_sku_on_two_lines_of_an_order_ships_the_units_of_both_across_packages_and_runs(tmp_path: Path) -> None:
    """An order listing SKU-A twice (9001 and 9002, one unit each: two prices) took SKU-A as its first line alone:
    ``SKU-A:2`` was "2 shipped but 1 ordered", and a second package's ``SKU-A:1`` the same, so the second unit was
    never confirmed. A SKU now fills its lines in turn, each up to what it has left; a third unit is still refused."""
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as db:
        published(db, "SKU-A")
        order = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-1", "9002", "SKU-A", price="15.00"))
        run(tmp_path, db, order)
        whole, _ = planned(shipments(tmp_path, "111-1,UPS,P1,2026-11-21,,SKU-A:2\n"), db, found.append)
        assert [p.items for p in whole] == [(("9001", 1), ("9002", 1))] and found == []

        rows = "111-1,UPS,P1,2026-11-21,,SKU-A:1\n111-1,UPS,P2,2026-11-22,,SKU-A:1\n"
        first, _ = planned(shipments(tmp_path, rows), db, found.append)
        assert [(p.tracking_number, p.items) for p in first] == [("P1", (("9001", 1),)), ("P2", (("9002", 1),))]
        assert found == []
        confirmed = [(p.order_id, p.tracking_number, p.package_ref, p.to_json()) for p in first[:1]]
        db.record_shipments("amazon", confirmed, state="confirmed")
        later, _ = planned(shipments(tmp_path, "111-1,UPS,P2,2026-11-22,,SKU-A:1\n"), db, found.append)
        assert [p.items for p in later] == [(("9002", 1),)] and found == []
        db.record_shipments("amazon", [(p.order_id, p.tracking_number, p.package_ref, p.to_json()) for p in later],
                            state="confirmed")  # fmt: skip
        assert planned(shipments(tmp_path, "111-1,UPS,P3,2026-11-23,,SKU-A:1\n"), db, found.append)[0] == []
    assert [d.code for d in found] == ["ORD005"]
    assert "item 'SKU-A': 1 shipped (and 2 in the order's other packages) but 2 ordered" in found[0].message


@respx.mock(assert_all_mocked=True)
def test_a_failed_package_confirmed_in_seller_central_since_is_recorded_confirmed_and_not_sent_again(
    respx_mock: respx.Router, tmp_path: Path, state: State
) -> None:
    """A package Amazon refused (ORD006), which ops then confirmed by hand in Seller Central: the order Amazon
    answers holds its tracking number, yet each push-tracking sent it again, Amazon refused it again (the order is
    shipped), and it stayed failed in `feedsync status` for good. It is recorded confirmed and not sent."""
    from feedsync.model.order import HeldPackage, Order, OrderStatus
    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink

    lwa(respx_mock)
    refused = {"errors": [{"code": "InvalidInput", "message": "The order has been shipped already"}]}
    route = respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(
        return_value=httpx.Response(400, json=refused)
    )
    text = "111-1,UPS,1ZBYHAND,2026-11-21T16:30:00Z,,\n"
    found: list[Diagnostic] = []
    assert confirm(tmp_path, state, text, found).failed and [d.code for d in found] == ["ORD006"]
    assert state.failed_shipments("amazon") != []

    order = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")  # as the next import reads it
    by_hand = HeldPackage(reference="1", tracking_number="1ZBYHAND", items=(("9001", 2), ("9002", 1)))
    shipped = order.model_copy(update={"status": OrderStatus.SHIPPED, "packages": (by_hand,)})
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
    import_orders([shipped], state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=pytest.fail)

    def plan(dry_run: bool) -> tuple[list[Any], int]:
        read = read_shipments(shipments(tmp_path, text), pytest.fail)
        return plan_packages(
            read, state=state, marketplace="amazon", carriers=Carriers(), emit=pytest.fail, dry_run=dry_run
        )

    assert plan(dry_run=True) == ([], 1) and state.shipment("amazon", "111-1", "1ZBYHAND") == ("1", "failed")
    packages, already = plan(dry_run=False)
    assert (packages, already, route.call_count) == ([], 1, 1)
    assert state.shipment("amazon", "111-1", "1ZBYHAND") == ("1", "confirmed")
    assert state.failed_shipments("amazon") == []


@respx.mock(assert_all_mocked=True)
def test_an_order_id_is_one_path_segment_of_confirm_shipment(respx_mock: respx.Router) -> None:
    """An id with ``/`` or ``?`` names its order alone (percent-encoded); ``..`` is refused without a request."""
    from feedsync.orders.package import Package

    lwa(respx_mock)
    route = respx_mock.post(url__eq=f"{HOST}/orders/v0/orders/ODD%2F..%2F1%3Fx/shipmentConfirmation")
    route.mock(return_value=httpx.Response(204))
    confirmer = api()

    def package(order_id: str) -> Package:
        return Package(order_id, "1", "UPS", None, "1Z999AA10123456784", "2026-11-21T16:30:00Z", None, ())

    confirmer.confirm(package("ODD/../1?x"))
    assert route.call_count == 1
    with pytest.raises(RemoteError, match="names no order"):
        confirmer.confirm(package(".."))
    assert len(respx_mock.calls) == 2  # the login and the one confirmation


def _boxes(*trackings: str) -> list[Any]:
    """A store shipment of the whole order 111-1 in ``trackings`` boxes (as a store sink reads it)."""
    from feedsync.diagnostics.diagnostic import Location
    from feedsync.orders.shipments import Shipment

    shipped = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    return [
        Shipment("111-1", "UPS", tracking, shipped, None, (), Location("store order 5150"), group=trackings)
        for tracking in trackings
    ]


@pytest.mark.parametrize("kill_at", [1, 2])
@respx.mock(assert_all_mocked=True)
def test_a_run_killed_while_confirming_a_shipment_of_several_boxes_sends_each_box_once_with_its_share(
    respx_mock: respx.Router, tmp_path: Path, state: State, kill_at: int
) -> None:
    """Killed with a box's confirmShipment on the wire: the rerun plans the boxes not yet confirmed from what the
    order has left less the boxes confirmed, so the box in flight is sent again with the same reference and the
    same units, the other box once, and nothing a third time."""
    lwa(respx_mock)
    sent: list[dict[str, Any]] = []

    def amazon(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["packageDetail"])
        if len(sent) == kill_at:
            raise Killed
        return httpx.Response(204)

    respx_mock.post(f"{HOST}/orders/v0/orders/111-1/shipmentConfirmation").mock(side_effect=amazon)

    def run() -> Any:
        interrupted = settle(state, "amazon", None)
        packages, already = plan_packages(
            _boxes("BOX1", "BOX2"),
            state=state,
            marketplace="amazon",
            carriers=Carriers(),
            emit=pytest.fail,
            interrupted=interrupted,
        )
        result = push_tracking(packages, confirmer=api(), state=state, marketplace="amazon", emit=pytest.fail)
        result.already = already
        return result

    with pytest.raises(Killed):
        run()
    rerun = run()
    assert (rerun.already, len(rerun.confirmed)) == (kill_at - 1, 3 - kill_at)
    assert (run().planned, run().already) == ([], 2)
    boxes = {(d["packageReferenceId"], d["trackingNumber"]): d["orderItems"] for d in sent}
    assert boxes == {
        ("1", "BOX1"): [{"orderItemId": "9001", "quantity": 2}],
        ("2", "BOX2"): [{"orderItemId": "9002", "quantity": 1}],
    }
    assert len(sent) == 3 and sent[kill_at - 1] == sent[kill_at]  # the box in flight, sent again unchanged
    assert state.shipment("amazon", "111-1", "BOX1") == ("1", "confirmed")
    assert state.shipment("amazon", "111-1", "BOX2") == ("2", "confirmed")
