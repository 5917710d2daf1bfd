from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
import respx

from feedsync.config import SecretRef, WebhookOrderSink
from feedsync.diagnostics import Diagnostic
from feedsync.errors import RemoteError
from feedsync.model.order import OrderStatus
from feedsync.orders.report_file import read_order_report
from feedsync.orders.sinks import WebhookSink
from feedsync.state import State
from tests.orders.test_import import into, line, published, report

URL = "https://shop.example.com/hooks/orders?token=s3cret-token"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_HMAC", "hmac-key")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def sink() -> WebhookSink:
    return WebhookSink(WebhookOrderSink(type="webhook", url=URL, secret=SecretRef(env="FS_TEST_HMAC")))


@respx.mock(assert_all_mocked=True)
def test_orders_are_posted_signed_with_an_idempotency_key_and_retried_alike(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    route = respx_mock.post(URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(201, json={"id": 4711}), httpx.Response(200)]
    )
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, [order])
        assert result.imported == ["111-1"]
        assert state.order("amazon", "111-1").sink_ref == "4711"  # type: ignore[union-attr]
        cancelled = order.model_copy(update={"status": OrderStatus.CANCELLED})
        update = into(sink(), state, [cancelled])
        assert update.updated == ["111-1"]
    first, retry, changed = (call.request for call in route.calls)
    assert first.content == retry.content
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"] == "amazon:111-1:order.created"
    assert changed.headers["idempotency-key"] == "amazon:111-1:order.updated:cancelled"
    for request in (first, changed):
        expected = hmac.new(b"hmac-key", request.content, hashlib.sha256).hexdigest()
        assert request.headers["x-feedsync-signature"] == f"sha256={expected}"
    body = json.loads(first.content)
    assert (body["event"], body["order"]["lines"][0]["catalog_id"]) == ("order.created", "cat-SKU-A")
    assert (changed.headers["x-feedsync-event"], json.loads(changed.content)["order"]["status"]) == (
        "order.updated",
        "cancelled",
    )


@respx.mock(assert_all_mocked=True)
def test_a_refused_order_is_held_and_the_url_token_is_not_shown(respx_mock: respx.Router, tmp_path: Path) -> None:
    route = respx_mock.post(URL).mock(
        side_effect=[httpx.Response(422, json={"message": "unknown product"}), httpx.Response(201, json={"id": 7})]
    )
    found: list[Diagnostic] = []
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, [order], found.append)
        assert result.held == ["111-1"] and result.imported == []
        assert state.order("amazon", "111-1").state == "held"  # type: ignore[union-attr]
        retry = into(sink(), state, [])
        assert retry.imported == ["111-1"] and state.order("amazon", "111-1").sink_ref == "7"  # type: ignore[union-attr]
    assert [(d.code, d.product_id) for d in found] == [("ORD007", "111-1")]
    assert "s3cret-token" not in found[0].message and "422" in found[0].message
    assert route.call_count == 2


@respx.mock(assert_all_mocked=True)
def test_a_webhook_that_is_down_stops_the_run_and_records_nothing(respx_mock: respx.Router, tmp_path: Path) -> None:
    respx_mock.post(URL).mock(return_value=httpx.Response(401, json={"message": "bad key"}))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        with pytest.raises(RemoteError):
            into(sink(), state, [order])
        assert state.order("amazon", "111-1") is None


@respx.mock(assert_all_mocked=True)
def test_a_rerun_after_a_crash_sends_the_created_order_s_key_again_though_it_has_shipped(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """The state write after the POST was lost, and the order shipped meanwhile: the rerun's create carries the
    key the endpoint saw, so that it takes it as the same request."""
    route = respx_mock.post(URL).mock(return_value=httpx.Response(201, json={"id": 4711}))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, [order])
    with State(tmp_path / "rerun.sqlite") as state:  # (the lost state write)
        published(state, "SKU-A")
        into(sink(), state, [order.model_copy(update={"status": OrderStatus.SHIPPED})])
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert keys == ["amazon:111-1:order.created"] * 2


@respx.mock(assert_all_mocked=True)
def test_a_redirect_is_no_import_and_the_token_does_not_follow_it(respx_mock: respx.Router, tmp_path: Path) -> None:
    """A 302 stored nothing: the run stops (exit 3), the order stays unknown to the state, and the redirect is not
    followed (its target is another host, which would get the signed body)."""
    respx_mock.post(URL).mock(
        return_value=httpx.Response(302, headers={"location": "https://elsewhere.example/take?token=s3cret-token"})
    )
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        with pytest.raises(RemoteError) as raised:
            into(sink(), state, [order])
        assert state.order("amazon", "111-1") is None
    assert raised.value.exit_code == 3 and "redirect to https://elsewhere.example/take" in str(raised.value)
    assert "s3cret-token" not in str(raised.value)


