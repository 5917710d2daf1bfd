"""``amazon definitions pull`` and ``amazon definitions search``: Amazon's product type definitions."""

from __future__ import annotations

from pathlib import Path

import typer

from feedsync.cli.common import EXIT_OK, err, exit_codes, resolve_config
from feedsync.destinations import amazon_definitions as defs
from feedsync.errors import ConfigError

amazon_app = typer.Typer(help="Amazon Selling Partner tools.", no_args_is_help=True)
definitions_app = typer.Typer(
    help="Amazon's product type definitions (the JSON Schemas Amazon checks listings against).", no_args_is_help=True
)

_CONFIG = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml).")
_CHANNEL = typer.Option(None, "--channel", help="The Amazon channel whose amazon_sp_api credentials to use.")
_MARKETPLACE = typer.Option(
    None,
    "--marketplace",
    help="An Amazon marketplace: a code such as DE or its id (A1PA6795UKMFR9); default: the channel's.",
)


def pull(
    product_types: list[str] = typer.Argument(..., help="Amazon product type names, e.g. HOME SHIRT."),
    config: Path | None = _CONFIG,
    channel: str | None = _CHANNEL,
    marketplace: str | None = _MARKETPLACE,
    into: Path | None = typer.Option(
        None, "--into", help="The folder to store them in (default: the channel's settings.definitions)."
    ),
    requirements: list[str] = typer.Option(
        list(defs.REQUIREMENTS),
        "--requirements",
        help="The requirement sets to pull (LISTING, LISTING_PRODUCT_ONLY, LISTING_OFFER_ONLY); default: all three.",
    ),
) -> None:
    """Fetch product type definitions and store them, one file per product type and marketplace.

    Uses the SP-API credentials of the Amazon channel's amazon_sp_api destination: getDefinitionsProductType
    (for each requirement set, the channel's language, its seller id), then the schema it links to. Each definition
    is written atomically as TYPE.MARKETPLACE.json (LISTING: full listings) or TYPE.MARKETPLACE.REQUIREMENTS.json
    (LISTING_PRODUCT_ONLY: parents; LISTING_OFFER_ONLY: offers on existing products) with its product type
    version; validation checks each message against the set it is written for. Exit 2 on a bad name or config, 3 when
    Amazon refuses or answers something else.
    Example: feedsync amazon definitions pull HOME SHIRT -c feedsync.yaml --into definitions
    """
    with exit_codes():
        names = [defs.product_type_name(n) for n in product_types]
        wanted = [defs.requirements_name(r) for r in requirements]
        cfg = resolve_config(config, None, channels=[], out=None)
        from feedsync.definitions import target as pull_target  # the profile compiler, only when pulling

        target = pull_target(cfg, channel, marketplace)
        folder = into if into is not None else target.folder
        if folder is None:
            raise ConfigError(f"channel {target.channel!r} names no definitions folder: pass --into DIR")
        done = defs.pull(defs.DefinitionsApi(target.login), target, names, folder, wanted)
    for pulled in done:
        typer.echo(
            f"{pulled.product_type} {pulled.marketplace_id} {pulled.requirements} version {pulled.version}: "
            f"{pulled.path}"
        )
        if pulled.checksum_ok is False:
            err(f"warning: the {pulled.product_type} schema does not match the checksum Amazon gave", level="warning")
    raise typer.Exit(EXIT_OK)


def search(
    keywords: list[str] = typer.Argument(..., help="Words to search product types by, e.g. lamp or 'coffee mug'."),
    config: Path | None = _CONFIG,
    channel: str | None = _CHANNEL,
    marketplace: str | None = _MARKETPLACE,
) -> None:
    """List the Amazon product types that have a definition and match the keywords (searchDefinitionsProductTypes).

    Prints one line per product type: its name, its display name and the marketplaces it is defined for.
    Example: feedsync amazon definitions search lamp -c feedsync.yaml
    """
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        from feedsync.definitions import target as pull_target  # the profile compiler, only when pulling

        target = pull_target(cfg, channel, marketplace)
        version, found = defs.DefinitionsApi(target.login).search(keywords, target.marketplace_id, target.locale)
    for product_type in found:
        typer.echo(f"{product_type.name}\t{product_type.display_name}\t{','.join(product_type.marketplace_ids)}")
    err(f"{len(found)} product type(s) on {target.marketplace_id}" + (f" (version {version})" if version else ""))
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    definitions_app.command("pull")(pull)
    definitions_app.command("search")(search)
    amazon_app.add_typer(definitions_app, name="definitions")
    app.add_typer(amazon_app, name="amazon")
