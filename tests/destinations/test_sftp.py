"""The sftp destination against a real SFTP server (asyncssh) listening on loopback."""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.config import SftpDestination
from feedsync.destinations.sftp import SftpPublisher
from feedsync.errors import ConfigError, RemoteError
from tests.conftest import HEADER, make_config, row

USER, PASSWORD = "feeds", "s3cret-password"


CONNECTIONS: set[asyncssh.SSHServerConnection] = set()


class _Server(asyncssh.SSHServer):
    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        CONNECTIONS.add(conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD


class SftpServer:
    def __init__(
        self,
        root: Path,
        sftp: type[asyncssh.SFTPServer] = asyncssh.SFTPServer,
        login: type[asyncssh.SSHServer] = _Server,
    ) -> None:
        self.root = root
        self.sftp = sftp
        self.login = login
        self.key = asyncssh.generate_private_key("ssh-ed25519")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _start(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.key],
            server_factory=self.login,
            sftp_factory=lambda chan: self.sftp(chan, chroot=str(self.root)),
        )

    def known_hosts(self, path: Path) -> Path:
        public = self.key.export_public_key("openssh").decode().strip()
        path.write_text(f"[127.0.0.1]:{self.port} {public}\n", encoding="utf-8")
        return path

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()
            for conn in list(CONNECTIONS):
                conn.close()
                await conn.wait_closed()
            CONNECTIONS.clear()
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:  # (a handler still waiting: a stalled write)
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def destination(port: int, password: str, tmp: Path, known_hosts: Path, **extra: str) -> SftpDestination:
    """An sftp destination on loopback ``port``, its password in a file of ``tmp`` (``extra``: more settings)."""
    (tmp / "pw").write_text(password, encoding="utf-8")
    return SftpDestination.model_validate(
        {
            "type": "sftp",
            "host": "127.0.0.1",
            "port": port,
            "username": USER,
            "password": {"file": tmp / "pw"},
            "known_hosts": known_hosts,
            **extra,
        }
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "incoming").mkdir(parents=True)
    running = SftpServer(root)
    yield running
    running.close()


