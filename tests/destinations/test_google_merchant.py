"""The Merchant API destination against respx: exact requests, delta sync, retries, rejections, crash recovery."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.destinations.google_merchant import micros, product_name
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure
from tests.destinations.gmc import API, INSERT, PRODUCT_INPUT, TOKEN, gmc_config, mock_api


def catalog(count: int, price: str = "20.00", changed: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    return HEADER + "".join(row(f"P{i}", size=str(i), price="21.00" if i in changed else price) for i in range(count))


def push(config: object) -> object:
    with State(config.state_path) as state:  # type: ignore[attr-defined]
        return pipeline.run(config, "push", state=state)  # type: ignore[arg-type]


def test_product_name_is_unpadded_base64url() -> None:
    assert product_name("en", "US", "sku/123") == "ZW5-VVN-c2t1LzEyMw"  # Google's documented example
    assert micros("12.50 USD") == {"amountMicros": "12500000", "currencyCode": "USD"}


@respx.mock
def test_insert_sends_the_exact_request(tmp_path: Path) -> None:
    insert, _ = mock_api(respx.mock)
    config = gmc_config(tmp_path, HEADER + row("A", description="<b>Soft</b>"))
    report = push(config)
    assert report.diagnostics == []
    [call] = insert.calls
    request = call.request
    assert request.method == "POST"
    assert str(request.url) == f"{INSERT}?dataSource=accounts%2F123%2FdataSources%2F456"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "offerId": "A",
        "contentLanguage": "en",
        "feedLabel": "US",
        "productAttributes": {
            "title": "Merino Tee - Navy - M",
            "description": "Soft",
            "link": "https://shop.example.com/products/tee",
            "imageLink": "https://shop.example.com/img/tee.jpg",
            "availability": "IN_STOCK",
            "price": {"amountMicros": "20000000", "currencyCode": "USD"},
            "brand": "Acme",
            "gtins": ["4006381333931"],
            "condition": "NEW",
            "color": "Navy",
            "size": "M",
        },
    }
    assert report.channels["google"].published == (
        "google_merchant_api:accounts/123/dataSources/456/en~US (1 to create, 0 to update, 0 to refresh, 0 to delete, "
        "0 unchanged)"
    )


@respx.mock
def test_one_percent_changed_sends_exactly_those_plus_deletions(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog(2_000), "    max_drop_percent: 50\n")
    push(config)
    assert insert.call_count == 2_000
    insert.reset()
    changed = set(range(0, 2_000, 100))  # 20 items, 1 %
    config = gmc_config(tmp_path, catalog(1_990, changed=changed), "    max_drop_percent: 50\n")
    report = push(config)
    sent = sorted(json.loads(c.request.content)["offerId"] for c in insert.calls)
    assert sent == sorted(f"P{i}" for i in changed if i < 1_990)
    deleted = sorted(str(c.request.url).split("/productInputs/")[1].split("?")[0] for c in delete.calls)
    assert deleted == sorted(product_name("en", "US", f"P{i}") for i in range(1_990, 2_000))
    first = delete.calls[0].request
    assert first.method == "DELETE" and first.headers["authorization"] == f"Bearer {TOKEN}"
    assert dict(first.url.params) == {"dataSource": "accounts/123/dataSources/456"}
    assert first.content == b""
    assert "20 to update, 0 to refresh, 10 to delete, 1970 unchanged" in report.channels["google"].published


@respx.mock
def test_retries_on_429_and_500_then_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    mock_api(respx.mock)
    route = respx.post(INSERT).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(500),
            httpx.Response(200, json=PRODUCT_INPUT),
        ]
    )
    report = push(gmc_config(tmp_path, HEADER + row("A")))
    assert route.call_count == 3 and report.diagnostics == []


@respx.mock
def test_a_rejected_item_is_reported_and_recorded(tmp_path: Path) -> None:
    mock_api(respx.mock)
    body = {"error": {"code": 400, "message": "[price] Invalid price", "status": "INVALID_ARGUMENT"}}
    respx.post(INSERT).mock(
        side_effect=lambda request: (
            httpx.Response(400, json=body)
            if json.loads(request.content)["offerId"] == "B"
            else httpx.Response(200, json=PRODUCT_INPUT)
        )
    )
    config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    [problem] = report.diagnostics
    assert (problem.code, problem.product_id) == ("DST003", "B") and "Invalid price" in problem.message
    with State(config.state_path) as state:
        assert set(state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US")) == {"A"}
    respx.post(INSERT).mock(return_value=httpx.Response(200, json=PRODUCT_INPUT))
    push(config)  # the rejected item is tried again on the next push
    with State(config.state_path) as state:
        assert set(state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US")) == {"A", "B"}


@respx.mock
def test_a_push_killed_midway_converges_on_rerun(tmp_path: Path) -> None:
    mock_api(respx.mock)
    calls = {"n": 0}

    def dies_after_250(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] > 250:
            raise RuntimeError("killed")
        return httpx.Response(200, json=PRODUCT_INPUT)

    config = gmc_config(tmp_path, catalog(500))
    respx.post(INSERT).mock(side_effect=dies_after_250)
    with pytest.raises(RuntimeError, match="killed"):
        push(config)
    with State(config.state_path) as state:
        recorded = state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US")
        assert 0 < len(recorded) <= 250  # whole batches recorded; the batch in flight was not
        assert state.runs()[0].outcome == "failed"
    insert = respx.post(INSERT).mock(return_value=httpx.Response(200, json=PRODUCT_INPUT))
    insert.reset()  # the route keeps the calls of the killed push
    push(config)
    resent = {json.loads(c.request.content)["offerId"] for c in insert.calls}
    assert resent == {f"P{i}" for i in range(500)} - set(recorded)  # nothing recorded is sent twice
    with State(config.state_path) as state:
        assert len(state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US")) == 500
    insert.reset()
    push(config)
    assert insert.call_count == 0  # converged: nothing left to send


@respx.mock
def test_max_deletes_guardrail_and_dry_run(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(10), "    max_deletes: 2\n"))
    insert.reset()
    config = gmc_config(tmp_path, catalog(7), "    max_deletes: 2\n    max_drop_percent: 90\n")
    with State(config.state_path) as state:
        dry = pipeline.run(config, "push", state=state, dry_run=True, force=True)
    assert dry.channels["google"].planned == (
        "would sync google_merchant_api:accounts/123/dataSources/456/en~US: 0 to create, 0 to update, 0 to refresh, "
        "3 to delete, 7 unchanged"
    )
    assert dry.channels["google"].samples == ["delete P7", "delete P8", "delete P9"]
    report = push(config)
    assert [d.code for d in report.diagnostics] == ["DST004"]
    assert delete.call_count == 0 and insert.call_count == 0


WHERE = "google_merchant_api:accounts/123/dataSources/456"


def _sent(config: object, where: str) -> set[str]:
    with State(config.state_path) as state:  # type: ignore[attr-defined]
        return set(state.sent_items("google", where))


def _deleted(delete: respx.Route) -> list[str]:
    """The product names of the delete requests (each checked to name the data source)."""
    names = []
    for call in delete.calls:
        assert dict(call.request.url.params) == {"dataSource": "accounts/123/dataSources/456"}
        names.append(call.request.url.path.rsplit("/", 1)[1])
    return sorted(names)


@respx.mock
def test_a_new_feed_label_inserts_every_product_under_it_and_deletes_those_under_the_old(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(3)))
    insert.reset()
    config = gmc_config(tmp_path, catalog(2), "      feed_label: GB\n    max_drop_percent: 50\n")  # P2 gone too
    with State(config.state_path) as state:
        dry = pipeline.run(config, "push", state=state, dry_run=True)
    assert dry.channels["google"].planned == (
        f"would sync {WHERE}/en~GB: 2 to create, 0 to update, 0 to refresh, 3 to delete (3 of them held under "
        f"{WHERE}/en~US), 0 unchanged"
    )
    assert insert.call_count == 0 and delete.call_count == 0 and _sent(config, f"{WHERE}/en~US") == {"P0", "P1", "P2"}
    report = push(config)
    assert report.diagnostics == []
    bodies = sorted((json.loads(c.request.content) for c in insert.calls), key=lambda body: body["offerId"])
    assert [(b["offerId"], b["contentLanguage"], b["feedLabel"]) for b in bodies] == [
        ("P0", "en", "GB"),
        ("P1", "en", "GB"),
    ]
    assert _deleted(delete) == sorted(product_name("en", "US", f"P{i}") for i in range(3))
    assert _sent(config, f"{WHERE}/en~GB") == {"P0", "P1"} and _sent(config, f"{WHERE}/en~US") == set()
    insert.reset()
    delete.reset()
    push(config)  # converged
    assert insert.call_count == 0 and delete.call_count == 0
    config = gmc_config(tmp_path, catalog(1), "      feed_label: GB\n    max_drop_percent: 90\n")
    push(config)  # a product gone from the catalog is deleted under the label it was sent with
    assert _deleted(delete) == [product_name("en", "GB", "P1")]
    assert _sent(config, f"{WHERE}/en~GB") == {"P0"}


@respx.mock
def test_a_new_data_source_takes_the_products_and_the_old_one_gives_them_up(tmp_path: Path) -> None:
    """The channel moved to another data source of the same account: every product was inserted into the new one,
    and the product inputs the old one held stayed there, so a product later gone from the catalog stayed live in
    Merchant Center through them (the state forgot nothing, but nothing asked it). They are now deleted from the
    data source they were sent to, after the new one took them, as a former language or label's are."""
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(3)))
    insert.reset()
    config = _elsewhere(tmp_path, catalog(3), "data_source: '456'", "data_source: '789'")
    with State(config.state_path) as state:
        dry = pipeline.run(config, "push", state=state, dry_run=True)
    new = "google_merchant_api:accounts/123/dataSources/789"
    assert dry.channels["google"].planned == (
        f"would sync {new}/en~US: 3 to create, 0 to update, 0 to refresh, 3 to delete (3 of them held under "
        f"{WHERE}/en~US), 0 unchanged"
    )
    report = push(config)
    assert report.diagnostics == []
    assert [dict(c.request.url.params) for c in insert.calls] == [{"dataSource": "accounts/123/dataSources/789"}] * 3
    gone = sorted((c.request.url.path.rsplit("/", 1)[1], c.request.url.params["dataSource"]) for c in delete.calls)
    assert gone == sorted((product_name("en", "US", f"P{i}"), "accounts/123/dataSources/456") for i in range(3))
    assert _sent(config, f"{WHERE}/en~US") == set() and _sent(config, f"{new}/en~US") == {"P0", "P1", "P2"}
    delete.reset()
    config = _elsewhere(tmp_path, catalog(2), "data_source: '456'", "data_source: '789'", "    max_drop_percent: 50\n")
    push(config)  # a product gone from the catalog leaves the data source it is in now
    assert [(c.request.url.path.rsplit("/", 1)[1], c.request.url.params["dataSource"]) for c in delete.calls] == [
        (product_name("en", "US", "P2"), "accounts/123/dataSources/789")
    ]


