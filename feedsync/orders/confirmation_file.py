"""Amazon's shipping confirmation upload file (``POST_FLAT_FILE_FULFILLMENT_DATA`` columns, tab-separated).

One file per run, named by the run's UTC time plus a random part, so two runs in the same second never share a
name, and created with a link that refuses to replace an existing file: a file not yet uploaded is never
overwritten. Fields lose their tabs and line breaks (each run of them, with the spaces around it, becomes one
space), so every row has exactly the header's columns. ``packages_in`` reads a file back, for a rerun after a
crash to tell which packages a file holds.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from feedsync.atomic import create_new, file_in_the_way
from feedsync.errors import RemoteError
from feedsync.orders.package import Package

FLAT_FILE_COLUMNS = (
    "order-id",
    "order-item-id",
    "quantity",
    "ship-date",
    "carrier-code",
    "carrier-name",
    "tracking-number",
    "ship-method",
)
PREFIX = "amazon-shipping-confirmation-"
_BREAK = "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BREAKS = re.compile(f"[ {_BREAK}]*[{_BREAK}][ {_BREAK}]*")


def clean(value: str) -> str:
    """``value`` as one field of the file: each run of tabs and line breaks (and spaces around it) is one space."""
    return _BREAKS.sub(" ", value).strip()


class FlatFileConfirmations:
    """The upload file of one run: ``confirm`` stages a package's rows, ``write`` creates the file."""

    def __init__(self, directory: Path, *, now: datetime | None = None, token: str | None = None) -> None:
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = directory / f"{PREFIX}{stamp}-{token or secrets.token_hex(4)}.txt"
        self.rows: list[tuple[str, ...]] = []

    def confirm(self, package: Package) -> None:
        for item, quantity in package.items:
            row = (
                package.order_id,
                item,
                str(quantity),
                package.ship_date,
                package.carrier_code,
                package.carrier_name or "",
                package.tracking_number,
                package.shipping_method or "",
            )
            self.rows.append(tuple(clean(value) for value in row))

    def write(self, *, before_publish: Callable[[], None] | None = None) -> str:
        """Create the file (RemoteError when it cannot be written or its name is taken); what to tell the user."""
        lines = ["\t".join(row) for row in (FLAT_FILE_COLUMNS, *self.rows)]
        try:
            create_new(self.path, ("\n".join(lines) + "\n").encode("utf-8"), before_publish=before_publish)
        except OSError as exc:
            in_the_way = file_in_the_way(self.path.parent)
            if in_the_way is not None:
                raise RemoteError(f"cannot write {self.path}: {in_the_way} is a file, not a folder") from None
            if isinstance(exc, FileExistsError):
                raise RemoteError(
                    f"cannot write {self.path}: a file of that name exists (it was left as it is)"
                ) from None
            raise RemoteError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return f"upload {self.path} in Seller Central (Orders > Upload order related files > Shipping confirmation)"


def packages_in(path: Path) -> set[tuple[str, str]]:
    """(order id, tracking number) of every row of an upload file; empty when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise RemoteError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return {(row["order-id"], row["tracking-number"]) for row in reader if row.get("tracking-number") is not None}


def remove_leftovers(directory: Path) -> None:
    """Remove the temp files of upload files a killed run never finished (never a finished file)."""
    if directory.is_dir():
        for leftover in directory.glob(f".{PREFIX}*.tmp"):
            leftover.unlink(missing_ok=True)