def test_push_uploads_the_feed_to_a_real_sftp_server(
    tmp_path: Path, server: SftpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("FEEDSYNC_SFTP_PASSWORD", PASSWORD)
    server.known_hosts(work / "known_hosts")
    make_config(
        work,
        HEADER + row("A") + row("B", size="L"),
        channel_extra=(
            "    destination:\n      type: sftp\n      host: 127.0.0.1\n"
            f"      port: {server.port}\n      username: {USER}\n      password: {{env: FEEDSYNC_SFTP_PASSWORD}}\n"
            "      remote_dir: incoming\n      filename: products.xml\n      known_hosts: known_hosts\n"
        ),
    )
    result = CliRunner().invoke(app, ["push"])
    assert result.exit_code == 0, result.output
    arrived = server.root / "incoming" / "products.xml"
    assert arrived.read_bytes() == (work / "out" / "google.xml").read_bytes()
    assert sorted(p.name for p in (server.root / "incoming").iterdir()) == ["products.xml"]  # no temp file left
    assert f"published to sftp://{USER}@127.0.0.1:{server.port}/incoming/products.xml" in result.stderr
    assert PASSWORD not in result.output


def test_an_unknown_host_key_is_refused(tmp_path: Path, server: SftpServer) -> None:
    (tmp_path / "empty_known_hosts").write_text("", encoding="utf-8")
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    config = destination(server.port, PASSWORD, tmp_path, tmp_path / "empty_known_hosts")
    with pytest.raises(RemoteError, match="host key is unknown"):
        SftpPublisher(config).publish(feed, "feed.xml")
    assert not (server.root / "feed.xml").exists()


def test_a_wrong_password_fails_without_printing_it(tmp_path: Path, server: SftpServer) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    config = destination(server.port, "wrong-password-123", tmp_path, server.known_hosts(tmp_path / "kh"))
    with pytest.raises(RemoteError) as info:
        SftpPublisher(config).publish(feed, "feed.xml")
    assert "authentication" in str(info.value) and "wrong-password-123" not in str(info.value)


def test_a_split_feed_replaces_its_parts_and_removes_those_it_no_longer_has(tmp_path: Path, server: SftpServer) -> None:
    config = destination(server.port, PASSWORD, tmp_path, server.known_hosts(tmp_path / "kh"), remote_dir="incoming")
    incoming = server.root / "incoming"
    for name in ("amazon.2.json", "amazon.3.json", ".amazon.3.json.uploading", "amazon.2.json.bak", "other.3.json"):
        (incoming / name).write_text("from an earlier push", encoding="utf-8")  # .uploading: a killed upload
    feed, part = tmp_path / "amazon.json", tmp_path / "amazon.2.json"
    feed.write_text("main", encoding="utf-8")
    part.write_text("second", encoding="utf-8")
    names = re.compile(r"amazon\.(?:[2-9]|[1-9][0-9]+)\.json")
    published = SftpPublisher(config).publish(feed, "amazon.json", [part], names)
    assert published.endswith("/incoming/amazon.json")
    left = sorted(p.name for p in incoming.iterdir())
    assert left == ["amazon.2.json", "amazon.2.json.bak", "amazon.json", "other.3.json"]
    assert (incoming / "amazon.2.json").read_text(encoding="utf-8") == "second"
    assert (incoming / "amazon.json").read_text(encoding="utf-8") == "main"


class _Stalling(asyncssh.SFTPServer):
    """Takes the login and the file's opening, then never answers a write."""

    async def write(self, file_obj: object, offset: int, data: bytes) -> None:  # type: ignore[override]
        try:
            await asyncio.sleep(3600)
        finally:  # (cancelled as the server closes: the file it opened is closed)
            file_obj.close()  # type: ignore[attr-defined]


def test_a_server_that_stops_answering_fails_the_push_instead_of_hanging_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from feedsync.destinations import sftp

    monkeypatch.setattr(sftp, "OPERATION_TIMEOUT", 0.5)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    root = tmp_path / "sftp-root"
    root.mkdir()
    stalling = SftpServer(root, _Stalling)
    try:
        feed = tmp_path / "feed.xml"
        feed.write_text("<rss/>", encoding="utf-8")
        config = destination(stalling.port, PASSWORD, tmp_path, stalling.known_hosts(tmp_path / "known_hosts"))
        raised: list[BaseException] = []

        def publish() -> None:
            try:
                SftpPublisher(config).publish(feed, "feed.xml")
            except BaseException as exc:  # (handed to the test's thread)
                raised.append(exc)

        worker = threading.Thread(target=publish, daemon=True)
        worker.start()
        worker.join(timeout=120)  # (without the timeout it waits for ever: a hang, not a measure)
        assert not worker.is_alive()
        [error] = raised
        assert isinstance(error, RemoteError) and "sftp upload to" in str(error) and "failed" in str(error)
        assert not (root / "feed.xml").exists()
    finally:
        stalling.close()


class _NoPosixRename(asyncssh.SFTPServer):
    """No posix-rename extension: a plain rename, which does not replace an existing file (SFTP v3)."""

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:  # type: ignore[override]
        raise asyncssh.SFTPOpUnsupported("posix-rename is not supported")


class _NoRename(_NoPosixRename):
    """Refuses every rename (a drop folder that takes uploads only)."""

    def rename(self, oldpath: bytes, newpath: bytes) -> None:  # type: ignore[override]
        raise asyncssh.SFTPPermissionDenied("rename is not allowed here")


@pytest.mark.parametrize("refuses", [False, True], ids=["plain rename", "no rename"])
def test_a_server_without_posix_rename_never_loses_the_published_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refuses: bool
) -> None:
    import time

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    root = tmp_path / "sftp-root"
    root.mkdir()
    (root / "feed.xml").write_text("<rss>published</rss>", encoding="utf-8")
    running = SftpServer(root, _NoRename if refuses else _NoPosixRename)
    try:
        feed = tmp_path / "feed.xml"
        feed.write_text("<rss>new</rss>", encoding="utf-8")
        config = destination(running.port, PASSWORD, tmp_path, running.known_hosts(tmp_path / "known_hosts"))
        if refuses:
            with pytest.raises(RemoteError, match="rename is not allowed here"):
                SftpPublisher(config).publish(feed, "feed.xml")
            assert (root / "feed.xml").read_text(encoding="utf-8") == "<rss>published</rss>"
        else:
            SftpPublisher(config).publish(feed, "feed.xml")
            assert (root / "feed.xml").read_text(encoding="utf-8") == "<rss>new</rss>"
            assert sorted(p.name for p in root.iterdir()) == ["feed.xml"]  # nothing moved aside is left
    finally:
        running.close()