@respx.mock
def test_another_accounts_data_source_is_not_asked_to_give_its_products_up(tmp_path: Path) -> None:
    """A channel moved to another Merchant Center account: the former account's products are not deleted (its
    credentials may no longer reach it); the new account gets every product."""
    _, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(2)))
    other = respx.mock.post(f"{API}/products/v1/accounts/999/productInputs:insert").mock(
        return_value=httpx.Response(200, json=PRODUCT_INPUT)
    )
    config = _elsewhere(tmp_path, catalog(2), "account_id: '123'", "account_id: '999'")
    report = push(config)
    [told] = report.diagnostics  # (DST012: they stay live there, out of reach, said once)
    assert (told.code, told.severity) == ("DST012", "warning")
    assert f"2 item(s) this channel sent to {WHERE}/en~US stay there" in told.message
    assert "now sends to google_merchant_api:accounts/999/dataSources/456/en~US" in told.message
    assert other.call_count == 2 and delete.call_count == 0
    assert push(config).diagnostics == []


def _elsewhere(tmp: Path, csv_text: str, setting: str, moved: str, extra: str = "") -> object:
    """``gmc_config`` with its destination's ``setting`` changed to ``moved``."""
    from feedsync.config import load_config

    gmc_config(tmp, csv_text, extra)
    config = tmp / "feedsync.yaml"
    text = config.read_text(encoding="utf-8")
    assert setting in text
    config.write_text(text.replace(setting, moved), encoding="utf-8")
    return load_config(config)


