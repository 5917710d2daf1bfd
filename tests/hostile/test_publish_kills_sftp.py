"""Kill ``feedsync push`` at every step of an SFTP publish of a split feed that shrinks: the next push
converges (the new documents in place, no ``.uploading`` file, no part the feed no longer has)."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.faults import KILLED
from tests.channels.test_channels import CSV
from tests.destinations.test_sftp import PASSWORD, USER, SftpServer
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.test_publish_kills import AMAZON

ENV = {"FEEDSYNC_SFTP_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SftpServer]:
    root = tmp_path_factory.mktemp("sftp-root")
    running = SftpServer(root)
    yield running
    running.close()


def write_config(folder: Path, server: SftpServer, remote_dir: str, max_messages: int) -> None:
    (folder / "products.csv").write_text(CSV, encoding="utf-8")
    server.known_hosts(folder / "known_hosts")
    (folder / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\nchannels:\n"
        f"  amazon:\n    profile: amazon\n    settings: {{{AMAZON}, max_messages: {max_messages}}}\n"
        f"    destination: {{type: sftp, host: 127.0.0.1, port: {server.port}, username: {USER}, "
        f"password: {{env: FEEDSYNC_SFTP_PASSWORD}}, remote_dir: {remote_dir}, known_hosts: known_hosts}}\n",
        encoding="utf-8",
    )


def push(work: Path) -> int:
    """An in-process push (the killed ones run in a process of their own)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        patch.setenv("FEEDSYNC_SFTP_PASSWORD", PASSWORD)
        return CliRunner().invoke(app, ["push"]).exit_code


def published(server: SftpServer, tmp_path: Path, name: str) -> tuple[Path, Path]:
    """(work folder, remote folder) after a push of amazon in 3 documents, with 2 documents to push next."""
    work, remote = tmp_path / "work", server.root / name
    work.mkdir()
    remote.mkdir()
    write_config(work, server, name, max_messages=2)
    assert push(work) == 0
    assert sorted(p.name for p in remote.iterdir()) == ["amazon.2.json", "amazon.3.json", "amazon.json"]
    write_config(work, server, name, max_messages=3)
    return work, remote


STEPS = [
    "sftp.uploaded",  # amazon.2.json
    "sftp.renamed",
    "sftp.uploaded",  # amazon.json
    "sftp.renamed",
    "sftp.stale-removed",  # amazon.3.json
]
KILLS = [f"{point}:{Counter(STEPS[: i + 1])[point]}" for i, point in enumerate(STEPS)]


def test_an_sftp_push_passes_these_steps(server: SftpServer, tmp_path: Path) -> None:
    work, _ = published(server, tmp_path, "steps")
    assert [p for p in points_passed("push", cwd=work, env=ENV) if p.startswith("sftp.")] == STEPS


@pytest.mark.parametrize("fault", KILLS)
def test_an_sftp_push_killed_at_any_step_is_finished_by_the_next(
    fault: str, server: SftpServer, tmp_path: Path
) -> None:
    work, remote = published(server, tmp_path, fault.replace(":", "-"))
    assert run_feedsync("push", cwd=work, env=ENV, fault=fault).returncode == KILLED
    assert push(work) == 0
    assert sorted(p.name for p in remote.iterdir()) == ["amazon.2.json", "amazon.json"]
    for name in ("amazon.json", "amazon.2.json"):
        assert (remote / name).read_bytes() == (work / "out" / name).read_bytes()
    shutil.rmtree(remote)