def test_a_file_moved_aside_by_a_killed_push_is_removed_by_the_next(tmp_path: Path, server: SftpServer) -> None:
    config = destination(server.port, PASSWORD, tmp_path, server.known_hosts(tmp_path / "kh"), remote_dir="incoming")
    incoming = server.root / "incoming"
    (incoming / ".feed.xml.previous").write_text("moved aside", encoding="utf-8")
    (incoming / ".other.xml.previous").write_text("not ours", encoding="utf-8")
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    SftpPublisher(config).publish(feed, "feed.xml")
    assert sorted(p.name for p in incoming.iterdir()) == [".other.xml.previous", "feed.xml"]


PASSPHRASE = "key-passphrase-W4"
USER_KEY: list[asyncssh.SSHKey] = []


class _KeyServer(_Server):
    """Takes the login of the public key in ``USER_KEY``, no password."""

    def password_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == USER and key.public_data == USER_KEY[0].public_data


def test_an_encrypted_private_key_is_opened_with_its_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_key = asyncssh.generate_private_key("ssh-ed25519")
    monkeypatch.setattr(sys.modules[__name__], "USER_KEY", [user_key])
    root = tmp_path / "sftp-root"
    root.mkdir()
    keyed = SftpServer(root, login=_KeyServer)
    try:
        (tmp_path / "id_ed25519").write_bytes(user_key.export_private_key("openssh", passphrase=PASSPHRASE))
        monkeypatch.setenv("FEEDSYNC_TEST_PASSPHRASE", PASSPHRASE)
        feed = tmp_path / "feed.xml"
        feed.write_text("<rss/>", encoding="utf-8")
        settings = {"type": "sftp", "host": "127.0.0.1", "port": keyed.port, "username": USER}
        settings |= {
            "private_key": {"file": tmp_path / "id_ed25519"},
            "known_hosts": keyed.known_hosts(tmp_path / "kh"),
        }

        def publisher(**extra: object) -> SftpPublisher:
            return SftpPublisher(SftpDestination.model_validate(settings | extra))

        with pytest.raises(ConfigError, match="encrypted: give its passphrase as private_key_passphrase"):
            publisher().publish(feed, "feed.xml")
        (tmp_path / "wrong").write_text("not-the-passphrase", encoding="utf-8")
        with pytest.raises(ConfigError, match="does not open with private_key_passphrase") as wrong:
            publisher(private_key_passphrase={"file": tmp_path / "wrong"}).publish(feed, "feed.xml")
        assert "not-the-passphrase" not in str(wrong.value)
        published = publisher(private_key_passphrase={"env": "FEEDSYNC_TEST_PASSPHRASE"}).publish(feed, "feed.xml")
        assert published.endswith("/./feed.xml")
        assert (root / "feed.xml").read_text(encoding="utf-8") == "<rss/>"
    finally:
        keyed.close()


def test_a_server_that_is_no_ssh_server_prints_no_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A port that answers as an HTTP server does (a wrong port in the config, a hostile host): paramiko's transport
    thread logs the banner's failure with its traceback at ERROR; with no handler on the way (the CLI has none but
    feedsync's own), Python's last resort printed it on stderr. The push's error alone tells it."""
    import io
    import logging
    import socket
    import time

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(logging.root, "handlers", [])  # (as in the CLI: pytest's capture is not there)
    printed = io.StringIO()
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(printed))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)

    def answer() -> None:
        for _ in range(3):  # (one connection an attempt)
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 3)

    server = threading.Thread(target=answer, daemon=True)
    server.start()
    try:
        feed = tmp_path / "feed.xml"
        feed.write_text("<rss/>", encoding="utf-8")
        (tmp_path / "known_hosts").write_text("", encoding="utf-8")
        config = destination(listener.getsockname()[1], PASSWORD, tmp_path, tmp_path / "known_hosts")
        with pytest.raises(RemoteError, match=r"sftp upload to .* failed: sftp: "):
            SftpPublisher(config).publish(feed, "feed.xml")
    finally:
        listener.close()
        server.join(timeout=30)
    assert printed.getvalue() == ""


class _UploadsOnly(asyncssh.SFTPServer):
    """A drop box: files are written, never read back (as a channel's upload server may be): a read is refused as
    denied."""

    refusal: type[asyncssh.SFTPError] = asyncssh.SFTPPermissionDenied

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:  # type: ignore[override]
        if pflags & asyncssh.FXF_READ:
            raise self.refusal("reading is not allowed here")
        return super().open(path, pflags, attrs)


