"""The Amazon SP-API feeds destination against respx: LWA, the document upload, createFeed, polling, the
processing report (shaped like Amazon's published example) and per-SKU results."""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, quote_plus

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.config import Config, load_config
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure
from tests.sources.realdata import REALDATA, needs_realdata

HOST = "https://sellingpartnerapi-eu.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"
UPLOAD = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/doc-in?X-Amz-Signature=abc"
REPORT_URL = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/doc-out?X-Amz-Signature=def"
SECRETS = {"refresh": "Atzr|refresh-secret-value", "client": "amzn-client-secret-value"}


def amazon_config(tmp: Path, csv_text: str, extra: str = "", settings: str = "") -> Config:
    (tmp / "products.csv").write_text(csv_text, encoding="utf-8")
    (tmp / "refresh").write_text(SECRETS["refresh"], encoding="utf-8")
    (tmp / "client").write_text(SECRETS["client"], encoding="utf-8")
    path = tmp / "feedsync.yaml"
    path.write_text(
        "source: {path: products.csv, currency: EUR, base_url: 'https://shop.example.com'}\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, marketplace_id: A1PA6795UKMFR9, language_tag: de_DE, "
        f"default_product_type: SHIRT{settings}}}\n"
        "    destination:\n      type: amazon_sp_api\n      region: eu\n"
        "      client_id: amzn1.application-oa2-client.x\n"
        "      client_secret: {file: client}\n      refresh_token: {file: refresh}\n      poll_interval: 1\n" + extra,
        encoding="utf-8",
    )
    return load_config(path)


def report_with_errors_for(sku: str, number: int, sent: int) -> bytes:
    """Amazon's published processing-report example, its failing SKU renamed to one of ours (messageId ``number`` of
    ``sent``) and its summary counting what was sent."""
    example = (REALDATA / "amazon" / "listings-feed-processing-report-schema-v2.example.json").read_text("utf-8")
    report = json.loads(example.replace("My-SKU-B", sku))
    report["issues"] = [dict(i, messageId=number) for i in report["issues"] if i["sku"] == sku]
    report["issues"].append({"sku": "B", "severity": "WARNING", "code": "18027", "message": "image is small"})
    counts = {"messagesProcessed": sent, "messagesAccepted": sent - 1, "messagesInvalid": 1, "warnings": 1}
    report["summary"] = {**report["summary"], **counts, "errors": 2}
    return gzip.compress(json.dumps(report).encode())


def processing_report(sent: int, issues: Sequence[Mapping[str, object]] = (), **summary: int) -> bytes:
    """A gzipped processing report of a feed of ``sent`` messages with ``issues``, its summary counting them
    (``summary`` overrides counts)."""
    refused = {i.get("messageId") for i in issues if i["severity"] == "ERROR"}
    counts = {
        "errors": sum(i["severity"] == "ERROR" for i in issues),
        "warnings": sum(i["severity"] == "WARNING" for i in issues),
        "messagesProcessed": sent,
        "messagesAccepted": sent - len(refused),
        "messagesInvalid": len(refused),
    }
    report = {
        "header": {"sellerId": "A1SELLER", "version": "2.0", "feedId": "50014"},
        "issues": list(issues),
        "summary": counts | summary,
    }
    return gzip.compress(json.dumps(report).encode())


def reports_of_what_was_sent(routes: dict[str, respx.Route], refusing: Sequence[Collection[str]] = ()) -> None:
    """Serve each feed a processing report of the document uploaded last: the n-th feed's refuses the SKUs
    ``refusing[n - 1]`` (an ERROR for each one's messageId) and accepts the other messages."""
    feeds = iter(refusing)

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(routes["upload"].calls.last.request.content)["messages"]
        refused = next(feeds, ())
        issues = [
            {"messageId": m["messageId"], "sku": m["sku"], "severity": "ERROR", "code": "90220", "message": "invalid"}
            for m in sent
            if m["sku"] in refused
        ]
        return httpx.Response(200, content=processing_report(len(sent), issues))

    routes["download"].side_effect = answer


