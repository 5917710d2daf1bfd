"""What a channel's counts say beyond themselves: the field most of its items were rejected for lacking (one
finding with the fix instead of a thousand alike), and why a feed with no items must not replace a published
one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from feedsync.diagnostics import Diagnostic, Severity
from feedsync.diagnostics.codes import CODES, make
from feedsync.diagnostics.report import ChannelResult
from feedsync.model.product import PRODUCT_FIELDS, Product

MISSING_SHARE = 0.5
"""A missing field is worth its own finding when more than this share of a channel's checked items lack it."""
OWN_REMEDY = frozenset({"AMZ001"})
"""Missing-field codes whose finding names its own fix (an Amazon product type comes from the category map or
settings.default_product_type, not from a column)."""


def _is_missing(diagnostic: Diagnostic) -> bool:
    info = CODES.get(diagnostic.code)
    return (
        diagnostic.severity is Severity.ERROR
        and diagnostic.field is not None
        and info is not None
        and info.name.startswith("missing-")
        and diagnostic.code not in OWN_REMEDY
    )


@dataclass
class MissingFields:
    """Per channel: how many rejected items lacked each field, and a source column that may hold it."""

    counts: Counter[str] = field(default_factory=Counter)
    columns: dict[str, str | None] = field(default_factory=dict)

    def add(self, product: Product | None, findings: Iterable[Diagnostic]) -> None:
        """Note the fields a rejected item of ``product`` lacks (each once per item, in the order its findings name
        them: fields lacked by as many items are told in that order, whatever the interpreter's hash seed). The
        product is read for a field no item lacked before (None: ``knows`` said there is none)."""
        for name in dict.fromkeys(d.field for d in findings if _is_missing(d)):
            assert name is not None
            self.counts[name] += 1
            if name not in self.columns:
                assert product is not None, name
                self.columns[name] = next((k for k in product.attributes if name in k.lower()), None)

    def knows(self, findings: Iterable[Diagnostic]) -> bool:
        """Whether every field ``findings`` say an item lacks was lacked by an item before (``add`` needs no
        product)."""
        return all(d.field in self.columns for d in findings if _is_missing(d))

    def findings(self, channel: str, result: ChannelResult, checked: int, *, columns: bool = True) -> list[Diagnostic]:
        """One MDL015 per field that more than half of the ``checked`` items lacked; ``columns``: the source format
        applies ``source.columns`` (else the fix named is the channel's fields only)."""
        found = []
        for name, count in self.counts.most_common():
            if not checked or count <= checked * MISSING_SHARE:
                break
            found.append(
                make(
                    "MDL015",
                    _message(channel, name, count, checked, self.columns.get(name), columns=columns),
                    channel=channel,
                    field=name,
                )
            )
        return found


def _message(channel: str, name: str, count: int, checked: int, column: str | None, *, columns: bool) -> str:
    share = f"all {count}" if count == checked else f"{count} of {checked}"
    template = f"{{{{ attributes.{column} }}}}" if column and column.isidentifier() else "{{ attributes.COLUMN }}"
    fix = f'set it for the channel: `channels: {{{channel}: {{fields: {{{name}: "{template}"}}}}}}` (or a fixed value)'
    if name in PRODUCT_FIELDS and columns:
        mapping = f'{{"{column or "COLUMN"}": {name}}}'
        fix = f"map the source column that holds it (`source.columns: {mapping}`), or " + fix
    return f"{share} items of {channel} lack {name}: {fix}"


def empty_refusal(result: ChannelResult, *, allowed: bool) -> str | None:
    """Why a feed with no items must not be published (DST008), unless ``allowed`` (push --force, or the
    channel's ``allow_empty: true``)."""
    if result.items or allowed:
        return None
    left = result.excluded + result.rejected
    why = f" (all {left} variants were excluded or rejected; see the findings)" if left else ""
    return (
        f"the feed has no items{why}; any feed published before stays; push --force (or the channel's "
        "allow_empty: true) publishes an empty feed"
    )
