"""What an Amazon seller lists in a marketplace, for ``push --reconcile``: the SKUs of the All Listings report.

Reports API 2021-06-30 (its model in Amazon's selling-partner-api-models): ``POST /reports/2021-06-30/reports``
with ``reportType`` ``GET_MERCHANT_LISTINGS_ALL_DATA`` and the marketplace -> ``reportId``; ``GET
/reports/2021-06-30/reports/{reportId}`` until ``processingStatus`` is ``DONE``, ``CANCELLED`` (Amazon cancels a
report with no data: the seller lists nothing) or ``FATAL``; ``GET /reports/2021-06-30/documents/{id}`` -> a
presigned ``url`` (and ``compressionAlgorithm`` ``GZIP``); the document is tab-separated text with a header line,
the SKU in ``seller-sku``, in the character set its ``Content-Type`` names. searchListingsItems is not used: it
pages through at most 1,000 SKUs.

The document is written to a temporary file as it arrives and read from it a piece at a time, decompressed as it
is read: a seller of a million SKUs has a report of some hundreds of megabytes (its descriptions), which is never held
in memory whole (``http.DOCUMENT_MAX`` bounds it, on disk and decompressed; of a line, ``PIECE`` bytes at a time)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from feedsync import secrets
from feedsync.destinations.http import (
    DOCUMENT_MAX,
    Readable,
    Requester,
    answered_id,
    document_text,
    json_body,
    poll,
    size_text,
)
from feedsync.errors import RemoteError
from feedsync.events import event

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
FINAL = ("DONE", "CANCELLED", "FATAL")
SKU = "seller-sku"
SKU_COLUMNS = (SKU, "出品者SKU")
"""The SKU's column as the reports name it (Amazon.co.jp's are headed in Japanese)."""
PIECE = 1 << 20
"""The most bytes of one line held at once (a line is read in pieces of it: Amazon's rows are some hundreds of bytes,
a description at most a few thousand)."""
ROWS_MAX = 20_000_000
"""The most rows read (far past any seller's listings)."""
_CODECS = {"shift_jis": "cp932", "windows-31j": "cp932", "sjis": "cp932"}
"""Character sets Amazon names that Python knows by another name (Amazon.co.jp's Shift_JIS is Windows' cp932)."""


def listed_skus(
    requester: Requester,
    marketplace: str,
    *,
    interval: float,
    timeout: float,
) -> frozenset[str]:
    """The SKUs the seller lists in ``marketplace`` (a RemoteError where the report cannot be had)."""
    created = json_body(
        requester.request(
            "POST",
            "/reports/2021-06-30/reports",
            operation="createReport",
            json={"reportType": REPORT_TYPE, "marketplaceIds": [marketplace]},
        ),
        "createReport",
        keys=("reportId",),
    )
    report_id = answered_id(created["reportId"], "createReport", "reportId")  # (put in the paths that follow)

    def check() -> dict[str, Any]:
        status: dict[str, Any] = json_body(
            requester.request("GET", f"/reports/2021-06-30/reports/{report_id}", operation="getReport"),
            "getReport",
            keys=("processingStatus",),
        )
        event("poll", destination="amazon_sp_api", report_id=report_id, status=status.get("processingStatus"))
        return status

    status = poll(
        check,
        lambda answer: answer.get("processingStatus") in FINAL,
        interval=interval,
        cap=300,
        timeout=timeout,
        sleep=requester.sleep,
        still=lambda answer: f"Amazon's listings report {report_id} still {answer.get('processingStatus')}",
    )
    state = status["processingStatus"]
    if state == "CANCELLED":  # no data to return: the seller lists nothing in the marketplace
        return frozenset()
    document = status.get("reportDocumentId")
    if state != "DONE" or not isinstance(document, str) or not document:
        raise RemoteError(f"Amazon's listings report {report_id} ended {state} without a document to read")
    document = answered_id(document, "getReport", "reportDocumentId")
    told = f"Amazon's listings report {report_id}"
    try:
        with tempfile.TemporaryFile(prefix="feedsync-listings-") as file:
            charset, gzipped = _download(requester, document, file)
            with document_text(file, gzipped, told) as text:
                return frozenset(_skus(text, charset, told))
    except OSError as exc:  # (the temporary file's: a full disk, say)
        raise RemoteError(f"{told} cannot be kept on disk: {exc.strerror}") from None


def _download(requester: Requester, document: str, file: IO[bytes]) -> tuple[str | None, bool]:
    """The report document ``document`` written into ``file``; the character set its answer names, and whether it
    is gzipped."""
    location = json_body(
        requester.request("GET", f"/reports/2021-06-30/documents/{document}", operation="getReportDocument"),
        "getReportDocument",
        keys=("url",),
    )
    secrets.register_url(str(location["url"]))  # a presigned URL: its signature lets anyone read the report
    response = requester.request(
        "GET", str(location["url"]), operation="downloadReportDocument", anonymous=True, into=file
    )
    return response.charset_encoding, location.get("compressionAlgorithm") == "GZIP"


def _skus(stream: Readable, charset: str | None, told: str) -> Iterator[str]:
    """The SKU of each row of the report read from ``stream`` a piece at a time (at most ``PIECE`` bytes held of a
    line, however long it is): tab-separated and unquoted (a description may hold quotes), a line ended by LF or
    CRLF, cut into fields before it is decoded (a tab and a line break are those bytes in every character set Amazon
    writes its reports in, Shift_JIS included), and only the header and the SKUs decoded. Bounded: at most
    ``DOCUMENT_MAX`` bytes read and ``ROWS_MAX`` rows (a gzip bomb of line breaks ends there)."""
    encoding = _CODECS.get((charset or "").lower(), charset or "utf-8")
    first = stream.readline(PIECE)
    if first and not first.endswith(b"\n") and len(first) == PIECE:
        raise RemoteError(f"{told} has a header longer than {PIECE >> 10} KB; not read")
    header_line = first.rstrip(b"\r\n")
    if b"\r" in header_line:
        raise RemoteError(f"{told} ends its lines with a carriage return alone; not read")
    try:
        header = [name.decode(encoding, "replace").strip() for name in header_line.split(b"\t")] if first else []
        column = next((header.index(name) for name in SKU_COLUMNS if name in header), None)
        if column is None:
            raise RemoteError(f"{told} has no {SKU} column")
        read, rows = len(first), 0
        while piece := stream.readline(PIECE):
            read += len(piece)
            rows += 1
            if piece.endswith(b"\n"):  # a whole line (every real one)
                fields = piece.rstrip(b"\r\n").split(b"\t", column + 1)
                sku = fields[column] if len(fields) > column else b""
            else:
                sku, more = _long_line(stream, piece, column, DOCUMENT_MAX - read)
                read += more
            if read > DOCUMENT_MAX:
                raise RemoteError(f"{told} is larger than {size_text(DOCUMENT_MAX)} decompressed; not read")
            if rows > ROWS_MAX:
                raise RemoteError(f"{told} has more than {ROWS_MAX:,} rows; not read")
            if sku:
                yield sku.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise RemoteError(f"{told} cannot be read: {type(exc).__name__}") from None


def _long_line(stream: Readable, piece: bytes, column: int, left: int) -> tuple[bytes, int]:
    """The field ``column`` of a line longer than ``PIECE`` whose first piece is ``piece`` (the rest read from
    ``stream`` a piece at a time, none kept but the field's, of at most ``PIECE`` bytes), and the bytes read past
    ``piece``: no more than just past ``left`` (the caller refuses the report then: a gzip bomb of one line)."""
    tabs, field, more = 0, bytearray(), 0
    while True:
        at = 0
        while tabs < column and (found := piece.find(b"\t", at)) >= 0:
            tabs, at = tabs + 1, found + 1
        if tabs == column:
            end = piece.find(b"\t", at)
            part = piece[at:] if end < 0 else piece[at:end]
            field += part[: PIECE - len(field)]
            if end >= 0:
                tabs += 1  # (the field ended: nothing more is kept)
        if piece.endswith(b"\n"):
            break
        piece = stream.readline(PIECE)
        more += len(piece)
        if not piece or more > left:
            break
    return bytes(field).rstrip(b"\r\n"), more
