"""Hostile configs, profiles, templates, rules and outputs: each ends quickly with a clear error and the documented
exit code (2 with file:line:col for bad input, 1 with a finding for a product a template or rule cannot handle),
never a traceback, a hang or the internal-error exit (70)."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import respx
from typer.testing import CliRunner, Result

from feedsync import diskcache
from feedsync.cli.app import app
from feedsync.cli.common import EXIT_INTERNAL
from tests.conftest import HEADER, make_config, row, write_config
from tests.test_yamlpos import alias_bomb

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def catalog(tmp_path: Path, count: int = 3, channel_extra: str = "", **values: str) -> Path:
    make_config(tmp_path, HEADER + "".join(row(f"P{i}", size=str(i), **values) for i in range(count)), channel_extra)
    return tmp_path / "feedsync.yaml"


def add(config: Path, text: str) -> None:
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


def clean(result: Result | subprocess.CompletedProcess[str], code: int) -> str:
    """stderr of a run that ended with ``code`` on purpose (not through the internal-error handler)."""
    output = result.stderr + (result.stdout or "")
    exit_code = result.exit_code if isinstance(result, Result) else result.returncode
    assert exit_code == code, output
    assert exit_code != EXIT_INTERNAL and "Traceback" not in output and "internal error" not in output
    return result.stderr


def _limited() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a runaway fails here, not on the shared machine


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m feedsync ARGS`` in a process with a memory cap and a guard timeout: a hang fails the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSYNC_") or k == diskcache.ENVIRONMENT}
    return subprocess.run(
        [sys.executable, "-m", "feedsync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        preexec_fn=_limited,
    )


# -- YAML ------------------------------------------------------------------------------------------------------


def test_deep_nesting_in_the_config_is_a_config_error(tmp_path: Path) -> None:
    config = catalog(tmp_path)
    add(config, "notify: " + "[" * 3000 + "]" * 3000 + "\n")
    stderr = clean(runner.invoke(app, ["validate"]), 2)
    assert "feedsync.yaml:8:72: nested more than 64 levels deep" in stderr


def test_deep_nesting_in_a_profile_is_a_config_error_in_that_file(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("channel: google\nsettings:\n  x: " + "{a: " * 3000 + "}" * 3000 + "\n")
    catalog(tmp_path)
    write_config(tmp_path, "source: {path: products.csv, currency: USD}\nchannels:\n  g: {profile: deep.yaml}\n")
    stderr = clean(runner.invoke(app, ["validate"]), 2)
    assert "deep.yaml:3:251: nested more than 64 levels deep" in stderr


def test_an_alias_bomb_in_the_config_is_refused_quickly(tmp_path: Path) -> None:
    config = catalog(tmp_path)
    add(config, "notify:\n  webhook: https://hooks.example.com/x\n" + alias_bomb())
    result = run("validate", cwd=tmp_path)  # before: minutes of walking 387 million values, if memory lasts
    stderr = clean(result, 2)
    assert "feedsync.yaml:16:4: this value expands to more than 1,000,000 values through its aliases" in stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-45", "feedsync.yaml:8:13: invalid timestamp '2026-13-45': month must be in 1..12"),
        ("!!int twelve", "feedsync.yaml:8:13: invalid int 'twelve'"),
        ("&a [*a]", "feedsync.yaml:8:17: alias *a refers to a value that contains it"),
    ],
)
def test_a_value_yaml_cannot_build_is_a_config_error(tmp_path: Path, value: str, message: str) -> None:
    config = catalog(tmp_path)
    add(config, f"output_dir: {value}\n")
    assert message in clean(runner.invoke(app, ["validate"]), 2)


# -- encodings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec"])
def test_a_codec_that_is_not_a_text_encoding_is_a_config_error(tmp_path: Path, encoding: str) -> None:
    catalog(tmp_path)
    (tmp_path / "stock.csv").write_text("id,stock\nP0,3\n", encoding="utf-8")
    write_config(
        tmp_path,
        f"source: {{path: products.csv, currency: USD, encoding: {encoding}}}\n"
        "channels: {google: {profile: google_merchant}}\n",
    )
    stderr = clean(runner.invoke(app, ["build"]), 2)
    assert f"feedsync.yaml:1:55: source.encoding: Value error, '{encoding}' is not a text encoding" in stderr
    write_config(
        tmp_path,
        "source: {path: products.csv, currency: USD}\n"
        f"supplements: [{{path: stock.csv, encoding: {encoding}}}]\n"
        "channels: {google: {profile: google_merchant}}\n",
    )
    assert f"'{encoding}' is not a text encoding" in clean(runner.invoke(app, ["build"]), 2)
    flags = ["build", "--source", "products.csv", "--channel", "google_merchant", "--encoding", encoding]
    assert f"<command line>: source.encoding: Value error, '{encoding}'" in clean(runner.invoke(app, flags), 2)


# -- outputs -----------------------------------------------------------------------------------------------------


def test_output_dir_pointing_at_a_file_is_an_error_naming_it(tmp_path: Path) -> None:
    config = catalog(tmp_path)
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    add(config, "output_dir: taken/feeds\n")
    stderr = clean(runner.invoke(app, ["build"]), 2)
    assert f"cannot write {tmp_path}/taken/feeds/google.xml: {tmp_path}/taken is a file, not a folder" in stderr
    assert "nothing was written" in stderr
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "-o", "taken/report.json", "--format", "json"],
        ["validate", "--html", "taken/report.html"],
        ["push", "--report", "taken/run.json"],
        ["push", "--report-html", "taken/run.html"],
    ],
)
def test_an_unwritable_report_path_is_an_error(tmp_path: Path, args: list[str]) -> None:
    catalog(tmp_path, channel_extra="    destination: {type: directory, path: www}\n")
    (tmp_path / "taken").write_text("", encoding="utf-8")
    path = next(a for a in args if a.startswith("taken/"))
    stderr = clean(runner.invoke(app, args), 2)
    assert f"error: cannot write {path}: taken is a file, not a folder; nothing was written" in stderr


def no_room(*args: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


class FullDisk:
    """A file on a disk with ``room`` bytes left."""

    def __init__(self, file: BinaryIO, room: int) -> None:
        self.file, self.room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            no_room()
        self.room -= len(data)
        return self.file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)


class DiskWithRoom:
    """``os`` for ``feedsync.atomic``, whose files land on a disk with ``room`` bytes left (None: the bytes fit in
    the page cache, but writing them out fails, as on a network file system or over a quota)."""

    def __init__(self, room: int | None) -> None:
        self.room = room
        if room is None:
            self.fsync = no_room

    def fdopen(self, fd: int, mode: str, buffering: int = -1) -> Any:
        file = os.fdopen(fd, mode, buffering=buffering)
        return file if self.room is None else FullDisk(file, self.room)

    def pwrite(self, fd: int, data: Any, offset: int) -> int:
        """A feed's staged bytes (``feedsync.direct``) reach the disk here."""
        if self.room is not None:
            if len(data) > self.room:
                no_room()
            self.room -= len(data)
        return os.pwrite(fd, data, offset)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@pytest.mark.parametrize("room", [None, 0, 20_000])  # full when written out; at the first byte; in the middle
