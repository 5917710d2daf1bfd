"""The ``sftp`` destination: upload the feed file (e.g. to Google Merchant Center's SFTP server) under a
temporary name, then rename it into place, so the server never picks up half a file.

paramiko is imported here only, lazily, so other commands stay fast. The server's host key must be known
(``known_hosts`` in the config, else the user's ``~/.ssh/known_hosts``): an unknown key is refused.
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from feedsync.config import SftpDestination
from feedsync.errors import ConfigError, RemoteError, RetriableRemoteError
from feedsync.secrets import mask


class SftpPublisher:
    def __init__(self, config: SftpDestination) -> None:
        self.config = config

    def describe(self) -> str:
        return f"sftp://{self.config.username}@{self.config.host}:{self.config.port}/{self.config.remote_dir}"

    def publish(self, feed: Path, default_name: str) -> str:
        name = self.config.filename or default_name
        retrying = Retrying(
            retry=retry_if_exception_type(RetriableRemoteError),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=2, max=30),
            sleep=lambda s: time.sleep(s),
            reraise=True,
        )
        try:
            return retrying(self._upload, feed, name)
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

    def _upload(self, feed: Path, name: str) -> str:
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
            kwargs["pkey"] = _load_key(key_text)
        client = self._client()
        try:
            client.connect(**kwargs)
            sftp = client.open_sftp()
            directory = self.config.remote_dir.rstrip("/") or "."
            target = f"{directory}/{name}"
            temporary = f"{directory}/.{name}.uploading"
            sftp.put(str(feed), temporary, confirm=True)
            try:
                sftp.posix_rename(temporary, target)
            except OSError:  # servers without posix-rename: replace in two steps
                with contextlib.suppress(OSError):
                    sftp.remove(target)
                sftp.rename(temporary, target)
            sftp.close()
            return f"{self.describe().rstrip('/')}/{name}"
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


def _load_key(text: str) -> Any:
    import paramiko

    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except paramiko.SSHException:
            continue
    raise ConfigError("the sftp private key is not an Ed25519, ECDSA or RSA key in OpenSSH/PEM form")