def mock_amazon(router: respx.Router, report: bytes) -> dict[str, respx.Route]:
    return {
        "lwa": router.post(LWA).mock(
            return_value=httpx.Response(
                200, json={"access_token": "Atza|access-token-1", "token_type": "bearer", "expires_in": 3600}
            )
        ),
        "document": router.post(f"{HOST}/feeds/2021-06-30/documents").mock(
            return_value=httpx.Response(201, json={"feedDocumentId": "amzn1.tortuga.4.eu.in", "url": UPLOAD})
        ),
        "upload": router.put(UPLOAD).mock(return_value=httpx.Response(200)),
        "feed": router.post(f"{HOST}/feeds/2021-06-30/feeds").mock(
            return_value=httpx.Response(202, json={"feedId": "50014"})
        ),
        "status": router.get(f"{HOST}/feeds/2021-06-30/feeds/50014").mock(
            side_effect=[
                httpx.Response(
                    200, json={"feedId": "50014", "feedType": "JSON_LISTINGS_FEED", "processingStatus": "IN_QUEUE"}
                ),
                httpx.Response(200, json={"feedId": "50014", "processingStatus": "IN_PROGRESS"}),
                httpx.Response(
                    200,
                    json={
                        "feedId": "50014",
                        "processingStatus": "DONE",
                        "resultFeedDocumentId": "amzn1.tortuga.4.eu.out",
                    },
                ),
            ]
        ),
        "result": router.get(f"{HOST}/feeds/2021-06-30/documents/amzn1.tortuga.4.eu.out").mock(
            return_value=httpx.Response(
                200,
                json={"feedDocumentId": "amzn1.tortuga.4.eu.out", "url": REPORT_URL, "compressionAlgorithm": "GZIP"},
            )
        ),
        "download": router.get(REPORT_URL).mock(return_value=httpx.Response(200, content=report)),
    }


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def held_items(state_path: Path) -> dict[str, str]:
    """Each item the state knows of and its status (ok: Amazon holds it)."""
    with State(state_path), closing(sqlite3.connect(state_path)) as db:
        return dict(db.execute("SELECT item_id, status FROM items"))


