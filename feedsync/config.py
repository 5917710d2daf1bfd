"""``feedsync.yaml`` -> validated pydantic config. Unknown keys are rejected with ``file:line:col``;
paths are relative to the config file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from feedsync import secrets, yamlpos
from feedsync.errors import ConfigError
from feedsync.model.money import ISO_4217
from feedsync.model.product import PRODUCT_FIELDS

DEFAULT_CONFIG_NAME = "feedsync.yaml"


class _RegisteredFormat:
    """The ``source.format`` names: ``auto`` and every reader's formats, from the readers' registry (a reader
    module under ``feedsync/sources/`` registers its own), checked when a config is validated."""

    @staticmethod
    def names() -> list[str]:
        from feedsync.sources.base import source_formats

        return source_formats()

    def doc_type(self) -> str:
        return " \\| ".join(f"`{name}`" for name in self.names())

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        names = self.names()
        if value not in names:
            expected = ", ".join(repr(name) for name in names[:-1]) + f" or {names[-1]!r}"
            raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
        return value


SourceFormat = Annotated[str, _RegisteredFormat()]


def source_formats() -> list[str]:
    """The names ``source.format`` takes (``auto`` first)."""
    return _RegisteredFormat.names()


_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _text_encoding(value: str | None) -> str | None:
    """A text encoding Python knows (``rot13`` and ``zlib_codec`` are codecs, but not text encodings)."""
    import codecs

    if value is None:
        return None
    try:
        info = codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown encoding {value!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{value!r} is not a text encoding (try utf-8, cp1252 or latin-1)")
    return value


def _resolve(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    value = value.expanduser()
    return value if value.is_absolute() or base is None else (Path(base) / value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    path: Path
    """The catalog file (relative to this config)."""
    format: SourceFormat = "auto"
    """The file's format; ``auto`` detects it from the content (``feedsync inspect`` shows what it finds)."""
    currency: str | None = None
    """ISO 4217 code for prices that do not name a currency (platform exports never do)."""
    base_url: str | None = None
    """The shop's address: relative links and image paths are completed with it."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Source column -> product field, for columns whose names feedsync does not know (csv, tsv, google_tsv, json,
    jsonl). A column must be in the file; in JSON a dotted path reaches nested values (``priceInfo.price``,
    ``images.0.uri``)."""
    options: dict[str, Literal["color", "size", "material", "pattern"]] = Field(default_factory=dict)
    """Variant option name -> variant field, for options feedsync does not recognise (``{"Choose Material":
    material, "Tiers": size}``); matched like column names (case and spacing do not matter). A name that no option
    of a platform export's products has is an error (CFG010)."""
    encoding: str | None = None
    """None: UTF-8 (a BOM is dropped), falling back to cp1252 with a warning."""
    timezone: str = "UTC"
    """IANA time zone of dates written without an offset (sale dates)."""
    include_unpublished: bool = False
    """Platform exports: also read draft/archived/private products (left out by default)."""
    media_base_url: str | None = None
    """Magento: the URL that image paths are relative to (default: base_url + /media/catalog/product)."""
    store_view: str | None = None
    """Magento: the store_view_code whose rows override the default values (names, descriptions, url keys), and
    whose row holds a product's values when the export has no default-scope row (empty store_view_code) for it."""
    weight_unit: Literal["g", "kg", "lb", "oz"] | None = None
    """Magento and BigCommerce keep the weight unit in the store settings, not in the file: without it their
    weights are not read (a wrong unit would be worse than none)."""

    _column_lines: dict[str, tuple[str, int, int]] = PrivateAttr(default_factory=dict)
    """``columns:`` key -> (config file, line, column), for errors found once the source is open."""
    _path_at: str = PrivateAttr(default="")
    """Where ``path`` is given (``feedsync.yaml:2:9: source.path: ``), for a file that is not there."""

    def column_error(self, column: str, message: str) -> ConfigError:
        """A ConfigError about the ``columns:`` entry ``column``, at its line in feedsync.yaml when known."""
        path, line, col = self._column_lines.get(column, (None, None, None))
        return ConfigError(f"source.columns: {message}", path=path, line=line, column=col)

    @field_validator("media_base_url")
    @classmethod
    def _media_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an absolute http(s) URL")
        return value.rstrip("/") if value else value

    _abs_path = field_validator("path")(_resolve)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in ISO_4217:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value.upper()

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        for header, target in value.items():
            if target not in PRODUCT_FIELDS or target == "attributes":
                raise ValueError(
                    f"column {header!r} maps to {target!r}, which is not a product field "
                    f"(one of: {', '.join(f for f in PRODUCT_FIELDS if f != 'attributes')})"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    _encoding = field_validator("encoding")(lambda value: _text_encoding(value))


class SupplementConfig(_Strict):
    """An extra file joined to the catalog: ``key`` is its column, ``join_on`` the product field it matches.
    With ``as``, every matching row is kept as a list under that name (e.g. stock per store)."""

    path: Path
    """The supplement file: CSV or TSV, or by its extension JSON (``.json``: an array of objects) or JSON Lines
    (``.jsonl``, ``.ndjson``)."""
    key: str = "id"
    """Its column that holds the product key."""
    join_on: str = "id"
    """The product field the key matches."""
    as_: str | None = Field(default=None, alias="as")
    """Keep every matching row as a list under this name (e.g. ``stores``) instead of merging one row's columns."""
    encoding: str | None = None
    """Text encoding (default: UTF-8, else cp1252)."""

    _abs_path = field_validator("path")(_resolve)
    _encoding = field_validator("encoding")(lambda value: _text_encoding(value))

    @field_validator("join_on")
    @classmethod
    def _product_field(cls, value: str) -> str:
        if value not in PRODUCT_FIELDS:
            raise ValueError(f"join_on must be a product field, not {value!r}")
        return value

    @field_validator("as_")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and (not value.isidentifier() or value in PRODUCT_FIELDS):
            raise ValueError(f"as must be a new variable name, not {value!r}")
        return value


class DirectoryDestination(_Strict):
    """Publish the feed file into a folder atomically (e.g. a web root fetched by the channel)."""

    type: Literal["directory"]
    """A local folder (e.g. a web root a channel fetches from)."""
    path: Path
    """The folder; created when missing."""
    filename: str | None = None
    """The published file's name (default: the channel name and the format's extension); a name of another feed
    format than the channel writes (``google.xml`` for a CSV) is refused."""
    keep: int = Field(default=0, ge=0)
    """How many previous versions to keep beside the feed (``google.xml.20261122T063000123456Z``: the time it was
    published, to the microsecond)."""

    _abs_path = field_validator("path")(_resolve)

    @field_validator("filename")
    @classmethod
    def _plain_name(cls, value: str | None) -> str | None:
        if value is not None and (not value or "/" in value or "\\" in value or value in (".", "..")):
            raise ValueError("filename must be a plain file name without directories")
        return value


class SecretRef(_Strict):
    """A secret named in the config, never written in it: an environment variable or a file."""

    env: str | None = None
    """The environment variable holding the secret."""
    file: Path | None = None
    """A file holding the secret (its whitespace trimmed)."""

    _abs_file = field_validator("file")(_resolve)

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: Any) -> Any:
        if isinstance(data, str | int | float):  # the secret itself, written in the config (not repeated here)
            raise PydanticCustomError(
                "secret_written",
                "a secret is never written in feedsync.yaml: keep it in an environment variable or a file and name "
                "it here, {env: NAME} or {file: PATH}",
            )
        return data

    @model_validator(mode="after")
    def _one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret is {env: NAME} or {file: PATH}")
        return self

    def value(self) -> str:
        """The secret, registered for masking (``feedsync.secrets``) as it is read."""
        import os

        if self.env is not None:
            found = os.environ.get(self.env)
            if not found:
                raise ConfigError(f"environment variable {self.env} is not set (it holds a secret)")
        else:
            assert self.file is not None
            try:
                found = self.file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"cannot read secret file {self.file}: {exc.strerror}") from None
            except UnicodeDecodeError as exc:  # told without the bytes: they are the secret's
                utf16 = exc.object[:2] in (b"\xff\xfe", b"\xfe\xff")
                raise ConfigError(
                    f"cannot read secret file {self.file}: it is not UTF-8 text (byte {exc.start} is not"
                    + ("; it starts as UTF-16 does, as some Windows tools save files)" if utf16 else ")")
                    + "; save it as UTF-8"
                ) from None
        secrets.register(found)
        return found

    def __repr__(self) -> str:
        return f"SecretRef(env={self.env!r})" if self.env else f"SecretRef(file={str(self.file)!r})"