@respx.mock
def test_a_failed_delete_under_the_old_label_keeps_the_product_to_delete_again(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(2)))
    config = gmc_config(tmp_path, catalog(2), "      content_language: de\n")
    delete.mock(return_value=httpx.Response(200, json={"error": {"code": 500, "message": "later"}}))
    assert "error" in sync_failure(push(config))
    assert _sent(config, f"{WHERE}/en~US") == {"P0", "P1"}  # not forgotten: Google still lists them
    assert _sent(config, f"{WHERE}/de~US") == {"P0", "P1"}
    delete.mock(return_value=httpx.Response(404, json={"error": {"code": 404}}))  # gone meanwhile
    delete.reset()
    insert.reset()
    push(config)
    assert insert.call_count == 0
    assert _deleted(delete) == sorted(product_name("en", "US", f"P{i}") for i in range(2))
    assert _sent(config, f"{WHERE}/en~US") == set()


@respx.mock
def test_items_recorded_before_the_label_was_in_the_description_are_the_label_s(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, catalog(2))
    push(config)
    with State(config.state_path) as state, state.transaction() as db:  # as feedsync recorded them before
        db.execute("UPDATE items SET destination = ?", (WHERE,))
    insert.reset()
    with State(config.state_path) as state:
        dry = pipeline.run(config, "push", state=state, dry_run=True)
    assert "0 to create, 0 to update, 0 to refresh, 0 to delete, 2 unchanged" in str(dry.channels["google"].planned)
    assert _sent(config, WHERE) == {"P0", "P1"}  # a dry run changes nothing
    push(config)
    assert insert.call_count == 0 and delete.call_count == 0
    assert _sent(config, f"{WHERE}/en~US") == {"P0", "P1"} and _sent(config, WHERE) == set()


