"""The README documents what the code registers."""

from __future__ import annotations

from feedsync.diagnostics import CODES
from tests.conftest import REPO


def test_every_diagnostic_code_is_in_the_readme_with_its_name_and_severity() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for info in CODES.values():
        assert f"| {info.code} | {info.name} | {info.severity.value} |" in readme, info.code


def test_the_readme_code_table_is_generated_from_the_registry() -> None:
    from feedsync.cli.docgen import README_START, with_code_table

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.count(README_START) == 1
    assert with_code_table(readme) == readme, "README's code table is stale: run python -m feedsync.cli.docgen docs"


def test_every_code_has_a_doc_text() -> None:
    for info in CODES.values():
        assert len(info.doc) > 40, info.code


def test_the_generated_reference_in_docs_is_up_to_date() -> None:
    from feedsync.cli.docgen import generate

    for name, text in generate().items():
        path = REPO / "docs" / name
        assert path.is_file(), f"docs/{name} is missing: run python -m feedsync.cli.docgen docs"
        assert path.read_text(encoding="utf-8") == text, f"docs/{name} is stale: run python -m feedsync.cli.docgen docs"


def test_every_command_and_option_is_documented_with_help() -> None:
    import typer

    from feedsync.cli.app import app

    commands = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")

    def walk(command: object, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():  # type: ignore[attr-defined]
                walk(sub, [*path, name])
            return
        assert f"## `feedsync {' '.join(path)}`" in commands, path
        assert "Example" in (command.help or ""), f"feedsync {' '.join(path)} --help has no example"  # type: ignore[attr-defined]
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"{path} {param.opts} has no help"
                assert f"`{param.opts[0]}`" in commands, (path, param.opts)

    walk(typer.main.get_command(app), [])


def test_every_config_and_profile_key_has_a_meaning() -> None:
    for name in ("config.md", "profiles.md"):
        for line in (REPO / "docs" / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("| `"):
                assert not line.rstrip().endswith("|  |"), f"docs/{name}: {line}"


def test_the_exit_codes_in_the_readme_are_the_cli_s() -> None:
    from feedsync.cli.common import EXIT_CODES

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in readme, code