class GoogleMerchantApiDestination(_Strict):
    """Merchant API v1 product inputs in an API data source (Content API for Shopping is sunset)."""

    type: Literal["google_merchant_api"]
    """Google Merchant API (productInputs), with a service account."""
    takes: ClassVar[str] = "google"
    """The channel whose items it takes (a profile's ``channel``): Google's product attributes."""
    account_id: str = Field(pattern=r"^\d+$")
    """The Merchant Center account id."""
    data_source: str = Field(pattern=r"^\d+$", description="the id of an API data source")
    content_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    """Two-letter language of the products. Changed, the next push inserts every product under the new one and
    deletes those under the old."""
    feed_label: str = Field(default="US", pattern=r"^[A-Z0-9-]{1,20}$")
    """The feed label (usually the target country). Changed, the next push inserts every product under the new
    label and deletes those under the old."""
    credentials: SecretRef
    """The service account's JSON key."""
    workers: int = Field(default=4, ge=1, le=32)
    """Parallel requests."""
    requests_per_second: float = Field(default=10, gt=0)
    """Spread the calls within the Merchant API's per-minute quota (raise it when your quota allows)."""
    refresh_days: int = Field(default=25, ge=1, le=29)
    """Resend an unchanged product after this many days (Google expires products after 30)."""
    endpoint: str = "https://merchantapi.googleapis.com"
    """The API's base URL (tests point it elsewhere)."""


