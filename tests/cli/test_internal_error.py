"""An exception feedsync did not expect is one line and exit 70 (EX_SOFTWARE), with the traceback only under -vv;
every known cause has its own clean error instead (tests/hostile/test_config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli import app as app_module
from feedsync.cli.app import app, main
from feedsync.cli.common import EXIT_CODES, EXIT_INTERNAL
from feedsync.cli.output import MODE
from tests.conftest import HEADER, make_config, row

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config that works, and a bug injected where every build and validate passes."""
    monkeypatch.chdir(tmp_path)
    make_config(tmp_path, HEADER + row("P1"))

    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero in the injected bug")

    monkeypatch.setattr("feedsync.channels.compiled.CompiledChannel.apply", bug)


@pytest.mark.usefixtures("broken")
@pytest.mark.parametrize("command", ["build", "validate"])
def test_an_unexpected_exception_is_one_line_and_exit_70(command: str) -> None:
    result = runner.invoke(app, [command])
    assert result.exit_code == EXIT_INTERNAL == 70
    assert result.stderr == (
        "internal error: ZeroDivisionError: division by zero in the injected bug; "
        "rerun with -vv for the traceback, and report it\n"
    )
    assert not Path("out").exists() or not list(Path("out").iterdir())  # no half-written feed


@pytest.mark.usefixtures("broken")
def test_the_traceback_is_shown_with_vv() -> None:
    result = runner.invoke(app, ["validate", "-vv"])
    assert result.exit_code == 70
    assert "Traceback (most recent call last):" in result.stderr
    assert 'in bug\n    raise ZeroDivisionError("division by zero in the injected bug")' in result.stderr
    assert result.stderr.rstrip().endswith(
        "internal error: ZeroDivisionError: division by zero in the injected bug; please report it"
    )


@pytest.mark.usefixtures("broken")
def test_json_logs_carry_the_internal_error_as_one_object() -> None:
    result = runner.invoke(app, ["validate", "--log-format", "json"])
    assert result.exit_code == 70
    assert '"level": "error"' in result.stderr and "internal error: ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_exception_outside_any_command_is_handled_by_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bug() -> None:
        raise KeyError("registry")

    monkeypatch.setattr(app_module, "app", bug)
    monkeypatch.setattr(MODE, "log_format", "text")  # what earlier commands in this process left
    monkeypatch.setattr(MODE, "verbose", 0)
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 70
    assert (
        capsys.readouterr().err
        == "internal error: KeyError: 'registry'; rerun with -vv for the traceback, and report it\n"
    )


def test_usage_errors_and_exit_codes_still_pass_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["validate", "--format", "yaml"]).exit_code == 2  # typer's own usage error
    assert runner.invoke(app, ["validate"]).exit_code == 2  # no feedsync.yaml: a clean error, not exit 70


def test_the_exit_code_is_documented() -> None:
    assert EXIT_CODES[70].startswith("internal error: a bug in feedsync")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    assert "70" in docs and "internal error" in docs