class _UploadsOnlyFailing(_UploadsOnly):
    """A drop box that refuses a read with SFTP's generic failure status (SSH_FX_FAILURE)."""

    refusal = asyncssh.SFTPFailure


def _sftp_project(work: Path, port: int, skus: list[str]) -> None:
    """A project in ``work`` whose google channel pushes ``skus`` to the loopback server on ``port``."""
    make_config(
        work,
        HEADER + "".join(row(sku) for sku in skus),
        channel_extra=(
            "    destination:\n      type: sftp\n      host: 127.0.0.1\n"
            f"      port: {port}\n      username: {USER}\n      password: {{env: FEEDSYNC_SFTP_PASSWORD}}\n"
            "      remote_dir: incoming\n      filename: products.xml\n      known_hosts: known_hosts\n"
        ),
    )


def test_a_state_lost_does_not_let_a_partial_export_replace_the_feed_an_sftp_server_holds(
    tmp_path: Path, server: SftpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the state database gone, the item-count guardrail had no history for an sftp destination (a directory's
    held feed was read, a server's was not): a partial export of 4 of 10 items replaced the server's 10-item feed
    with exit 0. The feed the server holds is now read and counted: DST002 names it, the feed stays; --force
    publishes."""
    import shutil

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("FEEDSYNC_SFTP_PASSWORD", PASSWORD)
    server.known_hosts(work / "known_hosts")
    skus = [f"P{i}" for i in range(10)]
    config = make_config(work, HEADER + "".join(row(sku) for sku in skus))
    _sftp_project(work, server.port, skus)
    assert CliRunner().invoke(app, ["push"]).exit_code == 0
    held = server.root / "incoming" / "products.xml"
    live = held.read_bytes()
    assert live.count(b"<item>") == 10
    assert config.state_path.is_file()
    shutil.rmtree(config.state_path.parent)
    _sftp_project(work, server.port, skus[:4])
    result = CliRunner().invoke(app, ["push"])
    assert result.exit_code != 0, result.output
    assert "DST002" in result.output and "the item count fell from 10 to 4" in result.output
    where = f"sftp://{USER}@127.0.0.1:{server.port}/incoming/products.xml"
    assert f"counted in {where}, the feed the destination holds" in result.output
    assert held.read_bytes() == live
    assert sorted(p.name for p in (server.root / "incoming").iterdir()) == ["products.xml"]
    assert PASSWORD not in result.output
    forced = CliRunner().invoke(app, ["push", "--force"])
    assert forced.exit_code == 0, forced.output
    assert held.read_bytes().count(b"<item>") == 4


@pytest.mark.parametrize("server_kind", [_UploadsOnly, _UploadsOnlyFailing], ids=["denied", "failure"])
def test_a_server_that_lets_no_upload_be_read_takes_the_first_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_kind: type[asyncssh.SFTPServer]
) -> None:
    """A drop box refuses to read its files back (as denied, or with SFTP's generic failure): the held feed cannot
    be counted, and the push goes on as a push with no history does (its upload is not refused for it)."""
    root = tmp_path / "sftp-root"
    (root / "incoming").mkdir(parents=True)
    (root / "incoming" / "products.xml").write_text("<rss>an earlier upload</rss>", encoding="utf-8")
    running = SftpServer(root, server_kind)
    try:
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        monkeypatch.setenv("FEEDSYNC_SFTP_PASSWORD", PASSWORD)
        running.known_hosts(work / "known_hosts")
        _sftp_project(work, running.port, ["A", "B"])
        result = CliRunner().invoke(app, ["push"])
        assert result.exit_code == 0, result.output
        assert (root / "incoming" / "products.xml").read_bytes() == (work / "out" / "google.xml").read_bytes()
    finally:
        running.close()


def test_a_server_that_cannot_be_reached_to_count_its_feed_fails_the_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No push recorded and the server unreachable: counting its feed fails as the upload would (DST006, exit 3,
    the feed published before stays), with no traceback and no password."""
    import socket
    import time

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("FEEDSYNC_SFTP_PASSWORD", PASSWORD)
    (work / "known_hosts").write_text("", encoding="utf-8")
    _sftp_project(work, port, ["A"])
    result = CliRunner().invoke(app, ["push"])
    assert result.exit_code == 3, result.output
    assert "DST006" in result.output and "could not be read" in result.output
    assert "Traceback" not in result.output and PASSWORD not in result.output