class SftpDestination(_Strict):
    """Upload the feed file over SFTP (Google Merchant Center: host partnerupload.google.com, port 19321)."""

    type: Literal["sftp"]
    """An SFTP server (e.g. Google's or a marketplace's feed upload)."""
    host: str
    """The server's host name."""
    port: int = Field(default=22, ge=1, le=65535)
    """The server's port."""
    username: str
    """The login name."""
    password: SecretRef | None = None
    """The password (a secret), or use private_key."""
    private_key: SecretRef | None = None
    """A private key file or secret, or use password."""
    private_key_passphrase: SecretRef | None = None
    """The passphrase of an encrypted private key (a secret)."""
    remote_dir: str = "."
    """The folder on the server."""
    filename: str | None = None
    """The uploaded file's name (default: the channel name and the format's extension); a name of another feed
    format than the channel writes (``google.xml`` for a CSV) is refused."""
    known_hosts: Path | None = None
    """An OpenSSH known_hosts file that must list the server's key."""

    _abs_known_hosts = field_validator("known_hosts")(_resolve)

    @model_validator(mode="after")
    def _credentials(self) -> SftpDestination:
        if self.password is None and self.private_key is None:
            raise ValueError("sftp needs a password or a private_key ({env: NAME} or {file: PATH})")
        return self


class MetaCatalogApiDestination(_Strict):
    """Meta's Catalog Batch API (``/{catalog_id}/items_batch``); the token is a system user's."""

    type: Literal["meta_catalog_api"]
    """Meta's Catalog Batch API."""
    takes: ClassVar[str] = "meta"
    """The channel whose items it takes: Meta's catalog fields."""
    catalog_id: str = Field(pattern=r"^\d+$")
    """The catalog's numeric id."""
    access_token: SecretRef
    """A system user's access token (a secret)."""
    api_version: str = Field(default="v26.0", pattern=r"^v\d+\.\d+$")
    """The Graph API version."""
    batch_size: int = Field(default=3000, ge=1, le=5000)
    """Requests per items_batch call (Meta allows up to 5,000)."""
    poll_interval: float = Field(default=5, gt=0)
    """Seconds before the first batch-status poll (doubling up to 60)."""
    poll_timeout: float = Field(default=1800, gt=0)
    """Give up waiting for a batch after this many seconds."""
    refresh_days: int | None = None
    """Resend unchanged items after this many days (none: only changes)."""
    endpoint: str = "https://graph.facebook.com"
    """The Graph API's base URL (tests point it elsewhere)."""


class AmazonLogin(_Strict):
    """Selling Partner API access: the region's endpoint and the Login with Amazon app and seller authorization."""

    region: Literal["na", "eu", "fe"] = "na"
    """The SP-API region: na, eu or fe."""
    client_id: str = Field(min_length=1)
    """The Login with Amazon app's client id."""
    client_secret: SecretRef
    """The app's client secret (a secret)."""
    refresh_token: SecretRef
    """The seller authorization's refresh token (a secret)."""
    sandbox: bool = False
    """Use the SP-API sandbox endpoints."""
    endpoint: str | None = None
    """Override the region's SP-API base URL."""
    lwa_url: str = "https://api.amazon.com/auth/o2/token"
    """The Login with Amazon token URL."""


