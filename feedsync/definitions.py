"""Which Amazon channel, marketplace, locale and folder a pull or search of product type definitions is for: read
from the config and the channel's compiled settings, for ``destinations.amazon_definitions``."""

from __future__ import annotations

import re

from feedsync.channels.amazon.marketplaces import MARKETPLACES
from feedsync.channels.profile import compile_channels
from feedsync.config import AmazonSpApiDestination, Config
from feedsync.destinations.amazon_definitions import Target
from feedsync.errors import ConfigError

_MARKETPLACE_ID = re.compile(r"^[A-Z0-9]{8,20}$")


def target(config: Config, channel: str | None = None, marketplace: str | None = None) -> Target:
    """The Amazon channel (the one whose destination is amazon_sp_api, or ``channel``) and what to pull with."""
    amazon = [n for n, c in config.channels.items() if isinstance(c.destination, AmazonSpApiDestination)]
    if channel is None:
        if not amazon:  # (--channel cannot help)
            raise ConfigError(
                "Amazon serves its product type definitions to a seller's SP-API login only, and no channel of the "
                "config has one: give the Amazon channel an amazon_sp_api destination (region, client_id, "
                "client_secret, refresh_token), then search or pull"
            )
        if len(amazon) != 1:
            raise ConfigError(
                f"pass --channel: the definitions are read with an amazon_sp_api destination's credentials, and "
                f"the config has {len(amazon)} such channels ({', '.join(amazon)})"
            )
        channel = amazon[0]
    if channel not in amazon:
        raise ConfigError(f"channel {channel!r} has no amazon_sp_api destination whose credentials can pull")
    destination = config.channels[channel].destination
    assert isinstance(destination, AmazonSpApiDestination)
    [compiled] = compile_channels(config, [channel], check_fields=False)  # its fields may need what is pulled
    settings = compiled.settings
    named = MARKETPLACES.get((marketplace or "").strip().upper())  # a country code (DE) or a marketplace id
    marketplace_id = (named.id if named else marketplace or str(settings.get("marketplace_id") or "")).strip()
    if not _MARKETPLACE_ID.match(marketplace_id):
        raise ConfigError(f"{marketplace_id!r} is not an Amazon marketplace id (e.g. ATVPDKIKX0DER)")
    folder = settings.get("definitions")
    own = marketplace_id == settings.get("marketplace_id")
    return Target(
        channel=channel,
        login=destination,
        marketplace_id=marketplace_id,
        # the channel's language for its own marketplace; else the marketplace's primary locale
        locale=str(settings.get("language_tag") or "DEFAULT") if own else "DEFAULT",
        seller_id=str(settings.get("seller_id") or "") or None,
        folder=config.base_dir / str(folder) if folder else None,
    )
