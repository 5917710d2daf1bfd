"""Google Merchant API v1: product inputs in an API data source.

``POST /products/v1/accounts/{a}/productInputs:insert?dataSource=accounts/{a}/dataSources/{ds}`` inserts or
replaces an item; ``DELETE /products/v1/accounts/{a}/productInputs/{name}?dataSource=…`` removes one, where
``name`` is ``contentLanguage~feedLabel~offerId`` as unpadded base64url (Google recommends the encoded form,
and it is required when the offer id holds ``/``, ``%`` or ``~``). Prices travel in micros. There is no
custombatch in the Merchant API, so requests run in parallel within ``workers``. Auth is a service account
through google-auth, whose token requests also go through httpx. Facts: research notes §2.3, the
``products/v1`` protos and the ``merchantapi.products_v1`` discovery document.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Any
from urllib.parse import parse_qs

import httpx

from feedsync import secrets
from feedsync.config import GoogleMerchantApiDestination
from feedsync.destinations.base import Held, ItemEncoder, ItemSync, refresh_after
from feedsync.destinations.http import (
    RateLimiter,
    Requester,
    answer_shape,
    json_body,
    make_client,
    pages,
    redirected,
    send_bounded,
)
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import AuthError, ConfigError, RemoteError
from feedsync.ids import id_key
from feedsync.sync import Change, Recorder, SyncPlan

SCOPE = "https://www.googleapis.com/auth/content"
BATCH = 100
LIST_PAGE = 1000
"""products.list's largest page (``pageSize``; more is taken as 1,000)."""
LIST_FIELDS = "products(offerId,contentLanguage,feedLabel,dataSource),nextPageToken"
"""The parts of products.list's answer read (Google's ``fields`` parameter): a page of whole products is large."""
ENUMS = ("availability", "condition", "gender", "age_group")
TEXT = {
    "title": "title",
    "description": "description",
    "link": "link",
    "image_link": "imageLink",
    "mobile_link": "mobileLink",
    "brand": "brand",
    "mpn": "mpn",
    "item_group_id": "itemGroupId",
    "google_product_category": "googleProductCategory",
    "color": "color",
    "size": "size",
    "material": "material",
    "pattern": "pattern",
    **{f"custom_label_{i}": f"customLabel{i}" for i in range(5)},
}
UNITS = {"g": "g", "kg": "kg", "lb": "lb", "oz": "oz"}
_FORMER = re.compile(r"google_merchant_api:accounts/([^/]+)/dataSources/([^/]+)/([a-z]{2})~([A-Z0-9-]{1,20})")
"""A description of a channel's products: the account, data source, language and label named."""
_WEIGHT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(g|kg|lb|oz)\s*", re.IGNORECASE)
"""A shipping weight the API's ``shippingWeight`` takes (a number and a unit of Google's); any other text goes as
the feed file writes it, in the attribute's generic form (``customAttributes``), for Google to read as it reads
the file's."""


def product_name(content_language: str, feed_label: str, offer_id: str) -> str:
    """The ``{id}`` path segment: unpadded base64url of ``contentLanguage~feedLabel~offerId``, the offer id as
    Google keeps it (``id_key``: a name of the id as sent, with a run of whitespace, names no product input)."""
    raw = f"{content_language}~{feed_label}~{id_key(offer_id)}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def micros(text: str) -> dict[str, str]:
    """``12.50 USD`` -> ``{"amountMicros": "12500000", "currencyCode": "USD"}`` (int64 as a string)."""
    amount, currency = text.split(" ")
    return {"amountMicros": str(int(Decimal(amount) * 1_000_000)), "currencyCode": currency}