class AmazonSpApiDestination(AmazonLogin):
    """Amazon Selling Partner API feeds (JSON_LISTINGS_FEED); the seller's LWA refresh token authorizes it."""

    type: Literal["amazon_sp_api"]
    """Amazon SP-API Feeds (JSON_LISTINGS_FEED)."""
    takes: ClassVar[str] = "amazon"
    """The channel whose items it takes: Amazon's listings."""
    poll_interval: float = Field(default=30, gt=0)
    """Seconds between feed-status polls."""
    poll_timeout: float = Field(default=3600, gt=0)
    """Give up waiting for a feed after this many seconds (the next push collects it before it sends anything)."""
    open_feed_hours: float = Field(default=24, gt=0)
    """Give up a feed Amazon has not finished this many hours after it was created: a push cancels it if it is
    still IN_QUEUE and sends its listings again (DST011). A feed Amazon no longer knows (it keeps them 90 days) is
    given up too."""
    refresh_days: int | None = None
    """Resend unchanged listings after this many days (none: only changes)."""


Destination = Annotated[
    DirectoryDestination
    | GoogleMerchantApiDestination
    | SftpDestination
    | MetaCatalogApiDestination
    | AmazonSpApiDestination,
    Field(discriminator="type"),
]


def syncs_items(destination: object) -> bool:
    """Whether ``destination`` (a channel's) is an API a push sends the changed items to, not the feed's file."""
    return isinstance(destination, (GoogleMerchantApiDestination, MetaCatalogApiDestination, AmazonSpApiDestination))


class ChannelConfig(BaseModel):
    """A channel: its profile (built-in name or path), its destination, and overrides of profile keys.

    Override keys (``fields``, ``filters``, ``format``, ...) are validated against the profile schema
    when the profile is compiled, with positions in feedsync.yaml.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    profile: str
    """A built-in profile (google_merchant, facebook, amazon, google_local_inventory, pinterest, native) or a profile
    file."""
    destination: Destination | None = None
    """Where push delivers the feed; none: build and validate only."""
    on_error: Literal["skip", "fail"] = "skip"
    """push: ``skip`` leaves items with errors out of the feed; ``fail`` publishes nothing while any item has one."""
    max_error_rate: float | None = Field(default=None, ge=0, le=100)
    """push: do not publish the channel when more than this percent of its items have errors."""
    max_drop_percent: float = Field(default=20, ge=0, le=100)
    """push: refuse to publish when the item count fell by more than this percent since the last push."""
    guardrail_history: int = Field(default=5, ge=1, le=100)
    """push: also refuse when the item count fell by more than max_drop_percent below the largest count of this
    many last pushes (a source shrinking a little every push); a push --force starts the count again."""
    max_deletes: int | None = Field(default=None, ge=0)
    """push: refuse when more items than this would be deleted (an API) or left out of the feed published before (a
    file)."""
    max_delete_percent: float = Field(default=50, ge=0, le=100)
    """push: refuse when more than this percent of the items published before would leave the channel (deleted from
    an API, left out of a feed file), though the item count did not fall: a source of other ids (another store's
    file, ids renamed)."""
    allow_empty: bool = False
    """push: publish the feed even when it has no items (by default an empty feed is refused, DST008, and the
    feed published before stays)."""

    @property
    def overrides(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class NotifyConfig(_Strict):
    """Where to report failed pushes and tripped guardrails."""

    webhook: SecretRef | str | None = None
    """A URL (or a secret holding it, when the URL embeds a token): receives a JSON POST."""

    @field_validator("webhook")
    @classmethod
    def _url(cls, value: SecretRef | str | None) -> SecretRef | str | None:
        if isinstance(value, str) and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an absolute http(s) URL")
        return value


class DirectoryOrderSink(_Strict):
    """Write imported orders as JSON Lines, one file per run, for the store's own import to pick up."""

    type: Literal["directory"]
    """JSON Lines files in a folder."""
    path: Path
    """The folder (created when missing)."""

    _abs_path = field_validator("path")(_resolve)


