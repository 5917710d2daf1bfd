"""Amazon Product Type Definitions API 2020-09-01: search product types, pull their definitions into a folder.

- ``searchDefinitionsProductTypes``: ``GET /definitions/2020-09-01/productTypes?keywords=…&marketplaceIds=…``
  -> ``productTypes`` (name, displayName, marketplaceIds) and the ``productTypeVersion``.
- ``getDefinitionsProductType``: ``GET /definitions/2020-09-01/productTypes/{productType}`` with
  ``marketplaceIds``, ``requirements``, ``locale`` and the ``sellerId`` (seller-specific values, e.g. the
  brands the seller owns) -> the ``productTypeVersion`` and a link to the JSON Schema (``schema.link.resource``,
  a presigned URL fetched without SP-API headers, with its Base64 MD5 ``checksum``).

Each product type is pulled for the three requirement sets Amazon serves: ``LISTING`` (a full listing),
``LISTING_PRODUCT_ONLY`` (what a parent, without an offer, must say) and ``LISTING_OFFER_ONLY`` (an offer on an
existing product). A pulled definition is stored as ``{TYPE}.{marketplace id}.json`` (LISTING) or
``{TYPE}.{marketplace id}.{requirements}.json`` in one atomic write: Amazon's schema with one more top-level key,
``x-feedsync-pulled`` (product type version, requirements, locale, checksum, when), which JSON Schema ignores and
the definitions index reads to tell the sets apart. The file is checked to be the requested product type
(``$id``) for the requested marketplace (``$defs.marketplace_id.default``), the facts the definitions index reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from feedsync import secrets
from feedsync.atomic import atomic_write, remove_leftovers
from feedsync.config import AmazonLogin
from feedsync.destinations.amazon_feeds import LwaToken, sp_api_client
from feedsync.destinations.http import RateLimiter, Requester, answer_shape, json_body, make_client
from feedsync.errors import ConfigError, RemoteError
from feedsync.faults import checkpoint

PATH = "/definitions/2020-09-01/productTypes"
PULLED_KEY = "x-feedsync-pulled"
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
_PRODUCT_TYPE = re.compile(r"^[A-Z0-9_]{1,100}$")
_STORED = re.compile(r"^[A-Z0-9_]+\.[A-Z0-9]+(\.LISTING_[A-Z_]+)?\.json$")


@dataclass(frozen=True, slots=True)
class ProductTypeFound:
    name: str
    display_name: str
    marketplace_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pulled:
    product_type: str
    marketplace_id: str
    requirements: str
    version: str
    path: Path
    checksum_ok: bool | None
    """True: the schema's Base64 MD5 is the checksum Amazon gave; False: it is not; None: no checksum given."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to pull: the Amazon channel's SP-API login, marketplace, locale, seller and folder."""

    channel: str
    login: AmazonLogin
    marketplace_id: str
    locale: str
    seller_id: str | None
    folder: Path | None


def product_type_name(name: str) -> str:
    """An Amazon product type name (``HOME``, ``SHIRT``) as the path of the request; a ConfigError otherwise."""
    upper = name.strip().upper()
    if not _PRODUCT_TYPE.match(upper):
        raise ConfigError(f"{name!r} is not an Amazon product type name (upper-case letters, digits and _)")
    return upper


def requirements_name(name: str) -> str:
    """A requirement set Amazon serves (LISTING, LISTING_PRODUCT_ONLY, LISTING_OFFER_ONLY); a ConfigError otherwise."""
    upper = name.strip().upper()
    if upper not in REQUIREMENTS:
        raise ConfigError(f"{name!r} is not a requirement set: {', '.join(REQUIREMENTS)}")
    return upper


class DefinitionsApi:
    def __init__(
        self,
        login: AmazonLogin,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.login = login
        self.client = client or sp_api_client(login)
        # Both operations: 5 requests per second, bursts of 10 (the API model's usage plan).
        limiter = RateLimiter(rate=5, burst=10)
        self.requester = Requester(
            self.client,
            auth=LwaToken(login, make_client()),
            limits={"searchDefinitionsProductTypes": limiter, "getDefinitionsProductType": limiter},
            sleep=sleep,
        )

    def search(
        self, keywords: Sequence[str], marketplace_id: str, locale: str | None = None
    ) -> tuple[str, list[ProductTypeFound]]:
        """(the product type version, the product types with a definition that match ``keywords``)."""
        params = {"keywords": ",".join(keywords), "marketplaceIds": marketplace_id}
        if locale:
            params["locale"] = locale
        body = json_body(
            self.requester.request("GET", PATH, operation="searchDefinitionsProductTypes", params=params),
            "searchDefinitionsProductTypes",
            keys=("productTypes",),
        )
        with answer_shape("searchDefinitionsProductTypes"):
            found = [
                ProductTypeFound(str(t["name"]), str(t.get("displayName") or ""), tuple(t.get("marketplaceIds") or ()))
                for t in body["productTypes"]
            ]
        return str(body.get("productTypeVersion") or ""), found

    def definition(
        self,
        product_type: str,
        marketplace_id: str,
        *,
        locale: str,
        seller_id: str | None = None,
        requirements: str = "LISTING",
    ) -> tuple[dict[str, Any], bytes]:
        """(the definition's envelope, the JSON Schema's bytes as downloaded)."""
        params = {"marketplaceIds": marketplace_id, "requirements": requirements, "locale": locale}
        if seller_id:
            params["sellerId"] = seller_id
        operation = "getDefinitionsProductType"
        envelope = json_body(
            self.requester.request("GET", f"{PATH}/{product_type}", operation=operation, params=params),
            operation,
            keys=("productType", "productTypeVersion", "schema"),
        )
        with answer_shape(operation):
            link = envelope["schema"]["link"]
            resource, verb = str(link["resource"]), str(link.get("verb") or "GET")
            str(envelope["productTypeVersion"]["version"])
        if envelope["productType"] != product_type:
            raise RemoteError(f"{operation}: asked for {product_type}, Amazon answered {envelope['productType']!r}")
        if envelope.get("requirements", requirements) != requirements:
            raise RemoteError(
                f"{operation}: asked for the {requirements} requirements, Amazon answered {envelope['requirements']!r}"
            )
        secrets.register_url(resource)  # a presigned URL: its signature is a credential
        # Amazon links to an https URL; a plain http one only when the configured endpoint is plain http itself
        schemes = ("https://", "http://") if (self.login.endpoint or "").startswith("http://") else ("https://",)
        if verb != "GET" or not resource.startswith(schemes):
            link = f"{secrets.clip(verb, 20)} {secrets.clip(resource, 80)!r}"
            raise RemoteError(f"{operation}: the schema link is not an https GET ({link})")
        schema = self.requester.request("GET", resource, operation="downloadProductTypeSchema", anonymous=True)
        return envelope, schema.content


def _checksum_ok(raw: bytes, checksum: object) -> bool | None:
    if not isinstance(checksum, str) or not checksum:
        return None
    digest = hashlib.md5(raw, usedforsecurity=False).digest()
    return checksum in (base64.b64encode(digest).decode("ascii"), digest.hex())


def store(
    folder: Path,
    envelope: dict[str, Any],
    raw: bytes,
    marketplace_id: str,
    requirements: str = "LISTING",
    *,
    now: datetime | None = None,
) -> Pulled:
    """Write the schema (with what was pulled) as ``{TYPE}.{marketplace}[.{requirements}].json`` in ``folder``,
    atomically."""
    product_type = str(envelope["productType"])
    where = f"the {product_type} schema Amazon sent"
    try:
        schema = json.loads(raw)
    except ValueError:
        raise RemoteError(f"{where} is not JSON") from None
    if not isinstance(schema, dict):
        raise RemoteError(f"{where} is not a JSON object")
    named = str(schema.get("$id", "")).rstrip("/").rsplit("/", 1)[-1]
    with answer_shape(where):
        market = schema.get("$defs", {}).get("marketplace_id", {}).get("default")
    if named != product_type or market != marketplace_id:
        raise RemoteError(f"{where} is for {named or '?'} on {market or '?'}, not {product_type} on {marketplace_id}")
    checksum = envelope["schema"].get("checksum")
    version = str(envelope["productTypeVersion"]["version"])
    pulled = {
        "productType": product_type,
        "marketplaceId": marketplace_id,
        "productTypeVersion": version,
        "requirements": requirements,
        "requirementsEnforced": envelope.get("requirementsEnforced"),
        "locale": envelope.get("locale"),
        "displayName": envelope.get("displayName"),
        "checksum": checksum,
        "pulledAt": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    head = {k: schema[k] for k in ("$schema", "$id") if k in schema}
    document = {**head, PULLED_KEY: pulled, **{k: v for k, v in schema.items() if k not in head}}
    suffix = "" if requirements == "LISTING" else f".{requirements}"
    path = folder / f"{product_type}.{marketplace_id}{suffix}.json"
    with atomic_write(path) as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
        handle.write(b"\n")
    return Pulled(product_type, marketplace_id, requirements, version, path, _checksum_ok(raw, checksum))


def pull(
    api: DefinitionsApi,
    target: Target,
    product_types: Sequence[str],
    folder: Path,
    requirements: Sequence[str] = REQUIREMENTS,
) -> list[Pulled]:
    """Pull each product type's definition, for each requirement set, for the target's marketplace into
    ``folder``; each file is written whole or not at all, and a failure leaves the files already pulled in place.
    The temp files of a pull that was killed while writing are removed."""
    remove_leftovers(folder, lambda name: bool(_STORED.match(name)), before=time.time())
    done = []
    for name in product_types:
        for wanted in requirements:
            envelope, raw = api.definition(
                name, target.marketplace_id, locale=target.locale, seller_id=target.seller_id, requirements=wanted
            )
            checkpoint("definitions.fetched")
            done.append(store(folder, envelope, raw, target.marketplace_id, wanted))
            checkpoint("definitions.stored")
    return done