def test_a_full_disk_keeps_the_previous_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    catalog(tmp_path, 40)
    assert runner.invoke(app, ["build"]).exit_code == 0
    feed = tmp_path / "out" / "google.xml"
    before = feed.read_bytes()
    assert len(before) > (room or 0)
    catalog(tmp_path, 60)
    disk = DiskWithRoom(room)
    monkeypatch.setattr("feedsync.atomic.os", disk)
    monkeypatch.setattr("feedsync.direct.os", disk)  # feeds are written past the page cache
    stderr = clean(runner.invoke(app, ["build"]), 2)
    assert f"cannot write {feed}: No space left on device; the previous google.xml stays as it was" in stderr
    assert feed.read_bytes() == before
    assert sorted(p.name for p in feed.parent.iterdir()) == ["google.xml"]  # no temp file left behind


# -- notify ------------------------------------------------------------------------------------------------------


@respx.mock
def test_an_unset_notify_variable_does_not_hide_what_happened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDSYNC_TEST_HOOK", raising=False)
    dest = "    destination: {type: directory, path: www}\n"
    hook = "notify: {webhook: {env: FEEDSYNC_TEST_HOOK}}\n"
    add(catalog(tmp_path, 10, dest), hook)
    assert runner.invoke(app, ["push"]).exit_code == 0
    add(catalog(tmp_path, 5, dest), hook)  # the guardrail trips
    stderr = clean(runner.invoke(app, ["push"]), 1)
    assert "DST002 google not published: the item count fell from 10 to 5" in stderr
    assert "could not send the notification: environment variable FEEDSYNC_TEST_HOOK is not set" in stderr
    (tmp_path / "products.csv").unlink()  # the push fails
    stderr = clean(runner.invoke(app, ["push"]), 2)
    assert "source.path: source file not found" in stderr
    assert "could not send the notification: environment variable FEEDSYNC_TEST_HOOK is not set" in stderr
    assert not respx.calls