@respx.mock
def test_a_catalog_of_other_ids_deletes_nothing_without_force(tmp_path: Path) -> None:
    """``source.path`` pointed at another store's file (as many items, other ids) planned every live product's
    delete and every new one's insert, exit 0: the item count kept, no guardrail looked at the deletes (max_deletes
    is unset by default). More than max_drop_percent of the items sent before deleted is now DST004, nothing sent;
    a real change of ids goes with --force, and a few items replaced go as they did."""
    insert, delete = mock_api(respx.mock)
    push(gmc_config(tmp_path, catalog(10)))
    insert.reset()
    other = HEADER + "".join(row(f"Q{i}", size=str(i)) for i in range(10))
    report = push(gmc_config(tmp_path, other))
    assert [d.code for d in report.diagnostics] == ["DST004"]
    assert "10 of the 10 items published before would leave the channel (100.0%" in report.diagnostics[0].message
    assert delete.call_count == 0 and insert.call_count == 0
    assert push(gmc_config(tmp_path, other)).diagnostics[0].code == "DST004"  # the next run refuses again
    few = HEADER + "".join(row(f"P{i}" if i else "Q0", size=str(i)) for i in range(10))  # 1 of 10 replaced
    report = push(gmc_config(tmp_path, few))
    assert not report.diagnostics and (delete.call_count, insert.call_count) == (1, 1)
    with State(gmc_config(tmp_path, other).state_path) as state:
        forced = pipeline.run(gmc_config(tmp_path, other), "push", state=state, force=True)
    assert not forced.diagnostics and (delete.call_count, insert.call_count) == (10, 10)


@respx.mock
def test_expired_token_is_refreshed_once(tmp_path: Path) -> None:
    token = respx.post("https://oauth2.googleapis.com/token").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": "ya29.first", "expires_in": 3600}),
            httpx.Response(200, json={"access_token": "ya29.second", "expires_in": 3600}),
        ]
    )
    route = respx.post(INSERT).mock(
        side_effect=[
            httpx.Response(401, json={"error": {"status": "UNAUTHENTICATED"}}),
            httpx.Response(200, json=PRODUCT_INPUT),
        ]
    )
    push(gmc_config(tmp_path, HEADER + row("A")))
    assert token.call_count == 2
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer ya29.first", "Bearer ya29.second"]