class WebhookOrderSink(_Strict):
    """POST each order event as JSON to the store's endpoint, signed with HMAC-SHA256 and carrying an
    ``Idempotency-Key`` the endpoint must honour (a webhook cannot be asked whether it already has an order)."""

    type: Literal["webhook"]
    """A signed JSON POST per order event."""
    url: SecretRef | str
    """The endpoint (or a secret holding it, when it embeds a token)."""
    secret: SecretRef
    """The shared HMAC key; the signature is ``X-Feedsync-Signature: sha256=<hex>`` of the exact body."""


class WooCommerceOrderSink(_Strict):
    """Create each order in a WooCommerce store through its REST API (``POST /wp-json/wc/v3/orders``)."""

    type: Literal["woocommerce"]
    """A WooCommerce store."""
    url: str = Field(pattern=r"^https?://")
    """The store's address, e.g. https://shop.example.com (the API is under /wp-json/wc/v3)."""
    consumer_key: SecretRef
    """The REST API consumer key (a secret)."""
    consumer_secret: SecretRef
    """The REST API consumer secret (a secret)."""
    status: Literal["processing", "on-hold", "pending", "completed"] = "processing"
    """The status a new store order gets; ``processing`` marks it paid (the marketplace collected the money),
    which also reduces the store's stock."""


class ShopifyOrderSink(_Strict):
    """Create each order in a Shopify store through the Admin GraphQL API (``orderCreate``)."""

    type: Literal["shopify"]
    """A Shopify store."""
    shop: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*\.myshopify\.com$")
    """The store's myshopify.com domain, e.g. example.myshopify.com."""
    access_token: SecretRef
    """An Admin API access token with the read_orders, write_orders and read_products scopes."""
    api_version: str = Field(default="2026-10", pattern=r"^\d{4}-\d{2}$")
    """The Admin API version."""
    inventory: Literal["BYPASS", "DECREMENT_IGNORING_POLICY", "DECREMENT_OBEYING_POLICY"] = "DECREMENT_IGNORING_POLICY"
    """orderCreate's inventoryBehaviour: the marketplace already sold the item, so stock is reduced even when
    it goes below zero."""
    endpoint: str | None = Field(default=None, pattern=r"^https?://")
    """The Admin API's base URL instead of ``https://<shop>`` (tests point it elsewhere)."""


OrderSink = Annotated[
    DirectoryOrderSink | WebhookOrderSink | WooCommerceOrderSink | ShopifyOrderSink, Field(discriminator="type")
]


class AmazonOrdersApi(AmazonLogin):
    """The SP-API seller authorization for orders (the same Login with Amazon app as the listings feeds)."""

    marketplace_id: str = Field(min_length=1)
    """e.g. ATVPDKIKX0DER (amazon.com); orders are read for it and shipments confirmed in it."""


class OrdersConfig(_Strict):
    """Marketplace orders into the store (``import-orders``) and tracking back (``push-tracking``)."""

    marketplace: Literal["amazon"] = "amazon"
    """The marketplace orders come from."""
    channel: str | None = None
    """The channel whose published SKUs map order lines to catalog ids (default: the one using the amazon
    profile)."""
    sku_map: Path | None = None
    """Optional CSV ``marketplace_sku,catalog_id`` for SKUs feedsync did not publish (or that it should override)."""
    sink: OrderSink
    """Where imported orders go: directory, webhook, woocommerce or shopify."""
    api: AmazonOrdersApi | None = None
    """SP-API access: ``push-tracking`` confirms shipments through it (else it writes the upload file)."""
    confirmations_dir: Path | None = None
    """``push-tracking`` without API access: a folder that gets one shipping confirmation upload file per run
    (named by its UTC time and a random part; never overwritten). After a crashed run, leave the files in place
    until the next run: it checks which packages the last file holds."""
    carriers: dict[str, str] = Field(default_factory=dict)
    """Carrier name as the shipments file spells it -> Amazon carrierCode (added to the built-in table)."""

    _abs_paths = field_validator("sku_map", "confirmations_dir")(
        lambda value, info: None if value is None else _resolve(value, info)
    )


