"""Hostile servers that echo the whole request back (method, path and query, headers, body) with 200 garbage,
400, 401 or 500, a redirect to a URL holding it in its query, or a 400 holding it as base64 and hex: no secret
feedsync holds, in any encoding, reaches stdout, stderr, a report, the state or the notify webhook's payload, and
no answer becomes a traceback.

Every destination and sink points at one loopback echo server; the token endpoints either echo too (the
secrets sent to them come back) or, under ``/ok/``, hand out tokens (so the API calls behind them carry those
received tokens to the echo)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus

import pytest
from typer.testing import CliRunner

from feedsync import secrets
from feedsync.cli.app import app
from tests.destinations.gmc import service_account_key
from tests.orders.test_import import COLUMNS, line

MODES = ("garbage", 400, 401, 500, "redirect", "encoded")
RECEIVED_LWA = "Atza|received-lwa-access-T1"
RECEIVED_GOOGLE = "ya29.received-google-access-T2"
PLANTED = {
    "FS_META": "EAAB-meta-token-Zx81",
    "FS_LWA_SECRET": "lwa-client-secret/with+slash=Q2",
    "FS_LWA_REFRESH": "Atzr|IwEB-refresh-token-K9&x",
    "FS_WOO_KEY": "ck_woo_key_1a2b3c4d",
    "FS_WOO_SECRET": "cs_woo_secret_5e6f7g8h",
    "FS_SHOPIFY": "shpat_shopify_token_9i0j",
    "FS_HMAC": "whsec-hmac-key-L3",
}
LWA_CLIENT_ID = "amzn1.application-oa2-client.lwa-client-id-Q7"
WEBHOOK_TOKEN = "wh-url-token-P5"
NOTIFY_TOKEN = "notify-url-token-R8"


@dataclass
class Echo:
    """The server's state: the mode it answers in and every request it received."""

    mode: str | int = "garbage"
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)