@respx.mock
def test_a_remote_outage_fails_the_push_with_exit_code_3_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    mock_api(respx.mock)
    respx.post(INSERT).mock(return_value=httpx.Response(503, text=f"down, token {TOKEN}"))
    info_message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))))
    assert "gave up after 6 attempts" in info_message
    assert TOKEN not in info_message  # redacted
    assert API in INSERT


@respx.mock
def test_unchanged_items_are_resent_before_google_expires_them(tmp_path: Path) -> None:
    insert, _ = mock_api(respx.mock)
    config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    push(config)
    insert.reset()
    with State(config.state_path) as state, state.transaction() as db:  # A was sent 26 days ago
        db.execute("UPDATE items SET sent_at = '2000-01-01T00:00:00+00:00' WHERE item_id = 'A'")
    report = push(config)
    assert [json.loads(c.request.content)["offerId"] for c in insert.calls] == ["A"]
    assert "0 to create, 0 to update, 1 to refresh, 0 to delete, 1 unchanged" in report.channels["google"].published


@respx.mock
def test_items_sent_while_the_clock_ran_ahead_are_refreshed_once_it_is_right(tmp_path: Path) -> None:
    insert, _ = mock_api(respx.mock)
    config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    push(config)
    insert.reset()
    with State(config.state_path) as state, state.transaction() as db:  # A was sent with the clock 60 days ahead
        db.execute("UPDATE items SET sent_at = '2999-01-01T00:00:00.000+00:00' WHERE item_id = 'A'")
    report = push(config)
    assert [json.loads(c.request.content)["offerId"] for c in insert.calls] == ["A"]
    assert "0 to create, 0 to update, 1 to refresh, 0 to delete, 1 unchanged" in report.channels["google"].published
    insert.reset()
    push(config)  # A's sent_at is the right time again
    assert insert.calls == []


def test_amazon_regions_and_sandbox() -> None:
    from feedsync.config import AmazonSpApiDestination
    from feedsync.destinations.amazon_feeds import AmazonSpApi

    def host(**extra: object) -> str:
        config = AmazonSpApiDestination.model_validate(
            {
                "type": "amazon_sp_api",
                "client_id": "c",
                "client_secret": {"env": "X"},
                "refresh_token": {"env": "Y"},
                **extra,
            }
        )
        return str(AmazonSpApi(config).client.base_url)

    assert host() == "https://sellingpartnerapi-na.amazon.com"
    assert host(region="fe") == "https://sellingpartnerapi-fe.amazon.com"
    assert host(region="eu", sandbox=True) == "https://sandbox.sellingpartnerapi-eu.amazon.com"


@respx.mock
@pytest.mark.parametrize(
    ("status", "body"),
    [(400, '{"error": "invalid_grant", "error_description": "bad: %s"}'), (200, "<html>%s</html>"), (200, "{}")],
)
def test_token_endpoint_failures_are_remote_errors_without_the_assertion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, body: str
) -> None:
    """A refused, garbled or empty token answer (even one echoing the signed JWT) is a clean RemoteError."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)

    def echo(request: httpx.Request) -> httpx.Response:
        assertion = parse_qs(request.content.decode())["assertion"][0]
        sent.append(assertion)
        return httpx.Response(status, text=body.replace("%s", assertion) if "%s" in body else body)

    sent: list[str] = []
    respx.post("https://oauth2.googleapis.com/token").mock(side_effect=echo)
    info_message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))))
    message = info_message
    assert message.startswith("Google token endpoint (https://oauth2.googleapis.com/token): ")
    assert sent and all(assertion[:40] not in message for assertion in sent)


@respx.mock
def test_a_token_endpoint_redirect_is_told_where_it_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth told a redirect by its empty body: 'Google token endpoint (...): ' and nothing after."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    token = respx.post("https://oauth2.googleapis.com/token").mock(
        return_value=httpx.Response(302, headers={"location": "https://elsewhere.example/steal?token=x"})
    )
    message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))))
    assert message.startswith(
        "Google token endpoint (https://oauth2.googleapis.com/token): the token request: HTTP 302, a redirect to "
        "https://elsewhere.example/steal; feedsync does not follow redirects"
    ), message
    assert all(call.request.url.host == "oauth2.googleapis.com" for call in respx.calls) and token.call_count >= 1


def _signature_forms(assertion: str) -> dict[str, str]:
    """The signature of a signed JWT as a server may echo it: as sent (base64url), as standard base64, as hex."""
    signature = assertion.rsplit(".", 1)[1]
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return {"base64url": signature, "base64": base64.b64encode(raw).decode(), "hex": raw.hex()}


@respx.mock
@pytest.mark.parametrize("form", ["base64url", "base64", "hex"])
def test_a_token_endpoint_echoing_the_assertion_s_signature_shows_none_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """The signature of the signed assertion is what makes it a credential (its header and claims are no secret):
    echoed alone, in any of its encodings, it is masked as the whole assertion is."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    sent: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        assertion = parse_qs(request.content.decode())["assertion"][0]
        sent.append(assertion)
        detail = f"Invalid JWT Signature {_signature_forms(assertion)[form]}"
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": detail})

    respx.post("https://oauth2.googleapis.com/token").mock(side_effect=echo)
    message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))), "Invalid JWT Signature")
    assert sent
    for assertion in sent:
        for encoded in _signature_forms(assertion).values():
            assert encoded[:24] not in message, (form, message)


