"""What ``feedsync inspect`` reports about a source file: the detected format and dialect, counts, the column
mapping, and every diagnostic of a full read."""

from __future__ import annotations

from dataclasses import dataclass, field

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.sources.base import SourceStats, open_source, resolve_format


@dataclass
class Inspection:
    format: str
    detected: bool
    stats: SourceStats
    products: int = 0
    variants: int = 0
    images: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def variants_read(self) -> int:
        """The variants read as validate and push count them: those the source yielded, plus the rows left out
        with an error and the unpublished variants."""
        return self.variants + self.stats.left_out + self.stats.excluded


def inspect_source(config: SourceConfig) -> Inspection:
    """Read the whole source once. ``products`` counts variant groups, ``images`` distinct image URLs."""
    fmt = resolve_format(config)
    source = open_source(config.model_copy(update={"format": fmt}))
    result = Inspection(format=fmt, detected=config.format == "auto", stats=source.stats)
    groups: set[str] = set()
    images: set[str] = set()
    for product in source.products(result.diagnostics.append):
        result.variants += 1
        groups.add(product.group_id or product.id)
        if product.image_link:
            images.add(product.image_link)
        images.update(product.additional_image_links)
    result.products = len(groups)
    result.images = len(images)
    return result
