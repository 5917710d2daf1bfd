"""``format: auto``: tell the source format from the file's first bytes and header (research notes §6)."""

from __future__ import annotations

from pathlib import Path

from feedsync.errors import SourceError
from feedsync.sources.tabular import header_key, sniff_delimiter, sniff_encoding

_PEEK = 1 << 16
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "google_xml",
    ".rss": "google_xml",
    ".atom": "google_xml",
}
# Google attribute names that the native format spells differently: a header with them is a Google feed.
GOOGLE_ONLY = frozenset(
    {"item_group_id", "additional_image_link", "shipping_weight", "identifier_exists", "g:id", "g:title", "g:price"}
)


def header_keys(path: Path, encoding: str | None = None) -> list[str]:
    """The normalized names of the first non-blank line, split on its sniffed delimiter."""
    return [header_key(h) for h in header_names(path, encoding)]


def header_names(path: Path, encoding: str | None = None) -> list[str]:
    """The names of the first non-blank line as written (trimmed), split on its sniffed delimiter."""
    import csv

    text = _peek_text(path, encoding)
    for line in text.splitlines():
        line = line.lstrip(" \t\ufeff")
        if line.strip():
            return [h.strip() for h in next(csv.reader([line], delimiter=sniff_delimiter(line)), [])]
    return []


def _peek_text(path: Path, configured: str | None = None) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(_PEEK)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    encoding = configured or sniff_encoding(path, data)
    if encoding is not None:  # UTF-16/32: a character cut by the peek is dropped
        return data.decode(encoding, errors="ignore")
    try:
        return data.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:  # a character cut by the peek
            return data[: exc.start].decode("utf-8-sig")
        return data.decode("cp1252", errors="replace")


def detect_format(path: Path, encoding: str | None = None) -> str:
    """The reader for ``path`` (in ``encoding``, else the one its BOM or bytes tell): from the content first, then
    from the extension."""
    start = _peek_text(path, encoding).lstrip(" \t\r\n\ufeff")[:1]
    if start == "<":
        return "google_xml"
    if start == "[":
        return "json"
    if start == "{":  # JSON Lines, unless the name says .json (then a lone object gets a clear error)
        return "json" if path.suffix.lower() == ".json" else "jsonl"
    keys = set(header_keys(path, encoding))
    from feedsync.sources.meta import looks_like_meta
    from feedsync.sources.woocommerce import looks_like_woocommerce

    if ({"handle", "url handle"} & keys) and ({"variant sku", "option1 name", "sku", "variant price", "price"} & keys):
        return "shopify"
    if "item type" in keys and ("product code/sku" in keys or "product id" in keys):
        return "bigcommerce"
    if "item" in keys and "options" in keys and "inventory tracking" in keys:
        raise SourceError(
            f"{path}: BigCommerce's newer Import/Export format is not supported yet; export the "
            "legacy Bulk Edit template (Item Type, Product ID, …) instead"
        )
    if {"sku", "product_type", "attribute_set_code"} <= keys:
        return "magento"
    if looks_like_woocommerce(keys):
        return "woocommerce"
    if looks_like_meta(keys):  # Meta's feed shares Google's names: its own columns tell it apart
        return "meta"
    if keys & GOOGLE_ONLY:
        return "google_tsv"
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS and _EXTENSIONS[suffix] not in ("json", "jsonl", "google_xml"):
        return _EXTENSIONS[suffix]
    if len(keys) > 1:
        return "csv"
    raise SourceError(f"{path}: cannot tell the format; set source.format")