def _rfc3339(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


def product_input(values: Mapping[str, Any], destination: GoogleMerchantApiDestination) -> dict[str, Any]:
    """A Google channel item (feed attribute names and text values) as a Merchant API ``ProductInput``."""
    attributes: dict[str, Any] = {}
    custom: list[dict[str, Any]] = []
    for name, value in values.items():
        if name == "id":
            continue
        if name in TEXT:
            attributes[TEXT[name]] = value
        elif name in ENUMS:
            attributes[{"age_group": "ageGroup"}.get(name, name)] = str(value).upper()
        elif name in ("price", "sale_price"):
            attributes["price" if name == "price" else "salePrice"] = micros(str(value))
        elif name == "sale_price_effective_date":
            start, end = str(value).split("/")
            attributes["salePriceEffectiveDate"] = {"startTime": _rfc3339(start), "endTime": _rfc3339(end)}
        elif name == "availability_date":
            attributes["availabilityDate"] = _rfc3339(str(value))
        elif name == "additional_image_link":
            attributes["additionalImageLinks"] = [value] if isinstance(value, str) else list(value)
        elif name == "gtin":
            attributes["gtins"] = [value] if isinstance(value, str) else list(value)
        elif name == "product_type":
            attributes["productTypes"] = [value] if isinstance(value, str) else list(value)
        elif name == "identifier_exists":
            attributes["identifierExists"] = str(value).lower() in ("yes", "true")
        elif name == "shipping_weight" and (weight := _WEIGHT.fullmatch(str(value))) is not None:
            attributes["shippingWeight"] = {"value": float(weight[1]), "unit": UNITS[weight[2].lower()]}
        elif isinstance(value, str):  # (a shipping weight of another form too: sent as the feed file writes it)
            custom.append({"name": name, "value": value})
        elif all(isinstance(v, str) for v in value):  # a repeated attribute: one custom attribute a value, as a file
            custom.extend({"name": name, "value": v} for v in value)
        else:  # kept from a source feed: one custom attribute per occurrence, sub-attributes as its groupValues
            for entry in value:
                group = [{"name": k, "value": v} for k, v in entry.items()] if isinstance(entry, Mapping) else None
                custom.append({"name": name, "groupValues": group} if group else {"name": name, "value": entry})
    body: dict[str, Any] = {
        "offerId": values["id"],
        "contentLanguage": destination.content_language,
        "feedLabel": destination.feed_label,
        "productAttributes": attributes,
    }
    if custom:
        body["customAttributes"] = custom
    return body


class _GoogleRequest:
    """google-auth's transport interface, over httpx (so token requests use feedsync's HTTP layer too)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        from google.auth import exceptions

        if isinstance(body, bytes | str):  # a token request: its signed assertion is a secret
            form = parse_qs(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)
            for assertion in form.get("assertion", []):
                register_assertion(assertion)
        try:
            request = self.client.build_request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or 30
            )
            response = send_bounded(self.client, request, "the token request")
        except httpx.HTTPError as exc:
            raise exceptions.TransportError(type(exc).__name__) from None
        except RemoteError as exc:  # an answer too large, or too slow to arrive whole
            raise exceptions.TransportError(str(exc)) from None
        if 300 <= response.status_code < 400:  # (google-auth would tell it with the empty body alone)
            raise exceptions.TransportError(redirected("the token request", response))
        register_tokens(response.content)
        return _Response(response)


def register_assertion(assertion: str) -> None:
    """A signed JWT (``header.claims.signature``) is a secret whole, and so is its signature alone: with it, the
    header and claims anyone can write make the assertion again. The signature is masked as sent (base64url) and as
    its bytes in any base64 or hex."""
    secrets.register(assertion)
    signature = assertion.rpartition(".")[2]
    secrets.register(signature)
    with contextlib.suppress(ValueError):  # (not base64url: masked as sent)
        secrets.register_bytes(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))


TOKEN_FIELDS = ("access_token", "id_token", "refresh_token")


def register_tokens(answer: bytes) -> None:
    """The tokens a token endpoint's answer holds are secrets whatever its status: google-auth quotes an answer it
    refuses (an error without an ``error`` field: the whole JSON) in its error."""
    try:
        data = json.loads(answer)
    except ValueError:
        return
    if isinstance(data, dict):
        secrets.register(*(value for key in TOKEN_FIELDS if isinstance(value := data.get(key), str)))


class _Response:
    """google-auth's transport response, from an httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class ServiceAccountAuth:
    """Bearer tokens for a service account (google-auth signs the JWT; the token is cached until it expires)."""

    def __init__(self, key_json: str, client: httpx.Client) -> None:
        try:
            from google.oauth2 import service_account
        except ImportError:  # pragma: no cover - the google extra is missing
            raise ConfigError(
                "the google_merchant_api destination needs google-auth: pip install 'feedsync[google]'"
            ) from None
        try:
            info = json.loads(key_json)
            if not isinstance(info, dict):  # (google-auth reads its keys: a list or a text fails in it)
                raise ValueError
            self.credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"the service account key is not usable: {type(exc).__name__}") from None
        secrets.register(str(info.get("private_key") or ""), str(info.get("private_key_id") or ""))
        self._request = _GoogleRequest(client)

    def headers(self) -> dict[str, str]:
        if not self.credentials.valid:
            self._refresh()
        return {"authorization": f"Bearer {self.credentials.token}"}

    def _refresh(self) -> None:
        from google.auth import exceptions

        where = f"Google token endpoint ({secrets.mask(str(self.credentials._token_uri))})"
        try:
            self.credentials.refresh(self._request)
        except exceptions.GoogleAuthError as exc:
            detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "no access token in the answer"
            raise RemoteError(f"{where}: {secrets.clip(detail, 300)}") from None
        except (TypeError, ValueError, KeyError, AttributeError):  # google-auth reading a body that is not JSON
            raise RemoteError(f"{where}: the answer is not a JSON object with access_token and expires_in") from None
        secrets.register(self.credentials.token)

    def refresh(self) -> None:
        self.credentials.token = None