def test_a_notify_webhook_that_is_not_a_url_is_a_config_error(tmp_path: Path) -> None:
    add(catalog(tmp_path), "notify: {webhook: hooks.example.com/x}\n")
    stderr = clean(runner.invoke(app, ["validate"]), 2)
    assert "feedsync.yaml:8:19: notify.webhook: Value error, 'hooks.example.com/x' is not an absolute http(s) URL" in (
        stderr
    )


@respx.mock
def test_a_webhook_secret_that_is_not_a_url_is_logged_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDSYNC_TEST_HOOK", "not a url")
    dest = "    destination: {type: directory, path: www}\n"
    add(catalog(tmp_path, 10, dest), "notify: {webhook: {env: FEEDSYNC_TEST_HOOK}}\n")
    assert runner.invoke(app, ["push"]).exit_code == 0
    add(catalog(tmp_path, 5, dest), "notify: {webhook: {env: FEEDSYNC_TEST_HOOK}}\n")
    stderr = clean(runner.invoke(app, ["push"]), 1)
    assert "could not send the notification: the webhook (from SecretRef(env='FEEDSYNC_TEST_HOOK'))" in stderr
    assert "not a url" not in stderr and not respx.calls


# -- templates and rules -----------------------------------------------------------------------------------------

TEMPLATE_BOMBS = [
    "{{ 'x' * 10**10 }}",
    "{{ (range(100000)|list|string) * 100000 }}",
    "{{ 'x' * 100000 * 100000 }}",
    "{{ 7 ** 1000000000 }}",
    "{{ title.ljust(10000000000) }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("template", TEMPLATE_BOMBS)
def test_a_template_bomb_is_a_finding_per_product(tmp_path: Path, template: str) -> None:
    catalog(tmp_path, 2, f'    fields:\n      title: {{template: "{template}"}}\n')
    result = run("validate", cwd=tmp_path)
    clean(result, 1)
    findings = [line for line in result.stdout.splitlines() if "google" in line and "P" in line]
    assert len(findings) == 2 and all(" CFG007 " in line for line in findings), result.stdout
    assert "field title:" in findings[0]


def test_a_filter_bomb_is_a_finding(tmp_path: Path) -> None:
    catalog(tmp_path, 2, "    filters:\n      include: [\"('x' * 10**10) != ''\"]\n")
    result = run("validate", cwd=tmp_path)
    clean(result, 1)
    assert result.stdout.count(" CFG007 filter failed: template limit exceeded: a value of more than 1,000,000") == 2


def rule(condition_or_action: str) -> str:
    return f"    rules:\n      - name: sale titles\n{condition_or_action}"


@pytest.mark.parametrize(
    "rules",
    [
        rule("        when: [{field: title, matches: '(a+)+$'}]\n        then: [{set: custom_label_0, value: x}]\n"),
        rule("        then: [{regex_replace: title, pattern: '(a+)+$', with: b}]\n"),
    ],
)
def test_a_catastrophic_rule_regex_is_a_finding_naming_the_rule(tmp_path: Path, rules: str) -> None:
    config = catalog(tmp_path, 1, rules)
    config.with_name("products.csv").write_text(
        HEADER + row("P0", title="Merino Tee") + row("P1", title="a" * 5000 + "!"), encoding="utf-8"
    )
    result = run("validate", "--select", "CFG", cwd=tmp_path)  # before: the run did not end (2^5000 steps)
    clean(result, 1)
    assert result.stdout.count("CFG008") == 1
    assert "P1" in result.stdout and "rule 'sale titles': the regular expression '(a+)+$' took more than" in (
        result.stdout
    )


def test_a_replacement_naming_a_missing_group_is_a_finding(tmp_path: Path) -> None:
    catalog(tmp_path, 1, rule("        then: [{regex_replace: title, pattern: 'Tee', with: '\\9'}]\n"))
    result = runner.invoke(app, ["validate"])
    clean(result, 1)
    assert " CFG006 rule failed: regex_replace with '\\\\9': invalid group reference" in result.stdout


def test_a_pattern_the_engine_cannot_compile_is_a_config_error(tmp_path: Path) -> None:
    pattern = "a{99999999999}"  # before: an OverflowError traceback
    when = f"        when: [{{field: title, matches: '{pattern}'}}]\n        then: [{{exclude: true}}]\n"
    catalog(tmp_path, 1, rule(when))
    stderr = clean(runner.invoke(app, ["build"]), 2)
    assert f"feedsync.yaml:9:7: rules: invalid regular expression {pattern!r}" in stderr


def test_a_state_path_under_a_file_is_an_error(tmp_path: Path) -> None:
    config = catalog(tmp_path, channel_extra="    destination: {type: directory, path: www}\n")
    (tmp_path / "taken").write_text("", encoding="utf-8")
    add(config, "state_path: taken/state.sqlite\n")
    stderr = clean(runner.invoke(app, ["push"]), 2)
    assert f"error: cannot create the lock file {tmp_path}/taken/state.sqlite.lock (beside state_path)" in stderr
    assert "this run did nothing" in stderr and not (tmp_path / "www").exists()


def test_hostile_html_in_the_catalog_does_not_stall_the_html_filters(tmp_path: Path) -> None:
    html = "<li>" * 25_000 + "<" * 25_000  # no </li>, no closing >: both filters' patterns used to rescan it all
    template = "{{ description|bullets|join(' ') }}{{ description|plaintext|length }}"
    catalog(tmp_path, 20, f'    fields:\n      description: {{template: "{template}"}}\n', description=html)
    clean(run("build", cwd=tmp_path), 0)  # before: about 10 s per product
    feed = (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")
    assert feed.count("<g:description>25000</g:description>") == 20  # no bullets; 25,000 stray '<' kept


@pytest.mark.parametrize("args", [["status"], ["import-orders", "--from-file", "orders.txt"]])
def test_a_state_path_under_a_file_is_an_error_for_every_command(tmp_path: Path, args: list[str]) -> None:
    config = catalog(tmp_path)
    (tmp_path / "taken").write_text("", encoding="utf-8")
    (tmp_path / "orders.txt").write_text("order-id\torder-item-id\n", encoding="utf-8")
    add(config, "state_path: taken/state.sqlite\norders: {sink: {type: directory, path: incoming}}\n")
    stderr = clean(runner.invoke(app, args), 2)
    assert f"{tmp_path}/taken/state.sqlite" in stderr
