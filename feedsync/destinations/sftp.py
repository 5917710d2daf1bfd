"""The ``sftp`` destination: upload the feed file (e.g. to Google Merchant Center's SFTP server) under a
temporary name, then rename it into place, so the server never picks up half a file.

paramiko is imported here only, lazily, so other commands stay fast. The server's host key must be known
(``known_hosts`` in the config, else the user's ``~/.ssh/known_hosts``): an unknown key is refused.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from feedsync.config import SftpDestination
from feedsync.destinations.base import FilePublisher
from feedsync.destinations.http import with_retries
from feedsync.errors import ConfigError, RemoteError, RetriableRemoteError
from feedsync.faults import checkpoint
from feedsync.secrets import mask

logging.getLogger("paramiko").addHandler(logging.NullHandler())
# paramiko's transport thread logs what ended a connection at ERROR, with its traceback (a server that is no SSH
# server, a dropped banner): with no handler of the application's on the way, Python's last resort printed them on
# stderr, unmasked. The failure is told once, by the publish's error.

ATTEMPTS = 3
"""Uploads tried in all when the connection fails (the retry policy of ``feedsync.destinations.http``)."""
OPERATION_TIMEOUT = 60.0
"""Seconds an SFTP server may take over one request (a write, a rename, a listing): one that stops answering
after the login fails the attempt, where a push from cron would otherwise wait for ever, holding its lock."""
HELD_LIMIT = 5 * 1024**3
"""Bytes of a held feed read at most (Merchant Center takes files of 4 GB at most)."""
_CHUNK = 1024 * 1024
_UPLOADING = ".uploading"
"""Files are uploaded as ``.<name>.uploading`` and renamed into place."""
_PREVIOUS = ".previous"
"""On a server whose rename does not replace, the published file is moved aside as ``.<name>.previous`` while the
upload is renamed into place, and put back if that fails."""


class SftpPublisher(FilePublisher):
    def __init__(self, config: SftpDestination) -> None:
        self.config = config

    def describe(self) -> str:
        return f"sftp://{self.config.username}@{self.config.host}:{self.config.port}/{self.config.remote_dir}"

    def publish(
        self, feed: Path, default_name: str, parts: Sequence[Path] = (), part_names: re.Pattern[str] | None = None
    ) -> str:
        """Upload ``feed`` and the further documents ``parts`` of a split feed, then remove the remote files
        matching ``part_names`` the feed no longer has, in the order ``DirectoryPublisher.publish`` explains (new
        parts, the main file as the commit point, then the stale parts). A retry or the next push redoes it all."""
        name = self.config.filename or default_name
        try:
            return with_retries(
                lambda: self._upload(feed, name, parts, part_names), attempts=ATTEMPTS, backoff=2.0, max_wait=30.0
            )
        except RetriableRemoteError as exc:
            raise RemoteError(f"sftp upload to {self.describe()} failed: {exc}") from None

    def _client(self) -> Any:
        try:
            import paramiko
        except ImportError:  # pragma: no cover - the sftp extra is missing
            raise ConfigError("the sftp destination needs paramiko: pip install 'feedsync[sftp]'") from None
        client = paramiko.SSHClient()
        if self.config.known_hosts is not None:
            client.load_host_keys(str(self.config.known_hosts))
        else:
            client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        return client

    def count_held(self, default_name: str, count: Callable[[Path], int]) -> tuple[int, str] | None:
        """``count`` of the feed the server holds under the feed's name (downloaded to a temporary file, removed
        after), and its address; None where the server holds none. A RemoteError where the server cannot be asked
        (after the retries a publish has): the publish would fail alike."""
        name = self.config.filename or default_name
        try:
            return with_retries(lambda: self._count(name, count), attempts=ATTEMPTS, backoff=2.0, max_wait=30.0)
        except RetriableRemoteError as exc:
            raise RemoteError(f"sftp: the feed {self.describe()} holds could not be read: {exc}") from None

    def _count(self, name: str, count: Callable[[Path], int]) -> tuple[int, str] | None:
        with self._session() as (sftp, directory), tempfile.TemporaryDirectory(prefix="feedsync-held-") as folder:
            local = Path(folder) / Path(name).name  # (its extension tells the count how to read it)
            try:
                remote = sftp.open(f"{directory}/{name}", "rb")
                with remote, local.open("wb") as out:
                    remote.prefetch()
                    size = 0
                    while chunk := remote.read(_CHUNK):
                        size += len(chunk)
                        if size > HELD_LIMIT:  # a server that sends without end: nothing to count
                            return None
                        out.write(chunk)
            except OSError:  # none held, or an upload box that lets none be read (no such file, denied, failure)
                return None
            return count(local), f"{self.describe().rstrip('/')}/{name}"

    def _upload(self, feed: Path, name: str, parts: Sequence[Path], part_names: re.Pattern[str] | None) -> str:
        with self._session() as (sftp, directory):
            for part in parts:
                _put(sftp, part, directory, part.name)
            _put(sftp, feed, directory, name)
            names = {name, *(part.name for part in parts)}
            for entry in sftp.listdir_attr(directory):
                # A part the feed no longer has, or the upload (or the file moved aside) of one a killed run left
                # (the others were overwritten and renamed above).
                suffix = next((end for end in (_UPLOADING, _PREVIOUS) if entry.filename.endswith(end)), "")
                upload = entry.filename.startswith(".") and bool(suffix)
                plain = entry.filename[1 : -len(suffix)] if upload else entry.filename
                ours = plain in names or (part_names is not None and part_names.fullmatch(plain) is not None)
                stale = upload or plain not in names
                if ours and stale and stat.S_ISREG(entry.st_mode or 0):
                    sftp.remove(f"{directory}/{entry.filename}")
                    checkpoint("sftp.stale-removed")
            return f"{self.describe().rstrip('/')}/{name}"

    @contextlib.contextmanager
    def _session(self) -> Iterator[tuple[Any, str]]:
        """An SFTP session on the server and its remote directory; the server's failures as the errors a publish
        tells (a host key or login refused: RemoteError; the rest RetriableRemoteError, masked)."""
        import paramiko

        kwargs: dict[str, Any] = {
            "hostname": self.config.host,
            "port": self.config.port,
            "username": self.config.username,
            "timeout": 30,
            "banner_timeout": 30,
            "auth_timeout": 30,
            "allow_agent": False,
            "look_for_keys": False,
        }
        if self.config.password is not None:
            kwargs["password"] = self.config.password.value()
        if self.config.private_key is not None:
            key_text = self.config.private_key.value()
            phrase = self.config.private_key_passphrase
            kwargs["pkey"] = _load_key(key_text, phrase.value() if phrase is not None else None)
        client = self._client()
        try:
            client.connect(**kwargs)
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(OPERATION_TIMEOUT)  # a server that stops answering: retried, then failed
            yield sftp, self.config.remote_dir.rstrip("/") or "."
            sftp.close()
        except paramiko.BadHostKeyException:
            raise RemoteError(f"sftp: the host key of {self.config.host} does not match known_hosts") from None
        except paramiko.SSHException as exc:
            message = mask(str(exc))
            if "not found in known_hosts" in message or ("Server" in message and "not found" in message):
                raise RemoteError(f"sftp: {self.config.host}'s host key is unknown; add it to known_hosts") from None
            if isinstance(exc, paramiko.AuthenticationException):
                raise RemoteError(f"sftp: authentication to {self.config.host} failed") from None
            raise RetriableRemoteError(f"sftp: {message}") from None
        except (TimeoutError, OSError) as exc:
            raise RetriableRemoteError(f"sftp: {mask(str(exc))}") from None
        finally:
            client.close()


def _put(sftp: Any, source: Path, directory: str, name: str) -> None:
    """Upload under a temporary name, then rename into place (a reader never sees half a file)."""
    target = f"{directory}/{name}"
    temporary = f"{directory}/.{name}{_UPLOADING}"
    sftp.put(str(source), temporary, confirm=True)
    checkpoint("sftp.uploaded")
    try:
        sftp.posix_rename(temporary, target)
    except OSError:  # servers without posix-rename, whose rename does not replace: move the old file aside first
        aside = f"{directory}/.{name}{_PREVIOUS}"
        with contextlib.suppress(OSError):
            sftp.remove(aside)
        moved = True
        try:
            sftp.rename(target, aside)
        except OSError:  # no file there yet, or a server that refuses rename (then the old file stays)
            moved = False
        try:
            sftp.rename(temporary, target)
        except OSError:
            if moved:  # the file that was published stays published
                sftp.rename(aside, target)
            raise
        if moved:
            with contextlib.suppress(OSError):
                sftp.remove(aside)
    checkpoint("sftp.renamed")


def _load_key(text: str, passphrase: str | None) -> Any:
    """The private key in ``text``, opened with ``passphrase`` when it is encrypted; a ConfigError (naming neither)
    when it cannot be read."""
    import paramiko

    encrypted = False
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            encrypted = True
        except paramiko.SSHException:
            continue
    if encrypted:
        raise ConfigError("the sftp private key is encrypted: give its passphrase as private_key_passphrase")
    if passphrase is not None:
        raise ConfigError(
            "the sftp private key does not open with private_key_passphrase (a wrong passphrase?), or is not an "
            "Ed25519, ECDSA or RSA key in OpenSSH/PEM form"
        )
    raise ConfigError("the sftp private key is not an Ed25519, ECDSA or RSA key in OpenSSH/PEM form")