@respx.mock
def test_an_access_token_in_a_refused_token_answer_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token endpoint that answers an error with an access token in it (a broken or hostile one): google-auth
    quotes the answer in its error; the token it received is masked there as a token it took would be."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    answer = {"message": "refused", "access_token": "ya29.refused-but-sent-7Q", "id_token": "eyJ.x.y-3k"}
    respx.post("https://oauth2.googleapis.com/token").mock(return_value=httpx.Response(400, json=answer))
    message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))), "refused")
    assert "ya29.refused" not in message and "eyJ.x.y-3k" not in message, message


@respx.mock
def test_an_insert_answered_with_garbage_is_a_remote_error(tmp_path: Path) -> None:
    mock_api(respx.mock)
    respx.post(INSERT).mock(return_value=httpx.Response(200, text="<html>proxy login</html>"))
    report = push(gmc_config(tmp_path, HEADER + row("A")))
    sync_failure(report, r"insert: POST .*productInputs:insert answered HTTP 200 with a body that")


def test_an_availability_date_is_the_product_input_s_availability_date_timestamp() -> None:
    from feedsync.config import GoogleMerchantApiDestination
    from feedsync.destinations.google_merchant import product_input

    destination = GoogleMerchantApiDestination.model_construct(content_language="en", feed_label="US")
    body = product_input({"id": "P-1", "availability": "preorder", "availability_date": "2027-01-15T09:00-0500"},
                         destination)  # fmt: skip
    assert body["productAttributes"]["availabilityDate"] == "2027-01-15T09:00:00-05:00"
    assert "customAttributes" not in body


@pytest.mark.parametrize("status", [401, 403])
@respx.mock
def test_a_refused_login_stops_the_push_at_the_first_item(tmp_path: Path, status: int) -> None:
    """A 401/403 to a fresh token is the login's, not an item's: the push stops (exit 3) instead of rejecting
    every item (and leaving each to be retried as refused)."""

    mock_api(respx.mock)
    route = respx.post(INSERT).mock(
        return_value=httpx.Response(status, json={"error": {"status": "PERMISSION_DENIED"}})
    )
    config = gmc_config(tmp_path, catalog(20))
    assert "HTTP 40" in sync_failure(push(config))  # the login's failure: the channel's sync stopped
    assert route.call_count <= 2 * 2  # (two workers, a refresh each; no more)
    with State(config.state_path) as state:
        assert state.rejected_items("google") == 0


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200, json={"error": {"code": 500, "message": "backend"}}), httpx.Response(200, json={})],
    ids=["error-in-a-200", "no-product-input"],
)
@respx.mock
def test_an_insert_answer_that_is_no_product_input_is_no_acceptance(tmp_path: Path, answer: httpx.Response) -> None:
    mock_api(respx.mock)
    respx.post(INSERT).mock(return_value=answer)
    config = gmc_config(tmp_path, HEADER + row("A"))
    sync_failure(push(config), r"insert: .*answered HTTP 200 with JSON that has no name")
    with State(config.state_path) as state:
        assert state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US") == {}