def _handler(echo: Echo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            echo.requests.append((self.command, self.path, dict(self.headers), body))
            if self.path.startswith("/ok/lwa"):
                self._send(200, json.dumps({"access_token": RECEIVED_LWA, "expires_in": 3600}).encode(), "json")
                return
            if self.path.startswith("/ok/google-token"):
                token = {"access_token": RECEIVED_GOOGLE, "expires_in": 3600, "token_type": "Bearer"}
                self._send(200, json.dumps(token).encode(), "json")
                return
            headers = "".join(f"{name}: {value}\n" for name, value in self.headers.items())
            text = f"{self.command} {self.path}\n{headers}\n".encode() + body
            for assertion in parse_qs(body.decode("utf-8", "replace")).get("assertion", []):  # (Google token endpoint)
                text = f"Invalid JWT Signature: {assertion.rpartition('.')[2]}\n".encode() + text
            if echo.mode == "garbage":
                self._send(200, b"<html>not json\n" + text, "html")
            elif echo.mode == "redirect":  # to where the request is, in the query (escapes in lower case)
                query = re.sub("%[0-9A-F]{2}", lambda escape: escape[0].lower(), quote_plus(text.decode()))
                location = f"http://127.0.0.1:{self.server.server_address[1]}/moved?echo={query}"
                self._send(302, f"<a href='{location}'>moved</a>".encode(), "html", location=location)
            elif echo.mode == "encoded":  # the request as base64 (the secrets at every offset) and hex
                body = {"error": {"message": base64.b64encode(text).decode(), "hex": text.hex()[:400]}}
                self._send(400, json.dumps(body).encode(), "json")
            else:
                error = {"error": {"message": text.decode("utf-8", "replace")}, "error_description": text.decode()}
                self._send(int(echo.mode), json.dumps(error).encode(), "json")

        def _send(self, status: int, payload: bytes, kind: str, location: str | None = None) -> None:
            self.send_response(status)
            if location is not None:
                self.send_header("location", location)
            self.send_header("content-type", "application/json" if kind == "json" else "text/html")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture
def echo() -> Iterator[tuple[Echo, str]]:
    state = Echo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _key(base: str) -> str:
    info = json.loads(service_account_key())
    info.update(private_key_id="pkid-0f1e2d3c4b5a", token_uri=f"{base}/google-token")
    return json.dumps(info)


def _write(tmp: Path, base: str, *, tokens_ok: bool) -> dict[str, Path]:
    """The catalog, the secret files and one config per sink; all share one state (beside them)."""
    ok = "/ok" if tokens_ok else ""
    key = json.loads(_key(base))
    key["token_uri"] = f"{base}{ok}/google-token"
    (tmp / "sa.json").write_text(json.dumps(key), encoding="utf-8")
    (tmp / "products.csv").write_text(
        "id,title,description,link,image_link,price,availability,brand,gtin,color,size,group_id\n"
        "SKU-A,Blue shirt,A blue shirt,https://shop.example.com/a,https://shop.example.com/a.jpg,20.00 USD,in_stock,"
        "Acme,,blue,M,\n",
        encoding="utf-8",
    )
    (tmp / "orders.txt").write_text(COLUMNS + line("111-1", "9001", "SKU-A"), encoding="utf-8")
    (tmp / "skus.csv").write_text("marketplace_sku,catalog_id\nSKU-A,SKU-A\n", encoding="utf-8")
    (tmp / "shipments.csv").write_text(
        "order_id,carrier,tracking_number,ship_date,shipping_method,items\n111-1,UPS,1Z999,2026-11-21,,SKU-A:1\n",
        encoding="utf-8",
    )
    lwa = (
        f"      region: na\n      endpoint: {base}\n      lwa_url: {base}{ok}/lwa\n      client_id: {LWA_CLIENT_ID}\n"
        "      client_secret: {env: FS_LWA_SECRET}\n      refresh_token: {env: FS_LWA_REFRESH}\n"
    )
    head = (
        "source: {path: products.csv, currency: USD, base_url: 'https://shop.example.com'}\n"
        "notify: {webhook: {env: FS_NOTIFY}}\n"
        "channels:\n"
        "  google:\n    profile: google_merchant\n    destination:\n      type: google_merchant_api\n"
        f"      account_id: '123'\n      data_source: '456'\n      credentials: {{file: sa.json}}\n"
        f"      endpoint: {base}\n      workers: 1\n"
        "  meta:\n    profile: facebook\n    destination:\n      type: meta_catalog_api\n      catalog_id: '789'\n"
        f"      access_token: {{env: FS_META}}\n      endpoint: {base}\n      poll_interval: 1\n"
        "  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, marketplace_id: ATVPDKIKX0DER, language_tag: en_US, "
        "default_product_type: SHIRT}\n"
        "    destination:\n      type: amazon_sp_api\n      poll_interval: 1\n" + lwa
    )
    orders = "orders:\n  sku_map: skus.csv\n  api:\n    marketplace_id: ATVPDKIKX0DER\n" + lwa.replace("      ", "    ")
    sinks = {
        "woocommerce": "{type: woocommerce, url: '" + base + "', consumer_key: {env: FS_WOO_KEY}, "
        "consumer_secret: {env: FS_WOO_SECRET}}",
        "shopify": "{type: shopify, shop: demo.myshopify.com, endpoint: '" + base + "', "
        "access_token: {env: FS_SHOPIFY}}",
        "webhook": "{type: webhook, url: '" + base + "/hook?token=" + WEBHOOK_TOKEN + "&v=1', secret: {env: FS_HMAC}}",
        "directory": "{type: directory, path: imported}",
    }
    configs = {}
    for name, sink in sinks.items():
        path = tmp / f"{name}.yaml"
        path.write_text(head + orders + f"  sink: {sink}\n", encoding="utf-8")
        configs[name] = path
    return configs


def _forms(value: str) -> set[str]:
    """The encodings a leaked secret could take: URL-encoded (escapes in either case), JSON-escaped (``\\/`` too),
    hex, and base64 (standard and URL-safe) at each of the three offsets in a longer base64 text (the characters
    that carry only its bits)."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value)[1:-1].replace("/", "\\/")}
    for encoded in (quote(value), quote(value, safe=""), quote_plus(value)):
        forms |= {encoded, re.sub("%[0-9A-F]{2}", lambda escape: escape[0].lower(), encoded)}
    raw = value.encode()
    forms |= {raw.hex(), raw.hex().upper()}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(bytes(offset) + raw).decode()
            forms.add(text[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6])
    return {form for form in forms if len(form) >= 4}


@dataclass
class Audit:
    planted: dict[str, str]
    outputs: list[tuple[str, str]] = field(default_factory=list)
    codes: list[tuple[str, int]] = field(default_factory=list)

    def leaks(self) -> list[tuple[str, str, str]]:
        found = []
        for where, text in self.outputs:
            for name, secret in self.planted.items():
                for form in _forms(secret):
                    if form in text:
                        found.append((where, name, form))
        return found


def _run(audit: Audit, args: list[str], env: dict[str, str]) -> int:
    secrets.clear()  # each command is its own process in real life
    result = CliRunner().invoke(app, args, env={**env, "COLUMNS": "200"}, catch_exceptions=True)
    label = " ".join(args[:1] + [a for a in args if a.endswith(".yaml")][-1:])
    audit.outputs += [(f"{label} stdout", result.stdout), (f"{label} stderr", result.stderr)]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        audit.outputs.append((f"{label} exception", f"Traceback {result.exception!r}"))
    audit.codes.append((label, result.exit_code))
    return result.exit_code


def _session(audit: Audit, work: Path, base: str, env: dict[str, str], *, tokens_ok: bool) -> dict[str, int]:
    """Every command against the echo server once; the exit codes of those a garbage answer must fail (3)."""
    work.mkdir()
    configs = _write(work, base, tokens_ok=tokens_ok)
    feeds, flags = str(configs["directory"]), ["-vv", "--log-format", "json"]
    codes: dict[str, int] = {}
    via = "api" if tokens_ok else "token endpoint"
    for channel in ("google", "meta", "amazon"):
        outputs = ["--report-html", str(work / f"{channel}.html"), "--report", str(work / f"{channel}.json")]
        codes[f"push {channel} ({via})"] = _run(
            audit, ["push", "-c", feeds, "--channel", channel, *outputs, *flags], env
        )
    _run(audit, ["push", "-c", feeds, "--channel", "amazon", "-vv"], env)  # text lines, not JSON
    for sink in ("woocommerce", "shopify", "webhook"):
        args = ["import-orders", "-c", str(configs[sink]), "--from-file", str(work / "orders.txt"), *flags]
        code = _run(audit, args, env)
        if sink != "webhook":  # a webhook's 2xx needs no body: the order is delivered
            codes[f"import-orders {sink}"] = code
    _run(audit, ["import-orders", "-c", feeds, "--from-file", str(work / "orders.txt")], env)
    shipments = ["--shipments", str(work / "shipments.csv")]
    # confirmShipment answers 204 without a body (a 200 is taken as done); a failed package is exit 1; a token
    # endpoint that fails, or a 401/403, stops the run at the first package (exit 3)
    assert _run(audit, ["push-tracking", "-c", feeds, *shipments, *flags], env) in (0, 1, 3)
    _run(audit, ["validate", "-c", feeds, "--html", str(work / "v.html")], env)
    _run(audit, ["status", "-c", feeds, "--format", "json"], env)
    _run(audit, ["history", "-c", feeds], env)
    for path in sorted(work.rglob("*")):
        if path.is_file() and path.suffix not in (".yaml", ".csv", ".txt") and path.name != "sa.json":
            audit.outputs.append((str(path.relative_to(work.parent)), path.read_bytes().decode("utf-8", "replace")))
    return codes


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_leaks_through_an_echoing_server(
    tmp_path: Path, echo: tuple[Echo, str], monkeypatch: pytest.MonkeyPatch, mode: str | int
) -> None:
    server, base = echo
    server.mode = mode
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    env = {**PLANTED, "FS_NOTIFY": f"{base}/notify?token={NOTIFY_TOKEN}"}
    key = json.loads(_key(base))
    planted = {
        **PLANTED,
        "lwa client id": LWA_CLIENT_ID,
        "webhook url token": WEBHOOK_TOKEN,
        "notify url token": NOTIFY_TOKEN,
        "google private key": key["private_key"],
        "google private key id": key["private_key_id"],
        "woo basic pair": f"{PLANTED['FS_WOO_KEY']}:{PLANTED['FS_WOO_SECRET']}",
        "received lwa token": RECEIVED_LWA,
        "received google token": RECEIVED_GOOGLE,
    }
    audit = Audit(planted)
    codes = _session(audit, tmp_path / "token-endpoints-echo", base, env, tokens_ok=False)
    codes.update(_session(audit, tmp_path / "apis-echo", base, env, tokens_ok=True))
    if mode == "garbage":
        assert {run: code for run, code in codes.items() if code != 3} == {}
    # the assertions google-auth signed, as the token endpoint received them, are secrets too
    for _method, path, _headers, body in server.requests:
        if path.endswith("google-token"):
            for assertion in parse_qs(body.decode()).get("assertion", []):
                planted[f"google assertion {len(planted)}"] = assertion
                # its signature alone (echoed first, then cut where the message is: its start is what shows)
                planted[f"google assertion signature {len(planted)}"] = assertion.rpartition(".")[2][:40]
        if path.startswith("/notify"):
            audit.outputs.append(("notify payload", body.decode("utf-8", "replace")))
    assert any(name.startswith("google assertion") for name in planted)
    assert any(where == "notify payload" for where, _ in audit.outputs)
    assert [(run, code) for run, code in audit.codes if code not in (0, 1, 3)] == []  # no config error, no crash
    assert [where for where, text in audit.outputs if "Traceback" in text] == []
    assert audit.leaks() == []
    print(f"{mode}: planted {len(planted)} secrets; {len(audit.outputs)} outputs of {len(audit.codes)} runs; 0 leaks")
