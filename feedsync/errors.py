"""The exception hierarchy, grouped by what the caller should do.

Findings about data are not exceptions (see ``feedsync.diagnostics``); these abort an operation.
"""

from __future__ import annotations


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM (a cron's ``timeout``, a container stopped): it stops as Ctrl-C stops it, its
    runs recorded as interrupted and no half-written file left behind, and exits 143."""


class FeedsyncError(Exception):
    """Base class of every error feedsync raises on purpose."""

    exit_code = 2


class ConfigError(FeedsyncError):
    """The config file, a channel profile or a command-line option is unusable: fix it and rerun."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = ""
        if path:
            where = path
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.bare_message = message


class SourceError(FeedsyncError):
    """A source file cannot be read at all (missing, wrong format, undecodable)."""


class OutputError(FeedsyncError, OSError):
    """A file feedsync writes locally (a feed under output_dir, a report) cannot be written: a full disk, a
    folder that is a file, no permission. Writes are atomic, so the previous file stays as it was. Also an
    ``OSError``, so code that handles failed writes (a publisher) still sees one."""

    def __init__(self, message: str, cause: OSError) -> None:
        OSError.__init__(self, cause.errno, cause.strerror, cause.filename)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[OutputError], tuple[str, OSError]]:  # (a channel split's process hands it back)
        return OutputError, (self.message, OSError(self.errno, self.strerror, self.filename))


class RemoteError(FeedsyncError):
    """A remote operation failed for good (after retries, or not retriable)."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None, after: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.after = after
        """What becomes of the changes not sent, when not that the next push sends them."""


class AuthError(RemoteError):
    """The channel or marketplace would not let feedsync in: its token endpoint failed or refused the credentials,
    or it answered 401/403 to a fresh token. Every further request of the run would fail the same way, so loops
    that go on past one item's failure stop at this one."""


class RetriableRemoteError(RemoteError):
    """A remote operation failed in a way that may succeed when retried (429, 5xx, timeouts). ``unsent``: the
    server cannot have acted on it (a 429, a connection never made). ``wait_reason``: where ``retry_after`` came
    from, in the words a log line gives it (``as its Retry-After asks``)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        unsent: bool = False,
        wait_reason: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.unsent = unsent
        self.wait_reason = wait_reason


class OrderRejected(RemoteError):
    """The store refused one order (a product it does not have, a field it will not take): that order is held
    and retried on the next run; the others go on."""


class AlreadyDone(FeedsyncError):
    """Raised by a request's ``before_resend`` (``Requester.request``): an attempt that failed as far as feedsync
    could tell did what it was sent to do after all (the store holds the order it was to create), so it is not sent
    again; ``ref`` is what the server made of it."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"done already: {ref}")
        self.ref = ref


class StateError(FeedsyncError):
    """The state database is unusable (corrupt, from a newer feedsync)."""