class Config(_Strict):
    source: SourceConfig
    """The catalog: the one source of truth."""
    supplements: list[SupplementConfig] = Field(default_factory=list)
    """Extra files joined to the catalog (stock per store, costs, overrides)."""
    channels: dict[str, ChannelConfig] = Field(min_length=1)
    """Channel name -> what to build for it and where to deliver it."""
    notify: NotifyConfig | None = None
    """Where to report failed pushes and tripped guardrails."""
    orders: OrdersConfig | None = None
    """Marketplace orders into the store, and tracking numbers back."""
    output_dir: Path = Field(default=Path("out"), validate_default=True)
    """Where build and push write the feeds."""
    state_path: Path = Field(default=Path(".feedsync/state.sqlite"), validate_default=True)
    """The SQLite state (run history, what was sent, orders, shipments)."""

    _abs_out = field_validator("output_dir", "state_path")(_resolve)

    _path: Path | None = PrivateAttr(default=None)
    _display: str = PrivateAttr(default="<command line>")
    _node: yaml.Node | None = PrivateAttr(default=None)

    @field_validator("channels")
    @classmethod
    def _names(cls, value: dict[str, ChannelConfig]) -> dict[str, ChannelConfig]:
        for name in value:
            if not _CHANNEL_NAME.match(name):
                raise ValueError(f"channel name {name!r} must be letters, digits, '_', '-' or '.'")
        return value

    @property
    def path(self) -> Path | None:
        """The config file, or None for a config made from command-line flags."""
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    def position(self, loc: list[str | int]) -> tuple[str, yaml.Node | None]:
        """(file name, YAML node) for reporting a problem found later in a part of this config."""
        node = yamlpos.locate_node(self._node, loc) if self._node is not None else None
        return self._display, node


def load_config(path: Path) -> Config:
    data, node = yamlpos.load(path)
    if not isinstance(data, dict):
        raise ConfigError("the config must be a YAML mapping", path=str(path), line=1, column=1)
    _no_placeholders(node, str(path))
    config = yamlpos.validate(Config, data, str(path), node, base_dir=path.resolve().parent)
    config._path = path.resolve()
    config._display = str(path)
    config._node = node
    given = yamlpos.locate_node(node, ["source", "path"])
    if given is not None:
        config.source._path_at = f"{path}:{given.start_mark.line + 1}:{given.start_mark.column + 1}: source.path: "
    columns = yamlpos.locate_node(node, ["source", "columns"])
    if isinstance(columns, yaml.MappingNode):
        config.source._column_lines = {
            str(key.value): (str(path), key.start_mark.line + 1, key.start_mark.column + 1) for key, _ in columns.value
        }
    return config


def _no_placeholders(node: yaml.Node | None, name: str) -> None:
    """Refuse a value still reading ``TODO`` (what ``feedsync init`` writes for the merchant to fill in): the
    first one in the file is named with its line and column."""
    found: list[yaml.ScalarNode] = []
    todo = [node] if node is not None else []
    while todo:
        current = todo.pop()
        if isinstance(current, yaml.ScalarNode):
            if isinstance(current.value, str) and current.value.startswith("TODO"):
                found.append(current)
        elif isinstance(current, yaml.MappingNode):
            todo.extend(child for pair in current.value for child in pair)
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)
    if found:
        first = min(found, key=lambda n: (n.start_mark.line, n.start_mark.column))
        raise ConfigError(
            f"{first.value!r} is a placeholder: fill in this value (see the comment beside it)"
            + (f"; {len(found) - 1} more placeholder(s) after it" if len(found) > 1 else ""),
            path=name,
            line=first.start_mark.line + 1,
            column=first.start_mark.column + 1,
        )


def config_from_flags(
    *,
    source: Path,
    source_format: str,
    currency: str | None,
    base_url: str | None,
    channels: list[str],
    out: Path | None,
    encoding: str | None = None,
) -> Config:
    """A config for ``build``/``validate`` run without a config file: one channel per built-in profile."""
    data: dict[str, Any] = {
        "source": {
            "path": str(source),
            "format": source_format,
            "currency": currency,
            "base_url": base_url,
            "encoding": encoding,
        },
        "channels": {Path(ref).stem if ref.endswith((".yaml", ".yml")) else ref: {"profile": ref} for ref in channels},
    }
    if out is not None:
        data["output_dir"] = str(out)
    data["state_path"] = str(Path(".feedsync/state.sqlite"))
    return yamlpos.validate(Config, data, "<command line>", None, base_dir=Path.cwd())