class GoogleMerchantApi(ItemSync):
    def __init__(
        self,
        config: GoogleMerchantApiDestination,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.refresh_after = refresh_after(config.refresh_days)
        self.client = client or make_client(base_url=config.endpoint)
        self._auth: ServiceAccountAuth | None = None
        self._sleep = sleep
        rate = config.requests_per_second
        self._limiter = RateLimiter(rate=rate, burst=max(1, int(rate)))

    def describe(self) -> str:
        """The data source and the language and label of its products (``en~US``): a product's name holds both, so
        under another the items are other products."""
        return f"{self._place}/{self.config.content_language}~{self.config.feed_label}"

    @property
    def _place(self) -> str:
        return f"google_merchant_api:{self.data_source}"

    def adopts(self, description: str) -> bool:
        # feedsync before 2025-06 named no language and label: the items were sent under the ones configured now
        return description == self._place

    def retires(self, description: str) -> bool:
        return self._former(description) is not None

    def _former(self, description: str) -> tuple[str, str, str] | None:
        """(data source, language, label) of a former description of the channel's products in this account (a
        former data source, language or label), else None. Another account's products are left as they are: its
        credentials may not reach them, and the channel no longer names it."""
        found = _FORMER.fullmatch(description)
        if found is None or found.group(1) != self.config.account_id:
            return None
        return f"accounts/{found.group(1)}/dataSources/{found.group(2)}", found.group(3), found.group(4)

    @property
    def data_source(self) -> str:
        return f"accounts/{self.config.account_id}/dataSources/{self.config.data_source}"

    def requester(self) -> Requester:
        if self._auth is None:
            self._auth = ServiceAccountAuth(self.config.credentials.value(), self.client)
        limits = {"insert": self._limiter, "delete": self._limiter}
        return Requester(self.client, auth=self._auth, limits=limits, sleep=self._sleep)

    def held(self, target: str | None = None) -> Held:
        """The offer ids of the processed products (``GET /products/v1/accounts/{a}/products``, 1,000 a page) whose
        primary data source is the channel's, under its language and label. The data source takes only what
        feedsync sends it, so the products are the channel's. A product input inserted or deleted a few minutes
        before may not be listed as such yet (Google processes it first): it is sent or deleted once more."""
        requester = self.requester()
        account, language, label = self.config.account_id, self.config.content_language, self.config.feed_label

        def fetch(token: str | None) -> tuple[list[str], str | None]:
            params = {"pageSize": str(LIST_PAGE), "fields": LIST_FIELDS} | ({"pageToken": token} if token else {})
            response = requester.request(
                "GET", f"/products/v1/accounts/{account}/products", operation="list", params=params
            )
            body = json_body(response, "list")
            with answer_shape("products.list"):
                found = []
                for product in body.get("products") or []:
                    offer = product["offerId"]
                    if not isinstance(offer, str):
                        raise TypeError(f"offerId is {type(offer).__name__}, not text")
                    here = (product.get("dataSource"), product.get("contentLanguage"), product.get("feedLabel"))
                    if here == (self.data_source, language, label):
                        found.append(offer)
                token = body.get("nextPageToken")
                if token is not None and not isinstance(token, str):
                    raise TypeError(f"nextPageToken is {type(token).__name__}, not text")
            return found, token

        return Held(frozenset(pages(fetch, "products.list")), owned=True, form=id_key)

    def sync(self, plan: SyncPlan, recorder: Recorder, emit: Emit, encoder: ItemEncoder) -> None:
        requester = self.requester()
        account = self.config.account_id

        refused: list[AuthError] = []  # a refused login: the items queued behind it are not sent

        def insert(change: Change) -> tuple[Change, str | None]:
            if refused:
                raise refused[0]
            try:
                response = requester.request(
                    "POST",
                    f"/products/v1/accounts/{account}/productInputs:insert",
                    operation="insert",
                    params={"dataSource": self.data_source},
                    json=product_input(encoder.records(change)[0], self.config),
                )
                json_body(response, "insert", keys=("name",))  # the ProductInput; anything else is not Google's
                return change, None
            except AuthError as exc:  # the login, not the item: every other item would fail alike (the run stops)
                refused.append(exc)
                raise
            except RemoteError as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    return change, str(exc)
                raise

        def delete(
            item_id: str, source: str, language: str, label: str, offer: str | None = None
        ) -> tuple[str, str | None]:
            """Delete the item's product input from the data source ``source`` under ``language`` and ``label``;
            items were published under their id fitted into Google's limit, so deleted so too (``offer``: the
            offer id of a product found held, which the state did not know)."""
            name = product_name(language, label, offer if offer is not None else encoder.remote_id(item_id))
            try:
                response = requester.request(
                    "DELETE",
                    f"/products/v1/accounts/{account}/productInputs/{name}",
                    operation="delete",
                    params={"dataSource": source},
                )
            except RemoteError as exc:
                if exc.status != 404:  # already gone is what we wanted
                    raise
                return item_id, None
            if response.content.strip() and "error" in json_body(response, "delete"):  # (Google answers {})
                answer = secrets.clip(response.text, 200)
                raise RemoteError(secrets.mask(f"delete: HTTP {response.status_code} with an error: {answer!r}"))
            return item_id, None

        with ThreadPoolExecutor(max_workers=self.config.workers) as pool:
            upserts = plan.upserts
            for start in range(0, len(upserts), BATCH):
                accepted = []
                for change, problem in pool.map(insert, upserts[start : start + BATCH]):
                    if problem is None:
                        accepted.append(change)
                    else:
                        recorder.rejected(change, problem)
                        emit(
                            make(
                                "DST003",
                                f"Google rejected the item: {problem}",
                                channel=encoder.name,
                                product_id=change.item_id,
                            )
                        )
                recorder.accepted(accepted)
            here = (self.data_source, self.config.content_language, self.config.feed_label)
            names = [(None, *here, plan.deletes)]
            for former, items in plan.retired.items():  # the products of a former data source, language or label
                found = self._former(former)
                assert found is not None  # (retired so)
                names.append((former, *found, items))
            for where, source, language, label, items in names:
                for start in range(0, len(items), BATCH):
                    batch = items[start : start + BATCH]
                    removed = pool.map(delete, batch, repeat(source), repeat(language), repeat(label))
                    recorder.removed([item for item, _ in removed], former=where)
            for start in range(0, len(plan.strays), BATCH):  # found held, unknown to the state: by their offer id
                batch = plan.strays[start : start + BATCH]
                removed = pool.map(delete, batch, *(repeat(part) for part in here), batch)
                recorder.cleared([offer for offer, _ in removed])