@needs_realdata
@respx.mock
def test_the_whole_feed_flow_with_exact_requests(tmp_path: Path) -> None:
    import jsonschema

    routes = mock_amazon(respx.mock, report_with_errors_for("C", 3, 3))
    config = amazon_config(tmp_path, HEADER + row("A") + row("B", size="L") + row("C", size="S"))
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)

    [lwa] = routes["lwa"].calls
    assert parse_qs(lwa.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [SECRETS["refresh"]],
        "client_id": ["amzn1.application-oa2-client.x"],
        "client_secret": [SECRETS["client"]],
    }
    [document] = routes["document"].calls
    assert document.request.headers["x-amz-access-token"] == "Atza|access-token-1"
    assert json.loads(document.request.content) == {"contentType": "application/json; charset=UTF-8"}
    [upload] = routes["upload"].calls
    assert upload.request.headers["content-type"] == "application/json; charset=UTF-8"
    assert "x-amz-access-token" not in upload.request.headers  # a presigned URL takes no SP-API credentials
    sent = json.loads(upload.request.content)
    schema = json.loads((REALDATA / "amazon" / "listings-feed-schema-v2.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(sent)
    assert [(m["messageId"], m["sku"]) for m in sent["messages"]] == [(1, "A"), (2, "B"), (3, "C")]
    [feed] = routes["feed"].calls
    assert json.loads(feed.request.content) == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["A1PA6795UKMFR9"],
        "inputFeedDocumentId": "amzn1.tortuga.4.eu.in",
    }
    assert routes["status"].call_count == 3 and routes["download"].call_count == 1
    assert routes["lwa"].call_count == 1  # the access token is cached for the run

    found = [(d.code, d.product_id, d.severity.value) for d in report.diagnostics]
    assert found == [
        ("DST003", "C", "error"),
        ("DST003", "C", "error"),
        ("DST005", "B", "warning"),
    ]
    assert "'[batteries_required]' is required but not supplied." in report.diagnostics[0].message
    with State(config.state_path) as state:
        assert set(state.sent_items("amazon", "amazon_sp_api:eu")) == {"A", "B"}
    assert all(secret not in str(report.diagnostics) for secret in SECRETS.values())


@respx.mock
def test_the_presigned_document_urls_signatures_are_masked_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A feed document's presigned URL lets anyone who has it write the upload or read the report: its signature
    and credential are masked as secrets (here in the -vv log of each request)."""
    import sys

    signed = "?X-Amz-Credential=AKIAFEEDSYNC%2F20261207%2Feu-west-1%2Fs3&X-Amz-Signature="
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "UPLOAD", UPLOAD.split("?")[0] + signed + "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    monkeypatch.setattr(module, "REPORT_URL", REPORT_URL.split("?")[0] + signed + "f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4")
    mock_amazon(respx.mock, processing_report(1))
    config = amazon_config(tmp_path, HEADER + row("A"))
    with caplog.at_level("DEBUG", logger="feedsync.http"), State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
    assert report.diagnostics == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert (
        "PUT https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/doc-in?X-Amz-Credential=***&X-Amz-Signature=***"
        in logged
    )
    for secret in ("0a1b2c3d4e5f", "f9e8d7c6b5a4", "AKIAFEEDSYNC"):
        assert secret not in logged


@needs_realdata
@respx.mock
def test_only_changes_are_sent_and_vanished_skus_deleted(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    reports_of_what_was_sent(routes)
    config = amazon_config(
        tmp_path, HEADER + row("A") + row("B", size="L") + row("C", size="S"), "    max_drop_percent: 50\n"
    )
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
    routes["upload"].reset()
    routes["status"].side_effect = [
        httpx.Response(200, json={"processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"})
    ]
    config = amazon_config(
        tmp_path, HEADER + row("A", price="30.00") + row("B", size="L"), "    max_drop_percent: 50\n"
    )
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
        assert set(state.sent_items("amazon", "amazon_sp_api:eu")) == {"A", "B"}
    sent = json.loads(routes["upload"].calls[0].request.content)
    assert [(m["sku"], m["operationType"]) for m in sent["messages"]] == [("A", "UPDATE"), ("C", "DELETE")]


@respx.mock
def test_a_fatal_feed_fails_the_push(tmp_path: Path) -> None:
    routes = mock_amazon(
        respx.mock,
        gzip.compress(
            json.dumps(
                {"issues": [{"code": "4002001", "severity": "ERROR", "message": "Item 'Feed' cannot be parsed"}]}
            ).encode()
        ),
    )
    routes["status"].side_effect = [
        httpx.Response(200, json={"processingStatus": "FATAL", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"})
    ]
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        sync_failure(pipeline.run(config, "push", state=state), r"failed \(FATAL\): Item 'Feed' cannot be parsed")


@respx.mock
def test_lwa_refusal_is_a_clear_remote_error_without_secrets(tmp_path: Path) -> None:
    respx.post(LWA).mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"}
        )
    )
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        info_message = sync_failure(pipeline.run(config, "push", state=state))
    assert "Login with Amazon refused the refresh token: HTTP 400" in info_message
    assert SECRETS["refresh"] not in info_message


@needs_realdata
def test_the_operations_used_exist_in_amazons_feeds_model() -> None:
    model = json.loads((REALDATA / "amazon" / "feeds_2021-06-30.json").read_text(encoding="utf-8"))
    paths = model["paths"]
    assert "post" in paths["/feeds/2021-06-30/documents"]
    assert "post" in paths["/feeds/2021-06-30/feeds"]
    assert "get" in paths["/feeds/2021-06-30/feeds/{feedId}"]
    assert "get" in paths["/feeds/2021-06-30/documents/{feedDocumentId}"]
    create = model["definitions"]["CreateFeedSpecification"]
    assert set(create["required"]) == {"feedType", "marketplaceIds", "inputFeedDocumentId"}


@respx.mock
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>echo Atzr|refresh-secret-value amzn-client-secret-value</html>"),
        httpx.Response(200, json={"token_type": "bearer"}),
        httpx.Response(200, json={"access_token": "Atza|x", "expires_in": "soon"}),
    ],
)
def test_a_login_with_amazon_answer_without_a_token_is_a_clear_remote_error(
    tmp_path: Path, answer: httpx.Response
) -> None:
    respx.post(LWA).mock(return_value=answer)
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        info_message = sync_failure(pipeline.run(config, "push", state=state), r"^Login with Amazon")
    assert SECRETS["refresh"] not in info_message and SECRETS["client"] not in info_message


@respx.mock
def test_an_lwa_refusal_echoing_the_secrets_is_masked(tmp_path: Path) -> None:
    echoed = f"refresh_token={quote_plus(SECRETS['refresh'])}&client_secret={SECRETS['client']}"
    respx.post(LWA).mock(return_value=httpx.Response(400, json={"error_description": echoed}))
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        info_message = sync_failure(pipeline.run(config, "push", state=state))
    assert info_message.startswith("Login with Amazon refused the refresh token: HTTP 400 refresh_token=***&")
    assert quote_plus(SECRETS["refresh"]) not in info_message and SECRETS["client"] not in info_message


@respx.mock
def test_a_login_with_amazon_answer_too_large_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LWA's answer is read within the bounds of every answer (``MAX_ANSWER``): a hostile one that expands past them
    (a gzip bomb) fails the push, as an API's answer does, instead of filling the memory."""
    from feedsync.destinations import http as http_module

    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 16)
    token = {"access_token": "Atza|x-token", "expires_in": 3600, "pad": "x" * (1 << 20)}
    bomb = gzip.compress(json.dumps(token).encode())
    respx.post(LWA).mock(return_value=httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}))
    documents = respx.post(f"{HOST}/feeds/2021-06-30/documents")
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        message = sync_failure(pipeline.run(config, "push", state=state))
    assert message.startswith(f"Login with Amazon ({LWA}): the answer is larger than 0 MB; not read")
    assert not documents.called