@respx.mock(assert_all_mocked=True)
def test_an_update_the_endpoint_refuses_is_an_error_naming_the_order_and_the_other_orders_go_on(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """A 422 to an order.updated event stopped the run before the orders after it (and every later run at it)."""
    respx_mock.post(URL).mock(
        side_effect=lambda request: (
            httpx.Response(422, json={"message": "order 1 is closed"})
            if json.loads(request.content)["event"] == "order.updated"
            else httpx.Response(201, json={"id": json.loads(request.content)["order"]["order_id"]})
        )
    )
    found: list[Diagnostic] = []
    first, second = read_order_report(
        report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-A")), pytest.fail
    )
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, [first])
        result = into(sink(), state, [first.model_copy(update={"status": OrderStatus.CANCELLED}), second], found.append)
    assert result.imported == ["111-2"] and result.updated == []
    assert [(d.code, d.severity, d.product_id) for d in found] == [("ORD003", "error", "111-1")]
    assert "order 1 is closed" in found[0].message and "s3cret-token" not in found[0].message


class Killed(BaseException):
    """The run dies here, as a ``kill -9`` would: no handler sees it."""


def killed_before_the_state_knows(monkeypatch: pytest.MonkeyPatch, state: State, order: object) -> None:
    """A run that imports ``order`` and dies after the sink took it, before the state records it imported."""
    record_order = State.record_order

    def dying(self: State, *args: object, **kwargs: object) -> None:
        if kwargs.get("state") == "imported":
            raise Killed
        record_order(self, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(State, "record_order", dying)
        with pytest.raises(Killed):
            into(sink(), state, [order])


@respx.mock(assert_all_mocked=True)
def test_an_order_cancelled_after_a_run_died_between_its_post_and_the_state_reaches_the_endpoint(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed after the endpoint took the order and before the state recorded it, then the order cancelled
    on Amazon: the rerun took it for an order cancelled before import (a webhook cannot be asked whether it holds
    one) and skipped it, so the endpoint kept an order to ship that Amazon had cancelled. The order is marked
    before its POST, and the cancellation reaches the endpoint."""
    route = respx_mock.post(URL).mock(return_value=httpx.Response(201, json={"id": 4711}))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        killed_before_the_state_knows(monkeypatch, state, order)
        result = into(sink(), state, [order.model_copy(update={"status": OrderStatus.CANCELLED})])
        assert result.updated == ["111-1"] and result.skipped == 0
        record = state.order("amazon", "111-1")
        assert record is not None and (record.state, record.status) == ("imported", "cancelled")
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [(body["event"], body["order"]["status"]) for body in sent] == [
        ("order.created", "unshipped"),
        ("order.updated", "cancelled"),
    ]
    assert sent[1]["order"]["lines"][0]["catalog_id"] == "cat-SKU-A"


@respx.mock(assert_all_mocked=True)
def test_a_held_order_retried_is_marked_too_so_its_cancellation_after_a_kill_reaches_the_endpoint(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held first (its SKU not yet listed), then created by a run killed after the POST: it was left 'held', and
    its cancellation skipped, the endpoint keeping an order to ship."""
    route = respx_mock.post(URL).mock(return_value=httpx.Response(201, json={"id": 4711}))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        assert into(sink(), state, [order], lambda d: None).held == ["111-1"]
        published(state, "SKU-A")
        killed_before_the_state_knows(monkeypatch, state, order)
        result = into(sink(), state, [order.model_copy(update={"status": OrderStatus.CANCELLED})])
        assert result.updated == ["111-1"] and result.skipped == 0
    assert [json.loads(c.request.content)["event"] for c in route.calls] == ["order.created", "order.updated"]


@respx.mock(assert_all_mocked=True)
def test_a_marked_order_the_endpoint_never_got_is_skipped_once_cancelled_not_stuck(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """Marked, then the run ended before its POST arrived; cancelled on Amazon: the endpoint answers 404 to its
    update. That stopped every run at this order (exit 3, the cursor kept); it is skipped (it never was a store
    order) and the run goes on."""
    route = respx_mock.post(URL).mock(return_value=httpx.Response(404, json={"error": "no such order"}))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        state.record_order("amazon", "111-1", status="unshipped", state="creating", payload=order.model_dump_json())
        result = into(sink(), state, [order.model_copy(update={"status": OrderStatus.CANCELLED})])
        assert (result.skipped, result.updated) == (1, [])
        record = state.order("amazon", "111-1")
        assert record is not None and (record.state, record.status) == ("skipped", "cancelled")
        assert into(sink(), state, [order.model_copy(update={"status": OrderStatus.CANCELLED})]).skipped == 0
    assert route.call_count == 1


@respx.mock(assert_all_mocked=True)
def test_a_held_order_whose_retry_is_refused_outright_stays_held(respx_mock: respx.Router, tmp_path: Path) -> None:
    """Its mark is taken back as it was, held with its payload, not forgotten (an order forgotten is never retried
    once the marketplace's read has moved past it)."""
    respx_mock.post(URL).mock(return_value=httpx.Response(401))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        assert into(sink(), state, [order], lambda d: None).held == ["111-1"]
        published(state, "SKU-A")
        with pytest.raises(RemoteError):
            into(sink(), state, [order])
        record = state.order("amazon", "111-1")
        assert record is not None and record.state == "held"
        assert state.order_payload("amazon", "111-1") == order.model_dump_json()


@respx.mock(assert_all_mocked=True)
def test_an_order_sent_without_an_answer_is_sent_again_though_the_next_report_does_not_list_it(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """The endpoint failed (500 on every attempt) after the order was marked: the run stopped (exit 3), the order
    stayed 'creating', and a next run whose report no longer listed it imported the others and never sent it again:
    the order was lost, and status said nothing. It is sent again as it was sent (mapped and cut to its units to
    ship once: the same body and idempotency key), and status names it meanwhile."""
    from feedsync.orders.importer import CREATING

    route = respx_mock.post(URL).mock(return_value=httpx.Response(500))
    first = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A", qty="2")), pytest.fail))
    shipped_one = first.lines[0].model_copy(update={"quantity": 1, "shipped": 1})
    first = first.model_copy(update={"lines": (shipped_one,), "status": OrderStatus.PARTIALLY_SHIPPED})
    other = next(read_order_report(report(tmp_path, line("222-2", "9002", "SKU-A"), name="o2.txt"), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        before: list[Diagnostic] = []
        with pytest.raises(RemoteError):
            into(sink(), state, [first], before.append)
        assert [d.code for d in before] == ["ORD012"]  # (1 of 2 units imported, 1 shipped on Amazon)
        assert state.order("amazon", "111-1").state == CREATING  # type: ignore[union-attr]
        assert [order_id for order_id, _, _ in state.held_orders("amazon", CREATING)] == ["111-1"]
        route.mock(side_effect=[httpx.Response(201, json={"id": 7}), httpx.Response(201, json={"id": 8})])
        told: list[Diagnostic] = []
        result = into(sink(), state, [other], told.append)
        assert sorted(result.imported) == ["111-1", "222-2"], told
        assert (state.order("amazon", "111-1").state, state.order("amazon", "111-1").sink_ref) == ("imported", "8")  # type: ignore[union-attr]
        assert into(sink(), state, [other]).imported == []  # (once)
    sent = [c.request for c in route.calls]
    failed, resent = sent[0], sent[-1]
    assert resent.content == failed.content and resent.headers["idempotency-key"] == "amazon:111-1:order.created"
    sent_line = json.loads(resent.content)["order"]["lines"][0]
    assert (sent_line["quantity"], sent_line["shipped"], sent_line["tax"]["amount"]) == (1, 1, "0.80")


@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html><html><body>Shop</body></html>",
        "\n  <HTML lang=en>",
        "\ufeff<html>",
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "<!-- served by a CMS -->\n<!-- cached -->\n<!doctype html>",
    ],
)
def test_an_html_page_answered_with_200_is_no_import_and_the_order_is_sent_again(
    respx_mock: respx.Router, tmp_path: Path, page: str
) -> None:
    """A mistyped address that is a website answers 200 with its page: the order was recorded imported though no
    store got it. The run stops (exit 3) naming the address (its token masked); the order is sent again."""
    html = {"content-type": "text/html"}
    route = respx_mock.post(URL).mock(return_value=httpx.Response(200, text=page, headers=html))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        with pytest.raises(RemoteError, match="answered HTTP 200 with an HTML page") as stopped:
            into(sink(), state, [order])
        assert "s3cret-token" not in str(stopped.value)
        assert state.order("amazon", "111-1").state == "creating"  # type: ignore[union-attr]
        route.mock(return_value=httpx.Response(200, text="OK", headers=html))  # (PHP's answer: text/html)
        assert into(sink(), state, []).imported == ["111-1"]
        assert state.order("amazon", "111-1").state == "imported"  # type: ignore[union-attr]


@respx.mock(assert_all_mocked=True)
def test_an_order_the_store_refuses_when_sent_again_is_noted_named_by_status_and_can_be_marked_handled(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """The resend refused (422) was told "held" while the order stayed as though never answered: status said the
    store never answered, and --handled refused it. The refusal is its note; status names it; it is sent again on
    each run (as it was sent) until the store takes it or ops marks it handled."""
    from types import SimpleNamespace

    from feedsync.status import status as read_status

    route = respx_mock.post(URL).mock(return_value=httpx.Response(500))
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        with pytest.raises(RemoteError):
            into(sink(), state, [order])
        route.mock(return_value=httpx.Response(422, json={"message": "unknown product"}))
        for _ in range(2):
            told: list[Diagnostic] = []
            assert into(sink(), state, [], told.append).held == ["111-1"]
            assert [d.code for d in told] == ["ORD007"] and "the store refused it" in told[0].message
        record = state.order("amazon", "111-1")
        assert record is not None and record.state == "creating" and "unknown product" in (record.message or "")
        config = SimpleNamespace(channels={}, orders=SimpleNamespace(marketplace="amazon"), state_path=state.path)
        unanswered = read_status(config, state).unanswered_orders  # type: ignore[arg-type]
        assert [(u["order_id"], "unknown product" in (u["reason"] or "")) for u in unanswered] == [("111-1", True)]
        assert state.mark_handled("amazon", ["111-1"], "entered by hand") == []
        assert into(sink(), state, []).held == []  # (handled: never sent again)
    assert route.call_count == 6 + 2  # (six attempts answered 500, then each run's one refused resend)
