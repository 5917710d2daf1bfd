"""What an Amazon seller lists in a marketplace, for ``push --reconcile``: the SKUs of the All Listings report.

Reports API 2021-06-30 (its model in Amazon's selling-partner-api-models): ``POST /reports/2021-06-30/reports``
with ``reportType`` ``GET_MERCHANT_LISTINGS_ALL_DATA`` and the marketplace -> ``reportId``; ``GET
/reports/2021-06-30/reports/{reportId}`` until ``processingStatus`` is ``DONE``, ``CANCELLED`` (Amazon cancels a
report with no data: the seller lists nothing) or ``FATAL``; ``GET /reports/2021-06-30/documents/{id}`` -> a
presigned ``url`` (and ``compressionAlgorithm`` ``GZIP``); the document is tab-separated text with a header line,
the SKU in ``seller-sku``, in the character set its ``Content-Type`` names. searchListingsItems is not used: it
pages through at most 1,000 SKUs."""

from __future__ import annotations

import zlib
from typing import Any

from feedsync import secrets
from feedsync.destinations.http import Requester, answered_id, gunzip_within, json_body, poll
from feedsync.errors import RemoteError
from feedsync.events import event

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
FINAL = ("DONE", "CANCELLED", "FATAL")
SKU = "seller-sku"
SKU_COLUMNS = (SKU, "出品者SKU")
"""The SKU's column as the reports name it (Amazon.co.jp's are headed in Japanese)."""
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
    return frozenset(_skus(*_download(requester, document), report_id))


def _download(requester: Requester, document: str) -> tuple[bytes, str | None]:
    """The bytes of the report document ``document``, and the character set its answer names."""
    location = json_body(
        requester.request("GET", f"/reports/2021-06-30/documents/{document}", operation="getReportDocument"),
        "getReportDocument",
        keys=("url",),
    )
    secrets.register_url(str(location["url"]))  # a presigned URL: its signature lets anyone read the report
    response = requester.request("GET", str(location["url"]), operation="downloadReportDocument", anonymous=True)
    raw = response.content
    if location.get("compressionAlgorithm") == "GZIP":
        try:
            raw = gunzip_within(raw, f"Amazon's listings report {document}")
        except (OSError, EOFError, zlib.error):
            raise RemoteError(f"Amazon's listings report {document} is not gzip") from None
    return raw, response.charset_encoding


def _skus(raw: bytes, charset: str | None, report_id: str) -> list[str]:
    """The SKU of each row of the report: tab-separated and unquoted (a description may hold quotes), cut into
    fields before it is decoded (a tab and a line break are those bytes in every character set Amazon writes its
    reports in, Shift_JIS included), and only the header and the SKUs decoded."""
    encoding = _CODECS.get((charset or "").lower(), charset or "utf-8")
    try:
        lines = raw.splitlines()
        header = [name.decode(encoding, "replace").strip() for name in lines[0].split(b"\t")] if lines else []
        column = next((header.index(name) for name in SKU_COLUMNS if name in header), None)
        if column is None:
            raise RemoteError(f"Amazon's listings report {report_id} has no {SKU} column")
        skus = []
        for line in lines[1:]:
            fields = line.split(b"\t")
            if len(fields) > column and fields[column]:
                skus.append(fields[column].decode(encoding))
        return skus
    except (LookupError, UnicodeDecodeError) as exc:
        raise RemoteError(f"Amazon's listings report {report_id} cannot be read: {type(exc).__name__}") from None