@respx.mock
def test_a_login_with_amazon_answer_echoing_a_secret_shows_no_part_of_it(tmp_path: Path) -> None:
    """What an error quotes of an answer is masked before it is cut: a secret the cut splits would not be found."""
    echoed = "in " * 10 + SECRETS["refresh"]  # (the cut, at 40 characters, falls inside the refresh token)
    respx.post(LWA).mock(return_value=httpx.Response(200, json={"access_token": "Atza|x-token", "expires_in": echoed}))
    config = amazon_config(tmp_path, HEADER + row("A"))
    with State(config.state_path) as state:
        message = sync_failure(pipeline.run(config, "push", state=state), "expires_in 'in in in in in in in in in in ")
        [run] = state.runs(limit=1)
    for text in (message, run.message or ""):
        assert SECRETS["refresh"][:6] not in text, text


def test_an_empty_catalog_for_the_sp_api_is_no_refused_document(tmp_path: Path) -> None:
    """Through the SP-API only changes are sent (an empty catalog with allow_empty deletes the listings), so the
    gate does not tell AMZ023 of the channel's empty listings feed, which is never published as a file."""
    config = amazon_config(
        tmp_path, HEADER + row("A"), "    allow_empty: true\n    filters: {exclude: ['price > 0']}\n"
    )
    report = pipeline.run(config, "validate")
    assert [d.code for d in report.diagnostics if d.code == "AMZ023"] == []
    assert next(iter(report.channels.values())).items == 0