@respx.mock
def test_a_delete_answered_with_an_error_in_a_200_keeps_the_item_to_delete_again(tmp_path: Path) -> None:
    _, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    push(config)
    delete.mock(return_value=httpx.Response(200, json={"error": {"message": "not now"}}))
    config = gmc_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state, force=True)  # (half the items gone: forced)
        sync_failure(report, "delete: HTTP 200 with an error")
    with State(config.state_path) as state:
        assert set(state.sent_items("google", "google_merchant_api:accounts/123/dataSources/456/en~US")) == {"A", "B"}


@respx.mock
def test_every_mapped_value_reaches_the_api_as_the_feed_file_writes_it(tmp_path: Path) -> None:
    """The same items pushed to the Merchant API carry what the feed file holds: a shipping weight of Google's form
    as ``shippingWeight``, one of another form (``1,5 kg``) as the file writes it, in its generic form (it made the
    push end with an internal error), and each value of a repeated attribute as a custom attribute of its own (the
    values were joined with commas into one)."""
    insert, _ = mock_api(respx.mock)
    fields = (
        "    fields:\n"
        '      shipping_weight: "{{ attributes.ship }}"\n'
        "      product_highlight: {value: \"['Boils in 3 minutes', 'Auto shut-off, dry-boil protection']\"}\n"
    )
    csv_text = HEADER.strip() + ",ship\n" + row("A").strip() + ",1.5kg\n" + row("B").strip() + ',"1,5 kg"\n'
    config = gmc_config(tmp_path, csv_text, fields)
    report = push(config)
    assert not [d for d in report.diagnostics if d.severity.value == "error"]  # type: ignore[attr-defined]
    bodies = {json.loads(c.request.content)["offerId"]: json.loads(c.request.content) for c in insert.calls}
    highlights = [
        {"name": "product_highlight", "value": "Boils in 3 minutes"},
        {"name": "product_highlight", "value": "Auto shut-off, dry-boil protection"},
    ]
    assert bodies["A"]["productAttributes"]["shippingWeight"] == {"value": 1.5, "unit": "kg"}
    assert bodies["A"]["customAttributes"] == highlights
    assert "shippingWeight" not in bodies["B"]["productAttributes"]
    assert bodies["B"]["customAttributes"] == [{"name": "shipping_weight", "value": "1,5 kg"}, *highlights]


@respx.mock
def test_a_token_answer_too_large_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token endpoint's answer is read within the bounds of every answer (``MAX_ANSWER``): a hostile one that
    expands past them (a gzip bomb) fails the push, as an API's answer does, instead of filling the memory."""
    import gzip

    from feedsync.destinations import http as http_module

    monkeypatch.setattr("time.sleep", lambda seconds: None)
    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 16)
    token = {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer", "pad": "x" * (1 << 20)}
    bomb = gzip.compress(json.dumps(token).encode())
    mock_api(respx.mock)
    respx.post("https://oauth2.googleapis.com/token").mock(
        return_value=httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"})
    )
    message = sync_failure(push(gmc_config(tmp_path, HEADER + row("A"))))
    assert message.startswith("Google token endpoint (https://oauth2.googleapis.com/token): ")
    assert "the token request: the answer is larger than 0 MB; not read" in message
    assert not respx.post(INSERT).called


@pytest.mark.parametrize("key", ["[1, 2]", '"a key"', "null"])
def test_a_service_account_key_file_that_is_no_json_object_is_a_config_error(tmp_path: Path, key: str) -> None:
    """A credentials file holding JSON of another kind than an object (a list, a text) made google-auth fail with an
    AttributeError: an internal error (exit 70); it is the config error of a key that is not usable (exit 2)."""
    from typer.testing import CliRunner

    from feedsync.cli.app import app

    gmc_config(tmp_path, HEADER + row("A"))
    (tmp_path / "sa.json").write_text(key, encoding="utf-8")
    result = CliRunner().invoke(app, ["push", "-c", str(tmp_path / "feedsync.yaml")])
    assert result.exit_code == 2, result.output
    assert "the service account key is not usable" in result.stderr
