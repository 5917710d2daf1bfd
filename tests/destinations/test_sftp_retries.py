"""SFTP retries with the HTTP layer's one retry policy (``feedsync.destinations.http.with_retries``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedsync.config import SftpDestination
from feedsync.destinations import http
from feedsync.destinations.sftp import ATTEMPTS, SftpPublisher
from feedsync.errors import RemoteError, RetriableRemoteError


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(http, "_sleep", slept.append)
    monkeypatch.setattr(http.random, "random", lambda: 0.0)  # the jitter at its smallest: half the backoff
    return slept


def _publisher(monkeypatch: pytest.MonkeyPatch, failures: list[RetriableRemoteError]) -> list[str]:
    calls: list[str] = []

    def upload(self: SftpPublisher, feed: Path, name: str, *rest: Any) -> str:
        calls.append(name)
        if failures:
            raise failures.pop(0)
        return f"uploaded {name}"

    monkeypatch.setattr(SftpPublisher, "_upload", upload)
    return calls


def _config(tmp_path: Path) -> SftpDestination:
    (tmp_path / "pw").write_text("p", encoding="utf-8")
    return SftpDestination.model_validate(
        {"type": "sftp", "host": "127.0.0.1", "username": "u", "password": {"file": tmp_path / "pw"}}
    )


def test_a_failed_connection_is_retried_with_jittered_backoff_and_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    calls = _publisher(monkeypatch, [RetriableRemoteError("reset"), RetriableRemoteError("busy", retry_after=7.0)])
    assert SftpPublisher(_config(tmp_path)).publish(tmp_path / "feed.xml", "feed.xml") == "uploaded feed.xml"
    assert calls == ["feed.xml"] * 3
    assert waits == [1.0, 7.0]  # backoff 2 s with the jitter at half; then the server's own Retry-After


def test_it_gives_up_after_the_attempts_with_a_remote_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    calls = _publisher(monkeypatch, [RetriableRemoteError(f"reset {n}") for n in range(5)])
    with pytest.raises(RemoteError, match=r"sftp upload to sftp://u@127\.0\.0\.1:22/.* failed: reset 2"):
        SftpPublisher(_config(tmp_path)).publish(tmp_path / "feed.xml", "feed.xml")
    assert len(calls) == ATTEMPTS == 3
    assert waits == [1.0, 2.0]