@respx.mock
def test_a_channel_moved_to_another_marketplace_sends_every_listing_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Amazon channel moved from the German to the French marketplace (one region, one destination) found its
    items "unchanged" and sent the new marketplace none of them, exit 0. A push to another marketplace than the
    last sends every listing there (then only changes again); the first push of a channel only records where."""
    from feedsync.config import load_config

    monkeypatch.setattr("time.sleep", lambda seconds: None)
    routes = mock_amazon(respx.mock, b"")
    done = {"feedId": "50014", "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"}
    routes["status"].mock(return_value=httpx.Response(200, json=done))
    reports_of_what_was_sent(routes)
    config = amazon_config(tmp_path, HEADER + row("A") + row("B", size="L"))

    def push() -> list[str]:
        before = len(routes["upload"].calls)
        with State(config.state_path) as state:
            assert not pipeline.run(load_config(config.path), "push", state=state).diagnostics
        return [
            m["sku"] for call in routes["upload"].calls[before:] for m in json.loads(call.request.content)["messages"]
        ]

    assert push() == ["A", "B"]
    assert push() == []
    french = config.path.read_text(encoding="utf-8").replace("A1PA6795UKMFR9", "A13V1IB3VIYZZH")
    config.path.write_text(french.replace("de_DE", "fr_FR"), encoding="utf-8")
    assert push() == ["A", "B"]
    [created] = [c for c in routes["feed"].calls][-1:]
    assert json.loads(created.request.content)["marketplaceIds"] == ["A13V1IB3VIYZZH"]
    assert push() == []


def _token(monkeypatch: pytest.MonkeyPatch) -> object:
    from feedsync.config import AmazonLogin
    from feedsync.destinations.amazon_feeds import LwaToken

    monkeypatch.setenv("FS_LWA_SECRET", "client-secret-value")
    monkeypatch.setenv("FS_LWA_REFRESH", "Atzr|refresh-token-value")
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    login = AmazonLogin.model_validate(
        {
            "client_id": "amzn1.app",
            "client_secret": {"env": "FS_LWA_SECRET"},
            "refresh_token": {"env": "FS_LWA_REFRESH"},
        }
    )
    return LwaToken(login, httpx.Client())


@respx.mock(assert_all_mocked=True)
def test_a_login_answered_5xx_or_429_is_tried_again_not_told_as_a_refused_token(
    respx_mock: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 of Login with Amazon was told 'refused the refresh token' at once (an ops person would replace a
    token that is fine) and never tried again."""
    route = respx_mock.post(LWA).mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(429),
            httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600}),
        ]
    )
    assert _token(monkeypatch).headers() == {"x-amz-access-token": "Atza|t"}  # type: ignore[attr-defined]
    assert route.call_count == 3
    sent = parse_qs(route.calls[0].request.content.decode())
    assert sent["grant_type"] == ["refresh_token"] and sent["refresh_token"] == ["Atzr|refresh-token-value"]


@respx.mock(assert_all_mocked=True)
def test_a_login_redirected_is_told_where_it_points_and_a_refusal_as_a_refusal(
    respx_mock: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedsync.errors import RemoteError

    route = respx_mock.post(LWA).mock(
        return_value=httpx.Response(302, headers={"location": "https://elsewhere.example/steal"})
    )
    with pytest.raises(RemoteError) as redirected:
        _token(monkeypatch).headers()  # type: ignore[attr-defined]
    assert "https://elsewhere.example/steal" in str(redirected.value) and "refused" not in str(redirected.value)
    assert route.call_count == 1  # (never followed)
    route.mock(return_value=httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"}))
    with pytest.raises(RemoteError, match=r"^Login with Amazon refused the refresh token: HTTP 400 revoked \("):
        _token(monkeypatch).headers()  # type: ignore[attr-defined]
    assert route.call_count == 2  # (a refusal is not tried again)
