"""Hostile config files and channel profiles: each case asserts the exit code, that the run never reaches the
internal-error handler or prints a traceback, and what the message names (the file, and its line and column where
YAML has one). A config or profile error stops the run before any row is read, so no feed is written; a template
that fails for a product is a finding naming that product's row."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.cli.common import EXIT_CODES

HEADER = "id,title,description,link,image_link,price,availability,brand,gtin\n"
ROW = "A,Tee,Soft tee,https://shop.example.com/a,https://shop.example.com/a.jpg,10.00,in_stock,Acme,\n"
CONFIG = "source: {path: products.csv, currency: USD}\nchannels:\n  g: {profile: google_merchant}\n"
PROFILE = (
    "channel: google\nformat: xml\nfields:\n"
    + "".join(f'  {name}: "{{{{ {name} }}}}"\n' for name in ("id", "title", "link", "image_link", "price"))
    + '  availability: "{{ availability }}"\n  description: "{{ description }}"\n  brand: "{{ brand }}"\n'
)
"""A profile of 11 lines; a case adds line 12 and on."""
EXIT_INTERNAL = next(code for code, meaning in EXIT_CODES.items() if meaning.startswith("internal error"))
runner = CliRunner()


def _with(extra: str) -> str:
    return CONFIG.replace("{profile: google_merchant}", "{profile: google_merchant, " + extra + "}")


# (id, feedsync.yaml, exit code, text the output must hold)
CONFIGS: list[tuple[str, str | bytes, int, str]] = [
    ("empty", "", 2, "feedsync.yaml:1:1: the config must be a YAML mapping"),
    ("a list", "- source\n", 2, "feedsync.yaml:1:1: the config must be a YAML mapping"),
    ("a scalar", "hello\n", 2, "feedsync.yaml:1:1: the config must be a YAML mapping"),
    ("no source", "channels:\n  g: {profile: google_merchant}\n", 2, "feedsync.yaml:1:1: source: Field required"),
    ("no channels", "source: {path: products.csv}\n", 2, "feedsync.yaml:1:1: channels: Field required"),
    (
        "a missing source file",
        CONFIG.replace("products.csv", "nope.csv"),
        2,
        "feedsync.yaml:1:16: source.path: source file not found",
    ),
    ("a source that is a folder", CONFIG.replace("products.csv", "."), 2, "error:"),
    ("an unknown top-level key", CONFIG + "colour: red\n", 2, "feedsync.yaml:4:1: unknown key 'colour'"),
    ("a currency that is no ISO code", CONFIG.replace("USD", "XXY"), 2, "feedsync.yaml:1:40: source.currency"),
    ("a base_url that is no URL", CONFIG.replace("USD", "USD, base_url: 'ftp//x'"), 2, "source.base_url"),
    ("an unknown time zone", CONFIG.replace("USD", "USD, timezone: Mars/Olympus"), 2, "unknown time zone"),
    ("an unknown format", CONFIG.replace("USD", "USD, format: parquet"), 2, "feedsync.yaml:1:53: source.format"),
    ("an unknown encoding", CONFIG.replace("USD", "USD, encoding: klingon"), 2, "unknown encoding 'klingon'"),
    (
        "an unknown profile",
        CONFIG.replace("google_merchant", "google_merchnt"),
        2,
        "feedsync.yaml:3:16: channels.g.profile: unknown profile 'google_merchnt'",
    ),
    (
        "a profile file missing",
        CONFIG.replace("google_merchant", "p/none.yaml"),
        2,
        "feedsync.yaml:3:16: channels.g.profile: file not found",
    ),
    (
        "a category map missing",
        _with("category_map: none.yaml"),
        2,
        "feedsync.yaml:3:47: channels.g.category_map: file not found",
    ),
    ("a channel without profile", CONFIG.replace("{profile: google_merchant}", "{format: xml}"), 2, "Field required"),
    ("an unknown destination type", _with("destination: {type: ftp}"), 2, "channels.g.destination"),
    ("a negative max_drop_percent", _with("max_drop_percent: -5"), 2, "channels.g.max_drop_percent"),
    ("a max_drop_percent in words", _with("max_drop_percent: lots"), 2, "channels.g.max_drop_percent"),
    ("a TODO left", CONFIG.replace("USD", "TODO"), 2, "feedsync.yaml:1:40: 'TODO' is a placeholder"),
    ("a channel name with a slash", CONFIG.replace("  g:", "  ../evil:"), 2, "feedsync.yaml:3:3: channels"),
    ("fields that are a number", _with("fields: 3"), 2, "feedsync.yaml:3:41: fields"),
    ("a broken override template", _with("fields: {title: '{{ title '}"), 2, "feedsync.yaml:3:49: fields.title"),
    ("a duplicate key", CONFIG + "output_dir: a\noutput_dir: b\n", 2, "feedsync.yaml:5:1: duplicate key 'output_dir'"),
    ("a NUL byte", CONFIG + "x: a\x00b\n", 2, "feedsync.yaml:4:5: invalid YAML: character U+0000"),
    ("a bell character", CONFIG + "x: a\x07b\n", 2, "feedsync.yaml:4:5: invalid YAML: character U+0007"),
    ("not UTF-8", CONFIG.encode() + b"# caf\xe9\n", 2, "cannot read"),
    ("tabs for indentation", "source:\n\tpath: products.csv\n", 2, "feedsync.yaml:2:1: invalid YAML"),
    ("an unclosed bracket", "source: {path: products.csv\n", 2, "invalid YAML"),
    ("a 5 MB comment", CONFIG + "# " + "x" * 5_000_000 + "\n", 0, "1 product, 1 variant read"),
]

# (id, profile file, exit code, text the output must hold)
PROFILES: list[tuple[str, str | bytes, int, str]] = [
    ("empty", "", 2, "my.yaml:1:1: a profile must be a YAML mapping"),
    ("a list", "- a\n- b\n", 2, "my.yaml:1:1: a profile must be a YAML mapping"),
    ("binary", b"\x00\x01\xff\xfe" * 50, 2, "cannot read"),
    ("not UTF-8", "channel: google\n# caf\xe9\n".encode("latin-1"), 2, "cannot read"),
    ("broken YAML", "channel: google\nfields: [\n", 2, "my.yaml:3:1: invalid YAML"),
    ("a NUL byte", PROFILE + "  color: a\x00\n", 2, "my.yaml:12:11: invalid YAML: character U+0000"),
    ("an unknown key", PROFILE + "colour: red\n", 2, "my.yaml:12:1: unknown key 'colour'"),
    ("an unknown channel", PROFILE.replace("google", "tiktok"), 2, "my.yaml:1:10: channel"),
    ("an unknown format", PROFILE.replace("format: xml", "format: pdf"), 2, "my.yaml:2:9: format"),
    ("fields that are a list", "channel: google\nformat: xml\nfields: [a, b]\n", 2, "my.yaml:3:9: fields"),
    ("a template syntax error", PROFILE + '  color: "{{ color "\n', 2, "my.yaml:12:10: fields.color.template"),
    ("an unknown filter", PROFILE + '  color: "{{ color | shout }}"\n', 2, "No filter named 'shout'"),
    ("an unknown field", PROFILE + '  color: "{{ colour }}"\n', 2, "unknown product field(s) colour"),
    ("an unknown function", PROFILE + "  color: \"{{ raise('x') }}\"\n", 2, "unknown product field(s) raise"),
    ("a method that does not exist", PROFILE + '  color: "{{ title.nope() }}"\n', 1, "products.csv:2:2: CFG001"),
    ("a division by zero", PROFILE + '  color: "{{ 1 / 0 }}"\n', 1, "CFG001 field color: division by zero"),
    (
        "an import",
        PROFILE + "  color: \"{% import 'x' as y %}\"\n",
        2,
        "my.yaml:12:10: fields.color.template: template file 'x' not found",
    ),
    ("a sandbox escape", PROFILE + '  color: "{{ title.__class__.__mro__ }}"\n', 1, "is unsafe"),
    ("a broken filter expression", PROFILE + 'filters:\n  exclude: ["price >"]\n', 2, "my.yaml:13:13: filters"),
    ("a rule without then", PROFILE + "rules:\n  - name: x\n    when: [{field: title, equals: T}]\n", 2, "then"),
    ("an unknown rule action", PROFILE + "rules:\n  - name: x\n    then: [{explode: title}]\n", 2, "explode"),
    (
        "a broken calculation",
        PROFILE + "rules:\n  - {name: x, then: [{calculate: price, expression: 'price *'}]}\n",
        2,
        "my.yaml:13:3: rules",
    ),
    ("a category map missing", PROFILE + "category_map: missing.csv\n", 2, "cannot read category map"),
    ("a duplicate field", PROFILE + '  title: "{{ id }}"\n', 2, "my.yaml:12:3: duplicate key 'title'"),
    ("a 5000-digit number", PROFILE + "settings:\n  x: " + "9" * 5000 + "\n", 2, "my.yaml:13:6: invalid int"),
]


def _run(tmp_path: Path, config: str | bytes, profile: str | bytes | None = None) -> tuple[int, str]:
    (tmp_path / "products.csv").write_text(HEADER + ROW, encoding="utf-8")
    for name, content in (("feedsync.yaml", config), ("my.yaml", profile)):
        if isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        elif content is not None:
            (tmp_path / name).write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml")])
    output = result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code != EXIT_INTERNAL and "Traceback" not in output and "internal error" not in output
    return result.exit_code, output


@pytest.mark.parametrize(("config", "code", "said"), [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_a_hostile_config_is_a_clean_error_naming_where(tmp_path: Path, config: str, code: int, said: str) -> None:
    exit_code, output = _run(tmp_path, config)
    assert exit_code == code, output
    assert said in output, output


@pytest.mark.parametrize(("profile", "code", "said"), [c[1:] for c in PROFILES], ids=[c[0] for c in PROFILES])
def test_a_hostile_profile_is_a_clean_error_naming_where(tmp_path: Path, profile: str, code: int, said: str) -> None:
    exit_code, output = _run(tmp_path, CONFIG.replace("google_merchant", "my.yaml"), profile)
    assert exit_code == code, output
    assert said in output, output
    if code == 1:  # the template failed for the product: the product is named, left out, not lost
        assert "g: 0 items" in output and "id=A" in output, output
