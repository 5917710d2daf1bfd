"""What an Amazon seller lists in a marketplace, for ``push --reconcile``: the SKUs of the All Listings report.

Reports API 2021-06-30 (its model in Amazon's selling-partner-api-models): ``POST /reports/2021-06-30/reports``
with ``reportType`` ``GET_MERCHANT_LISTINGS_ALL_DATA`` and the marketplace -> ``reportId``; ``GET
/reports/2021-06-30/reports/{reportId}`` until ``processingStatus`` is ``DONE``, ``CANCELLED`` (Amazon cancels a
report with no data: the seller lists nothing) or ``FATAL``; ``GET /reports/2021-06-30/documents/{id}`` -> a
presigned ``url`` (and ``compressionAlgorithm`` ``GZIP``); the document is tab-separated text with a header line,
the SKU in ``seller-sku``, in the character set its ``Content-Type`` names. searchListingsItems is not used: it
pages through at most 1,000 SKUs.

The document is written to a temporary file as it arrives and read from it a line at a time, decompressed as it is
read: a seller of a million SKUs has a report of some hundreds of megabytes (its descriptions), which is never held
in memory whole (``http.DOCUMENT_MAX`` bounds it; one line at most ``LINE_MAX``)."""

from __future__ import annotations

import gzip
import tempfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from feedsync import secrets
from feedsync.destinations.http import DOCUMENT_MAX, Requester, answered_id, json_body, poll
from feedsync.errors import RemoteError
from feedsync.events import event

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
FINAL = ("DONE", "CANCELLED", "FATAL")
SKU = "seller-sku"
SKU_COLUMNS = (SKU, "出品者SKU")
"""The SKU's column as the reports name it (Amazon.co.jp's are headed in Japanese)."""
LINE_MAX = 256 << 20
"""The most bytes of one line read (a description past it is cut there, with whatever columns follow it)."""
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
    try:
        with tempfile.TemporaryFile(prefix="feedsync-listings-") as file:
            charset, gzipped = _download(requester, document, file)
            file.seek(0)
            try:
                with gzip.GzipFile(fileobj=file, mode="rb") if gzipped else file as stream:
                    return frozenset(_skus(_lines(stream, document), charset, report_id))
            except (OSError, EOFError, zlib.error):
                raise RemoteError(f"Amazon's listings report {document} is not gzip") from None
    except OSError as exc:  # (the temporary file's: a full disk, say)
        raise RemoteError(f"Amazon's listings report {document} cannot be kept on disk: {exc.strerror}") from None


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


def _lines(stream: IO[bytes], document: str) -> Iterator[bytes]:
    """The lines of the report read from ``stream`` one at a time, without their line break (LF or CRLF), each at
    most ``LINE_MAX`` bytes (the rest of a longer one is read past); all of them at most ``DOCUMENT_MAX``."""
    read = 0
    while piece := stream.readline(LINE_MAX):
        line = piece
        while not piece.endswith(b"\n"):  # a line longer than LINE_MAX: its first part kept, the rest read past
            read += len(piece)
            if read > DOCUMENT_MAX or not (piece := stream.readline(LINE_MAX)):
                break
        read += len(piece)
        if read > DOCUMENT_MAX:
            raise RemoteError(f"Amazon's listings report {document} expands past {DOCUMENT_MAX >> 20} MB; not read")
        yield line.rstrip(b"\r\n")


def _skus(lines: Iterator[bytes], charset: str | None, report_id: str) -> Iterator[str]:
    """The SKU of each row of the report: tab-separated and unquoted (a description may hold quotes), cut into
    fields before it is decoded (a tab and a line break are those bytes in every character set Amazon writes its
    reports in, Shift_JIS included), and only the header and the SKUs decoded."""
    encoding = _CODECS.get((charset or "").lower(), charset or "utf-8")
    try:
        first = next(lines, None)
        header = [name.decode(encoding, "replace").strip() for name in first.split(b"\t")] if first else []
        column = next((header.index(name) for name in SKU_COLUMNS if name in header), None)
        if column is None:
            raise RemoteError(f"Amazon's listings report {report_id} has no {SKU} column")
        for line in lines:
            fields = line.split(b"\t", column + 1)
            if len(fields) > column and fields[column]:
                yield fields[column].decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise RemoteError(f"Amazon's listings report {report_id} cannot be read: {type(exc).__name__}") from None
